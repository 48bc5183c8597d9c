//! Sentence segmentation, batch and incremental.
//!
//! One scanner serves both: [`split`] is `push` + `flush` of a [`Segmenter`], so `:SpeakJa`
//! and auto-speak cut text identically. A boundary is confirmed only when the text after it
//! is known (the next non-space character decides `e.g. the` vs `tests. The`), so a growing
//! text yields each sentence exactly once, as soon as it is certain.

use unicode_width::UnicodeWidthChar;

/// A sentence longer than this (in chars) is cut at a space: keeps memory and speech bounded
/// when a text has no punctuation at all.
pub const MAX_CHARS: usize = 600;

/// Abbreviations whose period never ends a sentence (compared lowercased, dots inside kept).
const NEVER_ENDS: &[&str] = &[
    "e.g", "i.e", "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "vs", "cf", "fig", "approx", "no", "vol", "ca",
    "resp", "incl", "esp",
];

/// Split text into sentences (raw: markdown and bullets kept; see `clean`).
pub fn split(text: &str) -> Vec<String> {
    Sentences::new(text).collect()
}

/// The sentences of a whole text, cut one at a time as they are asked for: a caller that
/// stops early (a full queue) never pays for the rest.
pub struct Sentences {
    seg: Segmenter,
}

impl Sentences {
    pub fn new(text: &str) -> Self {
        let mut seg = Segmenter::new();
        seg.buf.extend(text.chars());
        Self { seg }
    }
}

impl Iterator for Sentences {
    type Item = String;

    fn next(&mut self) -> Option<String> {
        self.seg.next_sentence(true).or_else(|| self.seg.rest())
    }
}

/// Incremental segmenter: feed text as it grows, get sentences as soon as they are complete.
#[derive(Debug, Default)]
pub struct Segmenter {
    buf: Vec<char>,
    /// Where the pending text starts in `buf`: cut sentences are skipped, not shifted out,
    /// so cutting n sentences costs O(text), not O(n × text).
    start: usize,
}

enum Scan {
    /// Sentence is `buf[..end]`; the rest starts at `next`.
    Break { end: usize, next: usize },
    /// Not enough text to decide at some position.
    Wait,
    /// No boundary in the whole buffer.
    None,
}

enum LineStart {
    Marker,
    NeedMore,
    Plain,
}

impl Segmenter {
    pub fn new() -> Self {
        Self::default()
    }

    /// Append text (newlines allowed; a blank line is a paragraph break) and return every
    /// sentence that is now complete.
    pub fn push(&mut self, text: &str) -> Vec<String> {
        self.buf.drain(..self.start);
        self.start = 0;
        self.buf.extend(text.chars());
        std::iter::from_fn(|| self.next_sentence(false)).collect()
    }

    /// End of text: return everything still pending.
    pub fn flush(&mut self) -> Vec<String> {
        let mut out: Vec<String> = std::iter::from_fn(|| self.next_sentence(true)).collect();
        out.extend(self.rest());
        out
    }

    /// Drop pending text (it turned out not to be prose).
    pub fn discard(&mut self) {
        self.buf.clear();
        self.start = 0;
    }

    /// The next complete sentence, skipping boundaries that leave nothing to say.
    fn next_sentence(&mut self, last: bool) -> Option<String> {
        loop {
            let pending = &self.buf[self.start..];
            let Scan::Break { end, next } = scan(pending, last) else {
                return None;
            };
            let sentence = normalized(&pending[..end]);
            self.start += next.min(pending.len());
            if sentence.is_some() {
                return sentence;
            }
        }
    }

    /// What is left after the last boundary, as one sentence.
    fn rest(&mut self) -> Option<String> {
        let rest = normalized(&self.buf[self.start..]);
        self.discard();
        rest
    }
}

fn scan(b: &[char], last: bool) -> Scan {
    let n = b.len();
    let mut i = 0;
    while i < n {
        if i >= MAX_CHARS {
            return cut_long(b);
        }
        let c = b[i];
        if c == '\n' {
            if is_heading_line(b, i) {
                return Scan::Break { end: i, next: i + 1 };
            }
            let j = skip(b, i + 1, |c| c == ' ' || c == '\t' || c == '\r');
            if j == n {
                if !last {
                    return Scan::Wait;
                }
            } else if b[j] == '\n' {
                return Scan::Break { end: i, next: j + 1 };
            } else {
                match line_start(&b[j..]) {
                    LineStart::Marker => return Scan::Break { end: i, next: j },
                    LineStart::NeedMore if !last => return Scan::Wait,
                    _ => {}
                }
            }
            i = j;
            continue;
        }
        if matches!(c, '。' | '！' | '？') {
            let k = skip(&b[..n.min(MAX_CHARS)], i + 1, is_closer);
            if k == n && !last {
                return Scan::Wait;
            }
            return Scan::Break { end: k, next: k };
        }
        if matches!(c, '.' | '!' | '?' | '…') {
            // Runs are followed only to the bound: a sentence is cut there anyway, and a
            // scan that ran to the end of `!!!…` for every bound would be quadratic.
            let near = &b[..n.min(MAX_CHARS + 1)];
            let run_end = skip(near, i + 1, |c| matches!(c, '.' | '!' | '?' | '…'));
            let k = skip(near, run_end, is_closer);
            if k == n {
                if !last {
                    return Scan::Wait;
                }
                i = k;
                continue;
            }
            if !b[k].is_whitespace() {
                i = k;
                continue;
            }
            let m = skip(b, k, char::is_whitespace);
            if has_blank_line(&b[k..m]) {
                return Scan::Break { end: k, next: k };
            }
            if m == n {
                if !last {
                    return Scan::Wait;
                }
                i = m;
                continue;
            }
            let single_period = c == '.' && run_end == i + 1;
            if ends_sentence(b, i, single_period, &b[m..]) {
                return Scan::Break { end: k, next: k };
            }
            i = k;
            continue;
        }
        i += 1;
    }
    // A run of terminators may have carried `i` past the bound to the end.
    if n > MAX_CHARS {
        return cut_long(b);
    }
    Scan::None
}

/// A sentence too long to wait for: cut at the last space before the bound, or hard at it.
fn cut_long(b: &[char]) -> Scan {
    match b[..MAX_CHARS].iter().rposition(|c| c.is_whitespace()).filter(|&p| p > 0) {
        Some(p) => Scan::Break { end: p, next: p + 1 },
        None => Scan::Break { end: MAX_CHARS, next: MAX_CHARS },
    }
}

/// Decide whether the terminator at `i`, followed by space and then `rest`, ends a sentence.
fn ends_sentence(b: &[char], i: usize, single_period: bool, rest: &[char]) -> bool {
    let next = rest[0];
    let start = b[..i]
        .iter()
        .rposition(|c| c.is_whitespace() || matches!(c, '(' | '[' | '"' | '\'' | '`' | '“'))
        .map_or(0, |p| p + 1);
    let token: String = b[start..i].iter().collect::<String>().to_lowercase();
    if next.is_lowercase() {
        // "Done. fetch() now retries", "(a second or two). pip install runs": agents start
        // sentences with identifiers and commands in lower case; "e.g. the", "approx. two",
        // "etc. are" and "step 2. then" go on. A plain word counts only after a word.
        let word = token.trim_end_matches(is_closer);
        // "…is 2.675. round() sees", "…at v0.27.0. httpx.Client is": a decimal or a version
        // is never an abbreviation, so its period ends the sentence before any word; a bare
        // integer ("step 2. then") does only before an identifier.
        let number = word.strip_prefix('v').unwrap_or(word);
        if !number.is_empty()
            && number.starts_with(|c: char| c.is_ascii_digit())
            && number.chars().all(|c| c.is_ascii_digit() || matches!(c, '.' | ','))
        {
            return single_period && (number.contains('.') || is_code_token(rest));
        }
        // "…instead of 15 s. requests can": a unit after a number.
        if single_period && UNITS.contains(&word) && number_before(b, start) {
            return true;
        }
        let word_like = word.chars().count() >= 2 && word.chars().all(char::is_alphabetic);
        return word_like && !NEVER_ENDS.contains(&word) && word != "etc" && (single_period || is_code_token(rest));
    }
    if !single_period {
        return true;
    }
    // A period standing alone is code (`COPY . /app`, `ruff check .`): it ends a sentence
    // only before a capital.
    if token.is_empty() {
        return next.is_uppercase();
    }
    if NEVER_ENDS.contains(&token.as_str()) {
        return false;
    }
    // An initial ("J. Smith"), but not a digit ("step 2. Then").
    let mut chars = b[start..i].iter();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        if c.is_ascii_uppercase() {
            return false;
        }
    }
    // "etc." ends the sentence only when a capital follows.
    token != "etc" || next.is_uppercase()
}

/// Units written after a number, whose period ends a sentence ("in 15 s. requests").
const UNITS: &[&str] = &["s", "ms", "µs", "us", "ns", "min", "h", "kb", "mb", "gb", "tb", "%"];

/// Whether the word before `b[start..]` is a number (`15 s`).
fn number_before(b: &[char], start: usize) -> bool {
    let end = b[..start].iter().rposition(|c| !c.is_whitespace()).map_or(0, |p| p + 1);
    let from = b[..end].iter().rposition(|c| c.is_whitespace()).map_or(0, |p| p + 1);
    end > from && b[from..end].iter().all(|c| c.is_ascii_digit() || matches!(c, '.' | ','))
}

/// The word at the start of `rest` is code: `fetch()`, `parse_args`, `config.yaml`, `getUser`.
fn is_code_token(rest: &[char]) -> bool {
    let end = rest.iter().position(|c| c.is_whitespace()).unwrap_or(rest.len());
    let word = rest[..end].iter().collect::<String>();
    let word = word.trim_end_matches([',', ';', ':', '.', '!', '?']);
    let inner = |cs: &[char]| word.trim_matches(|c: char| !c.is_alphanumeric()).contains(cs);
    word.contains('(') || inner(&['_', '.', '/', ':']) || word.chars().skip(1).any(char::is_uppercase)
}

/// Does a new line start a unit of its own (list item, heading, quote, table row)?
fn line_start(s: &[char]) -> LineStart {
    let Some(&c) = s.first() else {
        return LineStart::NeedMore;
    };
    let after = |k: usize| match s.get(k) {
        None => LineStart::NeedMore,
        Some(' ') => LineStart::Marker,
        Some(_) => LineStart::Plain,
    };
    match c {
        '-' | '*' | '+' | '•' | '>' => after(1),
        '|' | '│' => LineStart::Marker,
        '#' => after(skip(s, 0, |c| c == '#')),
        d if d.is_ascii_digit() => {
            let k = skip(s, 0, |c| c.is_ascii_digit());
            if k > 3 {
                return LineStart::Plain;
            }
            match s.get(k) {
                None => LineStart::NeedMore,
                Some('.') | Some(')') => after(k + 1),
                Some(_) => LineStart::Plain,
            }
        }
        _ => LineStart::Plain,
    }
}

/// Does the line ending at `end` start with a markdown heading marker?
fn is_heading_line(b: &[char], end: usize) -> bool {
    let start = b[..end].iter().rposition(|&c| c == '\n').map_or(0, |p| p + 1);
    let s = skip(b, start, |c| c == ' ');
    let h = skip(b, s, |c| c == '#');
    h > s && h < end && b[h] == ' '
}

fn has_blank_line(ws: &[char]) -> bool {
    let mut newlines = ws.iter().filter(|&&c| c == '\n');
    newlines.next().is_some() && newlines.next().is_some()
}

fn skip(b: &[char], from: usize, pred: impl Fn(char) -> bool) -> usize {
    let mut k = from;
    while k < b.len() && pred(b[k]) {
        k += 1;
    }
    k
}

fn is_closer(c: char) -> bool {
    matches!(c, '"' | '\'' | '”' | '’' | ')' | ']' | '}' | '»' | '」' | '』' | '）' | '】' | '*' | '_' | '`')
}

fn is_wide(c: char) -> bool {
    c.width().unwrap_or(0) >= 2
}

/// Collapse whitespace; a line break between two wide (CJK) characters disappears, since
/// Japanese wraps without spaces. `None` when only whitespace is left.
fn normalized(chars: &[char]) -> Option<String> {
    let mut s = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            let j = skip(chars, i, char::is_whitespace);
            let newline = chars[i..j].contains(&'\n');
            let joins_cjk =
                newline && s.chars().last().is_some_and(is_wide) && chars.get(j).is_some_and(|&c| is_wide(c));
            if !s.is_empty() && j < chars.len() && !joins_cjk {
                s.push(' ');
            }
            i = j;
        } else {
            s.push(c);
            i += 1;
        }
    }
    (!s.is_empty()).then_some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_sentence_is_longer_than_the_bound() {
        let closers = format!("あ。{}", "」".repeat(3000));
        for text in ["!".repeat(5000), "x".repeat(5000), format!("a{}b", "…".repeat(3000)), ". ".repeat(3000), closers]
        {
            let longest = split(&text).iter().map(|s| s.chars().count()).max().unwrap_or(0);
            assert!(longest <= MAX_CHARS, "{longest} chars from {:?}…", text.chars().take(10).collect::<String>());
        }
    }

    #[test]
    fn abbreviations_numbers_files() {
        let t = "Use a cache, e.g. Redis, i.e. a server. Mr. Smith met Dr. Jones. \
                 Bump to v0.12.0 today. It takes 3.5 s now. Edit lib.rs and parse_args.py first. \
                 Apples, pears, etc. are fruit. We tried apples, pears, etc. The end. \
                 Done. fetch() retries now. Fixed. parse_args is next, i.e. main.rs comes last. \
                 COPY . /app copies it all. Run ruff check . Then commit. It reached 1.00499999... after ten steps. \
                 The total is 23.79. total() returns a Decimal. Read step 2. then go on. \
                 Pin it at v0.27.0. httpx.Client is next. On urllib3 1.26.18. urllib3 2.x is newer. \
                 It took 15 s. requests can wait.";
        assert_eq!(
            split(t),
            [
                "Use a cache, e.g. Redis, i.e. a server.",
                "Mr. Smith met Dr. Jones.",
                "Bump to v0.12.0 today.",
                "It takes 3.5 s now.",
                "Edit lib.rs and parse_args.py first.",
                "Apples, pears, etc. are fruit.",
                "We tried apples, pears, etc.",
                "The end.",
                "Done.",
                "fetch() retries now.",
                "Fixed.",
                "parse_args is next, i.e. main.rs comes last.",
                "COPY . /app copies it all.",
                "Run ruff check .",
                "Then commit.",
                "It reached 1.00499999... after ten steps.",
                "The total is 23.79.",
                "total() returns a Decimal.",
                "Read step 2. then go on.",
                "Pin it at v0.27.0.",
                "httpx.Client is next.",
                "On urllib3 1.26.18.",
                "urllib3 2.x is newer.",
                "It took 15 s.",
                "requests can wait.",
            ]
        );
    }

    #[test]
    fn ellipses_quotes_parens() {
        let t = "Wait... what happened? He said \"stop.\" Then (briefly.) It ended… Next one!";
        assert_eq!(
            split(t),
            ["Wait... what happened?", "He said \"stop.\"", "Then (briefly.)", "It ended…", "Next one!"]
        );
    }

    #[test]
    fn japanese_terminators_and_wrapping() {
        assert_eq!(
            split("キャッシュは速い。「本当？」と聞いた！残り"),
            ["キャッシュは速い。", "「本当？」", "と聞いた！", "残り"]
        );
        assert_eq!(split("これは長い\n文です。"), ["これは長い文です。"]);
    }

    #[test]
    fn newlines_paragraphs_lists() {
        let t = "First line wraps\nhere. Second\n\nNew paragraph without period\n- item one\n- item two\n  continues.\n1. numbered\n2) other\n# Heading\ntext";
        assert_eq!(
            split(t),
            [
                "First line wraps here.",
                "Second",
                "New paragraph without period",
                "- item one",
                "- item two continues.",
                "1. numbered",
                "2) other",
                "# Heading",
                "text",
            ]
        );
    }

    #[test]
    fn incremental_emits_once_and_early() {
        let mut s = Segmenter::new();
        assert!(s.push("The cache sits here").is_empty());
        // A period alone is not enough: what follows decides.
        assert!(s.push(". ").is_empty());
        assert_eq!(s.push("It keeps"), ["The cache sits here."]);
        assert!(s.push(" data, e.g. the user.").is_empty());
        // Sentence at the end waits for what follows.
        assert!(s.push("\n").is_empty());
        assert_eq!(s.push("\n"), ["It keeps data, e.g. the user."]);
        assert!(s.push("- a list item").is_empty());
        assert_eq!(s.push("\n- b"), ["- a list item"]);
        assert_eq!(s.flush(), ["- b"]);
        assert!(s.flush().is_empty());
    }

    #[test]
    fn incremental_matches_batch_on_any_chunking() {
        let t = "One. Two e.g. three.\nFour v1.2.3 five?\n\n- six\n- seven.\nEight… nine! 十。十一";
        let whole = split(t);
        let chars: Vec<char> = t.chars().collect();
        for step in 1..6 {
            let mut s = Segmenter::new();
            let mut got = Vec::new();
            for chunk in chars.chunks(step) {
                got.extend(s.push(&chunk.iter().collect::<String>()));
            }
            got.extend(s.flush());
            assert_eq!(got, whole, "chunk size {step}");
        }
    }

    #[test]
    fn long_text_without_punctuation_is_cut() {
        let t = "word ".repeat(1000);
        let out = split(&t);
        assert!(out.len() > 5);
        assert!(out.iter().all(|s| s.chars().count() <= MAX_CHARS));
        let nospace = "x".repeat(2000);
        assert_eq!(split(&nospace).concat(), nospace);
    }
}

//! Readings for the Latin-script parts of a sentence (issue #13). jpreprocess spells Latin
//! letters one by one (`json` → ジェー、エス、オー、エヌ), so code words, identifiers,
//! acronyms, paths, hashes and units become katakana or Japanese it reads the way an
//! engineer says them. Japanese text passes through unchanged; Arabic digits stay where
//! jpreprocess reads them well.

mod cmu;
mod kana;
mod loan;
mod words;

use std::collections::HashMap;

/// The user's readings (matched case-insensitively on whole tokens and identifier parts),
/// which win over every built-in rule.
#[derive(Debug, Clone, Default)]
pub struct Readings {
    user: HashMap<String, String>,
}

/// Makes the first lookups in the English pronunciation dictionary as fast as the rest (its
/// pages faulted in); idempotent, and readings work without it. Meant for a background thread
/// at startup.
pub fn prepare() {
    cmu::prepare();
    loan::prepare();
}

/// The rest of the line that starts with `word ` in `data`, sorted bytewise by its first
/// field: a binary search over the embedded bytes, nothing parsed or built beforehand.
fn search(data: &'static [u8], word: &str) -> Option<&'static [u8]> {
    let key = word.as_bytes();
    let (mut lo, mut hi) = (0, data.len());
    while lo < hi {
        let mid = (lo + hi) / 2;
        let start = data[lo..mid].iter().rposition(|&b| b == b'\n').map_or(lo, |p| lo + p + 1);
        let end = data[start..hi].iter().position(|&b| b == b'\n').map_or(hi, |p| start + p);
        let line = &data[start..end];
        let space = line.iter().position(|&b| b == b' ')?;
        match line[..space].cmp(key) {
            std::cmp::Ordering::Equal => return Some(&line[space + 1..]),
            std::cmp::Ordering::Less => lo = end + 1,
            std::cmp::Ordering::Greater => hi = start,
        }
    }
    None
}

/// Said instead of a git hash or a UUID.
const HASH: &str = "ハッシュ省略";

impl Readings {
    pub fn new(user: HashMap<String, String>) -> Self {
        let user = user.into_iter().map(|(k, v)| (k.to_lowercase(), v)).collect();
        Self { user }
    }

    /// `text` with every run of printable ASCII replaced by its reading. Spaces next to such
    /// a run go too: jpreprocess pauses at each space, and Japanese needs none there.
    pub fn spoken(&self, text: &str) -> String {
        let class = |d: char| match d {
            d if d.is_ascii_graphic() => 0,
            d if d.is_whitespace() => 1,
            _ => 2,
        };
        let mut out = String::with_capacity(text.len() * 2);
        let mut rest = text;
        let mut after_latin = false;
        while let Some(c) = rest.chars().next() {
            let k = class(c);
            let (run, tail) = rest.split_at(rest.find(|d| class(d) != k).unwrap_or(rest.len()));
            match k {
                0 => out += &self.token(run),
                1 if after_latin || tail.starts_with(|d: char| d.is_ascii_graphic()) => {}
                _ => out += run,
            }
            after_latin = k == 0;
            rest = tail;
        }
        out
    }

    /// One whitespace-free ASCII run: quotes and brackets dropped, sentence punctuation
    /// turned Japanese.
    fn token(&self, run: &str) -> String {
        const OPEN: &[char] = &['(', '[', '{', '"', '\'', '`', '<'];
        const CLOSE: &[char] = &['.', ',', ';', ':', '!', '?', ')', ']', '}', '"', '\'', '`', '>'];
        // A Rust macro's `!` belongs to its name (`println!`, `assert_eq!`): no exclamation.
        let run = run.strip_suffix('!').filter(|name| is_macro(name.trim_start_matches(OPEN))).unwrap_or(run);
        let body = run.trim_end_matches(CLOSE);
        let punct = match &run[body.len()..] {
            t if t.contains(['.', '!', '?']) => "。",
            t if t.contains([',', ';', ':']) => "、",
            _ => "",
        };
        let core = body.trim_start_matches(OPEN);
        format!("{}{punct}", self.core(core))
    }

    fn core(&self, w: &str) -> String {
        if w.is_empty() {
            return String::new();
        }
        if let Some(r) = self.known(w) {
            return r;
        }
        if is_hash(w) {
            return HASH.into();
        }
        if let Some(name) = url_host(w).or_else(|| path_tail(w)) {
            return self.opaque_parts(name);
        }
        number(w).unwrap_or_else(|| self.opaque_parts(w))
    }

    /// A name with its hashes and random ids said as [`HASH`], the rest read: the redaction
    /// keeps what is public (`_app-2b7c9d1e3f4a5b6c.js`, an SSH public key, a ULID), and
    /// nobody wants it spelled out letter by letter.
    fn opaque_parts(&self, w: &str) -> String {
        let opaque = |seg: &str| is_hash(seg) || (seg.len() >= 16 && crate::text::redact::looks_random(seg));
        let Some((start, seg)) = w
            .split(['-', '_', '.', '/', ':'])
            .map(|seg| (seg.as_ptr() as usize - w.as_ptr() as usize, seg))
            .find(|(_, s)| opaque(s))
        else {
            return self.name(w);
        };
        let (before, after) = (&w[..start], &w[start + seg.len()..]);
        let before = before.trim_end_matches(['-', '_', '/', ':']);
        let after = after.trim_start_matches(['-', '_', '/', ':']);
        let read =
            |s: &str| if s.chars().any(|c| c.is_ascii_alphanumeric()) { self.opaque_parts(s) } else { String::new() };
        format!("{}{HASH}{}", read(before), read(after))
    }

    /// User entry, then the built-in table.
    fn known(&self, w: &str) -> Option<String> {
        let user = self.user.get(&w.to_lowercase()).cloned();
        user.or_else(|| words::get(w).map(str::to_string))
    }

    /// An identifier: its parts read one by one, `.` read ドット between names.
    fn name(&self, w: &str) -> String {
        if let Some(r) = self.known(w) {
            return r;
        }
        let pieces = split_identifier(w);
        let mut out = String::new();
        for (i, &(sep, piece)) in pieces.iter().enumerate() {
            if let Some(n) = glued_number(&pieces, i) {
                out += &n;
                continue;
            }
            // A letter beside a number is said by name (a11y, l10n).
            let beside_number = |j: Option<usize>| {
                j.and_then(|j| pieces.get(j)).is_some_and(|p| !p.0 && p.1.starts_with(|c: char| c.is_ascii_digit()))
            };
            if !sep && piece.len() == 1 && (beside_number(i.checked_sub(1)) || beside_number(Some(i + 1))) {
                out += &kana::spell(piece);
                continue;
            }
            if !sep {
                out += &self.part(piece);
                continue;
            }
            let digit = |j: Option<usize>| {
                j.and_then(|j| pieces.get(j)).is_some_and(|p| p.1.starts_with(|c: char| c.is_ascii_digit()))
            };
            out += if digit(i.checked_sub(1)) && digit(Some(i + 1)) {
                piece // 3.11, 2024-01-15, 10:30
            } else {
                separator(piece)
            };
        }
        out
    }

    /// One part of an identifier, with an English -er/-or/-ar said long (キャパシター, not the
    /// dictionaries' キャパシタ), as engineers say it.
    fn part(&self, p: &str) -> String {
        let r = self.part_as_read(p);
        let lower = p.to_ascii_lowercase();
        let agent = lower.len() >= 4 && (lower.ends_with("er") || lower.ends_with("or") || lower.ends_with("ar"));
        if agent && r.ends_with(|c| "カガサザタダナハバパマラ".contains(c)) && self.known(p).is_none() {
            return r + "ー";
        }
        r
    }

    /// One part of an identifier: known, digits, spelled, derived or converted.
    fn part_as_read(&self, p: &str) -> String {
        if let Some(r) = self.known(p) {
            return r;
        }
        if p.bytes().all(|b| b.is_ascii_digit()) {
            return p.to_string();
        }
        let lower = p.to_ascii_lowercase();
        let acronym = p.len() <= 5 && p.bytes().all(|b| b.is_ascii_uppercase());
        // English's two-letter words are function words, all in the table: any other pair is
        // letters (io, ui, os, id); a capitalized pair in CamelCase may be a syllable (SpeakJa).
        let pair = p.len() == 2 && p.bytes().all(|b| b.is_ascii_lowercase());
        if acronym || p.len() == 1 || pair || !lower.contains(['a', 'e', 'i', 'o', 'u', 'y']) {
            return kana::spell(p);
        }
        // A loanword unless it is an inflection of a built-in table word, whose reading of the
        // stem wins (`fixed`: フィックス+ト, not JMdict's フィクスト).
        loan::get(&lower)
            .filter(|_| words::stem_of(&lower).is_none())
            .map(str::to_string)
            .or_else(|| cmu::whole_unless_inflected(&lower))
            .or_else(|| words::guess(&lower))
            .or_else(|| self.i_prefixed(&lower))
            .or_else(|| cmu::reading(&lower))
            .or_else(|| self.py_affixed(&lower))
            .or_else(|| self.letters(p, &lower))
            .or_else(|| loan::name(&lower).map(str::to_string))
            .unwrap_or_else(|| kana::katakana(&lower))
    }

    /// A short unknown word that cannot be said as spelled is letters (ncdu, gke, etcd), a
    /// known word then an x keeps the word (pipx, mobx); longer names keep e2k's reading
    /// (django, typst), whose unusual clusters come from other languages.
    fn letters(&self, p: &str, w: &str) -> Option<String> {
        if p.len() > 4 || pronounceable(w) {
            return None;
        }
        let stem = w.strip_suffix('x').filter(|s| s.len() >= 3);
        if let Some(stem) =
            stem.filter(|s| words::get(s).is_some() || loan::get(s).is_some() || cmu::phones(s).is_some())
        {
            return Some(format!("{}エックス", self.part(stem)));
        }
        Some(kana::spell(p))
    }

    /// An i or e before a dictionary word is the letter (ipython, inode, isort, egrep, epoll),
    /// as in Apple's and Unix's names; only for words no list has.
    fn i_prefixed(&self, w: &str) -> Option<String> {
        let (letter, rest) = w.split_at_checked(1)?;
        let name = match letter {
            "i" => "アイ",
            "e" => "イー",
            _ => return None,
        };
        if rest.len() < 4 || rest.starts_with(['a', 'e', 'i', 'o', 'u', 'y']) {
            return None;
        }
        let known = words::get(rest).is_some() || loan::get(rest).is_some() || cmu::phones(rest).is_some();
        known.then(|| format!("{name}{}", self.part(rest)))
    }

    /// Python's packages put `py` before or after a name (pyasn, pyproj, cupy, vcrpy): said パイ
    /// and the rest read on its own, for words no list has.
    fn py_affixed(&self, w: &str) -> Option<String> {
        if let Some(rest) = w.strip_prefix("py").filter(|r| !r.is_empty()) {
            return Some(format!("パイ{}", self.part(rest)));
        }
        let stem = w.strip_suffix("py").filter(|s| s.len() >= 2)?;
        // Two letters with a vowel are a syllable here (cupy クーパイ), not letters.
        let stem = if stem.len() == 2 && stem.contains(['a', 'e', 'i', 'o', 'u']) {
            kana::katakana(stem)
        } else {
            self.part(stem)
        };
        Some(format!("{stem}パイ"))
    }
}

/// A number of one or two digits glued to letters before it (or after a hyphen) is said in
/// English, as in the name (s3transfer エススリー, p99, i18next, GPT-4); numbers with three
/// digits or more (sha256) and one before `.`+digits (python3.11) stay for jpreprocess. Names
/// said otherwise (x86 ハチロク, arm64) are in the table.
fn glued_number(pieces: &[(bool, &str)], i: usize) -> Option<String> {
    const ONES: [&str; 20] = [
        "ゼロ",
        "ワン",
        "ツー",
        "スリー",
        "フォー",
        "ファイブ",
        "シックス",
        "セブン",
        "エイト",
        "ナイン",
        "テン",
        "イレブン",
        "トゥエルブ",
        "サーティーン",
        "フォーティーン",
        "フィフティーン",
        "シックスティーン",
        "セブンティーン",
        "エイティーン",
        "ナインティーン",
    ];
    const TENS: [&str; 10] = [
        "",
        "",
        "トゥエンティー",
        "サーティー",
        "フォーティー",
        "フィフティー",
        "シックスティー",
        "セブンティー",
        "エイティー",
        "ナインティー",
    ];
    let (sep, p) = pieces[i];
    let letters = |j: Option<usize>| {
        j.and_then(|j| pieces.get(j)).is_some_and(|q| q.1.starts_with(|c: char| c.is_ascii_alphabetic()))
    };
    let hyphen = i >= 1 && pieces[i - 1] == (true, "-");
    let after_letters = letters(i.checked_sub(1)) || (hyphen && letters(i.checked_sub(2)));
    let version = pieces.get(i + 1).is_some_and(|q| q.0 && q.1 == ".")
        && pieces.get(i + 2).is_some_and(|q| q.1.starts_with(|c: char| c.is_ascii_digit()));
    let digits = p.bytes().all(|b| b.is_ascii_digit()) && (p.len() == 1 || (p.len() == 2 && !p.starts_with('0')));
    if sep || !digits || !after_letters || version {
        return None;
    }
    let n: usize = p.parse().ok()?;
    Some(match n {
        0..20 => ONES[n].to_string(),
        _ if n.is_multiple_of(10) => TENS[n / 10].to_string(),
        _ => format!("{}{}", TENS[n / 10], ONES[n % 10]),
    })
}

/// Whether an unknown lowercase word can be said as spelled: the consonants before its first
/// vowel start English words, those after its last end them, and those between split into an
/// end and a start. Others are letters said by name (ncdu, gke, etcd, ajv, yq).
fn pronounceable(w: &str) -> bool {
    const ONSETS: &[&str] = &[
        "bl", "br", "ch", "chl", "chr", "cl", "cr", "dr", "dw", "fl", "fr", "gh", "gl", "gn", "gr", "kh", "kl", "kn",
        "kr", "kw", "ph", "phl", "phr", "pl", "pr", "ps", "rh", "sc", "sch", "scr", "sh", "shr", "sk", "sl", "sm",
        "sn", "sp", "sph", "spl", "spr", "sq", "st", "str", "sw", "th", "thr", "tr", "tw", "wh", "wr",
    ];
    const CODAS: &[&str] = &[
        "ck", "ct", "ff", "ft", "gg", "gh", "ght", "lb", "ld", "lf", "lk", "ll", "lm", "lp", "lt", "lth", "mb", "mn",
        "mp", "mpt", "nc", "nch", "nd", "ng", "nk", "nt", "nth", "nx", "ph", "pt", "rb", "rc", "rch", "rd", "rf", "rg",
        "rk", "rl", "rm", "rn", "rp", "rst", "rt", "rth", "rtz", "sc", "sh", "sk", "sm", "sp", "ss", "st", "tch", "th",
        "thm", "tt", "tz", "wk", "wl", "wn", "xt", "zz", "ch",
    ];
    let b = w.as_bytes();
    let vowel = |i: usize| match b[i] {
        b'a' | b'e' | b'i' | b'o' | b'u' => true,
        b'y' => i > 0 && !matches!(b.get(i + 1), Some(b'a' | b'e' | b'i' | b'o' | b'u')),
        b'w' => {
            i > 0
                && matches!(b[i - 1], b'a' | b'e' | b'o')
                && !matches!(b.get(i + 1), Some(b'a' | b'e' | b'i' | b'o' | b'u'))
        }
        _ => false,
    };
    let single = |c: &str| c.len() == 1 && c != "q"; // a final j: obj, proj
    let onset = |c: &str, at: usize| {
        c.is_empty() || ONSETS.contains(&c) || (c.len() == 1 && (c != "q" || b.get(at) == Some(&b'u')))
    };
    let coda = |c: &str| {
        let base = |c: &str| c.is_empty() || single(c) || CODAS.contains(&c);
        // a plural or third person: s after an ending other than c, j, s, x, z, sh, ch
        base(c)
            || c.strip_suffix('s')
                .is_some_and(|s| !s.is_empty() && base(s) && !s.ends_with(['c', 'j', 's', 'x', 'z', 'h']))
    };
    let mut start = 0; // start of the current consonant run
    let mut first = true;
    for i in 0..=b.len() {
        if i < b.len() && !vowel(i) {
            continue;
        }
        let run = &w[start..i];
        let ok = if first && i == b.len() {
            true // no vowel: handled elsewhere
        } else if first {
            onset(run, i)
        } else if i == b.len() {
            coda(run)
        } else {
            (0..=run.len()).any(|k| coda(&run[..k]) && onset(&run[k..], i))
        };
        if !ok {
            return false;
        }
        first = false;
        start = i + 1;
    }
    true
}

/// Whether `name!` is a Rust macro call: a snake_case name, or one of the standard macros
/// whose names have no `_` (English words like `error` stay words before a `!`).
fn is_macro(name: &str) -> bool {
    const STD: &[&str] = &[
        "println",
        "eprintln",
        "print",
        "eprint",
        "format",
        "vec",
        "assert",
        "panic",
        "todo",
        "unimplemented",
        "unreachable",
        "matches",
        "dbg",
        "writeln",
        "concat",
        "stringify",
        "bail",
        "ensure",
        "anyhow",
    ];
    let snake = name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    snake && name.starts_with(|c: char| c.is_ascii_lowercase()) && (name.contains('_') || STD.contains(&name))
}

/// What a run of separators between identifier parts is read as.
fn separator(s: &str) -> &'static str {
    if s.contains('.') {
        "ドット"
    } else if s.contains('+') {
        "プラス"
    } else if s.contains('@') {
        "アット"
    } else if s.contains('&') {
        "アンド"
    } else if s.contains('=') {
        "イコール"
    } else {
        "" // _ - :: / and the like join the parts silently
    }
}

/// Split at separators, case changes (`getUser`, `HTTPServer`) and letter/digit changes;
/// each piece is (is_separator, text).
fn split_identifier(w: &str) -> Vec<(bool, &str)> {
    let b = w.as_bytes();
    let kind = |c: u8| match c {
        b'a'..=b'z' => 1,
        b'A'..=b'Z' => 2,
        b'0'..=b'9' => 3,
        _ => 0,
    };
    let mut pieces = Vec::new();
    let mut start = 0;
    for i in 1..b.len() {
        let (prev, cur) = (kind(b[i - 1]), kind(b[i]));
        let next_lower = b.get(i + 1).is_some_and(u8::is_ascii_lowercase);
        let cut = match (prev, cur) {
            (0, 0) => false,
            (1, 2) => true,
            (2, 2) => next_lower,
            (1 | 2, 1) | (3, 3) => false,
            _ => true,
        };
        if cut {
            pieces.push((prev == 0, &w[start..i]));
            start = i;
        }
    }
    if start < b.len() {
        pieces.push((kind(b[start]) == 0, &w[start..]));
    }
    pieces
}

/// A git hash or UUID: 7+ hex digits (dashes allowed) with both digits and letters.
fn is_hash(w: &str) -> bool {
    let hex = w.bytes().filter(u8::is_ascii_hexdigit).count();
    w.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')
        && hex >= 7
        && w.bytes().any(|b| b.is_ascii_digit())
        && w.bytes().any(|b| b.is_ascii_alphabetic())
}

/// `https://github.com/x/y` → `github.com`.
fn url_host(w: &str) -> Option<&str> {
    let (_, rest) = w.split_once("://")?;
    let host = rest.split('/').next().unwrap_or(rest);
    Some(host.strip_prefix("www.").unwrap_or(host))
}

/// A path's last component: `src/text/mod.rs` → `mod.rs`. Two words joined by one slash
/// (`and/or`, `TCP/IP`) are no path.
fn path_tail(w: &str) -> Option<&str> {
    let slashes = w.matches(['/', '\\']).count();
    let last = w.split(['/', '\\']).rfind(|c| !c.is_empty())?;
    let rooted = w.starts_with(['/', '~', '.']);
    (slashes >= 2 || (slashes == 1 && (rooted || last.contains('.')))).then_some(last)
}

/// Numbers with a version mark, an issue mark or a unit: `v2.1` → バージョン2.1,
/// `#13` → 13番, `10ms` → 10ミリ秒. None when the suffix is no known unit.
fn number(w: &str) -> Option<String> {
    if let Some(n) = w.strip_prefix('#').filter(|n| n.bytes().all(|b| b.is_ascii_digit())) {
        return (!n.is_empty()).then(|| format!("{n}番"));
    }
    let version = w.strip_prefix(['v', 'V']).filter(|r| r.starts_with(|c: char| c.is_ascii_digit()));
    let rest = version.unwrap_or(w);
    let end = rest.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ',')).unwrap_or(rest.len());
    let (num, suffix) = rest.split_at(end);
    if !num.starts_with(|c: char| c.is_ascii_digit()) || num.ends_with(['.', ',']) {
        return None;
    }
    let num = if num.matches('.').count() > 1 { num.replace('.', "テン") } else { num.to_string() };
    match (version, suffix) {
        (Some(_), "") => Some(format!("バージョン{num}")),
        (Some(_), _) => None,
        (None, s) => Some(format!("{num}{}", unit(s)?)),
    }
}

/// How a unit after a number is said.
fn unit(s: &str) -> Option<&'static str> {
    let r = match s.to_ascii_lowercase().as_str() {
        "" => "",
        "%" => "パーセント",
        "x" => "倍",
        "ns" => "ナノ秒",
        "us" => "マイクロ秒",
        "ms" => "ミリ秒",
        "s" | "sec" | "secs" => "秒",
        "min" | "mins" => "分",
        "h" | "hr" | "hrs" => "時間",
        "k" => "千",
        "b" | "bytes" => "バイト",
        "kb" | "kib" => "キロバイト",
        "mb" | "mib" => "メガバイト",
        "gb" | "gib" => "ギガバイト",
        "tb" | "tib" => "テラバイト",
        "px" => "ピクセル",
        "fps" => "エフピーエス",
        "hz" => "ヘルツ",
        "khz" => "キロヘルツ",
        "mhz" => "メガヘルツ",
        "ghz" => "ギガヘルツ",
        "p" => "ピー",
        "st" | "nd" | "rd" | "th" => "番目",
        _ => return None,
    };
    Some(r)
}

#[cfg(test)]
mod tests {
    use super::Readings;
    use std::collections::HashMap;

    fn say(text: &str) -> String {
        Readings::default().spoken(text)
    }

    #[test]
    fn japanese_passes_through() {
        for t in ["キャッシュ層はハンドラとデータベースの間にあります。", "テスト 完了", "", "「はい」"]
        {
            assert_eq!(say(t), t);
        }
    }

    #[test]
    fn mixed_sentences() {
        assert_eq!(say("json.load を呼びます"), "ジェイソンドットロードを呼びます");
        assert_eq!(say("`getUserName` が 404 を返します。"), "ゲットユーザーネームが404を返します。");
        assert_eq!(say("src/text/mod.rs を編集しました"), "モッドドットアールエスを編集しました");
        assert_eq!(say("コミット 6d1d8ce で直りました"), "コミットハッシュ省略で直りました");
        assert_eq!(say("応答は 10ms、v2.1 で 1.5x 速い"), "応答は10ミリ秒、バージョン2.1で1.5倍速い");
    }

    #[test]
    fn english_is_read_word_by_word() {
        assert_eq!(say("Run cargo test."), "ランカーゴテスト。");
        assert_eq!(say("Fixed the bug, then pushed."), "フィックストザバグ、ゼンプッシュト。");
    }

    /// The term table: at least 95% of the terms read as one of their accepted forms.
    #[test]
    fn term_table() {
        let table = include_str!("../../tests/fixtures/readings/terms.tsv");
        let rows: Vec<(&str, &str)> =
            table.lines().filter(|l| !l.starts_with('#')).filter_map(|l| l.split_once('\t')).collect();
        let failures: Vec<String> = rows
            .iter()
            .filter_map(|&(term, accepted)| {
                let got = say(term);
                (!accepted.split('|').any(|a| a == got)).then(|| format!("{term}\t{got}\t(want {accepted})"))
            })
            .collect();
        let rate = 1.0 - failures.len() as f64 / rows.len() as f64;
        println!("{} terms, {:.1}% pass; failures:\n{}", rows.len(), rate * 100.0, failures.join("\n"));
        assert!(rows.len() >= 200 && rate >= 0.95, "{:.1}% pass", rate * 100.0);
    }

    #[test]
    fn digits_glued_to_letters_are_english() {
        assert_eq!(say("s3transfer"), "エススリートランスファ");
        assert_eq!(say("k3s"), "ケースリーエス");
        assert_eq!(say("pyasn1"), "パイエーエスエヌワン");
        assert_eq!(say("auth0"), "オースゼロ");
        assert_eq!(say("h11"), "エイチイレブン");
        assert_eq!(say("p99"), "ピーナインティーナイン");
        assert_eq!(say("i18next"), "アイエイティーンネクスト");
        assert_eq!(say("a11y"), "エーイレブンワイ");
        assert_eq!(say("GPT-4"), "ジーピーティーフォー");
        // Three digits or more, a version after the digit, and numbers alone stay digits.
        assert_eq!(say("h264"), "エイチ264");
        assert_eq!(say("python3.11"), "パイソン3.11");
        assert_eq!(say("404"), "404");
        assert_eq!(say("10ms"), "10ミリ秒");
    }

    #[test]
    fn unpronounceable_short_words_are_letters() {
        for (w, r) in [
            ("ncdu", "エヌシーディーユー"),
            ("gke", "ジーケーイー"),
            ("etcd", "イーティーシーディー"),
            ("ajv", "エージェイブイ"),
        ] {
            assert_eq!(say(w), r);
        }
        assert_eq!(say("yq"), "ワイキュー"); // two letters the table lacks
        assert_eq!(say("pipx"), "ピップエックス");
        // Words said as spelled stay words.
        assert!(super::pronounceable("sed") && super::pronounceable("awk") && super::pronounceable("proj"));
        assert!(!super::pronounceable("lsof") && !super::pronounceable("ecs") && !super::pronounceable("tidb"));
        assert_eq!(say("django"), "ジャンゴ"); // longer names keep e2k's reading
    }

    #[test]
    fn i_and_py_affixes() {
        assert_eq!(say("ipython"), "アイパイソン");
        assert_eq!(say("isort"), "アイソート");
        assert_eq!(say("cupy"), "キューパイ");
        assert_eq!(say("vcrpy"), "ブイシーアールパイ");
    }

    /// What the redaction keeps as public is still no word: hashes and random ids inside a
    /// name are said as one placeholder, the rest of the name read.
    #[test]
    fn hashes_and_random_ids_inside_names_are_not_spelled() {
        assert_eq!(say("_app-2b7c9d1e3f4a5b6c.js"), "アップハッシュ省略ドットジェイエス");
        assert_eq!(say("AAAAC3NzaC1lZDI1NTE5AAAAIMbK4pQ7rS9tU1vW3xY5zA7bC9dE1fG3hJ5kL7mN9pQ"), "ハッシュ省略");
        assert_eq!(say("01HZX3V5K8M2N4P6Q8R0S2T4V6"), "ハッシュ省略");
        assert_eq!(say("getUserName"), "ゲットユーザーネーム");
    }

    #[test]
    fn ize_joins_its_stem() {
        assert_eq!(say("tokenize"), "トークナイズ");
        assert_eq!(say("regularization"), "レギュラライゼーション");
        assert_eq!(say("virtualization"), "バーチャライゼーション");
        assert_eq!(say("memoize"), "メモイズ");
    }

    #[test]
    fn c_names_made_of_letters_and_a_word() {
        assert_eq!(say("printf"), "プリントエフ");
        assert_eq!(say("snprintf"), "エスエヌプリントエフ");
        assert_eq!(say("scanf"), "スキャンエフ");
        assert_eq!(say("egrep"), "イーグレップ");
        assert_eq!(say("epoll"), "イーポール");
        // Names with a last letter English words end on stay words.
        assert_eq!(say("dask"), "ダスク");
    }

    #[test]
    fn rust_macros_and_exclamations() {
        assert_eq!(say("println!"), "プリントエルエヌ");
        assert_eq!(say("assert_eq!"), "アサートイーキュー");
        assert_eq!(say("Done!"), "ダン。");
    }

    #[test]
    fn endings_said_as_engineers_say_them() {
        assert_eq!(say("parallelism"), "パラレリズム");
        assert_eq!(say("capacitor"), "キャパシター");
        assert_eq!(say("peer"), "ピア"); // a vowel's r stays short
    }

    #[test]
    fn function_words_in_identifiers() {
        assert_eq!(say("asBytes"), "アズバイツ");
        assert_eq!(say("as_str"), "アズストラ");
    }

    #[test]
    fn user_entries_win() {
        let user = HashMap::from([
            ("speakja".to_string(), "スピークジャ".to_string()),
            ("JSON".to_string(), "ジェイソン！".to_string()),
        ]);
        let r = Readings::new(user);
        assert_eq!(r.spoken("speakja を使う"), "スピークジャを使う");
        assert_eq!(r.spoken("SpeakJa.nvim"), "スピークジャドットエヌビム");
        assert_eq!(r.spoken("json"), "ジェイソン！");
        assert_eq!(r.spoken("parseJson"), "パースジェイソン！");
    }
}

//! English pronunciation from CMUdict (issue #22), mapped phone by phone to the katakana a
//! Japanese engineer says: `thread` → スレッド, `server` → サーバー, `daemon` → デーモン.
//!
//! The data (`cmudict.txt`, made by `cmudict.py`; licence in `CMUDICT-LICENSE`) is embedded
//! sorted, one `word phones` line each, and binary-searched in place: nothing is parsed or
//! built at load, so no sentence ever waits for it. `prepare` only touches its pages.
//!
//! Where katakana loanwords follow the spelling rather than the sound (an unstressed vowel:
//! `model` モデル, `system` システム; `o` said as AA: `lock` ロック; `ay` vs `a_e`: `play`
//! プレイ, `table` テーブル), the vowel letters the phone lines up with decide.

use super::{kana, loan, words};

static DATA: &[u8] = include_bytes!("cmudict.txt");

/// Faults the embedded dictionary's pages in (one read per page), so that not even the first
/// lookup touches the disk. Idempotent and cheap; lookups work without it.
pub fn prepare() {
    static DONE: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    DONE.get_or_init(|| DATA.iter().step_by(4096).map(|&b| u64::from(b)).sum());
}

/// The phones of a lowercase word, or None when CMUdict lacks it.
pub fn phones(word: &str) -> Option<&'static [u8]> {
    super::search(DATA, word)
}

/// Katakana for a lowercase word: the whole word from the dictionary, else a dictionary
/// word with an ending (`sharding`, `initialization`), else the word split into two or three
/// parts each known (to the built-in table or the dictionary).
pub fn reading(word: &str) -> Option<String> {
    (word.len() >= 3).then(|| whole(word)).flatten().or_else(|| derived(word)).or_else(|| compound(word, 3))
}

/// The dictionary's reading of the whole word, unless it is an inflection of a built-in
/// table word (`loader` of `load`: the table's reading of the stem wins); `flower` is no
/// `flow`+`er`, as its phones show.
pub fn whole_unless_inflected(word: &str) -> Option<String> {
    let p = phones(word).filter(|_| word.len() >= 3)?;
    if let Some(stem) = words::stem_of(word) {
        if phones(&stem).is_none_or(|s| same(p, s, true)) {
            return None;
        }
    }
    Some(split_render(word, p))
}

/// The loanword as Japanese writes it, else the dictionary's phones mapped.
fn whole(word: &str) -> Option<String> {
    loan::get(word).map(str::to_string).or_else(|| phones(word).map(|p| split_render(word, p)))
}

/// The phones without stress marks; AA and AO taken as one (`log`: either).
fn plain(c: &[u8]) -> impl Iterator<Item = u8> + '_ {
    c.iter().filter(|b| !b.is_ascii_digit()).map(|&b| if b == b'o' { b'a' } else { b })
}

/// Whether `a`'s phones are `b`'s (or, with `prefix`, start with them).
fn same(a: &[u8], b: &[u8], prefix: bool) -> bool {
    let (a, b): (Vec<u8>, Vec<u8>) = (plain(a).collect(), plain(b).collect());
    if prefix {
        a.starts_with(&b)
    } else {
        a == b
    }
}

/// Consonant letters that start English syllables together.
const ONSETS: &[&str] = &[
    "st", "sp", "sc", "sk", "sm", "sn", "sl", "sw", "tr", "pr", "br", "cr", "dr", "fr", "gr", "pl", "bl", "cl", "fl",
    "gl", "th", "sh", "ch", "wh", "ph", "tw", "dw", "qu", "str", "spr", "scr", "spl", "thr", "shr", "chr", "s",
];

/// Endings said after a stem (they are no compound's part).
const SUFFIXES: &[&str] = &[
    "ing", "ings", "ion", "ions", "ers", "est", "ism", "ist", "ness", "less", "able", "ible", "ment", "ity", "ability",
    "ation", "ate", "age", "ive", "ize", "ous",
];

/// Two readings run together.
fn join(a: String, b: &str) -> String {
    a + b
}

/// A dictionary word said as two dictionary words (`hotspot` = hot+spot, its phones theirs)
/// is read as they are: ホットスポット, not ホトスポット; the built-in table's reading of a part
/// wins (`toolbar`: ツール).
fn split_render(word: &str, p: &'static [u8]) -> String {
    const SHORT: &[&str] = &["up", "in", "on", "un"];
    // A stem and a suffix said as they are: commitment コミットメント, stateful ステートフル.
    for (suffix, kana) in [("ment", "メント"), ("ful", "フル"), ("less", "レス"), ("ness", "ネス")] {
        let Some(stem) = word.strip_suffix(suffix).filter(|s| s.len() >= 3) else { continue };
        if let Some(ps) = phones(stem).filter(|ps| same(p, ps, true)) {
            return words::get(stem).map_or_else(|| render(stem, ps), str::to_string) + kana;
        }
    }
    for i in 2..=word.len().saturating_sub(2) {
        let (a, b) = word.split_at(i);
        // Parts of four letters or more, or in the built-in table, or a first part of three
        // (`hot`+`spot`; not `single`+`ton`, whose `ton` the dictionary says タン).
        let known = |x: &str| words::get(x).is_some() || SHORT.contains(&x);
        if SUFFIXES.contains(&b) || ["inter", "trans", "com", "con"].contains(&a) {
            continue;
        }
        if !(a.len() >= 3 || known(a)) || !(b.len() >= 4 || known(b)) {
            continue;
        }

        // No split inside what is one syllable's start (`met`+`rick`), and a second part
        // starting with a vowel only when it is a particle-like word (`look`+`up`).
        let vowel = |c: u8| matches!(c, b'a' | b'e' | b'i' | b'o' | b'u');
        let (ab, bb) = (a.as_bytes(), b.as_bytes());
        if vowel(bb[0]) && a != "un" && b.len() < 5 && !["up", "out", "end", "in", "on", "off", "over"].contains(&b) {
            continue;
        }
        // A prefix and its stem are no compound (`prep`+`end`, `red`+`irect`).
        if vowel(bb[0]) && ["re", "pre", "de"].iter().any(|x| word.starts_with(x)) {
            continue;
        }
        if !vowel(ab[ab.len() - 1]) && !vowel(bb[0]) {
            let c = format!(
                "{}{}",
                ab[ab.len() - 1] as char,
                &b[..b.find(|c: char| vowel(c as u8)).unwrap_or(b.len()).min(2)]
            );
            if ONSETS.contains(&c.as_str()) || ONSETS.contains(&&c[..2]) {
                continue;
            }
        }
        let (Some(pa), Some(pb)) = (phones(a), phones(b)) else { continue };
        let both: Vec<u8> = pa.iter().chain(pb).copied().collect();
        if same(p, &both, false) {
            let part = |x: &str, px| words::get(x).map_or_else(|| render(x, px), str::to_string);
            return join(part(a, pa), &part(b, pb));
        }
    }
    render(word, p)
}

/// A word the dictionary lacks made of one it has and an ending: `sharding` (shard),
/// `unbuffered` (un+buffer+ed), `initialization` (initialize).
fn derived(word: &str) -> Option<String> {
    if let Some(stem) = word.strip_suffix("ization") {
        let verb = whole(&format!("{stem}ize")).or_else(|| whole(&format!("{stem}ise")));
        if let Some(r) = verb.as_deref().and_then(|r| r.strip_suffix('ズ')) {
            return Some(format!("{r}ゼーション"));
        }
    }
    if let Some(r) = ize(word) {
        return Some(r);
    }
    type Form = fn(&str, bool) -> String;
    let rules: [(&str, Form); 8] = [
        ("or", kana::agent),
        ("ing", kana::ing),
        ("ed", |s, _| kana::past(s)),
        ("ers", |s, d| kana::plural(&kana::agent(s, d))),
        ("er", kana::agent),
        ("ies", |s, _| kana::plural(s)),
        ("es", |s, _| kana::plural(s)),
        ("s", |s, _| kana::plural(s)),
    ];
    for (suffix, form) in rules {
        // A word ending in ss is no plural (`ingress`, not `ingres`+s).
        let Some(base) = word.strip_suffix(suffix).filter(|b| b.len() >= 3 && !(suffix == "s" && b.ends_with('s')))
        else {
            continue;
        };
        let mut stems = vec![(base.to_string(), false), (format!("{base}e"), false)];
        if suffix == "ies" {
            stems = vec![(format!("{base}y"), false)];
        } else if let Some(b) = base.strip_suffix('i') {
            stems.push((format!("{b}y"), false)); // verifier: verify
        }
        let b = base.as_bytes();
        if b.len() >= 3 && b[b.len() - 1] == b[b.len() - 2] {
            stems.push((base[..base.len() - 1].to_string(), true));
        }
        for (stem, doubled) in stems {
            if let Some(r) = whole(&stem) {
                // A stem ending in a spelled r said ー takes it back: `unbuffered` バッファード.
                if stem.ends_with('r') && matches!(suffix, "ing" | "er" | "ers") {
                    let base = r.strip_suffix('ー').unwrap_or(&r);
                    let tail = if suffix == "ing" { "リング" } else { "ラー" };
                    return Some(format!("{base}{tail}{}", if suffix == "ers" { "ズ" } else { "" }));
                }
                return Some(form(&r, doubled));
            }
        }
    }
    for (prefix, kana) in [("un", "アン"), ("re", "リ"), ("pre", "プリ"), ("de", "デ")] {
        if let Some(rest) = word.strip_prefix(prefix).filter(|r| r.len() >= 4) {
            if let Some(r) = whole(rest).or_else(|| derived(rest)) {
                return Some(format!("{kana}{r}"));
            }
        }
    }
    None
}

/// A verb made with -ize from a word the dictionary has, and its forms (`tokenize`,
/// `regularization`, `virtualizer`): the ending's vowel joins the stem's last consonant, as
/// Japanese writes them (トークナイズ, レギュラライゼーション, バーチャライザー).
fn ize(word: &str) -> Option<String> {
    const FORMS: [(&str, &str); 8] = [
        ("izations", "イゼーションズ"),
        ("ization", "イゼーション"),
        ("izers", "イザーズ"),
        ("izer", "イザー"),
        ("izing", "イジング"),
        ("ized", "イズド"),
        ("izes", "イジズ"),
        ("ize", "イズ"),
    ];
    let (stem, tail) = FORMS.iter().find_map(|(s, k)| Some((word.strip_suffix(s)?, *k)))?;
    if stem.len() < 3 {
        return None;
    }
    let r = whole(stem)?;
    let (body, last) = r.char_indices().last().map(|(i, c)| (&r[..i], c))?;
    // The stem's last consonant (a u-column kana, ン, or the r of a final ー) takes the
    // ending's ア: ン → ナ, ル → ラ, ト → タ; after a vowel the ending is イ.
    const JOIN: [(char, &str); 14] = [
        ('ン', "ナ"),
        ('ル', "ラ"),
        ('ク', "カ"),
        ('グ', "ガ"),
        ('ス', "サ"),
        ('ズ', "ザ"),
        ('ト', "タ"),
        ('ド', "ダ"),
        ('ツ', "タ"),
        ('フ', "ファ"),
        ('ブ', "バ"),
        ('プ', "パ"),
        ('ム', "マ"),
        ('ヌ', "ナ"),
    ];
    let joined = match JOIN.iter().find(|(u, _)| *u == last) {
        Some((_, a)) => format!("{body}{a}"),
        None if last == 'ー' && stem.ends_with('r') => format!("{body}ラ"),
        None => r.clone(), // a vowel already: メモイズ
    };
    Some(joined + tail)
}

/// A part of a compound: the built-in table (2 letters and up), then the dictionary
/// (3 letters and up), then a dictionary word with an ending.
fn piece(p: &str) -> Option<String> {
    if let Some(&(_, r)) = [("ly", "リー"), ("ful", "フル"), ("less", "レス"), ("ness", "ネス"), ("ment", "メント")]
        .iter()
        .find(|x| x.0 == p)
    {
        return Some(r.into());
    }
    if SUFFIXES.contains(&p) {
        return None;
    }
    if p.len() >= 2 {
        if let Some(r) = words::get(p) {
            return Some(r.to_string());
        }
    }
    if p.len() < 3 {
        return None;
    }
    whole(p).or_else(|| derived(p))
}

/// `hostname` → host+name, `matplotlib` → mat+plot+lib: the split with the fewest parts,
/// and among those the one whose shortest part is longest (`time`+`stamp`, not
/// `times`+`tamp`), the built-in table's parts preferred.
fn compound(word: &str, parts: usize) -> Option<String> {
    compound_in(word, parts, true, false)
}

/// `letters_first`: a first part may be letters said by name (not in the middle of a word);
/// `strict`: every part four letters or more, or in the built-in table.
fn compound_in(word: &str, parts: usize, letters_first: bool, strict: bool) -> Option<String> {
    if parts < 2 || word.len() < 4 {
        return None;
    }
    let ok = |x: &str| !strict || x.len() >= 4 || words::get(x).is_some();
    let mut best: Option<(usize, usize, String)> = None;
    for i in 1..word.len() {
        let (a, b) = word.split_at(i);
        // A few letters with no vowel next to a word of five letters or more are letters
        // said by name: sklearn, lightgbm, networkx (not clusters that start or end words).
        const CODAS: &[&str] = &[
            "st", "nd", "nt", "rt", "ck", "ng", "ll", "ss", "th", "sh", "ch", "ts", "ds", "ks", "lt", "ld", "lk", "mp",
            "rk", "rm", "rn", "rd", "ft", "pt", "ct", "xt", "s", "d", "t",
        ];
        // (one letter before a word of three: htop, pkill, gzip; a daemon's d: systemd)
        let letters = |x: &str, y: &str, edge: &[&str]| {
            let long = if x.len() == 1 { 3 } else { 4 };
            x.len() <= 4 && y.len() >= long && !x.contains(['a', 'e', 'i', 'o', 'u', 'y']) && !edge.contains(&x)
        };
        // One letter: first only before a consonant (an x before anything: xargs); last only
        // a daemon's d or an x (networkx).
        let starts_vowel = |x: &str| x.starts_with(['a', 'e', 'i', 'o', 'u']);
        let onset =
            |x: &str, y: &str| ONSETS.iter().any(|o| o.len() == 2 && o.starts_with(x) && y.starts_with(&o[1..]));
        // A cluster that starts words is letters where it cannot go on into the rest (sn+printf).
        let cluster = |x: &str, y: &str| {
            let next = format!("{x}{}", &y[..1]);
            ONSETS.contains(&x) && !starts_vowel(y) && !ONSETS.iter().any(|o| o.starts_with(next.as_str()))
        };
        let la = letters_first
            && (letters(a, b, ONSETS) || (cluster(a, b) && letters(a, b, &[])))
            && (a.len() > 1 || a == "x" || !starts_vowel(b))
            && !(a.len() == 1 && onset(a, b)); // grep is no g+rep
                                               // A last letter no English word ends on, after a built-in word: printf, scanf, getc.
        let lb = (letters(b, a, CODAS) && (b.len() > 1 || (b == "x" && a.len() >= 6)))
            || (b == "d" && a.len() >= 4 && !a.ends_with('e'))
            || (b.len() == 1 && "bcfgjkpqvz".contains(b) && a.len() >= 3 && words::get(a).is_some());
        let ra = if la { Some(kana::spell(a)) } else { piece(a).filter(|_| ok(a)) };
        // After a cluster said as letters the rest may itself be a word and letters (sn+print+f).
        let rest = || (la && cluster(a, b)).then(|| compound_in(b, 2, false, true)).flatten();
        let rb = if lb { Some(kana::spell(b)) } else { piece(b).filter(|_| ok(b)).or_else(rest) };
        let (Some(ra), Some(rb)) = (ra, rb) else { continue };
        let table = usize::from(words::get(a).is_some()) + usize::from(words::get(b).is_some());
        // Word splits beat letter splits; among those, the longest word.
        let score = if la || lb { (0, a.len().max(b.len())) } else { (a.len().min(b.len()) + 100, table) };
        if best.as_ref().is_none_or(|(m, t, _)| score > (*m, *t)) {
            best = Some((score.0, score.1, join(ra, &rb)));
        }
    }
    if let Some((_, _, r)) = best {
        return Some(r);
    }
    // Three parts: a known first part (the shortest first: `time`+`scale`+`db`), then the
    // rest as a two-part compound; a first part of three letters the table lacks only before
    // long parts (`mat`+`plot`+`lib`, not `dec`+`rem`+`ent`).
    (2..=word.len() - 4).find_map(|i| {
        let (a, b) = word.split_at(i);
        let short = a.len() < 4 && words::get(a).is_none();
        Some(join(piece(a).filter(|_| ok(a))?, &compound_in(b, parts - 1, false, strict || short)?))
    })
}

// ---- Phones → katakana ----

fn is_vowel_phone(p: u8) -> bool {
    matches!(p, b'a' | b'@' | b'^' | b'o' | b'W' | b'I' | b'e' | b'R' | b'E' | b'i' | b'Y' | b'O' | b'Q' | b'U' | b'u')
}

/// One phone: its code (see `cmudict.py`) and stress (0 none, 1 primary, 2 secondary).
#[derive(Clone, Copy, Debug)]
struct Phone {
    p: u8,
    stress: u8,
}

fn decode(code: &[u8]) -> Vec<Phone> {
    let mut out: Vec<Phone> = Vec::with_capacity(code.len());
    for &b in code {
        match b {
            b'1' | b'2' => {
                if let Some(last) = out.last_mut() {
                    last.stress = b - b'0';
                }
            }
            _ => out.push(Phone { p: b, stress: 0 }),
        }
    }
    out
}

fn is_vowel_letter(w: &[u8], i: usize) -> bool {
    match w[i] {
        b'a' | b'e' | b'i' | b'o' | b'u' => true,
        // y after a consonant letter; w inside ow/aw/ew
        b'y' => i > 0 && !matches!(w.get(i + 1), Some(b'a' | b'e' | b'i' | b'o' | b'u')),
        b'w' => {
            i > 0 && matches!(w[i - 1], b'o' | b'a' | b'e') && !matches!(w.get(i + 1), Some(b'a' | b'e' | b'i' | b'o'))
        }
        _ => false,
    }
}

/// The word's runs of vowel letters (start, end).
fn vowel_groups(w: &[u8]) -> Vec<(usize, usize)> {
    let mut groups = Vec::new();
    let mut i = 0;
    while i < w.len() {
        if is_vowel_letter(w, i) {
            let s = i;
            while i < w.len() && is_vowel_letter(w, i) {
                i += 1;
            }
            groups.push((s, i));
        } else {
            i += 1;
        }
    }
    groups
}

/// For each vowel phone, the vowel letters it is spelled with (best effort): a small
/// alignment of the vowel phones to the runs of vowel letters, in order, where a run may be
/// silent (a final `e`), a phone may have no letters (`rhythm`), and a run of two letters may
/// spell two phones (`tutorial`: i-a).
fn align(w: &[u8], ph: &[Phone]) -> Vec<Option<(usize, usize)>> {
    let groups = vowel_groups(w);
    let vp: Vec<usize> = (0..ph.len()).filter(|&i| is_vowel_phone(ph[i].p)).collect();
    let (n, m) = (vp.len(), groups.len());
    // cost[j][k]: the best cost of the first j phones against the first k runs; step: how.
    let mut cost = vec![vec![f32::INFINITY; m + 1]; n + 1];
    let mut step = vec![vec![0u8; m + 1]; n + 1];
    cost[0][0] = 0.0;
    for j in 0..=n {
        for k in 0..=m {
            let c = cost[j][k];
            if c.is_infinite() {
                continue;
            }
            let mut relax = |j2: usize, k2: usize, add: f32, how: u8| {
                if c + add < cost[j2][k2] {
                    cost[j2][k2] = c + add;
                    step[j2][k2] = how;
                }
            };
            if j < n && k < m {
                let (s, e) = groups[k];
                let final_e = e - s == 1 && w[s] == b'e' && s > 0 && matches!(&w[e..], [] | [b's'] | [b'd']);
                relax(j + 1, k + 1, if final_e { 0.5 } else { 0.0 }, 1);
            }
            if j + 1 < n && k < m && vp[j + 1] == vp[j] + 1 && groups[k].1 - groups[k].0 >= 2 {
                relax(j + 2, k + 1, 0.1, 2);
            }
            if j < n {
                relax(j + 1, k, if ph[vp[j]].stress > 0 { 1.2 } else { 1.0 }, 3);
            }
            if k < m {
                let (s, e) = groups[k];
                let silent = e - s == 1 && w[s] == b'e' && s > 0 && matches!(&w[e..], [] | [b's'] | [b'd']);
                relax(j, k + 1, if silent { 0.2 } else { 1.0 }, 4);
            }
        }
    }
    let mut out = vec![None; ph.len()];
    let (mut j, mut k) = (n, m);
    while j > 0 || k > 0 {
        match step[j][k] {
            1 => {
                out[vp[j - 1]] = Some(groups[k - 1]);
                j -= 1;
                k -= 1;
            }
            2 => {
                let (s, e) = groups[k - 1];
                out[vp[j - 2]] = Some((s, s + 1));
                out[vp[j - 1]] = Some((s + 1, e));
                j -= 2;
                k -= 1;
            }
            3 => j -= 1,
            4 => k -= 1,
            _ => break,
        }
    }
    out
}

/// The five vowel columns.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Q {
    A,
    I,
    U,
    E,
    O,
}

/// A vowel as said: its column, what follows its first mora, and whether it is short
/// (a final stop after it doubles: `cat` キャット).
#[derive(Clone, Debug)]
struct Vowel {
    q: Q,
    tail: &'static str,
    short: bool,
}

/// The column a spelled vowel group reads as (for reduced vowels). A leading `i`/`e` before
/// another vowel letter is a glide (`-tion`, `special`, `efficient`), a `u` after `q` a w.
fn spelled(w: &[u8], g: Option<(usize, usize)>) -> Option<Q> {
    let (s, e) = g?;
    let mut t = &w[s..e];
    let glide = matches!(t, [b'i' | b'e', b'a' | b'e' | b'i' | b'o' | b'u', ..]) && t != b"ee";
    if t.len() >= 2 && (glide || (t[0] == b'u' && s > 0 && w[s - 1] == b'q')) {
        t = &t[1..];
    }
    Some(match t {
        [b'o', b'u', ..] => Q::A,
        [b'a', b'u' | b'w', ..] => Q::O,
        _ if t.contains(&b'o') => Q::O,
        [b'a', ..] => Q::A,
        [b'e', ..] => Q::E,
        [b'i', ..] | [b'y', ..] => Q::I,
        [b'u', ..] => Q::A,
        _ => return None,
    })
}

/// A consonant's kana before a vowel of column `q`.
fn cv(c: u8, q: Q) -> &'static str {
    let row: [&str; 5] = match c {
        b'k' => ["カ", "キ", "ク", "ケ", "コ"],
        b'g' => ["ガ", "ギ", "グ", "ゲ", "ゴ"],
        b's' | b'T' => ["サ", "シ", "ス", "セ", "ソ"],
        b'z' | b'D' => ["ザ", "ジ", "ズ", "ゼ", "ゾ"],
        b't' => ["タ", "ティ", "トゥ", "テ", "ト"],
        b'd' => ["ダ", "ディ", "ドゥ", "デ", "ド"],
        b'n' => ["ナ", "ニ", "ヌ", "ネ", "ノ"],
        b'h' => ["ハ", "ヒ", "フ", "ヘ", "ホ"],
        b'b' | b'v' => ["バ", "ビ", "ブ", "ベ", "ボ"],
        b'p' => ["パ", "ピ", "プ", "ペ", "ポ"],
        b'm' => ["マ", "ミ", "ム", "メ", "モ"],
        b'y' => ["ヤ", "イ", "ユ", "イエ", "ヨ"],
        b'r' | b'l' => ["ラ", "リ", "ル", "レ", "ロ"],
        b'w' => ["ワ", "ウィ", "ウ", "ウェ", "ウォ"],
        b'f' => ["ファ", "フィ", "フ", "フェ", "フォ"],
        b'c' => ["チャ", "チ", "チュ", "チェ", "チョ"],
        b'j' | b'Z' => ["ジャ", "ジ", "ジュ", "ジェ", "ジョ"],
        b'S' => ["シャ", "シ", "シュ", "シェ", "ショ"],
        b'N' => ["ンガ", "ンギ", "ング", "ンゲ", "ンゴ"],
        _ => ["ア", "イ", "ウ", "エ", "オ"],
    };
    row[q as usize]
}

/// A consonant, then `y`, before a vowel of column `q`: キュ, ピュ.
fn cyv(c: u8, q: Q) -> String {
    let stem = match c {
        b't' => "テ",
        b'd' => "デ",
        b'f' => "フ",
        b'v' | b'b' => "ビ",
        b'w' => "ウ",
        _ => cv(c, Q::I),
    };
    let small = match q {
        Q::A => "ャ",
        Q::I => "ィ",
        Q::U => "ュ",
        Q::E => "ェ",
        Q::O => "ョ",
    };
    if q == Q::I && stem.chars().count() == 1 && !matches!(c, b't' | b'd' | b'f' | b'w') {
        return stem.to_string();
    }
    format!("{stem}{small}")
}

/// A consonant with no vowel after it.
fn bare(c: u8, next: Option<u8>) -> &'static str {
    match c {
        b'k' => "ク",
        b'g' => "グ",
        b's' | b'T' => "ス",
        b'z' | b'D' => "ズ",
        b't' => "ト",
        b'd' => "ド",
        b'n' => "ン",
        b'm' if matches!(next, Some(b'b' | b'p' | b'm')) => "ン",
        b'm' => "ム",
        b'h' => "フ",
        b'b' | b'v' => "ブ",
        b'p' => "プ",
        b'l' | b'r' => "ル",
        b'w' => "ウ",
        b'y' => "イ",
        b'f' => "フ",
        b'c' => "チ",
        b'j' => "ジ",
        b'S' => "シュ",
        b'Z' => "ジュ",
        b'N' if matches!(next, Some(b'k' | b'g')) => "ン",
        b'N' => "ング",
        _ => "",
    }
}

/// Katakana for a word and its CMUdict phones.
pub fn render(word: &str, code: &[u8]) -> String {
    let w = word.as_bytes();
    let mut ph = decode(code);
    // ER before a vowel: a vowel, then r starting the next syllable (`memory`, `operate`).
    let mut i = 0;
    while i + 1 < ph.len() {
        if ph[i].p == b'R' && is_vowel_phone(ph[i + 1].p) {
            ph.insert(i + 1, Phone { p: b'r', stress: 0 });
        }
        i += 1;
    }
    // -ate said as its verb (`accurate`, `climate`): an unstressed last vowel said EY.
    if w.ends_with(b"ate") && ph.len() >= 2 && ph[ph.len() - 1].p == b't' {
        let v = ph.len() - 2;
        if matches!(ph[v].p, b'^' | b'i') && ph[v].stress == 0 {
            ph[v].p = b'E';
        }
    }
    let groups = align(w, &ph);
    let n = ph.len();
    let vowel_at = |ph: &[Phone], i: usize| ph.get(i).is_some_and(|p| is_vowel_phone(p.p));
    // -age said エージ (`image`, `package`, `storage`).
    let age = w.ends_with(b"age")
        && n >= 2
        && ph[n - 1].p == b'j'
        && matches!(ph[n - 2].p, b'i' | b'^')
        && ph[n - 2].stress == 0;
    let mut vowels: Vec<Option<Vowel>> = vec![None; n];
    // Vowels whose letters are `Cle`/`Cm` said as a bare consonant (`table`, `middleware`, `rhythm`).
    let mut syllabic = vec![false; n];
    let mut ph_as_ae = vec![false; n];
    for i in 0..n {
        let Phone { p, stress } = ph[i];
        if !is_vowel_phone(p) {
            continue;
        }
        let g = groups[i];
        let sp = spelled(w, g);
        let next = ph.get(i + 1).map(|p| p.p);
        let r_coda = next == Some(b'r') && !vowel_at(&ph, i + 2);
        let word_end_r = r_coda && i + 2 == n;
        let prev = i.checked_sub(1).map(|j| ph[j].p);
        let first = i == 0 || (i == 1 && !is_vowel_phone(ph[0].p) && g.is_some_and(|g| g.0 <= 2));
        let v = |q, tail, short| Vowel { q, tail, short };
        let vowel = match p {
            b'a' => match (sp, r_coda) {
                (_, true) => v(Q::A, "ー", false),
                _ if g.is_some_and(|(s, e)| matches!(&w[s..e], [b'a', b'u' | b'w', ..])) => v(Q::O, "ー", false),
                (Some(Q::O), _) => v(Q::O, "", true),
                _ => v(Q::A, "", true),
            },
            b'@' => v(Q::A, if r_coda { "ー" } else { "" }, true),
            b'^' => {
                if stress > 0 || (i + 1 == n && sp.is_none()) {
                    v(Q::A, "", true)
                } else {
                    // `Cle`, `-ism`: the consonant alone.
                    let cle = next == Some(b'l')
                        && g.is_some_and(|(s, e)| e - s == 1 && w[s] == b'e' && s > 0 && w[s - 1] == b'l');
                    let cm = matches!(next, Some(b'm' | b'n' | b'l'))
                        && i + 2 == n
                        && g.is_none_or(|(_, e)| e + 2 < w.len());
                    // -en after s, z, k, p, f, v, b: listen リスン, frozen フローズン, token トークン
                    let cen = next == Some(b'n')
                        && i + 2 == n
                        && w.ends_with(b"en")
                        && matches!(prev, Some(b's' | b'z' | b'k' | b'p' | b'f' | b'v' | b'b'));
                    let cm = cm || cen;
                    if cle || cm {
                        syllabic[i] = true;
                    }
                    if age && i + 2 == n {
                        v(Q::E, "ー", false)
                    } else if sp == Some(Q::E)
                        && ((prev == Some(b'r') && next == Some(b'm'))
                            || (first && (w.starts_with(b"re") || w.starts_with(b"pre") || w.starts_with(b"be"))))
                    {
                        v(Q::I, "", true) // increment インクリメント, regression リグレッション
                    } else if g.is_some_and(|(s, e)| w[s..e].starts_with(b"au")) {
                        v(Q::O, "ー", false)
                    } else if sp == Some(Q::A)
                        && g.is_some_and(|(s, _)| w[s] == b'u')
                        && matches!(prev, Some(b'j' | b'c' | b'S' | b'y'))
                    {
                        // modular モジュラー; -utor: contributor コントリビューター
                        let utor = ph.get(i + 1).is_some_and(|p| p.p == b't')
                            && prev == Some(b'y')
                            && ph.get(i + 2).is_some_and(|p| matches!(p.p, b'R' | b'i' | b'^'));
                        v(Q::U, if utor { "ー" } else { "" }, !utor)
                    } else if g.is_some_and(|(s, e)| &w[s..e] == b"i")
                        && w.windows(7).any(|x| x == b"ization")
                        && ph.get(i + 1).is_some_and(|p| p.p == b'z')
                        && ph.get(i + 2).is_some_and(|p| p.p == b'E')
                    {
                        v(Q::A, "イ", false) // -ization: オプティマイゼーション
                    } else {
                        v(sp.unwrap_or(Q::A), "", true)
                    }
                }
            }
            b'o' => {
                let short_o = sp == Some(Q::O)
                    && g.is_some_and(|(s, e)| e - s == 1)
                    && next.is_some_and(|c| !is_vowel_phone(c) && c != b'r');
                let r_vowel = next == Some(b'r') && vowel_at(&ph, i + 2);
                let long_before_r = r_vowel && stress == 1 && ph.get(i + 2).is_some_and(|p| p.p == b'Y') && i + 3 == n;
                if word_end_r {
                    v(Q::O, "ア", false)
                } else if r_coda || long_before_r {
                    v(Q::O, "ー", false)
                } else if short_o || r_vowel {
                    v(Q::O, "", true)
                } else {
                    v(Q::O, "ー", false)
                }
            }
            b'W' => v(Q::A, "ウ", false),
            b'I' => v(Q::A, if r_coda { "イア" } else { "イ" }, false),
            b'e' if !r_coda && next == Some(b'r') && g.is_some_and(|(s, e)| &w[s..e] == b"a") => {
                // `similarity`, `character`, `temporary`: said as the a of `cat`.
                ph_as_ae[i] = true;
                v(Q::A, "", true)
            }
            b'e' => v(Q::E, if r_coda { "ア" } else { "" }, true),
            b'R' => {
                if vowel_at(&ph, i + 1) || ph.get(i + 1).is_some_and(|p| p.p == b'r') {
                    // `memory`, `history`: the spelled vowel, then r before the next vowel;
                    // an e after f, l, v said a (`different`, `acceleration`, `coverage`).
                    let flv = matches!(prev, Some(b'f' | b'l' | b'v')) || (w.starts_with(b"inter") && i <= 4);
                    let q = match sp {
                        Some(Q::E) if flv => Q::A,
                        Some(q) => q,
                        None => Q::A,
                    };
                    v(q, "", true)
                } else if stress == 0 && i + 2 == n && next == Some(b'n') {
                    v(Q::A, "", false) // modern モダン, northern ノーザン
                } else {
                    v(Q::A, "ー", false)
                }
            }
            b'E' => {
                let ai = g.is_some_and(|(s, e)| w[s..e].iter().any(|&b| b == b'i' || b == b'y'));
                v(Q::E, if ai { "イ" } else { "ー" }, false)
            }
            b'i' => {
                if stress == 0 && sp == Some(Q::E) {
                    let re = first && matches!(w, [b'r' | b'b', b'e', ..]);
                    let es = g.is_some_and(|(_, e)| e + 1 == w.len() && w[e] == b's');
                    if age && i + 2 == n {
                        v(Q::E, "ー", false)
                    } else if re || es {
                        v(Q::I, "", true)
                    } else {
                        v(Q::E, "", true)
                    }
                } else if age && i + 2 == n {
                    v(Q::E, "ー", false)
                } else if stress == 0 && sp == Some(Q::A) && !r_coda {
                    v(Q::A, "", true) // character キャラクター
                } else {
                    v(Q::I, if r_coda { "ア" } else { "" }, true)
                }
            }
            b'Y' => {
                let re = stress != 1 && first && (w.starts_with(b"re") || w.starts_with(b"pre"));
                let de = stress != 1 && first && w.starts_with(b"de");
                let eo = g.is_some_and(|(s, e)| e - s == 1 && w[s] == b'e' && w.get(e) == Some(&b'o'));
                if (eo && stress != 1) || de || (i == 0 && stress == 0 && w[0] == b'e') {
                    // video, stereo; decode デコード, detach デタッチ, electron エレクトロン
                    v(Q::E, "", false)
                } else if re || (vowel_at(&ph, i + 1) && !syllabic.get(i + 1).copied().unwrap_or(false)) {
                    v(Q::I, "", false) // redirect リダイレクト, serial シリアル
                } else if r_coda {
                    v(Q::I, "ア", false)
                } else if i + 1 == n && stress != 1 && matches!(prev, Some(b't' | b'd' | b'r')) {
                    v(Q::I, "", false) // -ty, -dy, -ry: セキュリティ, ライブラリ
                } else if stress > 0 || i + 1 == n {
                    v(Q::I, "ー", false)
                } else {
                    v(Q::I, "", false)
                }
            }
            b'O' => {
                let ends_o = i + 1 == n && w.ends_with(b"o");
                let ost = g.is_some_and(|(s, e)| e - s == 1 && w.get(e..e + 2) == Some(b"st"));
                if next == Some(b'R') {
                    v(Q::O, "ー", false) // lower ローワー (the ER said ワー)
                } else if ost || (stress != 1 && (ends_o || i + 1 < n)) {
                    v(Q::O, "", false)
                } else {
                    v(Q::O, "ー", false)
                }
            }
            b'Q' => v(Q::O, "イ", false),
            b'U' if g.is_some_and(|(s, e)| &w[s..e] == b"u" && w.get(e..e + 2) == Some(b"le")) => {
                v(Q::U, "ー", false) // schedule スケジュール, module モジュール
            }
            b'U' => v(Q::U, if r_coda { "ア" } else { "" }, true),
            b'u' if (stress == 0 || (i == 1 && w.starts_with(b"uni")))
                && !r_coda
                && i + 1 < n
                && (prev != Some(b'y') || w.starts_with(b"uni") || vowel_at(&ph, i + 1)) =>
            {
                v(Q::U, "", false) // virtual, unique
            }
            b'u' => v(Q::U, if r_coda { "ア" } else { "ー" }, false),
            _ => continue,
        };
        let _ = prev;
        vowels[i] = Some(vowel);
    }
    // Render.
    let mut out = String::with_capacity(n * 6);
    let mut i = 0;
    let mut prev_short = false;
    while i < n {
        let p = ph[i].p;
        if let Some(v) = vowels[i].clone() {
            if syllabic[i] {
                i += 1;
                continue;
            }
            // A vowel with no consonant before it.
            let prev_c = i.checked_sub(1).map(|j| ph[j].p);
            let kana = match (v.q, prev_c) {
                (Q::U, _) if p == b'u' && i > 0 && matches!(ph[i - 1].p, b'y' | b'Y') => "ユ", // reuse
                _ => ["ア", "イ", "ウ", "エ", "オ"][v.q as usize],
            };
            out += kana;
            i = finish_vowel(&mut out, &ph, &vowels, i, &v);
            prev_short = v.short;
            continue;
        }
        let next = ph.get(i + 1).map(|p| p.p);
        let dbl = doubled(w, &groups, &ph, i);
        // consonant + y + vowel
        if next == Some(b'y') && p != b'y' && vowels.get(i + 2).is_some_and(Option::is_some) && !syllabic[i + 2] {
            let mut v = vowels[i + 2].clone().unwrap();
            let q = if ph[i + 2].p == b'^' || ph[i + 2].p == b'R' { Q::U } else { v.q };
            if ph[i + 2].p == b'R' && i + 3 == n {
                v.tail = "ア"; // configure コンフィギュア
            }
            out += &cyv(p, q);
            let v = Vowel { q, ..v };
            i = finish_vowel(&mut out, &ph, &vowels, i + 2, &v);
            prev_short = v.short;
            continue;
        }
        if let Some(v) = vowels.get(i + 1).cloned().flatten().filter(|_| !syllabic[i + 1]) {
            let mut q = v.q;
            let mut kana: String;
            if dbl {
                out += "ッ";
            }
            let g = groups[i + 1];
            let letters = g.map(|(s, e)| &w[s..e]).unwrap_or(&[]);
            let after = ph.get(i + 2).map(|p| p.p);
            let ka = p == b'k'
                && (matches!(after, Some(b'l' | b'm'))
                    || (after == Some(b't') && vowel_at(&ph, i + 3))
                    || (after == Some(b's') && ph.get(i + 3).is_some_and(|p| p.p == b'k')));
            if p == b'w' && i == 0 && w.starts_with(b"wh") && ph[1].p == b'I' {
                kana = "ホワ".to_string(); // white ホワイト
            } else if matches!(p, b'k' | b'g') && (ph[i + 1].p == b'@' || ph_as_ae[i + 1]) && !ka {
                kana = cyv(p, Q::A); // cat キャット, gap ギャップ
            } else if ph[i + 1].p == b'u'
                && letters.first() == Some(&b'u')
                && p == b'l'
                && i > 0
                && vowels[i - 1].is_some()
            {
                kana = "リュ".to_string(); // solution ソリューション
            } else if matches!(ph[i + 1].p, b'u' | b'U')
                && letters.first() == Some(&b'u')
                && matches!(p, b't' | b'd' | b'n')
            {
                kana = if p == b't' { "チュ".to_string() } else { cyv(p, Q::U) };
            // duty デューティー
            } else if ph[i + 1].p == b'u' && letters.starts_with(b"ew") && matches!(p, b'd' | b'n') {
                kana = cyv(p, Q::U);
            } else if p == b'w' && i > 0 && matches!(ph[i - 1].p, b'k' | b'g') {
                // quick クイック, quote クオート
                if ph[i + 1].p == b'a' {
                    q = Q::O;
                }
                kana = ["ワ", "イ", "ウ", "エ", "オ"][q as usize].to_string();
            } else if p == b'w' && ph[i + 1].p == b'a' {
                kana = "ウォ".to_string();
            } else if p == b'w' && ph[i + 1].p == b'^' {
                kana = "ワ".to_string();
            } else if p == b's'
                && i >= 2
                && ph[i - 1].p == b'k'
                && x_before(w, &groups, i - 1)
                && out.ends_with('ク')
                && letters.first().is_some_and(|&c| c == b'i' || c == b'y')
            {
                out.truncate(out.len() - 'ク'.len_utf8());
                out += "キ";
                kana = cv(p, q).to_string(); // flexible フレキシブル
            } else if p == b'y' && q == Q::I {
                kana = "イ".to_string();
            } else {
                kana = cv(p, q).to_string();
            }
            if p == b'N' {
                // sing+ing: ン then the g row
                kana = format!("ン{}", cv(b'g', q));
            }
            out += &kana;
            i = finish_vowel(&mut out, &ph, &vowels, i + 1, &Vowel { q, ..v.clone() });
            prev_short = v.short;
            continue;
        }
        // A consonant with no vowel after it.
        let rest: Vec<u8> = ph[i + 1..].iter().map(|p| p.p).collect();
        let final_like = rest.iter().all(|&c| matches!(c, b's' | b'z'))
            || (rest.len() == 1 && matches!(rest[0], b't' | b'd') && w.ends_with(b"ed"));
        let stop = matches!(p, b'p' | b't' | b'k' | b'c' | b'j' | b'S' | b'd')
            || (p == b'g' && i > 0 && matches!(ph[i - 1].p, b'i' | b'e'));
        if dbl || (prev_short && stop && final_like && i > 0 && vowels[i - 1].is_some()) {
            out += "ッ";
        }
        if p == b't' && next == Some(b's') && !vowel_at(&ph, i + 2) {
            out += "ツ";
            i += 2;
            prev_short = false;
            continue;
        }
        if p == b'd' && next == Some(b'z') && rest.len() == 1 {
            out += "ズ";
            i += 2;
            prev_short = false;
            continue;
        }
        if matches!(p, b't' | b'd') && next == Some(b'r') && ph.get(i + 2).is_some_and(|p| p.p == b'u') {
            out += if p == b't' { "トゥ" } else { "ドゥ" }; // true トゥルー
            prev_short = false;
            i += 1;
            continue;
        }
        if p == b'r' && i > 0 && vowels[i - 1].is_some() {
            // the r of a vowel, already said in its tail
        } else {
            out += bare(p, next);
        }
        prev_short = false;
        i += 1;
    }
    // -ism is イズム in Japanese (メカニズム, パラレリズム), not the ジム its phones map to.
    match out.strip_suffix("ジム") {
        Some(stem) if word.ends_with("ism") => format!("{stem}ズム"),
        _ => out,
    }
}

/// A consonant between vowels spelled double (`pp`, `ck`, `kk`) after a short stressed vowel,
/// before a final -y, -er, -le or -ing: `happy` ハッピー, `hacker` ハッカー, `apple` アップル.
fn doubled(w: &[u8], groups: &[Option<(usize, usize)>], ph: &[Phone], i: usize) -> bool {
    if i == 0 || !matches!(ph[i].p, b'p' | b'k' | b'S') || ph[i - 1].stress == 0 {
        return false;
    }
    if !matches!(ph[i - 1].p, b'@' | b'e' | b'i' | b'a' | b'^' | b'U' | b'o') {
        return false;
    }
    let Some((s, e)) = groups[i - 1] else { return false };
    let two = w.get(e..e + 2);
    let oo_k = ph[i].p == b'k' && ph[i - 1].p == b'U' && &w[s..e] == b"oo";
    if ph[i].p == b'S' {
        // fashion ファッション, session セッション, pressure プレッシャー
        return matches!(two, Some(b"ss" | b"sh")) && ph.get(i + 1).is_some_and(|p| is_vowel_phone(p.p));
    }
    if !matches!(two, Some(b"pp" | b"ck" | b"kk")) && !oo_k {
        return false;
    }
    let rest: Vec<u8> = ph[i + 1..].iter().map(|p| p.p).collect();
    matches!(
        rest.as_slice(),
        [b'Y'] | [b'R'] | [b'R', b'z'] | [b'Y', b'z'] | [b'^', b'l'] | [b'^', b'l', b'z'] | [b'i', b'N']
    )
}

/// Whether the k at phone `i` is spelled x (the vowel letters before it end at an x).
fn x_before(w: &[u8], groups: &[Option<(usize, usize)>], i: usize) -> bool {
    i > 0 && groups[i - 1].is_some_and(|(_, e)| w.get(e) == Some(&b'x'))
}

/// Writes what follows a vowel's first mora (its tail, or a final r); returns the index after it.
fn finish_vowel(out: &mut String, ph: &[Phone], vowels: &[Option<Vowel>], i: usize, v: &Vowel) -> usize {
    let _ = vowels;
    let next = ph.get(i + 1).map(|p| p.p);
    // AW/AY + ER: power パワー, fire ファイア
    if next == Some(b'R') && matches!(ph[i].p, b'W' | b'I') && i + 2 == ph.len() {
        *out += if ph[i].p == b'W' { "ワー" } else { "イア" };
        return i + 2;
    }
    if ph[i].p == b'O' && next == Some(b'R') {
        *out += if i + 2 == ph.len() { "ーワー" } else { "ーワ" };
        return i + 2;
    }
    if ph[i].p == b'I' && next == Some(b'R') {
        *out += "イア";
        return i + 2;
    }
    *out += v.tail;
    i + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `WORDS="a b" cargo test --lib cmu::tests::show -- --ignored --nocapture`
    #[test]
    #[ignore]
    fn show() {
        for w in std::env::var("WORDS").unwrap_or_default().split_whitespace() {
            let p = phones(w).map(|p| String::from_utf8_lossy(p).to_string());
            println!("{w}\t{p:?}\twhole={:?}\treading={:?}", whole_unless_inflected(w), reading(w));
        }
    }

    #[test]
    fn lookup() {
        assert_eq!(phones("cat"), Some(&b"k@1t"[..]));
        assert!(phones("zzzzqx").is_none());
        assert!(phones("a").is_some());
        assert!(phones("zywicki").is_some() || phones("zyuganov").is_some());
    }
}

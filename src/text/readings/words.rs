//! The built-in table (`words.txt`) and the words made from its entries: inflections
//! (`loading`, `tests`, `parser`) and compounds (`readfile`, `username`).

use std::collections::HashMap;
use std::sync::OnceLock;

use super::kana;

fn table() -> &'static HashMap<&'static str, &'static str> {
    static TABLE: OnceLock<HashMap<&str, &str>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut t = HashMap::new();
        let lines = include_str!("words.txt").lines().filter(|l| !l.starts_with('#'));
        for (word, reading) in lines.filter_map(|l| l.split_once(' ')) {
            t.entry(word).or_insert(reading);
        }
        t
    })
}

/// The table's reading: the exact spelling first (`IT`), then the lowercase one (`it`).
pub fn get(word: &str) -> Option<&'static str> {
    let t = table();
    t.get(word).or_else(|| t.get(word.to_ascii_lowercase().as_str())).copied()
}

/// A reading built from table entries, for a lowercase word the table lacks.
pub fn guess(word: &str) -> Option<String> {
    inflected(word).or_else(|| compound(word))
}

/// How a suffix changes the stem's reading.
type Form = fn(&str, bool) -> String;

/// The table word `word` is an inflection of (`loading` → `load`), if any.
pub fn stem_of(word: &str) -> Option<String> {
    for suffix in ["ing", "ed", "er", "ies", "es", "s"] {
        let Some(base) = word.strip_suffix(suffix).filter(|b| b.len() >= 3) else {
            continue;
        };
        if let Some((stem, _)) = stems(base, suffix).into_iter().find(|(s, _)| get(s).is_some()) {
            return Some(stem);
        }
    }
    None
}

fn inflected(word: &str) -> Option<String> {
    let rules: [(&str, Form); 6] = [
        ("ing", kana::ing),
        ("ed", |s, _| kana::past(s)),
        ("er", kana::agent),
        ("ies", |s, _| kana::plural(s)),
        ("es", |s, _| kana::plural(s)),
        ("s", |s, _| kana::plural(s)),
    ];
    for (suffix, form) in rules {
        let Some(base) = word.strip_suffix(suffix).filter(|b| b.len() >= 3) else {
            continue;
        };
        for (stem, doubled) in stems(base, suffix) {
            if let Some(r) = get(&stem) {
                return Some(r_stem(&stem, r, suffix).unwrap_or_else(|| form(r, doubled)));
            }
        }
    }
    None
}

/// A stem spelled with a final r said as ー takes its r back: `rendering` → レンダリング,
/// `renderer` → レンダラー.
fn r_stem(stem: &str, reading: &str, suffix: &str) -> Option<String> {
    let base = reading.strip_suffix('ー').unwrap_or(reading);
    let tail = match suffix {
        "ing" => "リング",
        "er" => "ラー",
        _ => return None,
    };
    (stem.ends_with('r') && !stem.ends_with("rr")).then(|| format!("{base}{tail}"))
}

/// Spellings the stem may have: `load`+ing, `make`→mak+ing, `run`→runn+ing, `copy`→cop+ies.
fn stems(base: &str, suffix: &str) -> Vec<(String, bool)> {
    if suffix == "ies" {
        return vec![(format!("{base}y"), false)];
    }
    let mut v = vec![(base.to_string(), false), (format!("{base}e"), false)];
    let b = base.as_bytes();
    if b.len() >= 3 && b[b.len() - 1] == b[b.len() - 2] {
        v.push((base[..base.len() - 1].to_string(), true));
    }
    v
}

/// Two known words run together, the longest first part first; each part at least 3
/// letters, so `often` is not `of`+`ten`.
fn compound(word: &str) -> Option<String> {
    if word.len() < 6 {
        return None;
    }
    (3..=word.len() - 3).rev().find_map(|i| {
        let (a, b) = word.split_at(i);
        let second = get(b).map(str::to_string).or_else(|| inflected(b))?;
        Some(format!("{}{second}", get(a)?))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_and_derived_words() {
        assert_eq!(get("IT"), Some("アイティー"));
        assert_eq!(get("It"), Some("イット"));
        assert_eq!(guess("loading").as_deref(), Some("ローディング"));
        assert_eq!(guess("running").as_deref(), Some("ランニング"));
        assert_eq!(guess("queries").as_deref(), Some("クエリズ"));
        assert_eq!(guess("readfile").as_deref(), Some("リードファイル"));
        assert_eq!(guess("filenames").as_deref(), Some("ファイルネームズ"));
        assert_eq!(guess("zzz"), None);
    }
}

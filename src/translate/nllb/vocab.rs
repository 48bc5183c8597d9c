//! The output rows a target language needs: a decoder step scores these instead of all
//! 256k tokens, most of which are pieces of scripts the target never writes.
//!
//! A piece belongs to a language when each of its characters is in one of the language's
//! scripts or is shared by all scripts (digits, punctuation, the `▁` word-start marker,
//! symbols: Unicode's Common and Inherited). Source pieces and special tokens are added by
//! the caller, so names and code copied from the source stay possible.

use unicode_script::{Script, UnicodeScript};

/// The scripts a FLORES-200 language code (`jpn_Jpan`) writes in; `None` when the code's
/// script part is not one we know, and then the whole vocabulary is used.
pub fn scripts_of(code: &str) -> Option<Vec<Script>> {
    let (_, script) = code.rsplit_once('_')?;
    // ISO 15924 codes for mixtures, which Unicode does not list as scripts.
    let mixed = match script {
        "Jpan" => vec![Script::Hiragana, Script::Katakana, Script::Han],
        "Hans" | "Hant" | "Hani" => vec![Script::Han],
        "Kore" => vec![Script::Hangul, Script::Han],
        _ => vec![Script::from_short_name(script)?],
    };
    Some(mixed)
}

/// Whether every character of `piece` is in `scripts` or shared by all scripts.
pub fn written_in(piece: &str, scripts: &[Script]) -> bool {
    !piece.is_empty()
        && piece.chars().all(|c| {
            let s = c.script();
            matches!(s, Script::Common | Script::Inherited) || scripts.contains(&s)
        })
}

/// Ids below `rows` of the `(piece, id)` pairs written in the target language's scripts,
/// plus `keep` (special tokens), sorted; `None` when the language's scripts are unknown.
pub fn target_ids<'a>(
    pieces: impl IntoIterator<Item = (&'a str, u32)>,
    code: &str,
    keep: &[u32],
    rows: usize,
) -> Option<Vec<u32>> {
    let scripts = scripts_of(code)?;
    let mut ids: Vec<u32> = pieces
        .into_iter()
        .filter(|(piece, _)| written_in(piece, &scripts))
        .map(|(_, id)| id)
        .chain(keep.iter().copied())
        .filter(|&id| (id as usize) < rows)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    Some(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn japanese_keeps_kana_kanji_digits_and_punctuation() {
        let jpan = scripts_of("jpn_Jpan").unwrap();
        for piece in ["▁", "▁の", "カタカナ", "漢字", "ー", "。", "「", "、", "１２", "42", "▁(", "…", "ｶﾞ", "!"]
        {
            assert!(written_in(piece, &jpan), "{piece} should be kept");
        }
        for piece in ["▁the", "ing", "Ж", "한", "é", "▁東京Tower", "", "jpn_Jpan", "<unk>"] {
            assert!(!written_in(piece, &jpan), "{piece} should be left out");
        }
    }

    #[test]
    fn scripts_come_from_the_code() {
        assert_eq!(scripts_of("kor_Hang"), Some(vec![Script::Hangul]));
        assert_eq!(scripts_of("rus_Cyrl"), Some(vec![Script::Cyrillic]));
        assert_eq!(scripts_of("zho_Hant"), Some(vec![Script::Han]));
        assert_eq!(scripts_of("xxx_Zzzq"), None);
        assert_eq!(scripts_of("nocode"), None);
    }

    #[test]
    fn ids_are_sorted_unique_in_range_with_the_kept_ones() {
        let pieces = [("▁猫", 9), ("cat", 4), ("ね", 7), ("。", 5), ("猫猫", 12)];
        let got = target_ids(pieces, "jpn_Jpan", &[2, 7, 0], 10).unwrap();
        assert_eq!(got, vec![0, 2, 5, 7, 9]);
        assert!(target_ids(pieces, "xxx_Zzzq", &[], 10).is_none());
    }
}

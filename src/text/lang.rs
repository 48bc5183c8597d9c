//! Language detection: is a text Japanese (so it must not be translated)?

/// True when Japanese script outweighs Latin words. One Japanese "word" is taken as about
/// two kana/kanji, so `Run cargo test で確認してください` is Japanese while
/// `The 日本 team won today` is English.
pub fn is_japanese(text: &str) -> bool {
    let (mut ja, mut latin_words, mut in_word) = (0usize, 0usize, false);
    for c in text.chars() {
        let latin = c.is_ascii_alphabetic();
        if latin && !in_word {
            latin_words += 1;
        }
        in_word = latin;
        if is_japanese_char(c) {
            ja += 1;
        }
    }
    ja > 0 && ja >= 2 * latin_words
}

fn is_japanese_char(c: char) -> bool {
    matches!(c,
        '\u{3040}'..='\u{30ff}'   // hiragana, katakana
        | '\u{31f0}'..='\u{31ff}' // katakana extensions
        | '\u{3400}'..='\u{4dbf}' // CJK extension A
        | '\u{4e00}'..='\u{9fff}' // CJK unified ideographs
        | '\u{ff66}'..='\u{ff9f}' // half-width katakana
        | '\u{3005}' | '\u{3006}' // 々 〆
    )
}

#[cfg(test)]
mod tests {
    use super::is_japanese;

    #[test]
    fn detects_by_ratio() {
        assert!(is_japanese("キャッシュ層はハンドラとデータベースの間にあります。"));
        assert!(is_japanese("`cargo test` で確認してください"));
        assert!(is_japanese("ｶﾀｶﾅ"));
        assert!(!is_japanese("The 日本 team won the match today."));
        assert!(!is_japanese("Run the tests, then 確認."));
        assert!(!is_japanese(""));
        assert!(!is_japanese("123 !? ──"));
        assert!(!is_japanese("plain English text"));
    }
}

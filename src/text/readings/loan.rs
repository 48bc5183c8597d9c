//! Katakana as Japanese writes it, from two embedded lists, each sorted with one `word katakana`
//! line per word and binary-searched in place like `cmudict.txt` (nothing parsed at load):
//!
//! - `loanwords.txt`, from JMdict (made by `loanwords.py`; CC BY-SA, licence and attribution in
//!   `LOANWORDS-LICENSE`, kept apart from the code): `ticket` チケット, `tourism` ツーリズム,
//!   `octane` オクタン. A phone-by-phone mapping misses these wherever Japanese took the word
//!   from its spelling or settled on a form of its own.
//! - `names.txt`, parts of package names no dictionary has, read by e2k's character model
//!   (made by `names.py`; public domain, see `E2K-LICENSE`): `django` ジャンゴ, `pulumi`
//!   プルミ, `twilio` ツイリオ. The model is trained on loanwords, so it guesses a name the way an engineer
//!   does where spelling rules guess letters; run ahead of time, as it takes milliseconds a word.

static LOANWORDS: &[u8] = include_bytes!("loanwords.txt");
static NAMES: &[u8] = include_bytes!("names.txt");

/// Faults both lists' pages in; idempotent, and lookups work without it.
pub fn prepare() {
    static DONE: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    DONE.get_or_init(|| LOANWORDS.iter().chain(NAMES).step_by(4096).map(|&b| u64::from(b)).sum());
}

/// The katakana of a lowercase word, or None when JMdict has no loanword for it.
pub fn get(word: &str) -> Option<&'static str> {
    std::str::from_utf8(super::search(LOANWORDS, word)?).ok()
}

/// The model's katakana for a lowercase part of a package name, or None.
pub fn name(word: &str) -> Option<&'static str> {
    std::str::from_utf8(super::search(NAMES, word)?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists() {
        assert_eq!(get("ticket"), Some("チケット"));
        assert_eq!(get("tourism"), Some("ツーリズム"));
        assert_eq!(get("zzzzqx"), None);
        assert_eq!(name("django"), Some("ジャンゴ"));
        assert_eq!(name("server"), None);
    }
}

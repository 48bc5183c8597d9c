//! Katakana loanwords as Japanese writes them, from JMdict: `server` サーバー, `tourism`
//! ツーリズム, `octane` オクタン, `pretzel` プレッツェル. A phone-by-phone mapping misses these
//! wherever Japanese took the word from its spelling or settled on a form of its own.
//!
//! The data (`loanwords.txt`, made by `loanwords.py`; licence and attribution in
//! `LOANWORDS-LICENSE`, CC BY-SA, kept apart from the code) is embedded sorted, one
//! `word katakana` line each, and binary-searched in place like `cmudict.txt`.

static DATA: &[u8] = include_bytes!("loanwords.txt");

/// Faults the embedded list's pages in; idempotent, and lookups work without it.
pub fn prepare() {
    static DONE: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    DONE.get_or_init(|| DATA.iter().step_by(4096).map(|&b| u64::from(b)).sum());
}

/// The katakana of a lowercase word, or None when JMdict has no loanword for it.
pub fn get(word: &str) -> Option<&'static str> {
    let r = super::search(DATA, word)?;
    std::str::from_utf8(r).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loanwords() {
        assert_eq!(get("server"), Some("サーバー"));
        assert_eq!(get("tourism"), Some("ツーリズム"));
        assert_eq!(get("zzzzqx"), None);
    }
}

//! Pure text logic: sentence segmentation, language detection, cleanup, redaction, and
//! `readings` for code words the voice would spell out. No Neovim API here.

pub mod clean;
pub mod lang;
pub mod readings;
pub mod redact;
pub mod segment;

pub use lang::is_japanese;

/// The sayable sentences of a text (segmented, then cleaned; empty ones dropped), cut
/// lazily: stop iterating and the rest of the text is never scanned.
pub fn sentences(text: &str) -> impl Iterator<Item = String> {
    segment::Sentences::new(text).map(|s| clean::clean(&s)).filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    #[test]
    fn sentences_are_segmented_and_cleaned() {
        let t = "## Plan\n\n- Edit `src/text/tui.rs` first, e.g. the parser.\n- Run tests\n\nSee https://github.com/x/y. Done.";
        assert_eq!(
            super::sentences(t).collect::<Vec<_>>(),
            ["Plan", "Edit tui.rs first, e.g. the parser.", "Run tests", "See github.com link.", "Done."]
        );
    }
}

//! Pure text logic: sentence segmentation, language detection, cleanup, the TUI filter.
//! No Neovim API here: `nvim/` feeds it buffer lines and a clock.

pub mod clean;
pub mod lang;
pub mod segment;
pub mod tui;

pub use lang::is_japanese;

/// Split text into sayable sentences (segmented, then cleaned; empty ones dropped).
pub fn sentences(text: &str) -> Vec<String> {
    segment::split(text)
        .iter()
        .map(|s| clean::clean(s))
        .filter(|s| !s.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn sentences_are_segmented_and_cleaned() {
        let t = "## Plan\n\n- Edit `src/text/tui.rs` first, e.g. the parser.\n- Run tests\n\nSee https://github.com/x/y. Done.";
        assert_eq!(
            super::sentences(t),
            ["Plan", "Edit tui.rs first, e.g. the parser.", "Run tests", "See github.com link.", "Done."]
        );
    }
}

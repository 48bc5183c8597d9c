//! Pure text logic: sentence segmentation, language detection, cleanup, redaction, and
//! `readings` for code words the voice would spell out. No Neovim API here.

pub mod clean;
pub mod lang;
pub mod readings;
pub mod redact;
pub mod segment;

pub use lang::is_japanese;

/// The sayable sentences of a text (segmented, then cleaned; empty ones dropped), cut
/// lazily: stop iterating and the rest of the text is never scanned. No redaction: for
/// text that has been through [`Redacted`] (or never needs it).
pub fn sentences(text: &str) -> impl Iterator<Item = String> {
    segment::Sentences::new(text).map(|s| clean::clean(&s)).filter(|s| !s.is_empty())
}

/// The one way text from the user or a program becomes sentences to speak (`speak()`, the
/// CLI, the `sentences` hook). Credentials go first, from the whole text, before anything
/// cuts, shortens or joins it (a key cut into two sentences, or a base64 key shortened as a
/// path, would escape); each sentence is redacted again after cleaning, which joins what
/// was apart. Sentences with no words are dropped.
pub struct Redacted<'a> {
    text: std::borrow::Cow<'a, str>,
    redact: bool,
}

impl<'a> Redacted<'a> {
    /// `redact`: the `redact` option (off: text passes as it is).
    pub fn new(text: &'a str, redact: bool) -> Self {
        let text = if redact { redact::redact(&redact::redact_blocks(text)).into_owned().into() } else { text.into() };
        Self { text, redact }
    }

    /// Cut lazily: stop iterating and the rest is never segmented.
    pub fn sentences(&self) -> impl Iterator<Item = String> + '_ {
        sentences(&self.text)
            .map(|s| if self.redact { redact::redact(&s).into_owned() } else { s })
            .filter(|s| s.chars().any(char::is_alphanumeric))
    }
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

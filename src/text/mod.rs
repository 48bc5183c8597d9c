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
/// CLI, the `sentences` hook). Credentials go first, before anything cuts, shortens or joins
/// them (a key cut into two sentences, or a base64 key shortened as a path, would escape):
/// key blocks from the whole text, then everything else from each paragraph as a whole;
/// each sentence is redacted again after cleaning, which joins what was apart. Sentences
/// with no words are dropped.
pub struct Redacted<'a> {
    text: std::borrow::Cow<'a, str>,
    redact: bool,
}

/// Longest piece redacted at once: no credential is longer (key blocks are found in the
/// whole text first), and a huge paragraph costs only the pieces a full queue takes.
const MAX_UNIT: usize = 4 << 10;

impl<'a> Redacted<'a> {
    /// `redact`: the `redact` option (off: text passes as it is).
    pub fn new(text: &'a str, redact: bool) -> Self {
        let text = if redact {
            // Invisible characters are never said, and must not cut a key in two for the
            // redaction (`sk-…\u{ad}…`, `…\u{2060}…`).
            match without_invisible(text) {
                std::borrow::Cow::Borrowed(t) => redact::redact_blocks(t),
                std::borrow::Cow::Owned(t) => redact::redact_blocks(&t).into_owned().into(),
            }
        } else {
            text.into()
        };
        Self { text, redact }
    }

    /// Cut lazily, paragraph by paragraph: stop iterating and the rest is never looked at.
    pub fn sentences(&self) -> impl Iterator<Item = String> + '_ {
        units(&self.text).flat_map(move |unit| {
            let unit = if self.redact { redact::redact(unit) } else { unit.into() };
            let said: Vec<String> = sentences(&unit)
                .map(|s| if self.redact { redact::redact(&s).into_owned() } else { s })
                .filter(|s| s.chars().any(char::is_alphanumeric))
                .collect();
            said
        })
    }
}

/// Soft hyphens, zero-width spaces and joiners, word joiners and byte-order marks.
const INVISIBLE: &[char] = &['\u{ad}', '\u{200b}', '\u{200c}', '\u{200d}', '\u{2060}', '\u{feff}'];

fn without_invisible(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains(INVISIBLE) {
        text.replace(INVISIBLE, "").into()
    } else {
        text.into()
    }
}

/// Paragraphs (a blank line ends one: no sentence or credential goes on past it), each cut
/// into pieces of at most [`MAX_UNIT`] bytes, at a space where there is one.
fn units(text: &str) -> impl Iterator<Item = &str> {
    text.split("\n\n").flat_map(|para| {
        let mut rest = para;
        std::iter::from_fn(move || {
            if rest.is_empty() {
                return None;
            }
            let mut end = rest.len().min(MAX_UNIT);
            while !rest.is_char_boundary(end) {
                end -= 1;
            }
            if end < rest.len() {
                end = rest[..end].rfind(char::is_whitespace).filter(|&at| at > 0).unwrap_or(end);
            }
            let (unit, tail) = rest.split_at(end);
            rest = tail;
            Some(unit)
        })
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_key_cut_by_a_sentence_end_or_shortened_as_a_path_is_hidden_whole() {
        // Path shortening would keep only `9gT2kQ…` (too short for the net); a period
        // inside the quoted passphrase would put `password:` and its value apart.
        let key = "Zq8vN2xK/7mP4rT9wY6b/H3cJ5dF1gL0sA8hU2nB";
        let text = format!("Use {key} as the secret. Then set password: \"tr0ub4dor. horse\" and restart.");
        let said: Vec<String> = super::Redacted::new(&text, true).sentences().collect();
        let all = said.join(" ");
        for piece in [&key[..8], &key[20..30], &key[30..], "tr0ub4dor", "horse"] {
            assert!(!all.contains(piece), "{piece:?} escaped in {said:?}");
        }
        assert!(all.contains("restart"), "{said:?}");
    }

    /// A soft hyphen or a word joiner inside a key (never said) does not cut it in two for
    /// the redaction: the key's tail would be left.
    #[test]
    fn invisible_characters_do_not_cut_a_key() {
        let key = "sk-proj-Xq7LmN2pR9tV4wY6zA8bC1dE3fG5hJ7kL9mN";
        let cut = key.len() - 9;
        for mark in ['\u{ad}', '\u{2060}', '\u{200b}'] {
            let text = format!("OpenAI API key: {}{mark}{} for the tests.", &key[..cut], &key[cut..]);
            let all = super::Redacted::new(&text, true).sentences().collect::<Vec<_>>().join(" ");
            assert!(!all.contains(&key[cut..]) && !all.contains(&key[8..18]), "{mark:?}: {all}");
        }
    }

    #[test]
    fn long_text_is_cut_into_units_at_spaces_and_paragraphs() {
        let para = "word ".repeat(3000);
        let text = format!("{para}\n\nNext paragraph.");
        let units: Vec<&str> = super::units(&text).collect();
        assert!(
            units.iter().all(|u| u.len() <= super::MAX_UNIT),
            "{:?}",
            units.iter().map(|u| u.len()).collect::<Vec<_>>()
        );
        assert_eq!(units.concat().len() + 2, text.len(), "nothing lost but the blank line");
        assert_eq!(*units.last().unwrap(), "Next paragraph.");
        assert!(units[..units.len() - 1].iter().all(|u| u.starts_with(' ') || u.starts_with("word")));
    }

    #[test]
    fn sentences_are_segmented_and_cleaned() {
        let t = "## Plan\n\n- Edit `src/text/tui.rs` first, e.g. the parser.\n- Run tests\n\nSee https://github.com/x/y. Done.";
        assert_eq!(
            super::sentences(t).collect::<Vec<_>>(),
            ["Plan", "Edit tui.rs first, e.g. the parser.", "Run tests", "See github.com link.", "Done."]
        );
    }
}

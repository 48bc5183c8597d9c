use super::{Kind, Translation, Translator};

/// The `none` engine: speaks the text as it is (useful for Japanese text and for tests).
pub struct Passthrough;

impl Translator for Passthrough {
    fn kind(&self) -> Kind {
        Kind::None
    }

    fn translate(&mut self, text: &str, _src: &str, _tgt: &str) -> anyhow::Result<Translation> {
        Ok(Translation::new(text.to_owned(), Kind::None))
    }
}

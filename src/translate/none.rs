use super::{Kind, Translation, Translator};
use crate::cancel::EngineError;

/// The `none` engine: speaks the text as it is (useful for Japanese text and for tests).
pub struct Passthrough;

impl Translator for Passthrough {
    fn kind(&self) -> Kind {
        Kind::None
    }

    fn translate(&mut self, text: &str, _src: &str, _tgt: &str) -> Result<Translation, EngineError> {
        Ok(Translation::new(text.to_owned(), Kind::None))
    }
}

use super::Translator;

/// The `none` engine: speaks the text as it is (useful for Japanese text and for tests).
pub struct Passthrough;

impl Translator for Passthrough {
    fn name(&self) -> &str {
        "none"
    }

    fn translate(&mut self, text: &str, _src: &str, _tgt: &str) -> anyhow::Result<String> {
        Ok(text.to_owned())
    }
}

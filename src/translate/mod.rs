//! Translation engines behind one trait, so the pipeline does not care which one runs.

pub mod nllb;
mod none;

pub use nllb::{NllbOptions, NllbTranslator};
pub use none::Passthrough;

/// Turns text in one language into another. Implementations own their model and are
/// driven from the translator thread only, hence `&mut self` and `Send`.
pub trait Translator: Send {
    /// Short engine name, recorded in `history()`.
    fn name(&self) -> &str;

    /// Translate one sentence from `src_lang` to `tgt_lang` (NLLB codes such as
    /// `eng_Latn`, `jpn_Jpan`).
    fn translate(&mut self, text: &str, src_lang: &str, tgt_lang: &str) -> anyhow::Result<String>;
}

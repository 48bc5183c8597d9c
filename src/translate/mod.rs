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

use crate::config::{Config, TranslatorEngine};

/// The engine the options select: `auto` means NLLB when its model is present.
pub fn selected(cfg: &Config) -> TranslatorEngine {
    match cfg.translator.engine {
        TranslatorEngine::Auto if cfg.nllb_model_dir().join("config.json").is_file() => TranslatorEngine::Nllb,
        TranslatorEngine::Auto => TranslatorEngine::None,
        e => e,
    }
}

/// What `open` is about to load, for a progress message.
pub fn describe(cfg: &Config) -> String {
    match selected(cfg) {
        TranslatorEngine::Nllb => format!("NLLB model {}", cfg.nllb_model_dir().display()),
        _ => "no translation (engine none)".into(),
    }
}

/// Load the selected engine. Slow for NLLB: call it off the main thread.
pub fn open(cfg: &Config) -> anyhow::Result<Box<dyn Translator>> {
    match selected(cfg) {
        TranslatorEngine::Nllb => {
            Ok(Box::new(NllbTranslator::load(&cfg.nllb_model_dir(), &NllbOptions::from_config(&cfg.translator))?))
        }
        _ => Ok(Box::new(Passthrough)),
    }
}

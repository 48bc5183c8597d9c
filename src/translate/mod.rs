//! Translation engines behind one trait, so the pipeline does not care which one runs.

mod cached;
pub mod nllb;
mod none;
pub mod protect;

pub use cached::Cached;

pub use nllb::{NllbOptions, NllbTranslator};
pub use none::Passthrough;

use crate::cancel::EngineError;

/// A translation engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Text passes as it is.
    None,
    Nllb,
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Kind::None => "none",
            Kind::Nllb => "nllb",
        })
    }
}

/// One sentence translated, and how.
#[derive(Debug, Clone, PartialEq)]
pub struct Translation {
    pub text: String,
    pub engine: Kind,
    /// Read from the disk cache.
    pub cached: bool,
    /// What the model was given, exactly (after redaction and code protection), in order:
    /// the protected sentence, then the plain one when its markers did not come back.
    /// Empty when no model ran (a cache hit, or no translation).
    pub model_inputs: Vec<String>,
    /// The token ids the model produced for the text (its last run); empty without a model.
    pub ids: Vec<u32>,
}

impl Translation {
    pub fn new(text: String, engine: Kind) -> Self {
        Self { text, engine, cached: false, model_inputs: Vec::new(), ids: Vec::new() }
    }
}

/// Turns text in one language into another. Implementations own their model and are
/// driven from the translator thread only, hence `&mut self` and `Send`.
pub trait Translator: Send {
    fn kind(&self) -> Kind;

    /// What is loaded, for health: the engine and, where it matters, device and format.
    fn describe(&self) -> String {
        self.kind().to_string()
    }

    /// Translate one sentence from `src_lang` to `tgt_lang` (NLLB codes such as
    /// `eng_Latn`, `jpn_Jpan`).
    fn translate(&mut self, text: &str, src_lang: &str, tgt_lang: &str) -> Result<Translation, EngineError>;

    /// From now on, abandon a translation as soon as `stop` says so (between decoding
    /// steps; it then returns `EngineError::Stopped`). Engines that answer at once ignore it.
    fn interrupt_with(&mut self, _stop: crate::cancel::Interrupt) {}
}

use crate::config::{Config, TranslatorEngine};

/// The engine the options select: `auto` means NLLB when its model is present.
pub fn selected(cfg: &Config) -> TranslatorEngine {
    match cfg.translator.engine {
        TranslatorEngine::Auto if nllb::ModelFiles::in_dir(&cfg.nllb_model_dir()).config.is_file() => {
            TranslatorEngine::Nllb
        }
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

/// Everything that decides what the selected engine outputs, for cache keys: the engine,
/// its options, and the size and time of the model files (a new checkpoint misses).
pub fn identity(cfg: &Config) -> String {
    let mut id = format!("{}|{:?}", describe(cfg), cfg.translator);
    if selected(cfg) == TranslatorEngine::Nllb {
        for path in nllb::ModelFiles::in_dir(&cfg.nllb_model_dir()).all() {
            let file = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            if let Ok(meta) = std::fs::metadata(&path) {
                let mtime = meta.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok());
                id.push_str(&format!("|{file}:{}:{}", meta.len(), mtime.map_or(0, |d| d.as_secs())));
            }
        }
    }
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_follows_decoding_options_and_model_files() {
        let dir = std::env::temp_dir().join(format!("speakja-identity-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("config.json"), "{}").unwrap();
        std::fs::write(dir.join("model.safetensors"), "weights").unwrap();
        let mut cfg = Config::default();
        cfg.translator.engine = TranslatorEngine::Auto;
        cfg.translator.model = Some(dir.clone());
        let base = identity(&cfg);
        assert_eq!(base, identity(&cfg));
        cfg.translator.no_repeat_ngram_size = 3;
        let guarded = identity(&cfg);
        assert_ne!(base, guarded, "a decoding option changes the output");
        std::fs::write(dir.join("model.safetensors"), "new weights").unwrap();
        assert_ne!(guarded, identity(&cfg), "so does a new checkpoint");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

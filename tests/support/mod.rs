//! Worker options shared by the tests that run a whole worker.

use std::path::{Path, PathBuf};

use speakja::config::{Config, SinkKind, TranslatorEngine, TtsEngine};

/// The repo's offline voice, no translation, no cache; audio to `sink`, WAV files (the
/// `wav` sink's, or a device's fallback) in `wav_dir`.
pub fn worker_config(sink: SinkKind, wav_dir: Option<&Path>) -> Config {
    let models: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("models");
    let mut cfg = Config { models_dir: Some(models), ..Config::default() };
    cfg.translator.engine = TranslatorEngine::None;
    cfg.tts.engine = TtsEngine::Openjtalk;
    cfg.audio.sink = sink;
    cfg.audio.wav_dir = wav_dir.map(Path::to_path_buf);
    cfg.cache.enabled = false;
    cfg
}

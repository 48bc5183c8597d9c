//! The offline Japanese voice: jpreprocess (text → OpenJTalk full-context labels) and
//! jbonsai (HTS engine), both pure Rust.

use std::path::Path;

use anyhow::{anyhow, bail, Context};
use jpreprocess::{DefaultTokenizer, JPreprocess};

use super::{Audio, Reach, Synthesis, Tts, Voice};
use crate::cancel::EngineError;

pub struct OpenJtalk {
    frontend: JPreprocess<DefaultTokenizer>,
    engine: jbonsai::Engine,
    volume: f32,
}

impl OpenJtalk {
    /// Load a jpreprocess dictionary directory and an `.htsvoice` file.
    pub fn load(dictionary: &Path, voice: &Path, speed: f64, volume: f64) -> anyhow::Result<Self> {
        if !dictionary.join("metadata.json").is_file() {
            bail!("no jpreprocess dictionary at {} (run scripts/fetch-voice)", dictionary.display());
        }
        check_voice_file(voice)?;
        // Mapped, not read: 77 MB of dictionary costs page-cache pages instead of fresh memory
        // filled at every start, which is most of a cold start's time.
        let dict = lindera_dictionary::dictionary::Dictionary::load_from_path_with_options(dictionary, true)
            .map_err(|e| anyhow::anyhow!("{e}"))
            .with_context(|| format!("cannot load dictionary {}", dictionary.display()))?;
        let frontend = JPreprocess::with_dictionaries(dict, None);
        let mut engine =
            jbonsai::Engine::load([voice]).with_context(|| format!("cannot load voice {}", voice.display()))?;
        engine.condition.set_speed(speed);
        Ok(Self { frontend, engine, volume: volume as f32 })
    }
}

/// Real voices are 0.5–5 MB; anything outside these bounds is not one.
const VOICE_BYTES: std::ops::RangeInclusive<u64> = 1024..=256 << 20;

/// Checked before reading: a FIFO would block the reader forever, a device or a huge file
/// would be read whole.
fn check_voice_file(path: &Path) -> anyhow::Result<()> {
    let meta = std::fs::metadata(path).with_context(|| format!("cannot read voice {}", path.display()))?;
    if !meta.is_file() || !VOICE_BYTES.contains(&meta.len()) {
        bail!("{} is not a voice file (a regular .htsvoice file of 1 KB to 256 MB)", path.display());
    }
    Ok(())
}

impl Tts for OpenJtalk {
    fn voice(&self) -> Voice {
        Voice::Openjtalk
    }

    fn synthesize(&mut self, text: &str, _reach: Reach) -> Result<Synthesis, EngineError> {
        let labels = self.frontend.extract_fullcontext(text).context("Japanese text analysis failed")?;
        if labels.is_empty() {
            // No text in the message: one notification covers a run of such sentences.
            return Err(anyhow!("nothing to say: no readable Japanese").into());
        }
        let raw = self.engine.synthesize(labels).context("speech synthesis failed")?;
        // jbonsai gives samples on the i16 scale.
        let scale = self.volume / f32::from(i16::MAX);
        let samples = raw.into_iter().map(|s| (s as f32 * scale).clamp(-1.0, 1.0)).collect();
        let sample_rate = self.engine.condition.get_sampling_frequency() as u32;
        Ok(Synthesis::new(Audio { samples, sample_rate }, Voice::Openjtalk))
    }
}

//! Speech engines behind one trait: text in, samples out.

mod chain;
pub mod dictionary;
mod google;
mod openjtalk;

pub use chain::Chain;
pub use google::{decode_mp3, is_allowed, Google, GoogleError};
pub use openjtalk::OpenJtalk;

use std::path::Path;
use std::time::Duration;

use anyhow::Context;

use crate::cache::{self, CachedTts};
use crate::config::{Config, TtsEngine};

/// A sample this loud (−40 dBFS) is heard; below it, the voice's silence and noise.
pub const AUDIBLE: f32 = 0.01;

/// Mono audio, samples in -1.0..=1.0.
#[derive(Debug, Clone)]
pub struct Audio {
    pub samples: Vec<f32>,
    pub sample_rate: u32,
}

impl Audio {
    pub fn duration(&self) -> Duration {
        Duration::from_secs_f64(self.samples.len() as f64 / f64::from(self.sample_rate.max(1)))
    }

    /// Index of the first audible sample (above [`AUDIBLE`]); `None` for silence.
    pub fn onset(&self) -> Option<usize> {
        self.samples.iter().position(|s| s.abs() >= AUDIBLE)
    }

    /// The voice without the silence around it, but for `lead` before its first audible
    /// sample (so the attack is whole) and `tail` after its last (the natural pause before
    /// the next sentence). Pauses inside, at commas, stay.
    pub fn trimmed(mut self, lead: Duration, tail: Duration) -> Self {
        let Some(first) = self.onset() else { return self };
        let last = self.samples.iter().rposition(|s| s.abs() >= AUDIBLE).unwrap_or(first);
        let per_s = f64::from(self.sample_rate);
        let start = first.saturating_sub((lead.as_secs_f64() * per_s) as usize);
        let end = (last + 1 + (tail.as_secs_f64() * per_s) as usize).min(self.samples.len());
        self.samples.truncate(end);
        self.samples.drain(..start);
        self
    }

    /// Root mean square level: 0 for silence.
    pub fn rms(&self) -> f32 {
        if self.samples.is_empty() {
            return 0.0;
        }
        (self.samples.iter().map(|s| s * s).sum::<f32>() / self.samples.len() as f32).sqrt()
    }

    /// Write 16-bit PCM WAV.
    pub fn write_wav(&self, path: &Path) -> anyhow::Result<()> {
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: self.sample_rate,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut w = hound::WavWriter::create(path, spec)?;
        for s in &self.samples {
            w.write_sample((s.clamp(-1.0, 1.0) * f32::from(i16::MAX)) as i16)?;
        }
        w.finalize()?;
        Ok(())
    }
}

/// Whether an utterance's text may leave the machine: `:SpeakJa` text may when the user
/// picked an online voice; auto-speak text only with `auto.online`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    Online,
    Offline,
}

/// A speech engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Voice {
    Openjtalk,
    Google,
}

impl std::fmt::Display for Voice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Voice::Openjtalk => "openjtalk",
            Voice::Google => "google",
        })
    }
}

/// Why a voice of a chain did not speak a sentence.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Passed {
    /// It failed on this sentence (`why` is for display).
    Failed { why: String },
    /// Left alone for `secs` more seconds after `failures` failures in a row.
    CoolingDown { failures: u32, secs: u64 },
}

/// A voice that was passed over before the one that spoke.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Fallback {
    pub voice: Voice,
    #[serde(flatten)]
    pub passed: Passed,
}

/// What a voice made of one sentence, and how.
#[derive(Debug, Clone)]
pub struct Synthesis {
    pub audio: Audio,
    pub voice: Voice,
    /// Read from the disk cache.
    pub cached: bool,
    /// The voices tried first, in order.
    pub fallbacks: Vec<Fallback>,
}

impl Synthesis {
    pub fn new(audio: Audio, voice: Voice) -> Self {
        Self { audio, voice, cached: false, fallbacks: Vec::new() }
    }
}

/// A synthesis as history shows it: `openjtalk (cached) (google failed: timeout after 4000 ms)`.
pub fn describe(voice: Voice, cached: bool, fallbacks: &[Fallback]) -> String {
    let mut out = voice.to_string();
    if cached {
        out.push_str(" (cached)");
    }
    if !fallbacks.is_empty() {
        out.push_str(&format!(" ({})", passed_over(fallbacks)));
    }
    out
}

/// The voices passed over, for display: `google failed: HTTP 503; …`.
pub fn passed_over(fallbacks: &[Fallback]) -> String {
    let note = |f: &Fallback| match &f.passed {
        Passed::Failed { why } => format!("{} failed: {why}", f.voice),
        Passed::CoolingDown { failures, secs } => format!("{} skipped for {secs} s after {failures} failures", f.voice),
    };
    fallbacks.iter().map(note).collect::<Vec<_>>().join("; ")
}

/// Turns text (in the target language) into audio. Owned by the synthesis thread.
pub trait Tts: Send {
    /// The engine; for a chain, its first choice.
    fn voice(&self) -> Voice;
    /// Audio for `text`; an online engine refuses `Reach::Offline` text without sending it.
    fn synthesize(&mut self, text: &str, reach: Reach) -> anyhow::Result<Synthesis>;
    /// Does this engine send text off the machine?
    fn is_online(&self) -> bool {
        self.voice() == Voice::Google
    }
    /// From now on, abandon a request in flight as soon as `stop` says so.
    fn interrupt_with(&mut self, _stop: crate::translate::Interrupt) {}
}

/// The configured voice, behind the cache when it is on, with a description for
/// `:checkhealth`. `auto` builds a [`Chain`] of the engines in `tts.order` that load.
pub fn open(cfg: &Config) -> anyhow::Result<(Box<dyn Tts>, String)> {
    let cache = cache::open(cfg);
    let engines = match cfg.tts.engine {
        TtsEngine::Auto => cfg.tts.order.clone(),
        one => vec![one],
    };
    let (mut voices, mut parts, mut missing) = (Vec::new(), Vec::new(), Vec::new());
    for engine in engines {
        match open_engine(cfg, engine) {
            Ok((tts, key, desc)) => {
                voices.push(match &cache {
                    // Each engine has its own entries, so a fallback's audio never
                    // stands in for the preferred voice once it is back.
                    Ok(Some(c)) => Box::new(CachedTts::new(tts, c.clone(), key)) as Box<dyn Tts>,
                    _ => tts,
                });
                parts.push(desc);
            }
            Err(e) if cfg.tts.engine == TtsEngine::Auto => missing.push(format!("{e:#}")),
            Err(e) => return Err(e),
        }
    }
    if voices.is_empty() {
        anyhow::bail!("no voice could be loaded: {}", missing.join("; "));
    }
    let mut desc = parts.join(" → ");
    let tts: Box<dyn Tts> = if cfg.tts.engine == TtsEngine::Auto {
        desc = format!("auto: {desc}");
        let cooldown = Duration::from_secs(cfg.tts.cooldown_s);
        Box::new(Chain::new(voices, cfg.tts.cooldown_after, cooldown))
    } else {
        voices.remove(0)
    };
    if !missing.is_empty() {
        desc += &format!(" (left out: {})", missing.join("; "));
    }
    desc += &match cache {
        Ok(Some(c)) => format!("; cache {} ({} MB)", c.dir().display(), cfg.cache.max_mb),
        Ok(None) => "; cache off".into(),
        Err(e) => format!("; cache off: {e}"),
    };
    Ok((tts, desc))
}

/// One engine, its cache key (what besides the text shapes its audio) and description.
fn open_engine(cfg: &Config, engine: TtsEngine) -> anyhow::Result<(Box<dyn Tts>, String, String)> {
    let t = &cfg.tts;
    match engine {
        TtsEngine::Google => {
            let g = &t.google;
            let tts = Google::new(g, t.volume).context("google")?;
            let key = format!("google|{}|{}|volume={}", g.base_url, g.lang, t.volume);
            let desc = format!("google: {} (lang {}, online)", g.base_url, g.lang);
            Ok((Box::new(tts), key, desc))
        }
        // `auto` is no engine of its own: the config refuses it inside `tts.order`.
        TtsEngine::Openjtalk | TtsEngine::Auto => {
            let voice = cfg.voice_file().ok_or_else(|| {
                let dir = cfg.models_dir().join("voice");
                anyhow::anyhow!("openjtalk: no .htsvoice in {} (run scripts/fetch-voice)", dir.display())
            })?;
            let dict = cfg.dictionary_dir();
            let tts = OpenJtalk::load(&dict, &voice, t.speed, t.volume).context("openjtalk")?;
            // The file's size stands in for its content: a replaced voice gets new entries.
            let size = std::fs::metadata(&voice).map(|m| m.len()).unwrap_or(0);
            let key = format!(
                "openjtalk|{}|{size}|{}|speed={}|volume={}",
                voice.display(),
                dict.display(),
                t.speed,
                t.volume
            );
            let desc = format!("openjtalk: {} + {}", voice.display(), dict.display());
            Ok((Box::new(tts), key, desc))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trimming_keeps_the_voice_and_a_short_lead_and_tail() {
        // 1 s of silence, 0.5 s of voice, 1 s of silence, at 1 kHz.
        let mut samples = vec![0.001; 1000];
        samples.extend(std::iter::repeat_n(0.5, 500));
        samples.extend(vec![0.0; 1000]);
        let a = Audio { samples, sample_rate: 1000 }.trimmed(Duration::from_millis(20), Duration::from_millis(200));
        assert_eq!(a.samples.len(), 20 + 500 + 200);
        assert_eq!(a.onset(), Some(20));
        let silent = Audio { samples: vec![0.0; 100], sample_rate: 1000 };
        assert_eq!(silent.clone().trimmed(Duration::ZERO, Duration::ZERO).samples.len(), 100);
        assert_eq!(silent.onset(), None);
    }
}

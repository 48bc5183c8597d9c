//! Speech engines behind one trait: text in, samples out.

mod cached;
mod chain;
pub mod dictionary;
mod google;
mod openjtalk;

pub use cached::Cached;
pub use chain::Chain;
pub use google::{decode_mp3, Google, GoogleError};
pub use openjtalk::OpenJtalk;

use crate::audio::Audio;
use crate::cancel::EngineError;

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
    /// Audio for `text`; an online engine refuses `Reach::Offline` text without sending it
    /// (`Refusal::Offline`).
    fn synthesize(&mut self, text: &str, reach: Reach) -> Result<Synthesis, EngineError>;
    /// Does this engine send text off the machine?
    fn is_online(&self) -> bool {
        self.voice() == Voice::Google
    }
    /// From now on, abandon a request in flight as soon as `stop` says so (it then returns
    /// `EngineError::Stopped`).
    fn interrupt_with(&mut self, _stop: crate::cancel::Interrupt) {}
}

//! How long work is told to stop: the bottom layer, so that engines, loaders and sinks can
//! all be interrupted without knowing about each other or about the worker; and how an
//! engine says it stopped, refused or failed.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Asked while a long job runs (a decoding, a request, a model load): true means the user
/// stopped, abandon it.
pub type Interrupt = Arc<dyn Fn() -> bool + Send + Sync>;

/// Playback is cancelled when the shared generation moves past the one it started in
/// (stop), or when the skip target names this utterance (skip).
#[derive(Clone)]
pub struct Cancel {
    generation: Arc<AtomicU64>,
    mine: u64,
    skip: Arc<AtomicU64>,
    id: u64,
}

impl Cancel {
    pub fn new(generation: Arc<AtomicU64>, mine: u64, skip: Arc<AtomicU64>, id: u64) -> Self {
        Self { generation, mine, skip, id }
    }

    pub fn is_cancelled(&self) -> bool {
        self.generation.load(Ordering::Acquire) != self.mine || self.skip.load(Ordering::Acquire) == self.id
    }
}

/// Why an engine (a translator, a voice) gave nothing for a sentence: told by its type, so
/// that no caller reads a message to know a stop from a failure.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// Its `Interrupt` said stop: abandoned, not failed.
    #[error("stopped")]
    Stopped,
    /// Not attempted: nothing was run or sent.
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// It tried and failed (the message is for display).
    #[error(transparent)]
    Failed(anyhow::Error),
}

/// Why an engine would not take a sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The text must stay on this machine (auto-speak without `auto.online`) and only an
    /// online voice could speak it.
    #[error("not sent: auto-speak text stays on this machine (auto.online is off) and no offline voice takes it")]
    Offline,
    #[error("translator is not loaded (see :checkhealth speakja)")]
    NoTranslator,
    #[error("no voice loaded (see :checkhealth speakja)")]
    NoVoice,
    #[error("no audio output (see :checkhealth speakja)")]
    NoAudio,
}

/// Any other error is a failure; an engine's own error carried through `anyhow` (by a
/// cache, a helper) comes back as it was.
impl From<anyhow::Error> for EngineError {
    fn from(e: anyhow::Error) -> Self {
        e.downcast::<EngineError>().unwrap_or_else(EngineError::Failed)
    }
}

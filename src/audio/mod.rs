//! Where audio goes: the sound device, WAV files, or nowhere. Every sink plays in real
//! time and can be stopped within a few milliseconds, so the pipeline behaves the same
//! with and without a sound card.

mod device;
mod paced;

pub use device::DeviceSink;
pub use paced::PacedSink;

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::config::{AudioConfig, SinkKind};
use crate::tts::Audio;

/// How often a playing sink looks at the stop signal: well inside the 50 ms budget.
pub const STOP_POLL: Duration = Duration::from_millis(5);

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

/// What happened to one utterance.
#[derive(Debug, Clone)]
pub struct Played {
    /// False when it was stopped before the end.
    pub completed: bool,
    /// The file written, for the WAV sink.
    pub file: Option<PathBuf>,
}

pub trait Sink {
    /// Short name for `status()` and `:checkhealth`.
    fn name(&self) -> String;
    /// Play one utterance, blocking until it ends or `cancel` fires. `started` is called
    /// once, as the first sample goes out.
    fn play(&mut self, audio: &Audio, cancel: &Cancel, started: &mut dyn FnMut()) -> anyhow::Result<Played>;
}

/// Open the sink the options ask for. `auto` tries the device, then falls back.
/// Returns the sink and, when a fallback was taken, why.
pub fn open(cfg: &AudioConfig) -> anyhow::Result<(Box<dyn Sink>, Option<String>)> {
    let fallback = || -> Box<dyn Sink> {
        match &cfg.wav_dir {
            Some(dir) => Box::new(PacedSink::wav(dir.clone())),
            None => Box::new(PacedSink::null()),
        }
    };
    Ok(match cfg.sink {
        SinkKind::Device => (Box::new(DeviceSink::open()?), None),
        SinkKind::Wav => {
            let dir = cfg.wav_dir.clone().ok_or_else(|| anyhow::anyhow!("the wav sink needs audio.wav_dir"))?;
            (Box::new(PacedSink::wav(dir)), None)
        }
        SinkKind::Null => (Box::new(PacedSink::null()), None),
        SinkKind::Auto => match DeviceSink::open() {
            Ok(d) => (Box::new(d), None),
            Err(e) => (fallback(), Some(format!("no audio device ({e})"))),
        },
    })
}

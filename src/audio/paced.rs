//! Sinks without a sound card: they take as long as the audio lasts (so pipelining,
//! stop and timings behave as on a device) and optionally keep a WAV file of each
//! utterance.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use anyhow::Context;

use super::{Cancel, Played, Sink, STOP_POLL};
use crate::tts::Audio;

static WAV_COUNT: AtomicU64 = AtomicU64::new(0);

pub struct PacedSink {
    wav_dir: Option<PathBuf>,
}

impl PacedSink {
    pub fn null() -> Self {
        Self { wav_dir: None }
    }

    pub fn wav(dir: PathBuf) -> Self {
        Self { wav_dir: Some(dir) }
    }
}

impl Sink for PacedSink {
    fn name(&self) -> String {
        match &self.wav_dir {
            Some(d) => format!("wav ({})", d.display()),
            None => "null".into(),
        }
    }

    fn play(&mut self, audio: &Audio, cancel: &Cancel, started: &mut dyn FnMut()) -> anyhow::Result<Played> {
        let file = match &self.wav_dir {
            Some(dir) => {
                std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
                // Process id and a process-wide counter: unique across `setup()` restarts
                // and across Neovims sharing a directory.
                let n = WAV_COUNT.fetch_add(1, Ordering::Relaxed) + 1;
                let path = dir.join(format!("speakja-{}-{n:04}.wav", std::process::id()));
                audio.write_wav(&path).with_context(|| format!("cannot write {}", path.display()))?;
                Some(path)
            }
            None => None,
        };
        started();
        let end = Instant::now() + audio.duration();
        let mut completed = true;
        while Instant::now() < end {
            if cancel.is_cancelled() {
                completed = false;
                break;
            }
            std::thread::sleep(STOP_POLL.min(end.saturating_duration_since(Instant::now())));
        }
        Ok(Played { completed, file })
    }
}

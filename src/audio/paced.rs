//! Sinks without a sound card: they take as long as the audio lasts (so pipelining,
//! stop and timings behave as on a device) and optionally keep a WAV file of each
//! utterance.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Instant, SystemTime};

use anyhow::Context;

use super::Audio;
use super::{Played, Sink, STOP_POLL};
use crate::cancel::Cancel;

static WAV_COUNT: AtomicU64 = AtomicU64::new(0);

/// What the WAV sink keeps: the newest files within both bounds.
#[derive(Debug, Clone, Copy)]
pub struct WavBounds {
    pub files: usize,
    pub bytes: u64,
}

pub struct PacedSink {
    wav_dir: Option<(PathBuf, WavBounds)>,
}

impl PacedSink {
    pub fn null() -> Self {
        Self { wav_dir: None }
    }

    pub fn wav(dir: PathBuf, bounds: WavBounds) -> Self {
        Self { wav_dir: Some((dir, bounds)) }
    }
}

/// The files this sink writes: `speakja-<pid>-<n>.wav`.
fn is_ours(name: &str) -> bool {
    name.starts_with("speakja-") && name.ends_with(".wav")
}

/// Remove the oldest of this sink's files (`speakja-*.wav`; nothing else in `dir`) until
/// at most `bounds` remain; the newest, just written, always stays.
fn prune(dir: &Path, bounds: WavBounds) -> std::io::Result<()> {
    let mut files: Vec<(SystemTime, u64, PathBuf)> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_str().is_some_and(is_ours))
        .filter_map(|e| {
            let meta = e.metadata().ok().filter(|m| m.is_file())?;
            Some((meta.modified().ok()?, meta.len(), e.path()))
        })
        .collect();
    files.sort();
    let mut total: u64 = files.iter().map(|f| f.1).sum();
    let mut count = files.len();
    files.pop();
    for (_, len, path) in files {
        if count <= bounds.files && total <= bounds.bytes {
            break;
        }
        if std::fs::remove_file(&path).is_ok() {
            count -= 1;
            total -= len;
        }
    }
    Ok(())
}

impl Sink for PacedSink {
    fn name(&self) -> String {
        match &self.wav_dir {
            Some((d, _)) => format!("wav ({})", d.display()),
            None => "null".into(),
        }
    }

    fn play(&mut self, audio: &Audio, cancel: &Cancel, started: &mut dyn FnMut()) -> anyhow::Result<Played> {
        let file = match &self.wav_dir {
            Some((dir, bounds)) => {
                // Private (0700, files 0600): what was spoken is nobody else's to read, and
                // nobody else's links are followed or overwritten.
                crate::private::dir(dir, is_ours).with_context(|| format!("wav directory {}", dir.display()))?;
                // Process id and a process-wide counter: unique across `setup()` restarts
                // and across Neovims sharing a directory.
                let n = WAV_COUNT.fetch_add(1, Ordering::Relaxed) + 1;
                let path = dir.join(format!("speakja-{}-{n:04}.wav", std::process::id()));
                crate::private::create_new(&path)
                    .map_err(anyhow::Error::from)
                    .and_then(|f| audio.write_wav(f))
                    .with_context(|| format!("cannot write {}", path.display()))?;
                // A full disk of old speech is worse than a missing file: failing to prune
                // is not this utterance's failure.
                let _ = prune(dir, *bounds);
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
        Ok(Played::new(completed, file))
    }
}

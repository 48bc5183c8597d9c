//! Where audio goes: the sound device, WAV files, or nowhere. Every sink plays in real
//! time and can be stopped within a few milliseconds, so the pipeline behaves the same
//! with and without a sound card.

mod device;
mod paced;
mod samples;

pub use device::DeviceSink;
pub use paced::{PacedSink, WavBounds};
pub use samples::{Audio, AUDIBLE};

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, TryRecvError};

use crate::cancel::Cancel;
use crate::config::{AudioConfig, SinkKind};

/// How often a playing sink looks at the stop signal: well inside the 50 ms budget.
pub const STOP_POLL: Duration = Duration::from_millis(5);

/// What happened to one utterance.
#[derive(Debug, Clone)]
pub struct Played {
    /// False when it was stopped before the end.
    pub completed: bool,
    /// The file written, for the WAV sink.
    pub file: Option<PathBuf>,
    /// The device went away or came back while this utterance played.
    pub switched: Option<Switch>,
}

impl Played {
    pub fn new(completed: bool, file: Option<PathBuf>) -> Self {
        Self { completed, file, switched: None }
    }
}

/// A change of output, told once.
#[derive(Debug, Clone, PartialEq)]
pub enum Switch {
    /// The device failed (why); speech goes to the fallback sink until it returns.
    Lost(String),
    /// The device opened again and plays once more.
    Back,
}

pub trait Sink {
    /// Short name for `status()` and `:checkhealth`.
    fn name(&self) -> String;
    /// Play one utterance, blocking until it ends or `cancel` fires. `started` is called
    /// once, as the first sample goes out.
    fn play(&mut self, audio: &Audio, cancel: &Cancel, started: &mut dyn FnMut()) -> anyhow::Result<Played>;
}

/// How often a lost device is looked for again.
const REOPEN_EVERY: Duration = Duration::from_secs(2);

/// How long a play waits for the device it is opening before it plays to the fallback
/// (the open goes on meanwhile, and the device is used once it is there). A live server
/// opens in tens of milliseconds; a frozen one never answers.
const OPEN_WAIT: Duration = Duration::from_millis(250);

/// How long the first open may take before the fallback plays (the device is still taken
/// when it opens later).
const FIRST_OPEN_WAIT: Duration = Duration::from_secs(3);

/// Open the sink the options ask for. `auto` tries the device, then falls back.
/// Returns the sink and, when a fallback was taken, why. A device sink that fails later
/// hands over to the fallback and is reopened once it can be. A device that does not
/// answer (a frozen sound server) is waited for [`FIRST_OPEN_WAIT`], then the fallback
/// plays until it opens.
pub fn open(cfg: &AudioConfig) -> anyhow::Result<(Box<dyn Sink>, Option<String>)> {
    let fallback = || -> Box<dyn Sink> {
        match &cfg.wav_dir {
            Some(dir) => Box::new(PacedSink::wav(dir.clone(), wav_bounds(cfg))),
            None => Box::new(PacedSink::null()),
        }
    };
    let device: Opener = Arc::new(|| DeviceSink::open().map(|d| Box::new(d) as Box<dyn Sink + Send>));
    let first = || -> anyhow::Result<Result<Device, Opening>> {
        let opening = Opening::start(&device)?;
        let end = Instant::now() + FIRST_OPEN_WAIT;
        while Instant::now() < end {
            if let Some(result) = opening.result() {
                return Ok(Ok(result?));
            }
            std::thread::sleep(STOP_POLL);
        }
        Ok(Err(opening))
    };
    let hung = |opening, fallback: Box<dyn Sink>| {
        let why = format!("the audio device does not answer within {} s", FIRST_OPEN_WAIT.as_secs());
        (Box::new(Recovering::opening(opening, device.clone(), fallback, REOPEN_EVERY)) as Box<dyn Sink>, Some(why))
    };
    Ok(match cfg.sink {
        SinkKind::Device => match first()? {
            Ok(d) => (Box::new(Recovering::new(d, device.clone(), fallback(), REOPEN_EVERY)), None),
            Err(opening) => hung(opening, fallback()),
        },
        SinkKind::Wav => {
            let dir = cfg.wav_dir.clone().ok_or_else(|| anyhow::anyhow!("the wav sink needs audio.wav_dir"))?;
            (Box::new(PacedSink::wav(dir, wav_bounds(cfg))), None)
        }
        SinkKind::Null => (Box::new(PacedSink::null()), None),
        SinkKind::Auto => match first() {
            Ok(Ok(d)) => (Box::new(Recovering::new(d, device.clone(), fallback(), REOPEN_EVERY)), None),
            Ok(Err(opening)) => hung(opening, fallback()),
            Err(e) => (fallback(), Some(format!("no audio device ({e:#})"))),
        },
    })
}

fn wav_bounds(cfg: &AudioConfig) -> WavBounds {
    WavBounds { files: cfg.wav_keep, bytes: cfg.wav_max_mb.saturating_mul(1 << 20) }
}

/// A device sink that can be opened, and closed, on any thread.
type Device = Box<dyn Sink + Send>;
type Opener = Arc<dyn Fn() -> anyhow::Result<Device> + Send + Sync>;

/// A device being opened on a thread of its own, so that a sound server that does not
/// answer never holds up the playing thread. Dropped unfinished, the open is abandoned:
/// its thread closes whatever it opens and ends.
struct Opening(Receiver<anyhow::Result<Device>>);

impl Opening {
    fn start(open: &Opener) -> anyhow::Result<Self> {
        let (tx, rx) = crossbeam_channel::bounded(1);
        let open = open.clone();
        std::thread::Builder::new().name("speakja-audio-open".into()).spawn(move || {
            // Abandoned meanwhile: the device is dropped here, on this thread.
            let _ = tx.send(open());
        })?;
        Ok(Self(rx))
    }

    /// The open's result, once it is there.
    fn result(&self) -> Option<anyhow::Result<Device>> {
        match self.0.try_recv() {
            Ok(result) => Some(result),
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => Some(Err(anyhow::anyhow!("opening the audio device panicked"))),
        }
    }
}

/// Close a device on a thread of its own: a stream on a frozen sound server only closes
/// once the server runs again (cpal joins its thread, stuck in alsa-lib).
fn close(device: Device) {
    let closing = std::thread::Builder::new().name("speakja-audio-close".into()).spawn(move || drop(device));
    if let Err(e) = closing {
        // No thread to be had: keep the device rather than wait on it here.
        eprintln!("speakja: cannot close the audio device: {e}");
    }
}

/// A device that may go away (a sound server restarted or frozen, headphones unplugged):
/// on failure the utterance's remainder and what follows go to the fallback, and the device
/// is tried again every `retry` until it opens. Nothing here blocks on the device: it is
/// opened and closed on threads of their own, one open at a time.
pub struct Recovering {
    device: Option<Device>,
    reopen: Opener,
    /// The open in progress, if any.
    opening: Option<Opening>,
    fallback: Box<dyn Sink>,
    retry: Duration,
    next_try: Instant,
}

impl Recovering {
    fn new(device: Device, reopen: Opener, fallback: Box<dyn Sink>, retry: Duration) -> Self {
        Self { device: Some(device), reopen, opening: None, fallback, retry, next_try: Instant::now() }
    }

    /// The device is still opening: the fallback plays until it is there.
    fn opening(opening: Opening, reopen: Opener, fallback: Box<dyn Sink>, retry: Duration) -> Self {
        Self { device: None, reopen, opening: Some(opening), fallback, retry, next_try: Instant::now() + retry }
    }

    /// The device again, if it has opened. A new open starts when one is due and none is
    /// in progress; it is waited for up to [`OPEN_WAIT`] (unless `cancel` fires), then left
    /// to finish while the fallback plays. Returns whether the device is back.
    fn look_for_device(&mut self, cancel: &Cancel) -> bool {
        if self.device.is_some() {
            return false;
        }
        let mut waited = false;
        if self.opening.is_none() && Instant::now() >= self.next_try {
            self.opening = Opening::start(&self.reopen).ok();
            waited = true;
        }
        let Some(opening) = &self.opening else { return false };
        let end = Instant::now() + if waited { OPEN_WAIT } else { Duration::ZERO };
        loop {
            if let Some(result) = opening.result() {
                self.opening = None;
                self.next_try = Instant::now() + self.retry;
                self.device = result.ok();
                return self.device.is_some();
            }
            if Instant::now() >= end || cancel.is_cancelled() {
                return false;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}

impl Drop for Recovering {
    fn drop(&mut self) {
        if let Some(device) = self.device.take() {
            close(device);
        }
    }
}

impl Sink for Recovering {
    fn name(&self) -> String {
        match &self.device {
            Some(d) => d.name(),
            None => format!("{} (device lost)", self.fallback.name()),
        }
    }

    fn play(&mut self, audio: &Audio, cancel: &Cancel, started: &mut dyn FnMut()) -> anyhow::Result<Played> {
        let back = self.look_for_device(cancel);
        if let Some(device) = self.device.as_mut() {
            let mut began = false;
            match device.play(audio, cancel, &mut || {
                began = true;
                started()
            }) {
                Ok(mut played) => {
                    played.switched = back.then_some(Switch::Back);
                    return Ok(played);
                }
                Err(e) => {
                    if let Some(device) = self.device.take() {
                        close(device);
                    }
                    self.next_try = Instant::now() + self.retry;
                    // The fallback says it all again; `started` was told once already.
                    let mut played = self.fallback.play(audio, cancel, &mut || {
                        if !began {
                            started()
                        }
                    })?;
                    played.switched = Some(Switch::Lost(format!("{e:#}")));
                    return Ok(played);
                }
            }
        }
        self.fallback.play(audio, cancel, started)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

    /// Fails while `down` is set; counts what it played.
    struct Flaky {
        down: Arc<AtomicBool>,
        played: Arc<AtomicU32>,
    }

    impl Sink for Flaky {
        fn name(&self) -> String {
            "flaky".into()
        }
        fn play(&mut self, _: &Audio, _: &Cancel, started: &mut dyn FnMut()) -> anyhow::Result<Played> {
            started();
            anyhow::ensure!(!self.down.load(Ordering::SeqCst), "server gone");
            self.played.fetch_add(1, Ordering::SeqCst);
            Ok(Played::new(true, None))
        }
    }

    #[test]
    fn a_lost_device_hands_over_and_is_used_again_once_back() {
        let (down, played) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicU32::new(0)));
        let flaky = |d: &Arc<AtomicBool>, p: &Arc<AtomicU32>| Flaky { down: d.clone(), played: p.clone() };
        let (d2, p2) = (down.clone(), played.clone());
        let reopen: Opener = Arc::new(move || {
            anyhow::ensure!(!d2.load(Ordering::SeqCst), "still gone");
            Ok(Box::new(Flaky { down: d2.clone(), played: p2.clone() }) as Device)
        });
        let mut sink =
            Recovering::new(Box::new(flaky(&down, &played)), reopen, Box::new(PacedSink::null()), Duration::ZERO);
        let audio = Audio { samples: vec![0.0; 24], sample_rate: 24000 };
        let cancel = Cancel::new(Arc::default(), 0, Arc::default(), 1);
        let mut starts = 0;
        let mut play = |sink: &mut Recovering| sink.play(&audio, &cancel, &mut || starts += 1).unwrap().switched;
        assert_eq!(play(&mut sink), None);
        down.store(true, Ordering::SeqCst);
        assert!(matches!(play(&mut sink), Some(Switch::Lost(why)) if why.contains("server gone")));
        assert_eq!(play(&mut sink), None, "told once");
        assert!(sink.name().contains("device lost"));
        down.store(false, Ordering::SeqCst);
        assert_eq!(play(&mut sink), Some(Switch::Back));
        assert_eq!(play(&mut sink), None);
        assert_eq!(played.load(Ordering::SeqCst), 3, "the device played before and after");
        assert_eq!(starts, 5, "`started` once per utterance, even when the fallback took over");
    }

    /// A device whose open never returns (a frozen sound server) until `release` is set.
    #[test]
    fn an_open_that_hangs_never_holds_up_playing_or_a_stop() {
        let release = Arc::new(AtomicBool::new(false));
        let opens = Arc::new(AtomicU32::new(0));
        let (r2, o2) = (release.clone(), opens.clone());
        let reopen: Opener = Arc::new(move || {
            o2.fetch_add(1, Ordering::SeqCst);
            while !r2.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(2));
            }
            let (down, played) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicU32::new(0)));
            Ok(Box::new(Flaky { down, played }) as Device)
        });
        let down = Arc::new(AtomicBool::new(true));
        let dead = Flaky { down: down.clone(), played: Arc::default() };
        let mut sink = Recovering::new(Box::new(dead), reopen, Box::new(PacedSink::null()), Duration::ZERO);
        let audio = Audio { samples: vec![0.0; 2400], sample_rate: 24000 };
        let cancel = Cancel::new(Arc::default(), 0, Arc::default(), 1);
        assert!(matches!(sink.play(&audio, &cancel, &mut || {}).unwrap().switched, Some(Switch::Lost(_))));
        for _ in 0..5 {
            let t = Instant::now();
            assert_eq!(sink.play(&audio, &cancel, &mut || {}).unwrap().switched, None);
            assert!(t.elapsed() < OPEN_WAIT + Duration::from_millis(150), "{:?}", t.elapsed());
        }
        assert_eq!(opens.load(Ordering::SeqCst), 1, "one open at a time");
        // A stop while an open is awaited is not held up by it.
        let generation = Arc::new(std::sync::atomic::AtomicU64::new(1));
        let stopped = Cancel::new(generation, 0, Arc::default(), 1);
        let t = Instant::now();
        assert!(!sink.play(&audio, &stopped, &mut || {}).unwrap().completed);
        assert!(t.elapsed() < Duration::from_millis(50));
        release.store(true, Ordering::SeqCst);
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(sink.play(&audio, &cancel, &mut || {}).unwrap().switched, Some(Switch::Back));
    }

    #[test]
    fn the_wav_sink_keeps_its_newest_files_within_bounds() {
        let dir = std::env::temp_dir().join(format!("speakja-wav-bounds-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let mut sink = PacedSink::wav(dir.clone(), WavBounds { files: 3, bytes: 1 << 20 });
        let audio = Audio { samples: vec![0.0; 24], sample_rate: 24000 };
        let cancel = Cancel::new(Arc::default(), 0, Arc::default(), 1);
        let mut written = vec![sink.play(&audio, &cancel, &mut || {}).unwrap().file.unwrap()];
        // The sink made the directory (private, tagged); a file of the user's lands in it.
        std::fs::write(dir.join("notes.wav"), b"not ours").unwrap();
        for _ in 1..5 {
            written.push(sink.play(&audio, &cancel, &mut || {}).unwrap().file.unwrap());
            std::thread::sleep(Duration::from_millis(15));
        }
        let left = |d: &std::path::Path| std::fs::read_dir(d).unwrap().count();
        assert_eq!(left(&dir), 5, "three of ours, the stranger and the tag");
        assert!(written[4].exists() && written[2].exists() && !written[1].exists());
        assert!(dir.join("notes.wav").exists());
        // A byte bound below one file keeps only the newest.
        let mut small = PacedSink::wav(dir.clone(), WavBounds { files: 100, bytes: 10 });
        let last = small.play(&audio, &cancel, &mut || {}).unwrap().file.unwrap();
        assert!(last.exists());
        assert_eq!(left(&dir), 3);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

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
use std::time::{Duration, Instant};

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

/// Open the sink the options ask for. `auto` tries the device, then falls back.
/// Returns the sink and, when a fallback was taken, why. A device sink that fails later
/// hands over to the fallback and is reopened once it can be.
pub fn open(cfg: &AudioConfig) -> anyhow::Result<(Box<dyn Sink>, Option<String>)> {
    let fallback = || -> Box<dyn Sink> {
        match &cfg.wav_dir {
            Some(dir) => Box::new(PacedSink::wav(dir.clone(), wav_bounds(cfg))),
            None => Box::new(PacedSink::null()),
        }
    };
    let device = || DeviceSink::open().map(|d| Box::new(d) as Box<dyn Sink>);
    Ok(match cfg.sink {
        SinkKind::Device => (Box::new(Recovering::new(device()?, Box::new(device), fallback(), REOPEN_EVERY)), None),
        SinkKind::Wav => {
            let dir = cfg.wav_dir.clone().ok_or_else(|| anyhow::anyhow!("the wav sink needs audio.wav_dir"))?;
            (Box::new(PacedSink::wav(dir, wav_bounds(cfg))), None)
        }
        SinkKind::Null => (Box::new(PacedSink::null()), None),
        SinkKind::Auto => match device() {
            Ok(d) => (Box::new(Recovering::new(d, Box::new(device), fallback(), REOPEN_EVERY)), None),
            Err(e) => (fallback(), Some(format!("no audio device ({e})"))),
        },
    })
}

fn wav_bounds(cfg: &AudioConfig) -> WavBounds {
    WavBounds { files: cfg.wav_keep, bytes: cfg.wav_max_mb.saturating_mul(1 << 20) }
}

type Opener = Box<dyn FnMut() -> anyhow::Result<Box<dyn Sink>>>;

/// A device that may go away (a sound server restarted, headphones unplugged): on failure
/// the utterance's remainder and what follows go to the fallback, and the device is tried
/// again every `retry` until it opens.
pub struct Recovering {
    device: Option<Box<dyn Sink>>,
    reopen: Opener,
    fallback: Box<dyn Sink>,
    retry: Duration,
    next_try: Instant,
}

impl Recovering {
    pub fn new(device: Box<dyn Sink>, reopen: Opener, fallback: Box<dyn Sink>, retry: Duration) -> Self {
        Self { device: Some(device), reopen, fallback, retry, next_try: Instant::now() }
    }

    /// The device again, if it is time to look and it opens.
    fn look_for_device(&mut self) -> bool {
        if self.device.is_none() && Instant::now() >= self.next_try {
            self.next_try = Instant::now() + self.retry;
            self.device = (self.reopen)().ok();
            return self.device.is_some();
        }
        false
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
        let back = self.look_for_device();
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
                    self.device = None;
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
    use std::sync::Arc;
    use std::cell::Cell;
    use std::rc::Rc;

    /// Fails while `down` is set; counts what it played.
    struct Flaky {
        down: Rc<Cell<bool>>,
        played: Rc<Cell<u32>>,
    }

    impl Sink for Flaky {
        fn name(&self) -> String {
            "flaky".into()
        }
        fn play(&mut self, _: &Audio, _: &Cancel, started: &mut dyn FnMut()) -> anyhow::Result<Played> {
            started();
            anyhow::ensure!(!self.down.get(), "server gone");
            self.played.set(self.played.get() + 1);
            Ok(Played::new(true, None))
        }
    }

    #[test]
    fn a_lost_device_hands_over_and_is_used_again_once_back() {
        let (down, played) = (Rc::new(Cell::new(false)), Rc::new(Cell::new(0)));
        let flaky = |d: &Rc<Cell<bool>>, p: &Rc<Cell<u32>>| Flaky { down: d.clone(), played: p.clone() };
        let (d2, p2) = (down.clone(), played.clone());
        let reopen: Opener = Box::new(move || {
            anyhow::ensure!(!d2.get(), "still gone");
            Ok(Box::new(Flaky { down: d2.clone(), played: p2.clone() }) as Box<dyn Sink>)
        });
        let mut sink =
            Recovering::new(Box::new(flaky(&down, &played)), reopen, Box::new(PacedSink::null()), Duration::ZERO);
        let audio = Audio { samples: vec![0.0; 24], sample_rate: 24000 };
        let cancel = Cancel::new(Arc::default(), 0, Arc::default(), 1);
        let mut starts = 0;
        let mut play = |sink: &mut Recovering| sink.play(&audio, &cancel, &mut || starts += 1).unwrap().switched;
        assert_eq!(play(&mut sink), None);
        down.set(true);
        assert!(matches!(play(&mut sink), Some(Switch::Lost(why)) if why.contains("server gone")));
        assert_eq!(play(&mut sink), None, "told once");
        assert!(sink.name().contains("device lost"));
        down.set(false);
        assert_eq!(play(&mut sink), Some(Switch::Back));
        assert_eq!(play(&mut sink), None);
        assert_eq!(played.get(), 3, "the device played before and after");
        assert_eq!(starts, 5, "`started` once per utterance, even when the fallback took over");
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

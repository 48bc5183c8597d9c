//! The sound device, through rodio. Nothing here waits on the sound server: cpal's own
//! thread writes to ALSA, and the player only watches it (a frozen server stops that
//! thread inside alsa-lib, so a sink that stops taking sound is a lost device). Opening
//! and closing may block on a frozen server: `Recovering` does both off the playing thread.

use std::num::NonZero;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use anyhow::anyhow;
use rodio::buffer::SamplesBuffer;
use rodio::{DeviceSinkBuilder, MixerDeviceSink, Player};

use super::Audio;
use super::{Played, Sink, STOP_POLL};
use crate::cancel::Cancel;

/// The device's buffer: 32 ms at 48 kHz (rodio aims for 50 ms), so a stop is heard within
/// 50 ms, buffer and sound server together. At 1024 frames PulseAudio's ALSA plugin lost
/// whole sentences now and then on a loaded 2-core machine.
const BUFFER_FRAMES: u32 = 1024;

/// Stream errors that go on this long, this many, mean the device is gone: a dead
/// PulseAudio gives hundreds a second, on and on; a live one a spurious few now and then
/// (a burst of them when a restarted server takes a new stream).
const LOST_AFTER: Duration = Duration::from_millis(300);
const LOST_ERRORS: u32 = 20;

/// How long past the sound's own length playback may take before the device is given up.
const DRAIN_GRACE: Duration = Duration::from_secs(2);

/// A device that takes no sound for this long is lost (a frozen or wedged sound server:
/// no errors, its writes just never return). A live one takes a period (~21 ms) at a time.
pub(super) const STALLED_AFTER: Duration = Duration::from_millis(400);

pub struct DeviceSink {
    stream: MixerDeviceSink,
    /// The stream's errors since the utterance began.
    errors: Arc<Errors>,
}

impl DeviceSink {
    pub fn open() -> anyhow::Result<Self> {
        // alsa-lib prints to stderr, which is Neovim's screen: catch its messages on this
        // thread (the handler is thread-local) and keep them out of sight.
        #[cfg(target_os = "linux")]
        let _alsa_messages = alsa::Output::local_error_handler();
        // Stream errors are not printed, for the same reason; they mark the device failed.
        let errors = Arc::new(Errors::default());
        let seen = errors.clone();
        let mut stream = DeviceSinkBuilder::from_default_device()
            .and_then(|b| {
                b.with_buffer_size(rodio::cpal::BufferSize::Fixed(BUFFER_FRAMES))
                    .with_error_callback(move |e| {
                        // An underrun is a glitch, not a lost device: the stream recovers.
                        use rodio::cpal::ErrorKind as K;
                        if matches!(
                            e.kind(),
                            K::DeviceNotAvailable | K::HostUnavailable | K::StreamInvalidated | K::BackendError
                        ) {
                            seen.note();
                        }
                    })
                    .open_stream()
            })
            .map_err(|e| anyhow!("{e}"))?;
        stream.log_on_drop(false);
        Ok(Self { stream, errors })
    }
}

/// When a stream's errors began and when the last one came, as milliseconds (+1, so 0 is
/// none) since the sink opened: written by the audio callback thread, read by the player.
#[derive(Default)]
struct Errors {
    since: OnceLock<Instant>,
    first: AtomicU64,
    last: AtomicU64,
    count: AtomicU32,
}

impl Errors {
    fn now(&self) -> u64 {
        self.since.get_or_init(Instant::now).elapsed().as_millis() as u64 + 1
    }

    fn note(&self) {
        let now = self.now();
        let _ = self.first.compare_exchange(0, now, Ordering::AcqRel, Ordering::Acquire);
        self.last.store(now, Ordering::Release);
        self.count.fetch_add(1, Ordering::AcqRel);
    }

    fn reset(&self) {
        self.first.store(0, Ordering::Release);
        self.last.store(0, Ordering::Release);
        self.count.store(0, Ordering::Release);
    }

    fn device_gone(&self) -> bool {
        self.count.load(Ordering::Acquire) >= LOST_ERRORS && self.span() >= LOST_AFTER
    }

    /// How long errors have kept coming (zero without any).
    fn span(&self) -> Duration {
        let first = self.first.load(Ordering::Acquire);
        Duration::from_millis(if first == 0 { 0 } else { self.last.load(Ordering::Acquire).saturating_sub(first) })
    }
}

impl Sink for DeviceSink {
    fn name(&self) -> String {
        "device".into()
    }

    fn play(&mut self, audio: &Audio, cancel: &Cancel, started: &mut dyn FnMut()) -> anyhow::Result<Played> {
        let rate = NonZero::new(audio.sample_rate).ok_or_else(|| anyhow!("sample rate 0"))?;
        let player = Player::connect_new(self.stream.mixer());
        self.errors.reset();
        player.append(SamplesBuffer::new(NonZero::<u16>::MIN, rate, audio.samples.clone()));
        started();
        // A device that stops consuming (unplugged, suspended, a frozen server) would never
        // drain the player: its position must move, and the whole must end in time.
        let deadline = Instant::now() + audio.duration() + DRAIN_GRACE;
        let (mut position, mut moved) = (player.get_pos(), Instant::now());
        while !player.empty() {
            if cancel.is_cancelled() {
                player.stop();
                return Ok(Played::new(false, None));
            }
            if self.errors.device_gone() {
                player.stop();
                anyhow::bail!("the audio device failed");
            }
            let now = Instant::now();
            let at = player.get_pos();
            if at != position {
                (position, moved) = (at, now);
            } else if now - moved > STALLED_AFTER {
                player.stop();
                anyhow::bail!("the audio device stopped taking sound (a frozen sound server?)");
            }
            if now > deadline {
                player.stop();
                anyhow::bail!("the audio device stopped playing");
            }
            std::thread::sleep(STOP_POLL);
        }
        Ok(Played::new(true, None))
    }
}

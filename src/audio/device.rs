//! The sound device, through rodio. Its stream is not `Send`, so the audio thread opens it.

use std::num::NonZero;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::anyhow;
use rodio::buffer::SamplesBuffer;
use rodio::{DeviceSinkBuilder, MixerDeviceSink, Player};

use super::{Cancel, Played, Sink, STOP_POLL};
use crate::tts::Audio;

/// The device's buffer: 32 ms at 48 kHz (rodio aims for 50 ms), so a stop is heard within
/// 50 ms, buffer and sound server together. At 1024 frames PulseAudio's ALSA plugin lost
/// whole sentences now and then on a loaded 2-core machine.
const BUFFER_FRAMES: u32 = 1024;

/// Stream errors in one utterance that mean the device is gone (a dead PulseAudio gives
/// hundreds within a second).
const LOST_AFTER: u32 = 20;

/// How long past the sound's own length playback may take before the device is given up.
const DRAIN_GRACE: Duration = Duration::from_secs(2);

pub struct DeviceSink {
    stream: MixerDeviceSink,
    /// Stream errors counted by its error callback since the utterance began: a few come and
    /// go (PulseAudio's plugin reports a spurious EIO now and then); a gone sound server
    /// floods them.
    errors: Arc<AtomicU32>,
}

impl DeviceSink {
    pub fn open() -> anyhow::Result<Self> {
        // alsa-lib prints to stderr, which is Neovim's screen: catch its messages on this
        // thread (the handler is thread-local) and keep them out of sight.
        #[cfg(target_os = "linux")]
        let _alsa_messages = alsa::Output::local_error_handler();
        // Stream errors are not printed, for the same reason; they mark the device failed.
        let errors = Arc::new(AtomicU32::new(0));
        let count = errors.clone();
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
                            count.fetch_add(1, Ordering::AcqRel);
                        }
                    })
                    .open_stream()
            })
            .map_err(|e| anyhow!("{e}"))?;
        stream.log_on_drop(false);
        Ok(Self { stream, errors })
    }
}

impl Sink for DeviceSink {
    fn name(&self) -> String {
        "device".into()
    }

    fn play(&mut self, audio: &Audio, cancel: &Cancel, started: &mut dyn FnMut()) -> anyhow::Result<Played> {
        let rate = NonZero::new(audio.sample_rate).ok_or_else(|| anyhow!("sample rate 0"))?;
        let player = Player::connect_new(self.stream.mixer());
        self.errors.store(0, Ordering::Release);
        player.append(SamplesBuffer::new(NonZero::<u16>::MIN, rate, audio.samples.clone()));
        started();
        // A device that stops consuming (unplugged, suspended) would never drain the player.
        let deadline = Instant::now() + audio.duration() + DRAIN_GRACE;
        while !player.empty() {
            if cancel.is_cancelled() {
                player.stop();
                return Ok(Played::new(false, None));
            }
            if self.errors.load(Ordering::Acquire) >= LOST_AFTER {
                player.stop();
                anyhow::bail!("the audio device failed");
            }
            if Instant::now() > deadline {
                player.stop();
                anyhow::bail!("the audio device stopped playing");
            }
            std::thread::sleep(STOP_POLL);
        }
        Ok(Played::new(true, None))
    }
}

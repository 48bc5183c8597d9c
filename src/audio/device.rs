//! The sound device, through rodio. Its stream is not `Send`, so the audio thread opens it.

use std::num::NonZero;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::anyhow;
use rodio::buffer::SamplesBuffer;
use rodio::{DeviceSinkBuilder, MixerDeviceSink, Player};

use super::{Cancel, Played, Sink, STOP_POLL};
use crate::tts::Audio;

/// How long past the sound's own length playback may take before the device is given up.
const DRAIN_GRACE: Duration = Duration::from_secs(2);

pub struct DeviceSink {
    stream: MixerDeviceSink,
    /// Set by the stream's error callback: the device (or sound server) went away.
    failed: Arc<AtomicBool>,
}

impl DeviceSink {
    pub fn open() -> anyhow::Result<Self> {
        // alsa-lib prints to stderr, which is Neovim's screen: catch its messages on this
        // thread (the handler is thread-local) and keep them out of sight.
        #[cfg(target_os = "linux")]
        let _alsa_messages = alsa::Output::local_error_handler();
        // Stream errors are not printed, for the same reason; they mark the device failed.
        let failed = Arc::new(AtomicBool::new(false));
        let flag = failed.clone();
        let mut stream = DeviceSinkBuilder::from_default_device()
            .and_then(|b| b.with_error_callback(move |_| flag.store(true, Ordering::Release)).open_stream())
            .map_err(|e| anyhow!("{e}"))?;
        stream.log_on_drop(false);
        Ok(Self { stream, failed })
    }
}

impl Sink for DeviceSink {
    fn name(&self) -> String {
        "device".into()
    }

    fn play(&mut self, audio: &Audio, cancel: &Cancel, started: &mut dyn FnMut()) -> anyhow::Result<Played> {
        let rate = NonZero::new(audio.sample_rate).ok_or_else(|| anyhow!("sample rate 0"))?;
        let player = Player::connect_new(self.stream.mixer());
        player.append(SamplesBuffer::new(NonZero::<u16>::MIN, rate, audio.samples.clone()));
        started();
        // A device that stops consuming (unplugged, suspended) would never drain the player.
        let deadline = Instant::now() + audio.duration() + DRAIN_GRACE;
        while !player.empty() {
            if cancel.is_cancelled() {
                player.stop();
                return Ok(Played::new(false, None));
            }
            if self.failed.load(Ordering::Acquire) {
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

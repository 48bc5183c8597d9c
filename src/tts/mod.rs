//! Speech engines behind one trait: text in, samples out.

pub mod dictionary;
mod openjtalk;

pub use openjtalk::OpenJtalk;

use std::path::Path;
use std::time::Duration;

/// Mono audio, samples in -1.0..=1.0.
#[derive(Debug, Clone)]
pub struct Audio {
    pub samples: Vec<f32>,
    pub sample_rate: u32,
}

impl Audio {
    pub fn duration(&self) -> Duration {
        Duration::from_secs_f64(self.samples.len() as f64 / f64::from(self.sample_rate.max(1)))
    }

    /// Root mean square level: 0 for silence.
    pub fn rms(&self) -> f32 {
        if self.samples.is_empty() {
            return 0.0;
        }
        (self.samples.iter().map(|s| s * s).sum::<f32>() / self.samples.len() as f32).sqrt()
    }

    /// Write 16-bit PCM WAV.
    pub fn write_wav(&self, path: &Path) -> anyhow::Result<()> {
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: self.sample_rate,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut w = hound::WavWriter::create(path, spec)?;
        for s in &self.samples {
            w.write_sample((s.clamp(-1.0, 1.0) * f32::from(i16::MAX)) as i16)?;
        }
        w.finalize()?;
        Ok(())
    }
}

/// Turns text (in the target language) into audio. Owned by the synthesis thread.
pub trait Tts: Send {
    /// Engine name, recorded in `history()`.
    fn name(&self) -> &str;
    fn synthesize(&mut self, text: &str) -> anyhow::Result<Audio>;
}

//! Mono audio as the voices make it and the sinks play it.

use std::time::Duration;

/// A sample this loud (−40 dBFS) is heard; below it, the voice's silence and noise.
pub const AUDIBLE: f32 = 0.01;

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

    /// Index of the first audible sample (above [`AUDIBLE`]); `None` for silence.
    pub fn onset(&self) -> Option<usize> {
        self.samples.iter().position(|s| s.abs() >= AUDIBLE)
    }

    /// The voice without the silence around it, but for `lead` before its first audible
    /// sample (so the attack is whole) and `tail` after its last (the natural pause before
    /// the next sentence). Pauses inside, at commas, stay.
    pub fn trimmed(mut self, lead: Duration, tail: Duration) -> Self {
        let Some(first) = self.onset() else { return self };
        let last = self.samples.iter().rposition(|s| s.abs() >= AUDIBLE).unwrap_or(first);
        let per_s = f64::from(self.sample_rate);
        let start = first.saturating_sub((lead.as_secs_f64() * per_s) as usize);
        let end = (last + 1 + (tail.as_secs_f64() * per_s) as usize).min(self.samples.len());
        self.samples.truncate(end);
        self.samples.drain(..start);
        self
    }

    /// Root mean square level: 0 for silence.
    pub fn rms(&self) -> f32 {
        if self.samples.is_empty() {
            return 0.0;
        }
        (self.samples.iter().map(|s| s * s).sum::<f32>() / self.samples.len() as f32).sqrt()
    }

    /// Write 16-bit PCM WAV to `out` (a file made by the caller: where and how is theirs).
    pub fn write_wav<W: std::io::Write + std::io::Seek>(&self, out: W) -> anyhow::Result<()> {
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: self.sample_rate,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut w = hound::WavWriter::new(std::io::BufWriter::new(out), spec)?;
        for s in &self.samples {
            w.write_sample((s.clamp(-1.0, 1.0) * f32::from(i16::MAX)) as i16)?;
        }
        w.finalize()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trimming_keeps_the_voice_and_a_short_lead_and_tail() {
        // 1 s of silence, 0.5 s of voice, 1 s of silence, at 1 kHz.
        let mut samples = vec![0.001; 1000];
        samples.extend(std::iter::repeat_n(0.5, 500));
        samples.extend(vec![0.0; 1000]);
        let a = Audio { samples, sample_rate: 1000 }.trimmed(Duration::from_millis(20), Duration::from_millis(200));
        assert_eq!(a.samples.len(), 20 + 500 + 200);
        assert_eq!(a.onset(), Some(20));
        let silent = Audio { samples: vec![0.0; 100], sample_rate: 1000 };
        assert_eq!(silent.clone().trimmed(Duration::ZERO, Duration::ZERO).samples.len(), 100);
        assert_eq!(silent.onset(), None);
    }
}

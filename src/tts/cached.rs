//! A voice behind the disk cache: a sentence heard before is a file read.

use super::{Reach, Synthesis, Tts, Voice};
use crate::audio::Audio;
use crate::cache::DiskCache;
use crate::cancel::{EngineError, Interrupt};

/// `key` names everything besides the text that shapes the audio (engine, voice file,
/// dictionary, speed, volume): each engine has its own entries, so a fallback's audio
/// never stands in for the preferred voice once it is back.
pub struct Cached {
    inner: Box<dyn Tts>,
    cache: DiskCache,
    key: String,
}

impl Cached {
    pub fn new(inner: Box<dyn Tts>, cache: DiskCache, key: String) -> Self {
        Self { inner, cache, key }
    }
}

impl Tts for Cached {
    fn voice(&self) -> Voice {
        self.inner.voice()
    }

    fn synthesize(&mut self, text: &str, reach: Reach) -> Result<Synthesis, EngineError> {
        let voice = self.inner.voice();
        let inner = &mut self.inner;
        // Only the audio is stored: a hit is this voice's, with nothing passed over.
        let (mut spoken, hit) = self.cache.lookup(
            &[&self.key, "tts", text],
            |b| decode_audio(&b).map(|audio| Synthesis::new(audio, voice)),
            |s: &Synthesis| encode_audio(&s.audio),
            || Ok(inner.synthesize(text, reach)?),
        )?;
        spoken.cached = hit;
        Ok(spoken)
    }

    fn is_online(&self) -> bool {
        self.inner.is_online()
    }

    fn interrupt_with(&mut self, stop: Interrupt) {
        self.inner.interrupt_with(stop);
    }
}

/// Audio as stored: rate, then 16-bit samples (what the speakers get anyway), half the
/// size of f32.
fn encode_audio(a: &Audio) -> Vec<u8> {
    let mut out = Vec::with_capacity(4 + a.samples.len() * 2);
    out.extend_from_slice(&a.sample_rate.to_le_bytes());
    for s in &a.samples {
        out.extend_from_slice(&((s.clamp(-1.0, 1.0) * f32::from(i16::MAX)) as i16).to_le_bytes());
    }
    out
}

fn decode_audio(b: &[u8]) -> Option<Audio> {
    let rate = u32::from_le_bytes(b.get(..4)?.try_into().ok()?);
    let pcm = &b[4..];
    if rate == 0 || !pcm.len().is_multiple_of(2) {
        return None;
    }
    let scale = 1.0 / f32::from(i16::MAX);
    let samples = pcm.chunks_exact(2).map(|c| f32::from(i16::from_le_bytes([c[0], c[1]])) * scale).collect();
    Some(Audio { samples, sample_rate: rate })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audio_round_trip_is_16_bit_exact() {
        let a = Audio { samples: vec![0.0, 0.5, -0.5, 1.0, -1.0], sample_rate: 24000 };
        let b = decode_audio(&encode_audio(&a)).unwrap();
        assert_eq!(b.sample_rate, 24000);
        for (x, y) in a.samples.iter().zip(&b.samples) {
            assert!((x - y).abs() < 1.0 / 32767.0, "{x} vs {y}");
        }
        assert!(decode_audio(&[1, 0, 0, 0, 7]).is_none());
        assert!(decode_audio(&[0, 0, 0, 0]).is_none());
    }
}

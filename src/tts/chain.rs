//! Several voices in order of preference: each utterance goes to the first one that
//! works, and a voice that keeps failing is left alone for a while so that every
//! sentence does not wait for its timeout.

use std::time::{Duration, Instant};

use super::{Fallback, Passed, Reach, Synthesis, Tts, Voice};
use crate::cancel::{EngineError, Refusal};

struct Slot {
    tts: Box<dyn Tts>,
    /// Failures in a row.
    failures: u32,
    /// Skipped until then.
    resume_at: Option<Instant>,
}

pub struct Chain {
    slots: Vec<Slot>,
    cooldown_after: u32,
    cooldown: Duration,
}

impl Chain {
    /// `engines` in order of preference; one that fails `cooldown_after` times in a row
    /// is skipped for `cooldown`. The last engine is never skipped: it is the fallback
    /// of last resort.
    pub fn new(engines: Vec<Box<dyn Tts>>, cooldown_after: u32, cooldown: Duration) -> Self {
        let slots = engines.into_iter().map(|tts| Slot { tts, failures: 0, resume_at: None }).collect();
        // A year is forever here, and adding it to an Instant cannot overflow.
        let cooldown = cooldown.min(Duration::from_secs(365 * 86_400));
        Self { slots, cooldown_after: cooldown_after.max(1), cooldown }
    }
}

impl Chain {
    /// `online` for text that may leave the machine, `offline` for text that must stay
    /// (auto-speak without `auto.online`): an online voice alone would refuse every such
    /// sentence. `offline` never speaks text that may go online: the user chose `online`.
    pub fn keeping_offline_text(online: Box<dyn Tts>, offline: Box<dyn Tts>) -> Box<dyn Tts> {
        Box::new(ByReach { online, offline })
    }
}

/// See [`Chain::keeping_offline_text`].
struct ByReach {
    online: Box<dyn Tts>,
    offline: Box<dyn Tts>,
}

impl Tts for ByReach {
    fn voice(&self) -> Voice {
        self.online.voice()
    }

    fn is_online(&self) -> bool {
        true
    }

    fn interrupt_with(&mut self, stop: crate::cancel::Interrupt) {
        self.online.interrupt_with(stop.clone());
        self.offline.interrupt_with(stop);
    }

    fn synthesize(&mut self, text: &str, reach: Reach) -> Result<Synthesis, EngineError> {
        match reach {
            Reach::Online => self.online.synthesize(text, reach),
            Reach::Offline => self.offline.synthesize(text, reach),
        }
    }
}

impl Slot {
    /// Why this slot is passed over now, if it is cooling down.
    fn cooling(&mut self, now: Instant, failures: u32) -> Option<Passed> {
        match self.resume_at {
            Some(at) if now < at => {
                Some(Passed::CoolingDown { failures, secs: (at - now).as_secs_f64().ceil() as u64 })
            }
            _ => {
                self.resume_at = None;
                None
            }
        }
    }

    fn failed(&mut self, cooldown_after: u32, cooldown: Duration) {
        self.failures += 1;
        if self.failures >= cooldown_after {
            self.failures = 0;
            self.resume_at = Some(Instant::now() + cooldown);
        }
    }
}

impl Tts for Chain {
    fn voice(&self) -> Voice {
        self.slots.first().map_or(Voice::Openjtalk, |s| s.tts.voice())
    }

    fn is_online(&self) -> bool {
        self.slots.iter().any(|s| s.tts.is_online())
    }

    fn interrupt_with(&mut self, stop: crate::cancel::Interrupt) {
        self.slots.iter_mut().for_each(|s| s.tts.interrupt_with(stop.clone()));
    }

    /// The first voice that speaks, with the ones passed over before it.
    fn synthesize(&mut self, text: &str, reach: Reach) -> Result<Synthesis, EngineError> {
        let mut fallbacks = Vec::new();
        // Text that must stay here never reaches an online voice, nor counts against it.
        let may_use = |slot: &Slot| reach == Reach::Online || !slot.tts.is_online();
        let last = self.slots.iter().rposition(may_use).unwrap_or(0);
        let (after, cooldown) = (self.cooldown_after, self.cooldown);
        for (i, slot) in self.slots.iter_mut().enumerate() {
            if !may_use(slot) {
                continue;
            }
            let voice = slot.tts.voice();
            if let Some(passed) = slot.cooling(Instant::now(), after).filter(|_| i < last) {
                fallbacks.push(Fallback { voice, passed });
                continue;
            }
            match slot.tts.synthesize(text, reach) {
                Ok(mut spoken) => {
                    slot.failures = 0;
                    fallbacks.append(&mut spoken.fallbacks);
                    spoken.fallbacks = fallbacks;
                    return Ok(spoken);
                }
                // A stop is no voice's failure, and no other voice is asked.
                Err(EngineError::Stopped) => return Err(EngineError::Stopped),
                Err(e) => {
                    slot.failed(after, cooldown);
                    fallbacks.push(Fallback { voice, passed: Passed::Failed { why: format!("{e:#}") } });
                }
            }
        }
        if self.slots.is_empty() {
            return Err(Refusal::NoVoice.into());
        }
        // Nothing was tried: the text must stay here and every voice is online.
        if fallbacks.is_empty() {
            return Err(Refusal::Offline.into());
        }
        Err(anyhow::anyhow!("every voice failed: {}", super::passed_over(&fallbacks)).into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::Audio;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    /// A voice that answers with `answer` and counts the sentences it is asked.
    struct Fake {
        voice: Voice,
        answer: fn() -> Result<Synthesis, EngineError>,
        asked: Arc<AtomicUsize>,
    }

    impl Tts for Fake {
        fn voice(&self) -> Voice {
            self.voice
        }

        fn synthesize(&mut self, _: &str, _: Reach) -> Result<Synthesis, EngineError> {
            self.asked.fetch_add(1, Ordering::SeqCst);
            (self.answer)()
        }
    }

    fn fake(voice: Voice, answer: fn() -> Result<Synthesis, EngineError>, asked: &Arc<AtomicUsize>) -> Box<dyn Tts> {
        Box::new(Fake { voice, answer, asked: asked.clone() })
    }

    fn speaks() -> Result<Synthesis, EngineError> {
        Ok(Synthesis::new(Audio { samples: vec![0.0], sample_rate: 16_000 }, Voice::Openjtalk))
    }

    #[test]
    fn a_stop_asks_no_other_voice_and_counts_no_failure() {
        let (first, second) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let stopped = fake(Voice::Google, || Err(EngineError::Stopped), &first);
        let mut chain = Chain::new(vec![stopped, fake(Voice::Openjtalk, speaks, &second)], 1, Duration::from_secs(60));
        assert!(matches!(chain.synthesize("文です。", Reach::Online), Err(EngineError::Stopped)));
        assert_eq!(second.load(Ordering::SeqCst), 0, "a stopped sentence went to the fallback");
        assert!(matches!(chain.synthesize("文です。", Reach::Online), Err(EngineError::Stopped)));
        assert_eq!(first.load(Ordering::SeqCst), 2, "a stop cooled the voice down like a failure");
    }

    #[test]
    fn text_that_must_stay_here_with_online_voices_only_is_refused() {
        let asked = Arc::new(AtomicUsize::new(0));
        let mut chain = Chain::new(vec![fake(Voice::Google, speaks, &asked)], 1, Duration::from_secs(60));
        assert!(matches!(chain.synthesize("文です。", Reach::Offline), Err(EngineError::Refused(Refusal::Offline))));
        assert_eq!(asked.load(Ordering::SeqCst), 0);
    }
}

//! Several voices in order of preference: each utterance goes to the first one that
//! works, and a voice that keeps failing is left alone for a while so that every
//! sentence does not wait for its timeout.

use std::time::{Duration, Instant};

use super::{Audio, Reach, Tts};

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
    /// What spoke last, with why the voices before it did not.
    spoke: String,
}

impl Chain {
    /// `engines` in order of preference; one that fails `cooldown_after` times in a row
    /// is skipped for `cooldown`. The last engine is never skipped: it is the fallback
    /// of last resort.
    pub fn new(engines: Vec<Box<dyn Tts>>, cooldown_after: u32, cooldown: Duration) -> Self {
        let spoke = engines.first().map(|t| t.name().to_owned()).unwrap_or_else(|| "no voice".into());
        let slots = engines.into_iter().map(|tts| Slot { tts, failures: 0, resume_at: None }).collect();
        // A year is forever here, and adding it to an Instant cannot overflow.
        let cooldown = cooldown.min(Duration::from_secs(365 * 86_400));
        Self { slots, cooldown_after: cooldown_after.max(1), cooldown, spoke }
    }
}

impl Tts for Chain {
    fn is_online(&self) -> bool {
        self.slots.iter().any(|s| s.tts.is_online())
    }

    fn interrupt_with(&mut self, stop: crate::translate::Interrupt) {
        self.slots.iter_mut().for_each(|s| s.tts.interrupt_with(stop.clone()));
    }

    /// The engine that spoke last, first, then what happened to those before it:
    /// `openjtalk (google failed: timeout after 4000 ms)`.
    fn name(&self) -> &str {
        &self.spoke
    }

    fn synthesize(&mut self, text: &str, reach: Reach) -> anyhow::Result<Audio> {
        let mut notes = Vec::new();
        // Text that must stay here never reaches an online voice, nor counts against it.
        let may_use = |slot: &Slot| reach == Reach::Online || !slot.tts.is_online();
        let last = self.slots.iter().rposition(may_use).unwrap_or(0);
        for (i, slot) in self.slots.iter_mut().enumerate() {
            if !may_use(slot) {
                continue;
            }
            let now = Instant::now();
            match slot.resume_at {
                Some(at) if now < at && i < last => {
                    let secs = (at - now).as_secs_f64().ceil();
                    notes.push(format!(
                        "{} skipped for {secs:.0} s after {} failures",
                        slot.tts.name(),
                        self.cooldown_after
                    ));
                    continue;
                }
                _ => slot.resume_at = None,
            }
            match slot.tts.synthesize(text, reach) {
                Ok(audio) => {
                    slot.failures = 0;
                    let name = slot.tts.name();
                    self.spoke =
                        if notes.is_empty() { name.to_owned() } else { format!("{name} ({})", notes.join("; ")) };
                    return Ok(audio);
                }
                Err(e) => {
                    slot.failures += 1;
                    if slot.failures >= self.cooldown_after {
                        slot.failures = 0;
                        slot.resume_at = Some(Instant::now() + self.cooldown);
                    }
                    notes.push(format!("{} failed: {e:#}", slot.tts.name()));
                }
            }
        }
        if self.slots.is_empty() {
            anyhow::bail!("no voice to speak with");
        }
        if notes.is_empty() {
            anyhow::bail!("no offline voice for text that must stay on this machine (auto.online is off)");
        }
        anyhow::bail!("every voice failed: {}", notes.join("; "))
    }
}

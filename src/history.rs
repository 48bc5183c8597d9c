//! What was said: one entry per sentence, updated from worker events on the main thread.

use std::collections::VecDeque;

use serde::Serialize;

use crate::tts::Fallback;
use crate::worker::{Event, Outcome};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Queued,
    Synthesizing,
    Ready,
    Playing,
    Done,
    Stopped,
    Dropped,
    Failed,
}

impl From<Outcome> for Status {
    fn from(o: Outcome) -> Self {
        match o {
            Outcome::Done => Status::Done,
            Outcome::Stopped => Status::Stopped,
            Outcome::Dropped => Status::Dropped,
            Outcome::Failed => Status::Failed,
        }
    }
}

/// Milliseconds spent in each stage; absent until that stage ran.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Timings {
    pub translate: Option<f64>,
    pub synthesize: Option<f64>,
    /// From the moment the sentence was queued to its first sample...
    pub first_audio: Option<f64>,
    /// ...and to its first audible sample.
    pub first_sound: Option<f64>,
    /// Length of the speech itself.
    pub audio: Option<f64>,
}

/// An engine as used for one sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Used<T> {
    pub engine: T,
    pub cached: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub id: u64,
    /// The sentence as found on screen.
    pub source: String,
    /// What was (or is to be) spoken: the translation.
    pub text: Option<String>,
    /// The exact text handed to the voice: `text` with code words in katakana.
    pub spoken: Option<String>,
    /// The engine that translated it, and whether from the cache.
    pub translator: Option<Used<crate::translate::Kind>>,
    /// The voice that spoke it, and whether from the cache.
    pub tts: Option<Used<crate::tts::Voice>>,
    /// Voices passed over before the one that spoke (`google` failing, cooling down).
    pub fallbacks: Vec<Fallback>,
    pub status: Status,
    pub error: Option<String>,
    pub timings_ms: Timings,
    /// The WAV file, with the `wav` sink.
    pub file: Option<String>,
    /// The terminal buffer it was heard in, for auto-speak.
    pub terminal: Option<i32>,
}

impl Entry {
    pub fn is_finished(&self) -> bool {
        matches!(self.status, Status::Done | Status::Stopped | Status::Dropped | Status::Failed)
    }
}

/// A bounded log: the oldest finished entries go first. Entries are in id order (ids only
/// grow), so an event finds its entry by binary search, and counts are kept, not counted:
/// a stop with thousands queued costs the same per sentence as one.
pub struct History {
    entries: VecDeque<Entry>,
    limit: usize,
    /// Entries not finished yet.
    pending: usize,
    /// The entry playing now.
    playing: Option<u64>,
}

impl History {
    pub fn new(limit: usize) -> Self {
        Self { entries: VecDeque::new(), limit: limit.max(1), pending: 0, playing: None }
    }

    /// A new entry for sentence `id` (ids come in increasing order); returns it.
    pub fn queued(&mut self, id: u64, source: String, terminal: Option<i32>) -> &Entry {
        debug_assert!(self.entries.back().is_none_or(|e| e.id < id), "ids out of order");
        self.entries.push_back(Entry {
            id,
            source,
            text: None,
            spoken: None,
            translator: None,
            tts: None,
            fallbacks: Vec::new(),
            status: Status::Queued,
            error: None,
            timings_ms: Timings::default(),
            file: None,
            terminal,
        });
        self.pending += 1;
        // Only finished entries go; while all are on their way, the log grows past its
        // bound (the queue bounds them).
        while self.entries.len() > self.limit && self.entries.len() > self.pending {
            match self.entries.iter().position(Entry::is_finished) {
                Some(i) => drop(self.entries.remove(i)),
                None => break,
            }
        }
        self.entries.back().expect("just pushed")
    }

    /// Apply one worker event; returns the entry when it just finished.
    pub fn apply(&mut self, ev: &Event) -> Option<&Entry> {
        let id = match ev {
            Event::Translated { id, .. }
            | Event::Synthesized { id, .. }
            | Event::Playing { id, .. }
            | Event::Finished { id, .. } => *id,
            Event::Ready { .. } | Event::Loading { .. } | Event::Degraded { .. } => return None,
        };
        let at = self.entries.binary_search_by_key(&id, |e| e.id).ok()?;
        let e = &mut self.entries[at];
        if e.is_finished() {
            return None;
        }
        match ev {
            Event::Translated { translation, ms, .. } => {
                e.text = Some(translation.text.clone());
                e.translator = Some(Used { engine: translation.engine, cached: translation.cached });
                e.timings_ms.translate = Some(*ms);
                e.status = Status::Synthesizing;
            }
            Event::Synthesized { voice, cached, fallbacks, spoken, ms, audio_ms, .. } => {
                e.tts = Some(Used { engine: *voice, cached: *cached });
                e.fallbacks = fallbacks.clone();
                e.spoken = Some(spoken.clone());
                e.timings_ms.synthesize = Some(*ms);
                e.timings_ms.audio = Some(*audio_ms);
                e.status = Status::Ready;
            }
            Event::Playing { first_audio_ms, first_sound_ms, .. } => {
                e.timings_ms.first_audio = Some(*first_audio_ms);
                e.timings_ms.first_sound = Some(*first_sound_ms);
                e.status = Status::Playing;
                self.playing = Some(id);
            }
            Event::Finished { outcome, error, file, .. } => {
                e.status = (*outcome).into();
                self.pending -= 1;
                if self.playing == Some(id) {
                    self.playing = None;
                }
                e.error = error.clone();
                e.file = file.clone();
                return Some(e);
            }
            Event::Ready { .. } | Event::Loading { .. } | Event::Degraded { .. } => {}
        }
        None
    }

    /// Oldest first.
    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter()
    }

    pub fn playing(&self) -> Option<&Entry> {
        let at = self.entries.binary_search_by_key(&self.playing?, |e| e.id).ok()?;
        Some(&self.entries[at])
    }

    /// Sentences not yet finished.
    pub fn pending(&self) -> usize {
        self.pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifecycle_and_bound() {
        let mut h = History::new(2);
        h.queued(1, "a".into(), None);
        let translation = crate::translate::Translation::new("A".into(), crate::translate::Kind::None);
        h.apply(&Event::Translated { id: 1, translation, ms: 1.0 });
        h.apply(&Event::Playing { id: 1, first_audio_ms: 5.0, first_sound_ms: 25.0 });
        assert_eq!(h.playing().unwrap().id, 1);
        let done = h.apply(&Event::Finished { id: 1, outcome: Outcome::Done, error: None, file: None });
        assert_eq!(done.unwrap().status, Status::Done);
        h.queued(2, "b".into(), None);
        h.queued(3, "c".into(), Some(4));
        // 1 was finished, so it made room; 2 and 3 are unfinished and stay.
        let ids: Vec<u64> = h.entries().map(|e| e.id).collect();
        assert_eq!(ids, vec![2, 3]);
        assert_eq!(h.pending(), 2);
        assert!(h.apply(&Event::Playing { id: 99, first_audio_ms: 0.0, first_sound_ms: 0.0 }).is_none());
    }
}

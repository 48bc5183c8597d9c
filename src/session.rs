//! What the plugin remembers of its worker between calls (history, how each part loaded,
//! what was last said to the user) and how each worker event changes it: a pure fold,
//! `Session::apply(event) -> actions`. `nvim/` owns one `Session` per `setup()` and runs the
//! actions once its state is released; the rules themselves are unit-tested here, without
//! Neovim.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use crate::history::{Entry, History, Status};
use crate::worker::{Event, Part};

/// How a part of the worker stands.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "state", rename_all = "lowercase")]
pub enum PartState {
    /// Loaded and working as asked (a description).
    Ready { detail: String },
    /// Working, but not as asked (`why`): no audio device, no translation model.
    Degraded { detail: String, why: String },
    /// Could not load (why).
    Failed { why: String },
}

impl PartState {
    pub fn is_ok(&self) -> bool {
        !matches!(self, PartState::Failed { .. })
    }

    /// For display: the description, or why it failed.
    pub fn detail(&self) -> &str {
        match self {
            PartState::Ready { detail } | PartState::Degraded { detail, .. } => detail,
            PartState::Failed { why } => why,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Info,
    Warn,
}

/// Something for the editor to do, decided by the fold and carried out by the Lua UI
/// (`lua/speakja/ui.lua`). Each carries what changed, never the whole history: a stop with
/// thousands queued costs one action per sentence, not one history per sentence.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Action {
    Notify {
        level: Level,
        msg: String,
    },
    /// A sentence joined the history.
    Queued {
        entry: Box<Entry>,
    },
    /// It started playing: `User SpeakJaStart`, and its float when `float`.
    Started {
        entry: Box<Entry>,
        float: bool,
    },
    /// It ended, however: `User SpeakJaDone`; its float closes.
    Finished {
        entry: Box<Entry>,
    },
}

impl Action {
    pub fn notify(level: Level, msg: String) -> Self {
        Action::Notify { level, msg }
    }
}

pub struct Session {
    pub history: History,
    pub parts: HashMap<Part, PartState>,
    /// The last error notified, so a broken voice does not flood the message area.
    last_error: Option<String>,
    /// Parts whose (slow) loading was announced: their `Ready` is announced too.
    loading: HashSet<Part>,
    /// `ui.float`.
    float: bool,
}

impl Session {
    pub fn new(history_size: usize, float: bool) -> Self {
        Self {
            history: History::new(history_size),
            parts: HashMap::new(),
            last_error: None,
            loading: HashSet::new(),
            float,
        }
    }

    /// One event in, what to do about it out.
    pub fn apply(&mut self, ev: Event) -> Vec<Action> {
        let mut actions = Vec::new();
        match ev {
            Event::Loading { part, what } => {
                self.loading.insert(part);
                actions.push(Action::notify(Level::Info, format!("loading {what}…")));
            }
            Event::Degraded { part, why } => {
                actions.push(Action::notify(Level::Warn, format!("{}: {why}", part_name(part))));
                let detail = self.parts.get(&part).map(|p| p.detail().to_owned()).unwrap_or_default();
                self.parts.insert(part, PartState::Degraded { detail, why });
            }
            Event::Ready { part, result: Ok(detail) } => {
                if self.loading.remove(&part) {
                    actions.push(Action::notify(Level::Info, format!("{} ready: {detail}", part_name(part))));
                }
                self.parts.insert(part, PartState::Ready { detail });
            }
            Event::Ready { part, result: Err(why) } => {
                self.loading.remove(&part);
                actions.push(Action::notify(Level::Warn, format!("{} unavailable: {why}", part_name(part))));
                self.parts.insert(part, PartState::Failed { why });
            }
            ev => self.utterance(ev, &mut actions),
        }
        actions
    }

    /// A sentence queued: its history entry.
    pub fn queued(&mut self, id: u64, source: String, terminal: Option<i32>) -> Action {
        let entry = self.history.queued(id, source, terminal);
        Action::Queued { entry: Box::new(entry.clone()) }
    }

    /// An event about one utterance: history, the float, autocmds, one message per error.
    fn utterance(&mut self, ev: Event, actions: &mut Vec<Action>) {
        let started = matches!(ev, Event::Playing { .. });
        if let Some(entry) = self.history.apply(&ev) {
            if entry.status == Status::Failed && entry.error != self.last_error {
                self.last_error = entry.error.clone();
                actions.push(Action::notify(Level::Warn, entry.error.clone().unwrap_or_default()));
            }
            actions.push(Action::Finished { entry: Box::new(entry.clone()) });
        } else if let Some(e) = self.history.playing().filter(|_| started) {
            let float = self.float && e.text.is_some();
            actions.push(Action::Started { entry: Box::new(e.clone()), float });
        }
    }
}

fn part_name(p: Part) -> &'static str {
    match p {
        Part::Translator => "translator",
        Part::Voice => "voice",
        Part::Audio => "audio output",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::translate::{Kind, Translation};
    use crate::worker::Outcome;

    fn notes(actions: &[Action]) -> Vec<(Level, String)> {
        actions
            .iter()
            .filter_map(|a| match a {
                Action::Notify { level, msg } => Some((*level, msg.clone())),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn parts_are_typed_and_only_a_slow_load_is_announced() {
        let mut s = Session::new(10, true);
        let quiet = s.apply(Event::Ready { part: Part::Voice, result: Ok("openjtalk".into()) });
        assert!(notes(&quiet).is_empty());
        s.apply(Event::Loading { part: Part::Translator, what: "NLLB model m".into() });
        let ready = s.apply(Event::Ready { part: Part::Translator, result: Ok("nllb on the CPU".into()) });
        assert_eq!(notes(&ready), [(Level::Info, "translator ready: nllb on the CPU".to_owned())]);
        // A fallback at open: ready, then degraded; a device that comes back is ready again.
        s.apply(Event::Ready { part: Part::Audio, result: Ok("null".into()) });
        s.apply(Event::Degraded { part: Part::Audio, why: "no audio device".into() });
        assert!(matches!(&s.parts[&Part::Audio], PartState::Degraded { detail, .. } if detail == "null"));
        s.apply(Event::Ready { part: Part::Audio, result: Ok("device".into()) });
        assert_eq!(s.parts[&Part::Audio], PartState::Ready { detail: "device".into() });
        s.apply(Event::Ready { part: Part::Voice, result: Err("no voice".into()) });
        assert!(!s.parts[&Part::Voice].is_ok());
    }

    #[test]
    fn an_utterance_shows_then_closes_and_one_failure_is_told_once() {
        let mut s = Session::new(10, true);
        for id in [1, 2, 3] {
            assert!(matches!(s.queued(id, format!("s{id}"), None), Action::Queued { entry } if entry.id == id));
        }
        let translation = Translation::new("文".into(), Kind::None);
        s.apply(Event::Translated { id: 1, translation, ms: 1.0 });
        let playing = s.apply(Event::Playing { id: 1, first_audio_ms: 5.0, first_sound_ms: 25.0 });
        assert!(
            matches!(&playing[..], [Action::Started { entry, float: true }] if entry.text.as_deref() == Some("文"))
        );
        let done = s.apply(Event::Finished { id: 1, outcome: Outcome::Done, error: None, file: None });
        assert!(matches!(&done[..], [Action::Finished { entry }] if entry.id == 1));
        let fail = |id| Event::Finished { id, outcome: Outcome::Failed, error: Some("voice gone".into()), file: None };
        assert_eq!(notes(&s.apply(fail(2))).len(), 1);
        assert!(notes(&s.apply(fail(3))).is_empty(), "the same error twice is told once");
    }
}

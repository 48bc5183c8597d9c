//! The screen says when, the transcript says what.
//!
//! Sentences come from two places: the screen follower (fast, but it reads a grammar each
//! release redraws) and the session file (exact, but on 2.1.x written only when a whole API
//! message has ended). Every sentence of the transcript is heard exactly once, in its own
//! words: when the screen showed it first, the screen's sentence was its herald; when the
//! transcript came first, it is spoken at once. A screen sentence the transcript does not
//! hold is spoken only where the session streams (the transcript would come too late) and,
//! once the transcript shows it was not said, taken back if it is still waiting.
//!
//! How the session draws is decided from what it does, not from a version number: where the
//! transcript's sentences keep arriving before the screen follower has heard them (a release
//! that draws whole blocks), a screen sentence the transcript lacks is held back ([`HOLD`])
//! and then dropped as misread; where the screen keeps hearing sentences before the
//! transcript has them (a release that streams), it is spoken at once.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

pub use super::key;
use super::markdown;

/// How long a screen sentence waits for the transcript where blocks are drawn whole (the
/// transcript line follows the block by 10-45 ms there).
pub const HOLD: Duration = Duration::from_millis(60);
/// Messages remembered: enough to hold a whole screen's worth of redrawn conversation.
const MESSAGES: usize = 64;
/// Unconfirmed screen sentences remembered.
const UNCONFIRMED: usize = 256;
/// Tool-input sentence keys remembered.
const SILENT: usize = 4096;
/// Observations of which source came first that decide the drawing mode.
const EVIDENCE: usize = 4;

/// Where a spoken sentence's words come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Screen,
    Transcript,
}

/// How the followed session draws its text, as observed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Drawing {
    /// Not known yet, or lines streamed: screen sentences are spoken at once.
    Streams,
    /// Whole blocks, with the transcript right behind: the transcript decides.
    Whole,
}

/// What to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Speak {
        text: String,
        source: Source,
    },
    /// A screen sentence spoken (queued) that the transcript shows was never said: drop it
    /// if it has not been heard yet.
    Retract(String),
    /// A screen sentence held back: the transcript did not confirm it (for debug).
    HeldBack(String),
    /// A screen sentence that is text a tool call carries (a file written, a command).
    Silenced(String),
}

#[derive(Debug)]
struct Said {
    text: String,
    keys: Vec<String>,
    spoken: bool,
    /// The screen has shown it (a later screen sentence like it is a redraw).
    shown: bool,
}

#[derive(Debug)]
struct Message {
    id: String,
    sentences: Vec<Said>,
    aborted: bool,
    /// Prompts seen before it began: one after it means the listener moved on.
    prompts: u64,
}

#[derive(Debug)]
struct Unconfirmed {
    text: String,
    key: String,
    seq: u64,
    /// Prompts seen before the screen heard it.
    prompts: u64,
}

#[derive(Debug)]
struct Held {
    text: String,
    key: String,
    until: Instant,
}

#[derive(Debug, Default)]
pub struct Reconciler {
    messages: VecDeque<Message>,
    unconfirmed: VecDeque<Unconfirmed>,
    held: Vec<Held>,
    /// Keys of held sentences dropped unconfirmed, newest last: if the transcript brings one
    /// after all, the screen was first (the session streams) and the mode was misjudged.
    held_back: VecDeque<String>,
    /// Keys of sentences in tool calls' input, newest last: shown by tools, never speech.
    silent: VecDeque<String>,
    /// true: the transcript had a sentence before the screen heard it.
    evidence: VecDeque<bool>,
    prompts: u64,
    seq: u64,
}

impl Reconciler {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn drawing(&self) -> Drawing {
        if self.evidence.len() == EVIDENCE && self.evidence.iter().all(|&first| first) {
            Drawing::Whole
        } else {
            Drawing::Streams
        }
    }

    fn observe(&mut self, transcript_first: bool) {
        if self.evidence.len() == EVIDENCE {
            self.evidence.pop_front();
        }
        self.evidence.push_back(transcript_first);
    }

    /// The user sent a prompt: sentences of earlier messages that were never heard stay unheard.
    pub fn prompt(&mut self) {
        self.prompts += 1;
        self.held.clear();
    }

    /// A text block of the transcript. `live` is false for what was written before the
    /// terminal was followed: it is taken as heard.
    pub fn transcript(&mut self, message: &str, markdown: &str, aborted: bool, live: bool) -> Vec<Action> {
        let mut out = Vec::new();
        let new: Vec<markdown::Sentence> = markdown::sentences_drawn(markdown);
        let idx = match self.messages.iter().position(|m| m.id == message && !message.is_empty()) {
            Some(i) => i,
            None => {
                if self.messages.len() == MESSAGES {
                    self.messages.pop_front();
                }
                self.messages.push_back(Message {
                    id: message.to_string(),
                    sentences: Vec::new(),
                    aborted,
                    prompts: self.prompts,
                });
                self.messages.len() - 1
            }
        };
        self.messages[idx].aborted |= aborted;
        let mut confirmed_upto = None;
        for s in new {
            let keys: Vec<String> = {
                let mut k = vec![key(&s.text), key(&s.drawn[0]), key(&s.drawn[1])];
                k.dedup();
                k
            };
            let mut said = Said { text: s.text, keys, spoken: !live, shown: false };
            if live {
                if let Some(u) = self.unconfirmed.iter().position(|u| said.keys.contains(&u.key)) {
                    // The screen said it first.
                    let u = self.unconfirmed.remove(u).unwrap_or_else(|| unreachable!());
                    confirmed_upto = confirmed_upto.max(Some(u.seq));
                    // The message began when the screen first showed it.
                    let m = &mut self.messages[idx];
                    m.prompts = m.prompts.min(u.prompts);
                    said.spoken = true;
                    said.shown = true;
                    self.observe(false);
                } else if let Some(h) = self.held.iter().position(|h| said.keys.contains(&h.key)) {
                    self.held.remove(h);
                    said.shown = true;
                    said.spoken = true;
                    out.push(Action::Speak { text: said.text.clone(), source: Source::Transcript });
                } else if let Some(h) = self.held_back.iter().position(|k| said.keys.contains(k)) {
                    // Held and dropped, yet said: the screen was first after all.
                    self.held_back.remove(h);
                    said.shown = true;
                    said.spoken = true;
                    self.observe(false);
                    out.push(Action::Speak { text: said.text.clone(), source: Source::Transcript });
                } else if aborted || self.messages[idx].prompts < self.prompts {
                    // A cut reply's text confirms what the screen showed, it adds nothing; and a
                    // message the listener has left behind is not read out late.
                } else {
                    said.spoken = true;
                    self.observe(true);
                    out.push(Action::Speak { text: said.text.clone(), source: Source::Transcript });
                }
            }
            self.messages[idx].sentences.push(said);
        }
        // Screen sentences spoken before one the transcript confirmed, and not in it: misread.
        if let Some(upto) = confirmed_upto {
            while let Some(u) = self.unconfirmed.iter().position(|u| u.seq < upto) {
                let u = self.unconfirmed.remove(u).unwrap_or_else(|| unreachable!());
                out.push(Action::Retract(u.text));
            }
        }
        out
    }

    /// Text a tool call of the reply carries: the screen may draw it (a file's preview, an
    /// edit, a command), and none of it is speech. What the screen said of it and is still
    /// waiting is taken back.
    pub fn tool_input(&mut self, texts: &[String]) -> Vec<Action> {
        let mut out = Vec::new();
        for k in texts.iter().flat_map(|t| crate::text::sentences(t)).map(|s| key(&s)).filter(|k| k.len() >= 8) {
            while let Some(u) = self.unconfirmed.iter().position(|u| u.key == k) {
                let u = self.unconfirmed.remove(u).unwrap_or_else(|| unreachable!());
                out.push(Action::Retract(u.text));
            }
            if self.silent.len() == SILENT {
                self.silent.pop_front();
            }
            self.silent.push_back(k);
        }
        out
    }

    /// A sentence the screen follower heard.
    pub fn screen(&mut self, text: String, now: Instant) -> Vec<Action> {
        let k = key(&text);
        if k.is_empty() {
            return Vec::new();
        }
        if self.silent.contains(&k) && !self.messages.iter().any(|m| m.sentences.iter().any(|s| s.keys.contains(&k))) {
            return vec![Action::Silenced(text)];
        }
        // The first transcript sentence like it that the screen has not shown yet.
        let found =
            self.messages.iter().enumerate().find_map(|(m, msg)| {
                msg.sentences.iter().position(|s| !s.shown && s.keys.contains(&k)).map(|i| (m, i))
            });
        if let Some((m, i)) = found {
            let msg = &mut self.messages[m];
            msg.sentences[i].shown = true;
            let mut out = Vec::new();
            if !msg.sentences[i].spoken {
                // Unspoken: a cut reply's sentence, or one left for the screen to confirm.
                msg.sentences[i].spoken = true;
                out.push(Action::Speak { text: msg.sentences[i].text.clone(), source: Source::Transcript });
            }
            return out;
        }
        // Shown before, or already said by the screen: a redraw, never said again.
        let redrawn = self.messages.iter().any(|m| m.sentences.iter().any(|s| s.keys.contains(&k)))
            || self.unconfirmed.iter().any(|u| u.key == k);
        if redrawn {
            return Vec::new();
        }
        match self.drawing() {
            Drawing::Whole => {
                self.held.push(Held { text, key: k, until: now + HOLD });
                Vec::new()
            }
            Drawing::Streams => {
                if self.unconfirmed.len() == UNCONFIRMED {
                    self.unconfirmed.pop_front();
                }
                self.seq += 1;
                self.unconfirmed.push_back(Unconfirmed {
                    text: text.clone(),
                    key: k,
                    seq: self.seq,
                    prompts: self.prompts,
                });
                vec![Action::Speak { text, source: Source::Screen }]
            }
        }
    }

    /// Held screen sentences whose time is up: the transcript did not have them.
    pub fn tick(&mut self, now: Instant) -> Vec<Action> {
        let (gone, kept): (Vec<Held>, Vec<Held>) =
            std::mem::take(&mut self.held).into_iter().partition(|h| h.until <= now);
        self.held = kept;
        for h in &gone {
            if self.held_back.len() == UNCONFIRMED {
                self.held_back.pop_front();
            }
            self.held_back.push_back(h.key.clone());
        }
        gone.into_iter().map(|h| Action::HeldBack(h.text)).collect()
    }

    /// Whether a held sentence is waiting (the caller should tick again soon).
    pub fn holding(&self) -> bool {
        !self.held.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spoken(actions: &[Action]) -> Vec<(&str, Source)> {
        actions
            .iter()
            .filter_map(|a| match a {
                Action::Speak { text, source } => Some((text.as_str(), *source)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn streaming_screen_speaks_first_and_the_transcript_fills_in_and_corrects() {
        let now = Instant::now();
        let mut r = Reconciler::new();
        assert_eq!(spoken(&r.screen("First sentence.".into(), now)), [("First sentence.", Source::Screen)]);
        // Misread code, spoken by the screen.
        assert_eq!(r.screen("x = compute(a, b)".into(), now).len(), 1);
        assert_eq!(spoken(&r.screen("Third sentence.".into(), now)).len(), 1);
        let out = r.transcript(
            "m1",
            "First sentence. Second, missed.\n\n```\nx = compute(a, b)\n```\n\nThird sentence.",
            false,
            true,
        );
        assert_eq!(spoken(&out), [("Second, missed.", Source::Transcript)]);
        assert!(out.contains(&Action::Retract("x = compute(a, b)".into())), "{out:?}");
        // A redraw says nothing again.
        for s in ["First sentence.", "Second, missed.", "Third sentence."] {
            assert!(r.screen(s.into(), now).is_empty(), "{s}");
        }
        assert_eq!(r.drawing(), Drawing::Streams);
    }

    #[test]
    fn whole_blocks_let_the_transcript_decide() {
        let t0 = Instant::now();
        let mut r = Reconciler::new();
        for (i, text) in ["One is here.", "Two is here.", "Three is here.", "Four is here."].iter().enumerate() {
            let out = r.transcript(&format!("m{i}"), text, false, true);
            assert_eq!(spoken(&out), [(*text, Source::Transcript)]);
            assert!(r.screen(text.to_string(), t0).is_empty(), "heard already");
        }
        assert_eq!(r.drawing(), Drawing::Whole);
        // The grammar misreads a code row: held, then dropped.
        assert!(r.screen("tar czf out.tgz dist".into(), t0).is_empty());
        assert!(r.holding());
        assert!(r.tick(t0 + HOLD / 2).is_empty());
        assert_eq!(r.tick(t0 + HOLD), [Action::HeldBack("tar czf out.tgz dist".into())]);
        // A held sentence the transcript then confirms is spoken in the transcript's words.
        assert!(r.screen("Five is here see example.com link.".into(), t0).is_empty());
        let out = r.transcript("m9", "Five is here see [the link](https://example.com/).", false, true);
        assert_eq!(spoken(&out), [("Five is here see the link.", Source::Transcript)]);
        assert_eq!(r.drawing(), Drawing::Whole);
        // One held back that the transcript brings later after all: the session streams.
        assert!(r.screen("Streamed late.".into(), t0).is_empty());
        r.tick(t0 + HOLD);
        let out = r.transcript("m10", "Streamed late.", false, true);
        assert_eq!(spoken(&out), [("Streamed late.", Source::Transcript)]);
        assert_eq!(r.drawing(), Drawing::Streams);
    }

    #[test]
    fn text_a_tool_carries_is_never_speech() {
        let now = Instant::now();
        let mut r = Reconciler::new();
        // Streaming: the preview of a file being written, misread as prose, is spoken at once…
        assert_eq!(r.screen("Release notes for the next version.".into(), now).len(), 1);
        // …and taken back when the tool call's input shows it.
        let out = r.tool_input(&["# Notes\n\nRelease notes for the next version.\nMore lines.".into()]);
        assert_eq!(out, [Action::Retract("Release notes for the next version.".into())]);
        // Drawn again later: silent.
        assert_eq!(
            r.screen("Release notes for the next version.".into(), now),
            [Action::Silenced("Release notes for the next version.".into())]
        );
    }

    #[test]
    fn cut_replies_confirm_and_moved_on_messages_stay_unheard() {
        let now = Instant::now();
        let mut r = Reconciler::new();
        r.screen("Drawn before Escape.".into(), now);
        let out = r.transcript("m1", "Drawn before Escape. Half a sent", true, true);
        assert!(spoken(&out).is_empty(), "{out:?}");
        r.transcript("m2", "Old.", false, false);
        assert!(r.screen("Old.".into(), now).is_empty(), "written before we followed: heard");
        r.screen("Streamed now.".into(), now);
        r.prompt();
        let out = r.transcript("m3", "Streamed now. Never drawn.", false, true);
        assert!(spoken(&out).is_empty(), "the listener moved on: {out:?}");
    }
}

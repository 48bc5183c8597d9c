//! Auto-speak's reader: follows a Neovim terminal buffer running Claude Code and hears each
//! prose sentence once.
//!
//! The nvim side mirrors `nvim_buf_attach` `on_lines` into [`ScreenFollower::on_lines`] and
//! calls [`ScreenFollower::poll`] from a timer. Each poll reads the screen afresh
//! ([`screen`](super::screen) keeps the rows, [`claude_code`](super::claude_code) reads them) and
//! lines the sentences it finds up against those already heard: the screen is a window onto
//! the transcript, so its ready sentences are heard ones followed by new ones. That is what
//! makes repaints, scrolling by repainting, resizes and reprinted transcripts say nothing new,
//! while a sentence said again later is still heard.
//!
//! Wiring: `on_lines(_, buf, _, firstline, lastline, new_lastline)` becomes
//! `follower.on_lines(firstline, lastline, nvim_buf_get_lines(buf, firstline, new_lastline), now)`;
//! when attaching to a buffer that already has content, pass it as `on_lines(0, 0, lines, now)`
//! and call [`ScreenFollower::skip_existing`] so the old transcript is not read out.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::claude_code::{self, Ctx, Item, ItemKind, ToolKind};
use super::screen::{hash_of, ScreenMirror};

/// Rows read at each poll, from the bottom: more than any screen, and enough for prose to
/// be read before a flood of tool output after it (1.0.x prints into the main screen)
/// pushes it out of reach.
const WINDOW: usize = 1000;
/// A screen is read once no change has come for this long: a repaint that reaches Neovim
/// in several pieces shows a torn frame, old rows below new ones, in between.
const QUIET: Duration = Duration::from_millis(30);
/// ...or once it has been changing this long (a screen that never rests: 2.x animates its
/// spinner ten times a second).
const RESTLESS: Duration = Duration::from_millis(200);
/// Sentences said when the screen shows nothing heard (after a flood).
const CATCH_UP: usize = 3;
/// A prompt's shown start long enough to stand for the whole prompt.
const PROMPT_PREFIX: usize = 24;
/// Sentences and prompts remembered for lining up (at least).
const HISTORY: usize = 2000;
/// Likely sentences remembered, so each is offered once.
const OFFERED: usize = 64;

#[derive(Debug, Clone)]
pub struct FollowerOptions {
    /// A row is read once its text has been on screen this long unchanged.
    pub stable_ms: u64,
    /// Rows mirrored at most; older ones are forgotten (bounds memory under endless output).
    pub max_lines: usize,
}

impl Default for FollowerOptions {
    fn default() -> Self {
        Self { stable_ms: 250, max_lines: 5000 }
    }
}

/// What the listener should hear.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Heard {
    Sentence(String),
    /// A new prompt was submitted (the plugin may interrupt speech), with its text as drawn.
    UserPrompt(String),
    /// The agent started a tool (spoken only with `auto.narrate_tools`).
    Tool(ToolKind),
}

/// A heard sentence or prompt, as it is lined up.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Said {
    prompt: bool,
    text: String,
    /// Compared by: a redraw may wrap it elsewhere, even inside a word.
    key: String,
}

impl Said {
    fn of(item: &Item) -> Option<Self> {
        match item.kind {
            ItemKind::Sentence => Some(Self { prompt: false, text: item.text.clone(), key: super::key(&item.text) }),
            ItemKind::Prompt => Some(Self { prompt: true, text: item.text.clone(), key: super::key(&item.text) }),
            ItemKind::Tool(_) => None,
        }
    }

    /// The item on screen is this heard one (a fragment: its end). A long prompt may show
    /// only its first row, and all of it after a resize: one that starts the other is it.
    fn is(&self, item: &Item, item_key: &str) -> bool {
        let prompt = item.kind == ItemKind::Prompt;
        if prompt != self.prompt {
            return false;
        }
        let (a, b) = (self.key.as_str(), item_key);
        if prompt {
            return a == b || (a.len().min(b.len()) >= PROMPT_PREFIX && (a.starts_with(b) || b.starts_with(a)));
        }
        if item.fragment {
            a.ends_with(b)
        } else {
            a == b
        }
    }
}

pub struct ScreenFollower {
    opts: FollowerOptions,
    mirror: ScreenMirror,
    /// Heard sentences and prompts, oldest first (between one and two `HISTORY`s long).
    said: Vec<Said>,
    /// Tool notes given since the last sentence or prompt (runs of one kind).
    tools_told: usize,
    /// The context before each row text at the last read: where to start a window whose
    /// first row is inside a message.
    hints: HashMap<u64, Ctx>,
    /// Screen version at the last read, and whether something was not ready then.
    read_version: Option<u64>,
    /// When the screen was last read.
    read_at: Option<Instant>,
    waiting: bool,
    /// When reading the same rows again may find something else ready.
    due: Option<Instant>,
    /// The first change since the last read.
    unread_since: Option<Instant>,
    /// Keys of the likely sentences offered lately, oldest first...
    offered: std::collections::VecDeque<String>,
    /// ...and those not taken yet ([`Self::take_likely`]).
    likely: Vec<String>,
}

impl ScreenFollower {
    pub fn new(opts: FollowerOptions) -> Self {
        let mirror = ScreenMirror::new(opts.max_lines);
        Self {
            opts,
            mirror,
            said: Vec::new(),
            tools_told: 0,
            hints: HashMap::new(),
            read_version: None,
            read_at: None,
            waiting: false,
            due: None,
            unread_since: None,
            offered: std::collections::VecDeque::new(),
            likely: Vec::new(),
        }
    }

    /// Mirror of on_lines: buffer lines [first, last_old) were replaced by `new_lines`.
    /// How long a sentence must rest before it is heard (a new `setup()`).
    pub fn set_stable_ms(&mut self, stable_ms: u64) {
        self.opts.stable_ms = stable_ms;
    }

    pub fn on_lines(&mut self, first: usize, last_old: usize, new_lines: Vec<String>, now: Instant) {
        self.mirror.on_lines(first, last_old, new_lines, now);
        self.unread_since.get_or_insert(now);
    }

    /// Everything new that is ready by `now`, in order, each once.
    pub fn poll(&mut self, now: Instant) -> Vec<Heard> {
        self.follow(now, false)
    }

    /// Take everything on screen now as already heard (attaching to a running session). A
    /// sentence not yet complete is kept, so it is heard whole once it is.
    pub fn skip_existing(&mut self, now: Instant) {
        self.follow(now, true);
    }

    fn follow(&mut self, now: Instant, silent: bool) -> Vec<Heard> {
        // Unchanged rows read the same until one of them ages past a threshold: a wait for
        // `stable_ms` costs no reading (a long screen takes milliseconds to read).
        let unchanged = self.read_version == Some(self.mirror.version());
        if unchanged && (!self.waiting || self.due.is_none_or(|due| now < due)) {
            return Vec::new();
        }
        let resting = self.mirror.changed_at().is_none_or(|t| now.saturating_duration_since(t) >= QUIET);
        let restless = self.unread_since.is_some_and(|t| now.saturating_duration_since(t) >= RESTLESS);
        if !silent && !resting && !restless {
            return Vec::new();
        }
        self.unread_since = None;
        self.read_version = Some(self.mirror.version());
        // Attaching takes what is on screen as it is, settled or not.
        let settle = if silent { Duration::ZERO } else { Duration::from_millis(self.opts.stable_ms) };
        let (items, complete) = self.read_screen(now, settle, !silent);
        self.due = claude_code::next_change(self.mirror.rows().iter().map(|r| r.since), now, settle);
        let ready = items.iter().position(|i| !i.ready).unwrap_or(items.len());
        self.waiting = ready < items.len();
        let outran = self.outran();
        self.read_at = Some(now);
        let heard = self.take_new(&items[..ready], silent, outran);
        // The same rows read with no settle time: items before `ready` are the same items.
        self.offer(complete.get(ready..).unwrap_or_default());
        heard
    }

    /// Sentences that look complete and have rested for the quiet interval, but not yet for
    /// `stable_ms`, each offered once: they may be prepared (translated, synthesized), never
    /// played. One that is heard comes from [`Self::poll`] later; one that changes, never.
    pub fn take_likely(&mut self) -> Vec<String> {
        std::mem::take(&mut self.likely)
    }

    /// Keeps the sentences complete on screen now, after those ready, that were neither
    /// heard lately nor offered.
    fn offer(&mut self, complete: &[Item]) {
        let recent = &self.said[self.said.len().saturating_sub(CATCH_UP * 10)..];
        for item in complete.iter().take_while(|i| i.ready) {
            if item.kind != ItemKind::Sentence || item.fragment {
                continue;
            }
            let key = super::key(&item.text);
            if key.is_empty() || recent.iter().any(|h| h.key == key) || self.offered.contains(&key) {
                continue;
            }
            if self.offered.len() == OFFERED {
                self.offered.pop_front();
            }
            self.offered.push_back(key);
            // Bounded: a poll that is never taken from keeps the newest.
            if self.likely.len() == OFFERED {
                self.likely.remove(0);
            }
            self.likely.push(item.text.clone());
        }
    }

    /// What each row of the screen's bottom `rows` is taken for now, oldest first
    /// (`:SpeakJaAuto debug`): read afresh, nothing changes.
    pub fn explain(&self, rows: usize, now: Instant) -> Vec<(String, claude_code::RowKind)> {
        let all = self.mirror.rows();
        let skip = all.len().saturating_sub(WINDOW);
        let window: Vec<claude_code::Row> =
            all.iter().skip(skip).map(|r| claude_code::Row { text: &r.text, since: r.since }).collect();
        let start = window.iter().find_map(|r| self.hints.get(&hash_of(r.text))).copied().unwrap_or_default();
        let reading = claude_code::read(&window, start, now, Duration::from_millis(self.opts.stable_ms));
        let from = window.len().saturating_sub(rows);
        window[from..].iter().zip(&reading.kinds[from..]).map(|(r, k)| (r.text.to_string(), *k)).collect()
    }

    /// The items on screen now, in order; with `early`, and something not yet ready, also
    /// the items as read with no settle time (complete ones are ready there).
    fn read_screen(&mut self, now: Instant, settle: Duration, early: bool) -> (Vec<Item>, Vec<Item>) {
        let all = self.mirror.rows();
        let skip = all.len().saturating_sub(WINDOW);
        let rows: Vec<claude_code::Row> =
            all.iter().skip(skip).map(|r| claude_code::Row { text: &r.text, since: r.since }).collect();
        // Blank rows change no context, so the first row with text says where we are: as it
        // was at the last read (or, when output outran us, the first row that was read).
        let first = rows.iter().find(|r| !r.text.trim().is_empty());
        let start = match first {
            Some(first) if skip > 0 || !self.mirror.from_top() || first.text.starts_with(' ') => {
                rows.iter().find_map(|r| self.hints.get(&hash_of(r.text))).copied().unwrap_or_default()
            }
            _ => Ctx::Other,
        };
        let reading = claude_code::read(&rows, start, now, settle);
        let complete = match early && reading.items.iter().any(|i| !i.ready) {
            true => claude_code::read(&rows, start, now, Duration::ZERO).items,
            false => Vec::new(),
        };
        self.hints = rows
            .iter()
            .zip(reading.ctx_before)
            .filter(|(r, _)| !r.text.trim().is_empty())
            .map(|(r, c)| (hash_of(r.text), c))
            .collect();
        (reading.items, complete)
    }

    /// Whether rows drawn since the last read are out of reach: gone off the top, or above
    /// the rows a read takes.
    fn outran(&self) -> bool {
        let unread = |since: Instant| self.read_at.is_none_or(|read| since > read);
        self.mirror.lost_since(self.read_at) || self.mirror.rows().iter().rev().skip(WINDOW).any(|r| unread(r.since))
    }

    /// Lines `ready` up against what was heard and returns what follows it.
    fn take_new(&mut self, ready: &[Item], silent: bool, outran: bool) -> Vec<Heard> {
        let keys: Vec<usize> = (0..ready.len()).filter(|&i| Said::of(&ready[i]).is_some()).collect();
        let Some(from) = self.first_new(ready, &keys, outran) else {
            // The whole screen lies inside what was heard: nothing new, no tool is new.
            return Vec::new();
        };
        let mut out = Vec::new();
        // Tool calls since the last sentence, counted in runs of one kind (three `TaskUpdate`s
        // in a row are one note).
        let (mut runs, mut last_kind) = (0, None);
        for item in &ready[from..] {
            match (&item.kind, Said::of(item)) {
                (_, Some(said)) => {
                    if item.fragment {
                        continue;
                    }
                    if !silent {
                        out.push(match item.kind {
                            ItemKind::Prompt => Heard::UserPrompt(item.text.clone()),
                            _ => Heard::Sentence(item.text.clone()),
                        });
                    }
                    if self.said.len() >= 2 * HISTORY {
                        self.said.drain(..HISTORY);
                    }
                    self.said.push(said);
                    self.tools_told = 0;
                    (runs, last_kind) = (0, None);
                }
                (ItemKind::Tool(kind), None) => {
                    if last_kind != Some(*kind) {
                        runs += 1;
                        last_kind = Some(*kind);
                    }
                    if runs > self.tools_told {
                        self.tools_told = runs;
                        if !silent {
                            out.push(Heard::Tool(*kind));
                        }
                    }
                }
                _ => {}
            }
        }
        out
    }

    /// Index in `ready` right after the last item already heard, `Some(0)` when none is;
    /// `None` when every sentence on screen was heard long ago (a window scrolled back).
    /// `outran`: rows drawn since the last read have already gone off the top.
    fn first_new(&self, ready: &[Item], keys: &[usize], outran: bool) -> Option<usize> {
        let heard = &self.said;
        let (m, n) = (heard.len(), keys.len());
        let item_keys: Vec<String> = keys.iter().map(|&i| super::key(&ready[i].text)).collect();
        let same = |h: &Said, k: usize| h.is(&ready[keys[k]], &item_keys[k]);
        // The screen's first k sentences are the last k heard: the usual case.
        for k in (1..=m.min(n)).rev() {
            if (0..k).all(|j| same(&heard[m - k + j], j)) {
                return Some(keys[k - 1] + 1);
            }
        }
        // All of them were heard, further back.
        if n > 0 && n <= m && (0..=m - n).any(|a| (0..n).all(|j| same(&heard[a + j], j))) {
            return None;
        }
        // Lining up failed (a sentence changed under a resize): new is what follows the last
        // sentence on screen that was heard lately. With none, either what was heard went off
        // the top under tool output and all on screen is new, or output outran us (a flood
        // scrolled past between two reads, or the rows read begin inside a paragraph whose
        // start is out of reach) and only the last few are worth saying.
        let recent = &heard[m.saturating_sub(200)..];
        let last_heard = (0..n).rev().find(|&k| recent.iter().any(|h| same(h, k)));
        let lost = outran || keys.first().is_some_and(|&k| ready[k].fragment);
        Some(match last_heard {
            Some(k) => keys[k] + 1,
            None if lost && m > 0 && n > 0 => keys[n.saturating_sub(CATCH_UP)],
            None => 0,
        })
    }
}

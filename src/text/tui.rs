//! The Claude Code filter: follows the lines of a Neovim terminal buffer and hears only prose.
//!
//! The nvim side mirrors `nvim_buf_attach` `on_lines` into [`ScreenFollower::on_lines`] and
//! calls [`ScreenFollower::poll`] from a timer. The follower keeps a bounded mirror of the
//! buffer; every row remembers whether its current text was already read, so Ink redrawing
//! the same rows many times a second is read once, and a row that really changes (the live
//! region replaced by new output) is read again. Rows are read top to bottom through a small
//! state machine (message, paragraph, code, tool result, input box); prose goes through the
//! incremental [`Segmenter`] so each sentence is heard as soon as it is complete.
//!
//! Wiring: `on_lines(_, buf, _, firstline, lastline, new_lastline)` becomes
//! `follower.on_lines(firstline, lastline, nvim_buf_get_lines(buf, firstline, new_lastline), now)`;
//! when attaching to a buffer that already has content, pass it as `on_lines(0, 0, lines, now)`
//! and call [`ScreenFollower::skip_existing`] so the old transcript is not read out.

use std::collections::VecDeque;
use std::hash::{Hash, Hasher};
use std::time::{Duration, Instant};

use unicode_width::UnicodeWidthStr;

use super::clean::clean;
use super::segment::Segmenter;

/// Rows longer than this (bytes) are cut: a terminal row is never this wide, so only garbage
/// is lost, and memory stays bounded.
const MAX_ROW_BYTES: usize = 4096;
/// How many rows from the bottom may hold the live region (spinner, input box, hints).
const LIVE_SCAN: usize = 150;
/// The two rules of the input box are at most this many rows apart.
const BOX_MAX_ROWS: usize = 15;
/// Claude Code marks messages with `⏺` on macOS and `●` elsewhere.
const MESSAGE: [char; 2] = ['⏺', '●'];
/// Sentences remembered to recognise a transcript that is printed again.
const HISTORY: usize = 1000;

#[derive(Debug, Clone)]
pub struct FollowerOptions {
    /// A row in the live region (or anywhere, while no input box is seen) is read only once
    /// unchanged this long.
    pub stable_ms: u64,
    /// Rows mirrored at most; older ones are forgotten (bounds memory under endless output).
    pub max_lines: usize,
    /// Terminal width in cells, to join hard-wrapped rows; 0 = from the rows (the last input
    /// box rule, or the widest row).
    pub width: usize,
}

impl Default for FollowerOptions {
    fn default() -> Self {
        Self { stable_ms: 250, max_lines: 5000, width: 0 }
    }
}

/// What the listener should hear.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Heard {
    Sentence(String),
    /// A new `❯ …` prompt was submitted (the plugin may interrupt speech).
    UserPrompt,
}

/// Where the reader is after a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ctx {
    /// Banner, spinner, hints, anything that is not part of a message.
    Other,
    /// Inside a prose message, mid-paragraph.
    Prose,
    /// Inside a prose message, after a blank row: the next row decides prose or code.
    ParaStart,
    /// A code block inside a message.
    Code,
    /// A tool call and its `⎿` result.
    Tool,
    /// Between `─` rules: the input box or a permission dialog.
    Box,
}

impl Ctx {
    fn in_message(self) -> bool {
        matches!(self, Ctx::Prose | Ctx::ParaStart | Ctx::Code)
    }
}

#[derive(Debug)]
struct Row {
    text: String,
    hash: u64,
    /// When this text appeared.
    since: Instant,
    /// What was read here last: that text, in that context.
    read: Option<Read>,
    id: u64,
}

#[derive(Debug, Clone, Copy)]
struct Read {
    hash: u64,
    /// Bytes of text read, to recognise a row that only grew (streamed text).
    len: usize,
    before: Ctx,
    after: Ctx,
}

impl Row {
    /// Already read, as it is now and where it is now. A message head reads the same in any
    /// context, so a change above it does not make it heard twice.
    fn done(&self, before: Ctx) -> bool {
        self.read.is_some_and(|r| {
            r.hash == self.hash && (r.before == before || self.text.starts_with(MESSAGE))
        })
    }

    fn after(&self) -> Ctx {
        self.read.map_or(Ctx::Other, |r| r.after)
    }
}

/// What reading one row does to the prose being assembled.
enum Action {
    None,
    /// A prose message starts with this text.
    Start(String),
    /// More prose; `tight` when a hard wrap cut a word.
    More { text: String, tight: bool },
    Paragraph,
    /// A table row: its own sentence.
    Unit(String),
    /// The message ended.
    End,
    /// The "message" was a tool call after all (a `⎿` result follows): drop its text.
    Discard,
    Prompt,
}

/// Neovim scrolls a terminal by inserting the rows that scrolled off above the stale visible
/// rows, one call per line, and then replacing the visible rows with the shifted screen. Until
/// that replace, the `len` lines inserted so far end at mirror row `end`, and the stale copy
/// of each one lies `len` rows below it.
#[derive(Debug, Clone, Copy)]
struct Scroll {
    end: usize,
    len: usize,
}

/// The prose being assembled, continuing after the row `after_id`.
struct Open {
    after_id: u64,
    seg: Segmenter,
}

pub struct ScreenFollower {
    opts: FollowerOptions,
    rows: VecDeque<Row>,
    /// Buffer lines above the mirror (forgotten).
    dropped: usize,
    /// Every row above this index is read.
    scan_from: usize,
    next_id: u64,
    /// Terminal width as seen from the rows (see `FollowerOptions::width`).
    width_seen: usize,
    /// The scroll in progress, if the last splices were pure inserts (see [`Scroll`]).
    scroll: Option<Scroll>,
    open: Option<Open>,
    out: Vec<Heard>,
    /// Recently heard sentences, oldest first.
    history: VecDeque<String>,
    /// Set when prose already read was wiped (Claude Code clears the screen and scrollback
    /// and prints the transcript again on a resize): sentences that repeat the history from
    /// this index on, and prompts, are silent until a new sentence or the input box is read.
    replay: Option<usize>,
}

impl ScreenFollower {
    pub fn new(opts: FollowerOptions) -> Self {
        Self {
            opts,
            rows: VecDeque::new(),
            dropped: 0,
            scan_from: 0,
            next_id: 0,
            width_seen: 0,
            scroll: None,
            open: None,
            out: Vec::new(),
            history: VecDeque::new(),
            replay: None,
        }
    }

    /// Mirror of on_lines: buffer lines [first, last_old) were replaced by `new_lines`.
    pub fn on_lines(&mut self, first: usize, last_old: usize, new_lines: Vec<String>, now: Instant) {
        let total = self.dropped + self.rows.len();
        let first = first.min(total);
        let last_old = last_old.clamp(first, total);
        let (mf, ml) = if first < self.dropped {
            if last_old <= self.dropped {
                // Entirely in the forgotten part: only the count matters.
                self.dropped = self.dropped - (last_old - first) + new_lines.len();
                return;
            }
            let ml = last_old - self.dropped;
            self.dropped = first;
            (0, ml)
        } else {
            (first - self.dropped, last_old - self.dropped)
        };
        self.splice(mf, ml, new_lines, now);
        if self.rows.len() > self.opts.max_lines.max(1) {
            let k = self.rows.len() - self.opts.max_lines.max(1);
            self.rows.drain(..k);
            self.dropped += k;
            self.scroll = self.scroll.and_then(|s| Some(Scroll { end: s.end.checked_sub(k)?, ..s }));
            self.scan_from = self.scan_from.saturating_sub(k);
        }
    }

    /// Everything that became stable by `now`, in order, each once.
    pub fn poll(&mut self, now: Instant) -> Vec<Heard> {
        self.read(now, false)
    }

    /// Take everything on screen now as already heard (attaching to a running session). A
    /// sentence not yet complete is kept, so it is heard whole once it is.
    pub fn skip_existing(&mut self, now: Instant) {
        self.read(now, true);
    }

    fn read(&mut self, now: Instant, all: bool) -> Vec<Heard> {
        let live = if all { self.rows.len() } else { self.live_start() };
        let stable = Duration::from_millis(self.opts.stable_ms);
        let width = if self.opts.width > 0 { self.opts.width } else { self.width_seen };
        let mut i = self.scan_from;
        while i < self.rows.len() {
            let (prev_ctx, prev_id, prev_width) = match i.checked_sub(1).map(|p| &self.rows[p]) {
                Some(p) => (p.after(), Some(p.id), p.text.width()),
                // What was above the first row is forgotten, not changed: keep its context.
                None => (self.rows[0].read.map_or(Ctx::Other, |r| r.before), None, 0),
            };
            if self.rows[i].done(prev_ctx) {
                i += 1;
                continue;
            }
            if i >= live && now.saturating_duration_since(self.rows[i].since) < stable {
                break;
            }
            if i >= live && live > 0 {
                // Reading has reached the input box: any reprinted transcript is behind us.
                self.replay = None;
            }
            if self.read_growth(i) {
                i += 1;
                continue;
            }
            if self.open.as_ref().is_some_and(|o| Some(o.after_id) != prev_id) {
                // The rows before this one changed under us: finish what was pending there.
                self.end_prose();
            }
            let full = width > 0 && prev_width == width;
            let wrap = Wrap {
                col0: width > 0 && prev_width + 1 >= width,
                tight_col0: full,
                tight_token: full && i > 0 && is_one_token(&self.rows[i - 1].text),
            };
            let (ctx, action) = read_row(&self.rows[i].text, prev_ctx, wrap);
            let id = self.rows[i].id;
            self.apply(action, id);
            let row = &mut self.rows[i];
            row.read = Some(Read { hash: row.hash, len: row.text.len(), before: prev_ctx, after: ctx });
            i += 1;
        }
        self.scan_from = i;
        std::mem::take(&mut self.out)
    }

    /// The last prose row read grew in place (text streamed onto it): read only the new end.
    fn read_growth(&mut self, i: usize) -> bool {
        let row = &self.rows[i];
        let Some(r) = row.read else { return false };
        let grew = r.len > 0
            && matches!(r.after, Ctx::Prose)
            && self.open.as_ref().is_some_and(|o| o.after_id == row.id)
            && row.text.get(..r.len).is_some_and(|old| hash_of(old) == r.hash);
        if !grew {
            return false;
        }
        let (id, suffix) = (row.id, row.text[r.len..].to_string());
        self.apply(Action::More { text: suffix, tight: true }, id);
        let row = &mut self.rows[i];
        row.read = Some(Read { hash: row.hash, len: row.text.len(), ..r });
        true
    }

    fn splice(&mut self, mf: usize, ml: usize, new_lines: Vec<String>, now: Instant) {
        let mirrored = self.rows.len();
        let mut old: Vec<Option<Row>> = self.rows.drain(mf..ml).map(Some).collect();
        let inserted = new_lines.len();
        // A row keeps its state only where its text can have come from: the same row, or
        // (right after Neovim inserted `n` scrolled-off lines) the stale row `n` below. Matching
        // anywhere else would confuse roles, e.g. the prompt typed in the box and its echo.
        let pure_insert = ml == mf && inserted > 0;
        let scroll = match self.scroll {
            // Rows deleted above it (the scrollback trimmed) only move it up.
            Some(s) if inserted == 0 && ml <= s.end => Some(Scroll { end: s.end - (ml - mf), ..s }),
            // Any other deletion may have removed the stale rows.
            _ if inserted == 0 => None,
            // Another line scrolled off, right below the ones before it.
            Some(s) if pure_insert && mf == s.end => Some(s),
            _ if pure_insert => None,
            // The visible rows are replaced: shifted by the whole scroll.
            s => s.filter(|s| mf >= s.end),
        };
        self.scroll = None;
        let shift = if pure_insert { 0 } else { scroll.map_or(0, |s| s.len) };
        let mut fresh = Vec::with_capacity(inserted);
        for (j, mut text) in new_lines.into_iter().enumerate() {
            truncate(&mut text);
            let hash = hash_of(&text);
            let found = [j + shift, j].into_iter().find(|&k| {
                old.get(k).and_then(Option::as_ref).is_some_and(|r| r.hash == hash && r.text == text)
            });
            let row = match found.and_then(|k| old[k].take()) {
                Some(r) => r,
                None => {
                    // Rules span the terminal, so the last one tells its width after a resize.
                    self.width_seen =
                        if is_rule(&text) { text.width() } else { self.width_seen.max(text.width()) };
                    // Keep what was read here: an erase-then-redraw of the same text is no
                    // news, and a row that grew is read from where it was, also when it moved
                    // with a scroll (then it is taken: it is not here any more).
                    // (A row still here was not taken by a match, nor will be: ids stay unique.)
                    let grown = (shift > 0)
                        .then(|| j + shift)
                        .filter(|&k| {
                            old.get(k)
                                .and_then(Option::as_ref)
                                .is_some_and(|r| !r.text.is_empty() && text.starts_with(&r.text))
                        })
                        .and_then(|k| old[k].take());
                    let (read, id) = match grown.as_ref().or(old.get(j).and_then(Option::as_ref)) {
                        Some(r) => (r.read, r.id),
                        None => {
                            self.next_id += 1;
                            (None, self.next_id)
                        }
                    };
                    Row { text, hash, since: now, read, id }
                }
            };
            fresh.push(row);
        }
        // Read prose rows that were blanked (not moved), or deleted with most of the buffer:
        // the screen was cleared.
        let wiped = old
            .iter()
            .enumerate()
            .filter(|(j, r)| {
                r.as_ref().is_some_and(|r| {
                    r.read.is_some_and(|r| matches!(r.after, Ctx::Prose | Ctx::ParaStart))
                        && !r.text.trim().is_empty()
                }) && fresh.get(*j).is_none_or(|n: &Row| n.text.trim().is_empty())
            })
            .count();
        if wiped >= 2 && (inserted > 0 || old.len() * 2 > mirrored) {
            self.replay = Some(0);
        }
        let tail = self.rows.split_off(mf);
        self.rows.extend(fresh);
        self.rows.extend(tail);
        if pure_insert {
            // The read state of a line that scrolled off belongs to the inserted copy, which
            // keeps its buffer position; the stale copy below is about to be replaced.
            let before = scroll.map_or(0, |s| s.len);
            for j in 0..inserted {
                let below = mf + inserted + before + j;
                if below < self.rows.len() && self.rows[below].hash == self.rows[mf + j].hash {
                    self.rows.swap(mf + j, below);
                }
            }
            self.scroll = Some(Scroll { end: mf + inserted, len: before + inserted });
        } else if inserted == 0 {
            self.scroll = scroll;
        }
        self.scan_from = self.scan_from.min(mf);
    }

    /// Index of the first row of the live region: the spinner above the input box, or the
    /// box's top rule. Rows above it are final. Without an input box, nothing is known to be
    /// final (Ink may be mid-redraw), so every row waits to be stable.
    fn live_start(&self) -> usize {
        let n = self.rows.len();
        let lo = n.saturating_sub(LIVE_SCAN);
        let Some(bottom) = (lo..n).rev().find(|&k| is_box_edge(&self.rows[k].text)) else {
            return 0;
        };
        let top_lo = bottom.saturating_sub(BOX_MAX_ROWS).max(lo);
        let Some(top) = (top_lo..bottom).rev().find(|&k| is_box_edge(&self.rows[k].text)) else {
            return 0;
        };
        let mut start = top;
        let mut k = top;
        while k > lo {
            let raw = &self.rows[k - 1].text;
            let t = raw.trim();
            // Spinners start at column 0; an indented `* item` is a list item.
            if is_spinner(raw) {
                start = k - 1;
            } else if !(t.is_empty() || t.starts_with('⎿') || is_todo(t)) {
                break;
            }
            k -= 1;
        }
        start
    }

    fn apply(&mut self, action: Action, id: u64) {
        match action {
            Action::None => {}
            Action::Start(text) => {
                self.end_prose();
                let mut seg = Segmenter::new();
                let got = seg.push(&text);
                self.emit(got);
                self.open = Some(Open { after_id: id, seg });
            }
            Action::More { text, tight } => {
                let open = self.open.get_or_insert_with(|| Open { after_id: id, seg: Segmenter::new() });
                let joined = if tight { text } else { format!("\n{text}") };
                let got = open.seg.push(&joined);
                self.emit(got);
            }
            Action::Paragraph => {
                if let Some(open) = self.open.as_mut() {
                    let got = open.seg.push("\n\n");
                    self.emit(got);
                }
            }
            Action::Unit(text) => {
                let open = self.open.get_or_insert_with(|| Open { after_id: id, seg: Segmenter::new() });
                let got = open.seg.push(&format!("\n\n{text}\n\n"));
                self.emit(got);
            }
            Action::End => self.end_prose(),
            Action::Discard => {
                if let Some(mut open) = self.open.take() {
                    open.seg.discard();
                }
            }
            Action::Prompt => {
                self.end_prose();
                // A prompt printed again with the transcript was not submitted now.
                if self.replay.is_none() {
                    self.out.push(Heard::UserPrompt);
                }
            }
        }
        if let Some(open) = self.open.as_mut() {
            open.after_id = id;
        }
    }

    fn end_prose(&mut self) {
        if let Some(mut open) = self.open.take() {
            let got = open.seg.flush();
            self.emit(got);
        }
    }

    fn emit(&mut self, sentences: Vec<String>) {
        for s in sentences {
            let s = clean(&s);
            if s.is_empty() {
                continue;
            }
            if let Some(from) = self.replay {
                if let Some(k) = self.history.iter().skip(from).position(|h| *h == s) {
                    self.replay = Some(from + k + 1);
                    continue;
                }
                self.replay = None;
            }
            if self.history.len() == HISTORY {
                self.history.pop_front();
                self.replay = self.replay.map(|r| r.saturating_sub(1));
            }
            self.history.push_back(s.clone());
            self.out.push(Heard::Sentence(s));
        }
    }
}

/// How the previous row ended, for joining wrapped rows.
#[derive(Clone, Copy)]
struct Wrap {
    /// It reached the last column (but for a trimmed space): the terminal may have wrapped
    /// it, so a row at column 0 can continue it.
    col0: bool,
    /// It filled the row exactly: the terminal cut it mid-word.
    tight_col0: bool,
    /// It was one token filling the row: Ink cut a long word (URL, path) there.
    tight_token: bool,
}

/// Read one row in context: the context after it and what it does to the prose.
fn read_row(text: &str, ctx: Ctx, wrap: Wrap) -> (Ctx, Action) {
    let t = text.trim_end();
    let body = t.trim_start();
    let at_col0 = body.len() == t.len();
    if body.is_empty() {
        return match ctx {
            Ctx::Prose | Ctx::ParaStart | Ctx::Code => (Ctx::ParaStart, Action::Paragraph),
            Ctx::Box => (Ctx::Box, Action::None),
            _ => (Ctx::Other, Action::None),
        };
    }
    if at_col0 {
        if let Some(rest) = body.strip_prefix(MESSAGE) {
            let rest = rest.trim_start();
            return if is_tool_call(rest) {
                (Ctx::Tool, Action::End)
            } else {
                (Ctx::Prose, Action::Start(rest.to_string()))
            };
        }
    }
    if is_rule(t) {
        return if ctx == Ctx::Box { (Ctx::Other, Action::None) } else { (Ctx::Box, Action::End) };
    }
    if ctx == Ctx::Box {
        return (Ctx::Box, Action::None);
    }
    if body.starts_with('⎿') {
        let action = if ctx.in_message() { Action::Discard } else { Action::None };
        return (Ctx::Tool, action);
    }
    if is_expand_hint(body) {
        return (if ctx.in_message() { Ctx::Other } else { ctx }, Action::End);
    }
    if at_col0 {
        if wrap.col0 && ctx != Ctx::Other && !starts_with_marker(body) {
            return continuation(ctx, body, wrap.tight_col0);
        }
        if let Some(prompt) = body.strip_prefix('❯').or_else(|| body.strip_prefix("> ")) {
            let prompt = prompt.trim();
            if !prompt.is_empty() && !is_numbered_option(prompt) {
                return (Ctx::Other, Action::Prompt);
            }
        }
        return (Ctx::Other, Action::End);
    }
    match ctx {
        Ctx::ParaStart if looks_like_code(body) => (Ctx::Code, Action::None),
        Ctx::Prose | Ctx::ParaStart => continuation(Ctx::Prose, body, wrap.tight_token),
        other => (other, Action::None),
    }
}

fn continuation(ctx: Ctx, body: &str, tight: bool) -> (Ctx, Action) {
    if !matches!(ctx, Ctx::Prose | Ctx::ParaStart) {
        return (ctx, Action::None);
    }
    if is_table_border(body) {
        return (Ctx::Prose, Action::None);
    }
    if let Some(cells) = table_cells(body) {
        return (Ctx::Prose, Action::Unit(cells));
    }
    (Ctx::Prose, Action::More { text: body.to_string(), tight })
}

/// Claude Code shows tool calls as `Name(args)` (green, but colours are gone here), MCP tools
/// with `(MCP)`, and collapsed groups with an expand hint.
fn is_tool_call(rest: &str) -> bool {
    if is_expand_hint(rest) || rest.contains("(MCP)") {
        return true;
    }
    let name_len = rest
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-' || c == ':' || c == '.'))
        .unwrap_or(rest.len());
    name_len > 0 && rest[name_len..].starts_with('(')
}

fn is_expand_hint(s: &str) -> bool {
    s.contains("(ctrl+o to expand)") || s.contains("(ctrl+r to expand)") || s.contains("ctrl+o to show")
}

/// A rule from column 0: the input box borders, a permission dialog's top. (Table borders
/// have corners and sit inside the message indent.)
fn is_rule(s: &str) -> bool {
    let t = s.trim_end();
    t.chars().count() >= 10 && t.chars().all(|c| matches!(c, '─' | '━' | '═'))
}

/// An edge of the input box: a rule (Claude Code 2.x) or a rounded box side (1.x).
fn is_box_edge(s: &str) -> bool {
    let t = s.trim_end();
    let inner = t
        .strip_prefix('╭')
        .and_then(|r| r.strip_suffix('╮'))
        .or_else(|| t.strip_prefix('╰').and_then(|r| r.strip_suffix('╯')));
    is_rule(t) || inner.is_some_and(|r| r.chars().count() >= 10 && r.chars().all(|c| c == '─'))
}

/// `✻ Thinking… (esc to interrupt · 3s)` and its frames.
fn is_spinner(s: &str) -> bool {
    let mut chars = s.chars();
    let first = chars.next();
    let spin = matches!(first, Some('·' | '✢' | '✳' | '✶' | '✻' | '✽' | '*' | '∗' | '✦' | '✧'));
    (spin && chars.next() == Some(' ')) || s.contains("esc to interrupt")
}

/// Todo items under the spinner.
fn is_todo(s: &str) -> bool {
    s.starts_with(['☐', '☒', '◻', '◼', '✔', '■', '□'])
}

fn starts_with_marker(body: &str) -> bool {
    body.starts_with(MESSAGE) || body.starts_with(['❯', '⎿', '╭', '╰', '│', '┌', '└', '├', '─', '▐', '▝', '▘'])
        || is_spinner(body)
}

/// `1. Yes` / `2. No, and tell Claude …`: permission dialog options.
fn is_numbered_option(s: &str) -> bool {
    let digits = s.chars().take_while(char::is_ascii_digit).count();
    digits > 0 && s[digits..].starts_with(". ")
}

/// The row (past its indent and list marker) is a single token.
fn is_one_token(row: &str) -> bool {
    let mut words = row.split_whitespace();
    let first = words.next();
    let first = match first {
        Some(m) if is_list_marker(m) => words.next(),
        other => other,
    };
    first.is_some() && words.next().is_none()
}

fn is_list_marker(w: &str) -> bool {
    matches!(w, "-" | "*" | "•" | "⏺" | "●")
        || (w.len() <= 4 && w.ends_with(['.', ')']) && w[..w.len() - 1].chars().all(|c| c.is_ascii_digit()))
}

fn is_table_border(s: &str) -> bool {
    s.chars().all(|c| "─━┌┬┐├┼┤└┴┘│|+-:= ╞╪╡╔╦╗╠╬╣╚╩╝║═".contains(c))
        && s.chars().any(|c| !c.is_whitespace())
}

/// `│ a │ b │` or `| a | b |` → `a, b`.
fn table_cells(s: &str) -> Option<String> {
    if !(s.starts_with('│') || s.starts_with('|')) {
        return None;
    }
    let cells: Vec<&str> = s.split(['│', '|']).map(str::trim).filter(|c| !c.is_empty()).collect();
    Some(cells.join(", "))
}

/// Code blocks lose their fences and colours on screen; what is left is the shape of code.
fn looks_like_code(s: &str) -> bool {
    let t = s.trim();
    if t.ends_with([';', '{', '}']) || t.starts_with(['}', '@']) || t.starts_with("//") || t.starts_with("$ ") {
        return true;
    }
    // One token with code punctuation inside: `foo.bar()`, `a::b`, `#[derive]`.
    if !t.contains(' ') && t.contains(['.', '(', ':', '_', '#', '/']) && !t.ends_with(['.', ':', '!', '?']) {
        return true;
    }
    let symbols = t.chars().filter(|c| "{}[]()<>=;&|\\".contains(*c)).count();
    let nonspace = t.chars().filter(|c| !c.is_whitespace()).count();
    let first = t.split_whitespace().next().unwrap_or("");
    let keyword = matches!(
        first,
        "let" | "fn" | "def" | "const" | "import" | "from" | "return" | "pub" | "use" | "class"
            | "impl" | "struct" | "func" | "var" | "if" | "for" | "while" | "#include" | "package"
    );
    (keyword && symbols > 0) || (symbols >= 3 && symbols * 8 >= nonspace)
}

fn truncate(s: &mut String) {
    if s.len() > MAX_ROW_BYTES {
        let mut cut = MAX_ROW_BYTES;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
    }
}

fn hash_of(s: &str) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    s.hash(&mut h);
    h.finish()
}

//! A mirror of a terminal buffer's lines, fed by Neovim's `on_lines`: what any full-screen
//! program drew, with when each line's text first appeared. Knows nothing of Claude Code
//! (that is `claude_code`), so it stays the same across its releases.
//!
//! Times belong to texts, not positions: a row that scrolls, or a screen repainted with the
//! same text (Claude Code 2.x repaints its alternate screen whole, and scrolls by repainting
//! every row), keeps the time its text was first drawn, so "unchanged for a while" survives
//! repaints and scrolling, while a half-drawn frame is new text and waits.

use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, VecDeque};
use std::hash::{Hash, Hasher};
use std::time::{Duration, Instant};

/// Rows longer than this (bytes) are cut: a terminal row is never this wide, so only garbage
/// is lost, and memory stays bounded.
const MAX_ROW_BYTES: usize = 4096;
/// A text that left the screen this long ago is new when it comes back.
const FORGET: Duration = Duration::from_secs(2);

#[derive(Debug, Clone)]
pub struct Row {
    pub text: String,
    /// When this text was first drawn (here, or anywhere on screen shortly before).
    pub since: Instant,
}

#[derive(Debug, Clone, Copy)]
struct Seen {
    since: Instant,
    touched: Instant,
}

#[derive(Debug)]
pub struct ScreenMirror {
    rows: VecDeque<Row>,
    /// Buffer lines above the mirror (forgotten).
    dropped: usize,
    max_lines: usize,
    seen: HashMap<u64, Seen>,
    last_sweep: Option<Instant>,
    /// Bumped by every change, so readers can skip an unchanged screen.
    version: u64,
    changed_at: Option<Instant>,
    /// When the newest row gone off the top was drawn: a reader that read after that time
    /// lost nothing to the scrollback.
    newest_gone: Option<Instant>,
}

impl ScreenMirror {
    pub fn new(max_lines: usize) -> Self {
        Self {
            rows: VecDeque::new(),
            dropped: 0,
            max_lines: max_lines.max(1),
            seen: HashMap::new(),
            last_sweep: None,
            version: 0,
            changed_at: None,
            newest_gone: None,
        }
    }

    /// Mirror of `on_lines`: buffer lines `[first, last_old)` were replaced by `new_lines`.
    pub fn on_lines(&mut self, first: usize, last_old: usize, new_lines: Vec<String>, now: Instant) {
        self.version += 1;
        self.changed_at = Some(now);
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
        // Lines deleted from the top are the scrollback's oldest going.
        if mf == 0 && new_lines.is_empty() {
            self.gone(0..ml);
        }
        let fresh: Vec<Row> = new_lines.into_iter().map(|text| self.row(text, now)).collect();
        let tail = self.rows.split_off(ml);
        self.rows.truncate(mf);
        self.rows.extend(fresh);
        self.rows.extend(tail);
        if self.rows.len() > self.max_lines {
            let k = self.rows.len() - self.max_lines;
            self.gone(0..k);
            self.rows.drain(..k);
            self.dropped += k;
        }
        self.sweep(now);
    }

    fn gone(&mut self, rows: std::ops::Range<usize>) {
        let newest = self.rows.range(rows).map(|r| r.since).max();
        self.newest_gone = self.newest_gone.max(newest);
    }

    fn row(&mut self, mut text: String, now: Instant) -> Row {
        if text.len() > MAX_ROW_BYTES {
            let mut cut = MAX_ROW_BYTES;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            text.truncate(cut);
        }
        let seen = self.seen.entry(hash_of(&text)).or_insert(Seen { since: now, touched: now });
        seen.touched = now;
        Row { since: seen.since, text }
    }

    /// Forgets texts no longer on screen, at most once per `FORGET`.
    fn sweep(&mut self, now: Instant) {
        if self.last_sweep.is_some_and(|t| now.saturating_duration_since(t) < FORGET) {
            return;
        }
        self.last_sweep = Some(now);
        for row in &self.rows {
            if let Some(s) = self.seen.get_mut(&hash_of(&row.text)) {
                s.touched = now;
            }
        }
        self.seen.retain(|_, s| now.saturating_duration_since(s.touched) < FORGET);
    }

    pub fn rows(&self) -> &VecDeque<Row> {
        &self.rows
    }

    /// Whether the first mirrored row is the buffer's first line.
    pub fn from_top(&self) -> bool {
        self.dropped == 0
    }

    pub fn version(&self) -> u64 {
        self.version
    }

    /// Whether rows drawn after `read` have gone off the top since: output outran a reader
    /// that read the screen then.
    pub fn lost_since(&self, read: Option<Instant>) -> bool {
        self.newest_gone.is_some_and(|gone| read.is_none_or(|read| gone > read))
    }

    /// When the last change came.
    pub fn changed_at(&self) -> Option<Instant> {
        self.changed_at
    }
}

/// A row text's key, for maps of texts.
pub(crate) fn hash_of(s: &str) -> u64 {
    let mut h = DefaultHasher::new();
    s.hash(&mut h);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(m: &ScreenMirror) -> Vec<&str> {
        m.rows().iter().map(|r| r.text.as_str()).collect()
    }

    #[test]
    fn splices_like_a_buffer_and_keeps_times_across_scrolls() {
        let t0 = Instant::now();
        let later = t0 + Duration::from_millis(300);
        let mut m = ScreenMirror::new(100);
        m.on_lines(0, 1, vec!["a".into(), "b".into(), "c".into()], t0);
        // Scrolled by one row: every row repainted with its neighbour's text.
        m.on_lines(0, 3, vec!["b".into(), "c".into(), "d".into()], later);
        assert_eq!(texts(&m), ["b", "c", "d"]);
        let since: Vec<Instant> = m.rows().iter().map(|r| r.since).collect();
        assert_eq!(since, [t0, t0, later]);
        // A deletion and an insertion past the end are clamped.
        m.on_lines(1, 2, Vec::new(), later);
        m.on_lines(99, 120, vec!["e".into()], later);
        assert_eq!(texts(&m), ["b", "d", "e"]);
    }

    #[test]
    fn bounded_and_forgetful() {
        let t0 = Instant::now();
        let mut m = ScreenMirror::new(2);
        m.on_lines(0, 0, vec!["x".repeat(10_000), "b".into(), "c".into()], t0);
        assert_eq!(texts(&m), ["b", "c"]);
        assert!(!m.from_top());
        // A text gone for longer than FORGET is new again.
        let t1 = t0 + FORGET * 2;
        m.on_lines(0, 2, vec!["d".into()], t1);
        let t2 = t1 + FORGET * 2;
        m.on_lines(0, 1, vec!["b".into()], t2);
        assert_eq!(m.rows()[0].since, t2);
    }
}

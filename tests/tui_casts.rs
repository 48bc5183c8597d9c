//! Claude Code sessions (asciicast v2) through a simulated Neovim terminal buffer into the
//! `ScreenFollower`: what is heard must equal `<cast>.expected.json` "spoken", exactly.
//!
//! The simulation does what Neovim's terminal does: a vt100 emulator of the cast's size holds
//! the screen; rows that scroll off are inserted above the visible rows (then the oldest are
//! deleted past 'scrollback'); changed visible rows are replaced as one range; trailing blanks
//! and colours are gone. Neovim 0.12 inserts the scrolled-off rows one call each and then
//! replaces every visible row (see tests/tui_onlines.rs for its real calls); some modes do
//! that, others insert them in one call and replace only the rows that changed. A simulated
//! clock follows the event times, with a 50 ms poll timer.

use std::path::Path;
use std::time::{Duration, Instant};

mod common;

use speakja::text::tui::{FollowerOptions, Heard, ScreenFollower};

const TICK: f64 = 0.05;

struct Cast {
    width: u16,
    height: u16,
    events: Vec<(f64, String)>,
}

fn load_cast(path: &Path) -> Cast {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: serde_json::Value = serde_json::from_str(lines.next().unwrap()).unwrap();
    let events = lines
        .filter(|l| !l.trim().is_empty())
        .filter_map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (v[1] == "o").then(|| (v[0].as_f64().unwrap(), v[2].as_str().unwrap().to_string()))
        })
        .collect();
    Cast {
        width: header["width"].as_u64().unwrap() as u16,
        height: header["height"].as_u64().unwrap() as u16,
        events,
    }
}

type Call = (usize, usize, Vec<String>);

/// A Neovim terminal buffer: scrollback lines, then the visible rows.
struct NvimTerm {
    parser: vt100::Parser,
    lines: Vec<String>,
    sb: usize,
    scrollback: usize,
    seen_sb: usize,
    width: u16,
    height: u16,
    /// Scroll as Neovim 0.12 does: one call per scrolled-off row, then all visible rows.
    line_by_line: bool,
}

impl NvimTerm {
    /// The buffer starts as one empty line, replaced by the empty rows of the screen.
    fn new(width: u16, height: u16, scrollback: usize, line_by_line: bool) -> (Self, Call) {
        let rows = vec![String::new(); height as usize];
        let term = Self {
            parser: vt100::Parser::new(nz(height), nz(width), 1_000_000),
            lines: rows.clone(),
            sb: 0,
            scrollback,
            seen_sb: 0,
            width,
            height,
            line_by_line,
        };
        (term, (0, 1, rows))
    }

    fn feed(&mut self, bytes: &str) -> Vec<Call> {
        let mut calls = Vec::new();
        // Erasing the scrollback (ESC[3J) deletes those buffer lines at once.
        for part in bytes.split_inclusive("\x1b[3J") {
            self.parser.process(part.as_bytes());
            let total = self.parser.screen().scrollback_len();
            if total < self.seen_sb {
                self.lines.drain(..self.sb);
                calls.push((0, self.sb, Vec::new()));
                self.sb = 0;
                self.seen_sb = total;
            }
        }
        let total = self.parser.screen().scrollback_len();
        let scrolled = total > self.seen_sb;
        if scrolled {
            let pushed = self.scrollback_rows(self.seen_sb, total);
            self.seen_sb = total;
            let n = pushed.len();
            self.lines.splice(self.sb..self.sb, pushed.iter().cloned());
            if self.line_by_line {
                calls.extend(pushed.into_iter().enumerate().map(|(k, row)| (self.sb + k, self.sb + k, vec![row])));
            } else {
                calls.push((self.sb, self.sb, pushed));
            }
            self.sb += n;
            if self.sb > self.scrollback {
                let k = self.sb - self.scrollback;
                self.lines.drain(..k);
                self.sb -= k;
                calls.push((0, k, Vec::new()));
            }
        }
        let visible: Vec<String> =
            self.parser.screen().rows(0, self.width).map(|r| r.trim_end().to_string()).collect();
        let old = &self.lines[self.sb..];
        let all = scrolled && self.line_by_line;
        let first = (0..visible.len()).find(|&i| all || old[i] != visible[i]);
        let last = (0..visible.len()).rev().find(|&i| all || old[i] != visible[i]);
        if let (Some(a), Some(b)) = (first, last) {
            let new = visible[a..=b].to_vec();
            self.lines.splice(self.sb + a..self.sb + b + 1, new.iter().cloned());
            calls.push((self.sb + a, self.sb + b + 1, new));
        }
        calls
    }

    /// Scrollback rows [from, to), read through the emulator's scrolled-back view.
    fn scrollback_rows(&mut self, from: usize, to: usize) -> Vec<String> {
        let (h, w) = (self.height as usize, self.width);
        let screen = self.parser.screen_mut();
        let mut out = Vec::new();
        let mut r = from;
        while r < to {
            screen.set_scrollback(to - r);
            let take = h.min(to - r);
            out.extend(screen.rows(0, w).take(take).map(|s| s.trim_end().to_string()));
            r += take;
        }
        screen.set_scrollback(0);
        out
    }

    /// The buffer as one line of text, for finding when a sentence was drawn.
    fn flat_text(&self) -> String {
        normalize(&self.lines.join(" "))
    }
}

fn normalize(s: &str) -> String {
    s.replace(['`', '*'], "").split_whitespace().collect::<Vec<_>>().join(" ")
}

struct Mode {
    name: &'static str,
    /// Each event's bytes are written in this many pieces, with a refresh after each.
    pieces: usize,
    /// Events closer than this (seconds) to the next one are merged into one refresh, as a
    /// busy Neovim would: intermediate frames are never seen.
    coalesce: f64,
    scrollback: usize,
    /// See `NvimTerm::line_by_line`.
    line_by_line: bool,
    opts: FollowerOptions,
}

fn modes() -> Vec<Mode> {
    vec![
        Mode {
            name: "whole",
            pieces: 1,
            coalesce: 0.0,
            scrollback: 10_000,
            line_by_line: false,
            opts: FollowerOptions::default(),
        },
        Mode {
            name: "nvim",
            pieces: 1,
            coalesce: 0.0,
            scrollback: 10_000,
            line_by_line: true,
            opts: FollowerOptions::default(),
        },
        Mode {
            name: "split",
            pieces: 3,
            coalesce: 0.0,
            scrollback: 30,
            line_by_line: true,
            opts: FollowerOptions { max_lines: 120, ..FollowerOptions::default() },
        },
        Mode {
            name: "lumpy",
            pieces: 1,
            coalesce: 0.25,
            scrollback: 10_000,
            line_by_line: true,
            opts: FollowerOptions { stable_ms: 600, ..FollowerOptions::default() },
        },
    ]
}

struct Outcome {
    heard: Vec<(f64, Heard)>,
    /// (time, buffer text) after each refresh.
    frames: Vec<(f64, String)>,
}

fn split_pieces(s: &str, pieces: usize) -> Vec<&str> {
    let chars: Vec<(usize, char)> = s.char_indices().collect();
    let mut cuts: Vec<usize> = (1..pieces).map(|k| chars.get(chars.len() * k / pieces).map_or(s.len(), |c| c.0)).collect();
    cuts.push(s.len());
    let mut out = Vec::new();
    let mut at = 0;
    for c in cuts {
        out.push(&s[at..c.max(at)]);
        at = c.max(at);
    }
    out
}

fn play(cast: &Cast, mode: &Mode) -> Outcome {
    let t0 = Instant::now();
    let at = |t: f64| t0 + Duration::from_secs_f64(t);
    let mut follower = ScreenFollower::new(mode.opts.clone());
    let (mut term, init) = NvimTerm::new(cast.width, cast.height, mode.scrollback, mode.line_by_line);
    follower.on_lines(init.0, init.1, init.2, at(0.0));
    let mut heard = Vec::new();
    let mut frames = Vec::new();
    let mut clock = 0.0;
    let poll = |f: &mut ScreenFollower, clock: f64, heard: &mut Vec<(f64, Heard)>| {
        heard.extend(f.poll(at(clock)).into_iter().map(|h| (clock, h)));
    };
    let mut pending = String::new();
    for (k, (t, data)) in cast.events.iter().enumerate() {
        pending.push_str(data);
        if cast.events.get(k + 1).is_some_and(|(next, _)| next - t < mode.coalesce) {
            continue;
        }
        let data = std::mem::take(&mut pending);
        while clock + TICK < *t {
            clock += TICK;
            poll(&mut follower, clock, &mut heard);
        }
        clock = clock.max(*t);
        for piece in split_pieces(&data, mode.pieces) {
            for (first, last, lines) in term.feed(piece) {
                follower.on_lines(first, last, lines, at(clock));
            }
            frames.push((clock, term.flat_text()));
            poll(&mut follower, clock, &mut heard);
        }
    }
    let end = clock + 3.0;
    while clock < end {
        clock += TICK;
        poll(&mut follower, clock, &mut heard);
    }
    Outcome { heard, frames }
}

/// When the `nth` (1-based) saying of a sentence was fully on screen: its last words appear
/// that many times in the buffer text.
fn drawn_at(frames: &[(f64, String)], sentence: &str, nth: usize) -> Option<f64> {
    let words: Vec<&str> = sentence.split_whitespace().collect();
    let tail = normalize(&words[words.len().saturating_sub(3)..].join(" "));
    frames.iter().find(|(_, text)| text.matches(&tail).count() >= nth).map(|(t, _)| *t)
}

#[test]
fn casts_are_heard_exactly() {
    let all = common::fixtures("casts", "cast");
    assert!(all.len() >= 6, "expected the shared casts and our own, found {}", all.len());
    let mut failures = Vec::new();
    for path in &all {
        let cast = load_cast(path);
        let (want, prompts) = common::expected(&common::name(path));
        for mode in modes() {
            let out = play(&cast, &mode);
            let got: Vec<String> = out
                .heard
                .iter()
                .filter_map(|(_, h)| match h {
                    Heard::Sentence(s) => Some(s.clone()),
                    Heard::UserPrompt => None,
                })
                .collect();
            let prompt_count = out.heard.iter().filter(|(_, h)| *h == Heard::UserPrompt).count();
            let hits = got.iter().filter(|s| want.contains(s)).count();
            let precision = if got.is_empty() { 1.0 } else { hits as f64 / got.len() as f64 };
            let recall = if want.is_empty() { 1.0 } else { want.iter().filter(|s| got.contains(s)).count() as f64 / want.len() as f64 };
            let mut said: Vec<&str> = Vec::new();
            let lat: Vec<f64> = out
                .heard
                .iter()
                .filter_map(|(t, h)| match h {
                    Heard::Sentence(s) => {
                        said.push(s);
                        let nth = said.iter().filter(|x| **x == s).count();
                        drawn_at(&out.frames, s, nth).map(|d| t - d)
                    }
                    Heard::UserPrompt => None,
                })
                .collect();
            let max_lat = lat.iter().cloned().fold(0.0, f64::max);
            let mean_lat = if lat.is_empty() { 0.0 } else { lat.iter().sum::<f64>() / lat.len() as f64 };
            eprintln!(
                "{:<28} {:<5} sentences {:>2}/{:<2} precision {:.2} recall {:.2} latency mean {:.0} ms max {:.0} ms ({} measured) prompts {}",
                path.file_name().unwrap().to_string_lossy(),
                mode.name,
                got.len(),
                want.len(),
                precision,
                recall,
                mean_lat * 1000.0,
                max_lat * 1000.0,
                lat.len(),
                prompt_count,
            );
            if got != want {
                failures.push(format!("{} [{}]:\n  got  {got:#?}\n  want {want:#?}", path.display(), mode.name));
            }
            if let Some(p) = prompts {
                if p != prompt_count {
                    failures.push(format!("{} [{}]: {prompt_count} prompts heard, {p} expected", path.display(), mode.name));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn nz(n: u16) -> std::num::NonZeroU16 {
    std::num::NonZeroU16::new(n.max(1)).unwrap()
}

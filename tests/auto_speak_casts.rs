//! Claude Code sessions (asciicast v2) through a simulated Neovim terminal buffer into the
//! `ScreenFollower`, scored against `<cast>.expected.json` "spoken": the recordings of the real
//! Claude Code (`tests/fixtures/claude/<version>/`) and the older synthetic casts
//! (`tests/fixtures/casts/`). Each set must reach recall and precision ≥ 0.99 with no repeated
//! and no partial sentence, and the median delay from a sentence being complete on screen to
//! being heard must stay ≤ 300 ms (Neovim's way of scrolling, the default settle time).
//! Tool notes (`auto.narrate_tools`) must number at most the scenario's tool calls.
//!
//! Tuning the grammar: `SPEAKJA_CAST=NAME cargo test --release --test auto_speak_casts --
//! --nocapture` replays one cast and prints each thing heard with its time;
//! `SPEAKJA_CAST_DUMP=1` adds the simulated buffer at the end; `SPEAKJA_CASTS=DIR` scores a
//! set recorded elsewhere by `scripts/record-claude --fixtures DIR`.
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

use speakja::auto::follow::{FollowerOptions, Heard, ScreenFollower};
use speakja::auto::reconcile::{Action, Reconciler};
use speakja::auto::transcript::{self, Entry};
use speakja::text::redact;

const TICK: f64 = 0.05;

enum Ev {
    Out(String),
    /// The terminal was resized to (cols, rows).
    Resize(u16, u16),
}

struct Cast {
    width: u16,
    height: u16,
    events: Vec<(f64, Ev)>,
}

fn load_cast(path: &Path) -> Cast {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: serde_json::Value = serde_json::from_str(lines.next().unwrap()).unwrap();
    let events = lines
        .filter(|l| !l.trim().is_empty())
        .filter_map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            let (t, data) = (v[0].as_f64().unwrap(), v[2].as_str().unwrap().to_string());
            match v[1].as_str() {
                Some("o") => Some((t, Ev::Out(data))),
                Some("r") => {
                    let (c, r) = data.split_once('x').unwrap();
                    Some((t, Ev::Resize(c.parse().unwrap(), r.parse().unwrap())))
                }
                _ => None,
            }
        })
        .collect();
    Cast { width: header["width"].as_u64().unwrap() as u16, height: header["height"].as_u64().unwrap() as u16, events }
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
        let visible: Vec<String> = self.parser.screen().rows(0, self.width).map(|r| r.trim_end().to_string()).collect();
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

    /// The window changed size: the visible lines are replaced by the resized screen.
    fn resize(&mut self, width: u16, height: u16) -> Vec<Call> {
        self.parser.set_size(nz(height), nz(width));
        self.width = width;
        self.height = height;
        self.seen_sb = self.parser.screen().scrollback_len();
        let visible: Vec<String> = self.parser.screen().rows(0, width).map(|r| r.trim_end().to_string()).collect();
        let old_end = self.lines.len();
        self.lines.splice(self.sb.., visible.iter().cloned());
        vec![(self.sb, old_end, visible)]
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
    /// Events within one period of this many seconds are merged into one refresh, as a
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
    let mut cuts: Vec<usize> =
        (1..pieces).map(|k| chars.get(chars.len() * k / pieces).map_or(s.len(), |c| c.0)).collect();
    cuts.push(s.len());
    let mut out = Vec::new();
    let mut at = 0;
    for c in cuts {
        out.push(&s[at..c.max(at)]);
        at = c.max(at);
    }
    out
}

/// Claude Code's session file as it was written during a recording: each line of the main
/// sessions' files with the time it appeared (`NAME.transcript-times.json`).
fn load_transcript(cast: &Path) -> Option<Vec<(f64, Vec<u8>)>> {
    let name = common::name(cast);
    let times: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(cast.with_file_name(format!("{name}.transcript-times.json"))).ok()?,
    )
    .ok()?;
    let mut out = Vec::new();
    for file in times["files"].as_array()? {
        if file["role"] != "main" {
            continue;
        }
        let text = std::fs::read(cast.with_file_name(file["saved_as"].as_str()?)).ok()?;
        let lines: Vec<&[u8]> = text.split(|&b| b == b'\n').filter(|l| !l.is_empty()).collect();
        for (line, t) in lines.into_iter().zip(file["lines"].as_array()?) {
            out.push((t["t"].as_f64()?, line.to_vec()));
        }
    }
    out.sort_by(|a, b| a.0.total_cmp(&b.0));
    Some(out)
}

/// The plugin's path from heard to spoken with a transcript: the reconciler, and a queue
/// whose sentences start playing 0.3 s after they are queued, one after another at the
/// plugin's speech estimate (60 ms a byte), so a retraction only takes back what has not
/// started.
struct WithTranscript {
    lines: Vec<(f64, Vec<u8>)>,
    next: usize,
    rec: Reconciler,
    /// (queued at, sentence, starts at, taken back)
    queue: Vec<(f64, String, f64, bool)>,
}

impl WithTranscript {
    fn new(lines: Vec<(f64, Vec<u8>)>) -> Self {
        Self { lines, next: 0, rec: Reconciler::new(), queue: Vec::new() }
    }

    fn step(&mut self, clock: f64, at: &dyn Fn(f64) -> Instant, heard: Vec<Heard>, out: &mut Vec<(f64, Heard)>) {
        let mut actions = Vec::new();
        while let Some((t, line)) = self.lines.get(self.next).filter(|(t, _)| *t <= clock) {
            let _ = t;
            // Credentials out first, as the plugin's watcher does (src/auto/watch.rs).
            let private = |t: &str| redact::redact(&redact::redact_blocks(t)).into_owned();
            match transcript::parse(line) {
                Ok(Entry::Text { message, markdown, aborted }) => {
                    actions.extend(self.rec.transcript(&message, &private(&markdown), aborted, true))
                }
                Ok(Entry::ToolInput(texts)) => {
                    let texts: Vec<String> = texts.iter().map(|t| private(t)).collect();
                    actions.extend(self.rec.tool_input(&texts))
                }
                _ => {}
            }
            self.next += 1;
        }
        for h in heard {
            match h {
                Heard::Sentence(s) => actions.extend(self.rec.screen(s, at(clock))),
                Heard::UserPrompt(p) => {
                    self.rec.prompt();
                    out.push((clock, Heard::UserPrompt(p)));
                }
                other => out.push((clock, other)),
            }
        }
        actions.extend(self.rec.tick(at(clock)));
        for a in actions {
            match a {
                Action::Speak { text, .. } => {
                    let free =
                        self.queue.iter().filter(|q| !q.3).map(|q| q.2 + q.1.len() as f64 * 0.06).fold(0.0, f64::max);
                    self.queue.push((clock, text.clone(), free.max(clock + 0.3), false));
                    out.push((clock, Heard::Sentence(text)));
                }
                Action::Retract(text) => {
                    if let Some(q) = self.queue.iter_mut().rev().find(|q| q.1 == text && !q.3) {
                        if q.2 > clock {
                            q.3 = true;
                            let t = q.0;
                            if let Some(i) =
                                out.iter().rposition(|(ot, h)| *ot == t && *h == Heard::Sentence(text.clone()))
                            {
                                out.remove(i);
                            }
                        }
                    }
                }
                Action::HeldBack(_) | Action::Silenced(_) => {}
            }
        }
    }
}

fn play(cast: &Cast, mode: &Mode, transcript: Option<Vec<(f64, Vec<u8>)>>) -> Outcome {
    let t0 = Instant::now();
    let at = |t: f64| t0 + Duration::from_secs_f64(t);
    let mut tx = transcript.map(WithTranscript::new);
    let mut follower = ScreenFollower::new(mode.opts.clone());
    let (mut term, init) = NvimTerm::new(cast.width, cast.height, mode.scrollback, mode.line_by_line);
    follower.on_lines(init.0, init.1, init.2, at(0.0));
    let mut heard = Vec::new();
    let mut frames = Vec::new();
    let mut clock: f64 = 0.0;
    let mut poll = |f: &mut ScreenFollower, clock: f64, heard: &mut Vec<(f64, Heard)>| {
        let new = f.poll(at(clock));
        match tx.as_mut() {
            Some(tx) => tx.step(clock, &at, new, heard),
            None => heard.extend(new.into_iter().map(|h| (clock, h))),
        }
    };
    let mut pending = String::new();
    for (k, (t, ev)) in cast.events.iter().enumerate() {
        let data = match ev {
            Ev::Out(data) => data,
            Ev::Resize(w, h) => {
                for (first, last, lines) in term.resize(*w, *h) {
                    follower.on_lines(first, last, lines, at(clock.max(*t)));
                }
                continue;
            }
        };
        pending.push_str(data);
        // A busy Neovim refreshes the terminal once per `coalesce` seconds at most.
        let bucket = |t: f64| {
            if mode.coalesce > 0.0 {
                (t / mode.coalesce).floor()
            } else {
                t
            }
        };
        let merge = matches!(cast.events.get(k + 1), Some((next, Ev::Out(_))) if bucket(*next) == bucket(*t));
        if merge {
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
    if std::env::var("SPEAKJA_CAST_DUMP").is_ok() {
        for (i, l) in term.lines.iter().enumerate() {
            eprintln!("{i:4}|{l}");
        }
    }
    Outcome { heard, frames }
}

/// When `sentence` was first whole on screen (its last words, where cleaning changed it).
fn drawn_at(frames: &[(f64, String)], raw: &str) -> Option<f64> {
    let whole = normalize(raw);
    let words: Vec<&str> = whole.split(' ').collect();
    let tail = words[words.len().saturating_sub(3)..].join(" ");
    let find = |needle: &str| frames.iter().find(|(_, text)| text.contains(needle)).map(|(t, _)| *t);
    find(&whole).or_else(|| find(&tail))
}

/// How one replay compares with what a listener should hear.
#[derive(Default)]
struct Score {
    expected: usize,
    heard: usize,
    /// Heard sentences that were expected (each expected one counted as often as expected).
    hits: usize,
    /// Expected sentences heard more often than said.
    repeats: usize,
    /// Heard sentences that are only the start or a piece of an expected one.
    partials: usize,
    /// Seconds from whole on screen to heard, per heard expected sentence.
    delays: Vec<f64>,
    /// The same for the first sentence heard after each prompt: the one a listener waits for.
    first_delays: Vec<f64>,
}

impl Score {
    /// `want[k]` lists the ways sentence k may be heard (one, or a drawn and a written form
    /// where the order of screen and session file decides).
    fn of(want: &[Vec<String>], heard: &[(f64, String)], frames: &[(f64, String)], prompts: &[f64]) -> Self {
        let clean: Vec<Vec<String>> =
            want.iter().map(|w| w.iter().map(|a| speakja::text::clean::clean(a)).collect()).collect();
        let mut left: Vec<Option<usize>> = (0..clean.len()).map(Some).collect();
        let mut score = Score { expected: want.len(), heard: heard.len(), ..Score::default() };
        for (t, h) in heard {
            match left.iter_mut().find(|k| k.is_some_and(|k| clean[k].contains(h))).and_then(Option::take) {
                Some(k) => {
                    score.hits += 1;
                    if let Some(d) = drawn_at(frames, &want[k][0]) {
                        score.delays.push(t - d);
                        // First of its turn: no sentence heard between the last prompt and it.
                        let turn = prompts.iter().rev().find(|p| **p <= d).copied();
                        if turn.is_some_and(|p| !heard.iter().any(|(th, _)| *th >= p && th < t)) {
                            score.first_delays.push(t - d);
                        }
                    }
                }
                None if clean.iter().any(|c| c.contains(h)) => score.repeats += 1,
                None if clean.iter().flatten().any(|c| c.contains(h.trim_end_matches(['.', ',', ':']))) => {
                    score.partials += 1
                }
                None => {}
            }
        }
        score
    }

    fn add(&mut self, o: &Score) {
        self.expected += o.expected;
        self.heard += o.heard;
        self.hits += o.hits;
        self.repeats += o.repeats;
        self.partials += o.partials;
        self.delays.extend(&o.delays);
        self.first_delays.extend(&o.first_delays);
    }

    fn recall(&self) -> f64 {
        if self.expected == 0 {
            1.0
        } else {
            self.hits as f64 / self.expected as f64
        }
    }

    fn precision(&self) -> f64 {
        if self.heard == 0 {
            1.0
        } else {
            self.hits as f64 / self.heard as f64
        }
    }

    fn median_delay(&self) -> f64 {
        quantile(&self.delays, 0.5)
    }

    fn line(&self) -> String {
        format!(
            "recall {:.3} precision {:.3} ({}/{} heard, {} expected) repeats {} partials {} delay median {:.0} ms p95 {:.0} ms max {:.0} ms, first of a turn p50 {:.0} ms p95 {:.0} ms",
            self.recall(),
            self.precision(),
            self.hits,
            self.heard,
            self.expected,
            self.repeats,
            self.partials,
            self.median_delay() * 1000.0,
            quantile(&self.delays, 0.95) * 1000.0,
            self.delays.iter().cloned().fold(0.0, f64::max) * 1000.0,
            quantile(&self.first_delays, 0.5) * 1000.0,
            quantile(&self.first_delays, 0.95) * 1000.0,
        )
    }
}

fn quantile(values: &[f64], q: f64) -> f64 {
    let mut d = values.to_vec();
    d.sort_by(f64::total_cmp);
    d.get(((d.len() as f64 - 1.0) * q).round().max(0.0) as usize).copied().unwrap_or(0.0)
}

/// Tool calls the main agent makes in the scenario a recorded cast came from (subagents'
/// calls are not drawn as the main agent's), or `None` for a cast without a scenario.
fn tool_calls(cast: &Path) -> Option<usize> {
    let scenario = cast.parent()?.parent()?.join("scenarios").join(format!("{}.script.json", common::name(cast)));
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(scenario).ok()?).ok()?;
    fn count(v: &serde_json::Value) -> usize {
        match v {
            serde_json::Value::Object(o) if o.get("subagent").is_some_and(|s| s == true) => 0,
            serde_json::Value::Object(o) => {
                usize::from(o.get("type").is_some_and(|t| t == "tool_use")) + o.values().map(count).sum::<usize>()
            }
            serde_json::Value::Array(a) => a.iter().map(count).sum(),
            _ => 0,
        }
    }
    Some(v["turns"].as_array()?.iter().map(|t| count(&t["responses"])).sum())
}

/// The sets of casts: each recorded Claude Code version, then the synthetic casts.
fn cast_sets() -> Vec<(String, Vec<std::path::PathBuf>)> {
    // SPEAKJA_CASTS=DIR scores recordings laid out the same way elsewhere (a fresh set).
    let root = std::env::var_os("SPEAKJA_CASTS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/claude"));
    let mut versions: Vec<std::path::PathBuf> = std::fs::read_dir(&root)
        .map(|d| {
            d.map(|e| e.unwrap().path())
                .filter(|p| p.is_dir() && common::name(p).starts_with(|c: char| c.is_ascii_digit()))
                .collect()
        })
        .unwrap_or_default();
    versions.sort();
    let mut sets: Vec<(String, Vec<std::path::PathBuf>)> = versions
        .iter()
        .map(|v| (format!("Claude Code {}", v.file_name().unwrap().to_string_lossy()), common::fixtures_in(v, "cast")))
        .collect();
    sets.push(("synthetic".into(), common::fixtures("casts", "cast")));
    sets
}

#[test]
fn casts_are_heard_once_each_whole_and_soon() {
    let sets = cast_sets();
    let fresh = std::env::var_os("SPEAKJA_CASTS").is_some();
    assert!(fresh || sets.len() >= 3, "expected two recorded Claude Code versions and the synthetic casts");
    let mut failures = Vec::new();
    for (set, casts) in &sets {
        assert!(!casts.is_empty(), "{set}: no casts");
        // First-of-a-turn delays, screen only, of the recordings that kept their session file:
        // with the file, the first sentence must come no later.
        let mut screen_of_tx = Score::default();
        // Screen only, and with the session file where the recording kept it.
        for (with_tx, mode) in [false, true].iter().flat_map(|w| modes().into_iter().map(move |m| (w, m))) {
            let set = &format!("{set}{}", if *with_tx { " +transcript" } else { "" });
            let mut total = Score::default();
            let only = std::env::var("SPEAKJA_CAST").ok();
            for path in casts.iter().filter(|p| only.as_ref().is_none_or(|o| common::name(p) == *o)) {
                if !path.with_file_name(format!("{}.expected.json", common::name(path))).is_file() {
                    failures.push(format!("{}: no expected sentences beside it", path.display()));
                    continue;
                }
                let cast = load_cast(path);
                let (want, prompts) = if *with_tx {
                    common::expected_with_transcript(path)
                } else {
                    let (w, p) = common::expected_next_to(path);
                    (w.into_iter().map(|s| vec![s]).collect(), p)
                };
                let transcript = if *with_tx {
                    match load_transcript(path) {
                        Some(t) => Some(t),
                        None => continue,
                    }
                } else {
                    None
                };
                let out = play(&cast, &mode, transcript);
                let got: Vec<(f64, String)> = out
                    .heard
                    .iter()
                    .filter_map(|(t, h)| match h {
                        Heard::Sentence(s) => Some((*t, s.clone())),
                        _ => None,
                    })
                    .collect();
                let prompt_times: Vec<f64> =
                    out.heard.iter().filter(|(_, h)| matches!(h, Heard::UserPrompt(_))).map(|(t, _)| *t).collect();
                let score = Score::of(&want, &got, &out.frames, &prompt_times);
                let prompt_count = out.heard.iter().filter(|(_, h)| matches!(h, Heard::UserPrompt(_))).count();
                eprintln!("{set} {:<6} {:<28} {} prompts {prompt_count}", mode.name, common::name(path), score.line());
                if score.hits != want.len() || score.heard != want.len() || only.is_some() {
                    for (t, h) in &out.heard {
                        eprintln!("  {t:7.2} {h:?}");
                    }
                    eprintln!("  want {want:?}");
                }
                // Tool notes: never more than one per tool call the scenario made, and at
                // least one when it made any.
                let tools = out.heard.iter().filter(|(_, h)| matches!(h, Heard::Tool(_))).count();
                if let Some(calls) = tool_calls(path) {
                    if tools > calls || (calls > 0 && tools == 0) {
                        failures.push(format!(
                            "{} [{}]: {tools} tool notes for {calls} tool calls",
                            path.display(),
                            mode.name
                        ));
                    }
                }
                if prompts.is_some_and(|p| p != prompt_count) {
                    failures.push(format!(
                        "{set} {} [{}]: {prompt_count} prompts heard, {prompts:?} expected",
                        path.display(),
                        mode.name
                    ));
                }
                total.add(&score);
                if !*with_tx && mode.name == "nvim" && load_transcript(path).is_some() {
                    screen_of_tx.add(&score);
                }
            }
            if total.expected == 0 {
                continue;
            }
            if *with_tx && mode.name == "nvim" {
                // A 30 ms margin: reads happen on a 50 ms poll here, and in the plugin.
                for q in [0.5, 0.95] {
                    let (with, without) = (quantile(&total.first_delays, q), quantile(&screen_of_tx.first_delays, q));
                    eprintln!(
                        "{set}: first of a turn q{q}: {:.0} ms with the file, {:.0} ms screen only",
                        with * 1000.0,
                        without * 1000.0
                    );
                    if with > without + 0.03 {
                        failures.push(format!(
                            "{set}: first sentence of a turn q{q} {:.0} ms > screen only {:.0} ms",
                            with * 1000.0,
                            without * 1000.0
                        ));
                    }
                }
            }
            eprintln!("{set} {:<6} TOTAL {}", mode.name, total.line());
            let floor = if *with_tx { 0.995 } else { 0.99 };
            let ok = total.recall() >= floor && total.precision() >= floor && total.repeats == 0 && total.partials == 0;
            if !ok {
                failures.push(format!("{set} [{}]: {}", mode.name, total.line()));
            }
            // No sentence of a real recording waits long, e.g. for a dialog below it to be
            // answered (1.0.x and 2.0.x once held the reason for a permission ~1.8 s).
            let longest = total.delays.iter().copied().fold(0.0, f64::max);
            if mode.name == "nvim" && set.starts_with("Claude Code") && longest > 1.2 {
                failures.push(format!(
                    "{set} [{}]: a sentence heard {:.0} ms after it was drawn",
                    mode.name,
                    longest * 1000.0
                ));
            }
            // Delay at the default settle time, as Neovim scrolls.
            if mode.name == "nvim" && total.median_delay() > 0.3 {
                failures.push(format!(
                    "{set} [{}]: median delay {:.0} ms > 300 ms",
                    mode.name,
                    total.median_delay() * 1000.0
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn nz(n: u16) -> std::num::NonZeroU16 {
    std::num::NonZeroU16::new(n.max(1)).unwrap()
}

//! Claude Code sessions as a real Neovim terminal buffer reports them: every
//! `tests/fixtures/onlines/<cast>.jsonl` is the sequence of `on_lines` calls Neovim made while
//! the cast replayed (recorded by `record.lua` there). Replayed into a `ScreenFollower` the way
//! the plugin wires it, with a simulated clock and a 50 ms poll timer, what is heard must equal
//! `tests/fixtures/casts/<cast>.expected.json` "spoken", exactly.

use std::path::Path;
use std::time::{Duration, Instant};

mod common;

use speakja::auto::follow::{FollowerOptions, Heard, ScreenFollower};

const TICK_MS: u64 = 50;
/// Polling goes on this long after the last call, so everything stable is heard (a last
/// line without an end closes once unchanged for 2 s).
const TAIL_MS: u64 = 3000;

struct Call {
    ms: u64,
    first: usize,
    last_old: usize,
    lines: Vec<String>,
}

fn load_calls(path: &Path) -> Vec<Call> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            Call {
                ms: v["ms"].as_u64().unwrap(),
                first: v["first"].as_u64().unwrap() as usize,
                last_old: v["last_old"].as_u64().unwrap() as usize,
                // An empty list is encoded by vim.json as `{}`.
                lines: v["lines"]
                    .as_array()
                    .map(|a| a.iter().map(|s| s.as_str().unwrap().to_string()).collect())
                    .unwrap_or_default(),
            }
        })
        .collect()
}

/// The sentences heard, and how many prompts.
fn heard(calls: Vec<Call>) -> (Vec<String>, usize) {
    let t0 = Instant::now();
    let at = |ms: u64| t0 + Duration::from_millis(ms);
    let mut follower = ScreenFollower::new(FollowerOptions { stable_ms: 250, ..Default::default() });
    let mut out = Vec::new();
    let mut next_poll = TICK_MS;
    let end = calls.last().map_or(0, |c| c.ms) + TAIL_MS;
    for call in calls {
        while next_poll <= call.ms {
            out.extend(follower.poll(at(next_poll)));
            next_poll += TICK_MS;
        }
        follower.on_lines(call.first, call.last_old, call.lines, at(call.ms));
    }
    while next_poll <= end {
        out.extend(follower.poll(at(next_poll)));
        next_poll += TICK_MS;
    }
    let prompts = out.iter().filter(|h| matches!(h, Heard::UserPrompt(_))).count();
    let sentences = out
        .into_iter()
        .filter_map(|h| match h {
            Heard::Sentence(s) => Some(s),
            _ => None,
        })
        .collect();
    (sentences, prompts)
}

#[test]
fn every_cast_has_a_recording() {
    let recorded: Vec<String> = common::fixtures("onlines", "jsonl").iter().map(|p| common::name(p)).collect();
    for cast in common::fixtures("casts", "cast") {
        let name = common::name(&cast);
        assert!(recorded.contains(&name), "no on_lines recording for {name}");
    }
}

#[test]
fn recordings_are_heard_exactly() {
    let all = common::fixtures("onlines", "jsonl");
    let mut failures = Vec::new();
    for path in &all {
        let name = common::name(path);
        let (want, want_prompts) = common::expected(&name);
        let (got, prompts) = heard(load_calls(path));
        eprintln!("{name:<24} sentences {:>2}/{:<2} prompts {prompts}", got.len(), want.len());
        if got != want {
            failures.push(format!("{name}:\n  got  {got:#?}\n  want {want:#?}"));
        }
        if want_prompts.is_some_and(|p| p != prompts) {
            failures.push(format!("{name}: {prompts} prompts heard, {want_prompts:?} expected"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

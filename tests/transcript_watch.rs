//! Claude Code's session file through the watcher thread, as the plugin runs it: finding the
//! followed terminal's session without guessing, following `/clear` and `--resume`, and
//! surviving what a file can hold (bad lines, huge lines, truncation, 100k entries).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use speakja::auto::discover::{folder_name, How};
use speakja::auto::watch::{Event, Job, Note, Searching, Watch};

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("speakja-watch-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A stand-in for Claude Code's config directory, and the project folder of `cwd` in it.
fn project(name: &str, cwd: &str) -> (PathBuf, PathBuf) {
    let config = tmp(name);
    let dir = config.join("projects").join(folder_name(cwd));
    std::fs::create_dir_all(&dir).unwrap();
    (config, dir)
}

fn assistant(id: &str, text: &str) -> String {
    serde_json::json!({"type": "assistant", "message": {"id": id, "model": "m",
        "content": [{"type": "text", "text": text}]}})
    .to_string()
        + "\n"
}

fn user(prompt: &str) -> String {
    serde_json::json!({"type": "user", "message": {"role": "user", "content": prompt}}).to_string() + "\n"
}

fn append(path: &Path, text: &str) {
    std::fs::OpenOptions::new().create(true).append(true).open(path).unwrap().write_all(text.as_bytes()).unwrap();
}

/// Events until `done` says so (or 5 s).
fn until(w: &Watch, mut done: impl FnMut(&[Event]) -> bool) -> Vec<Event> {
    let t0 = Instant::now();
    let mut all = Vec::new();
    while t0.elapsed() < Duration::from_secs(5) {
        all.extend(w.drain());
        if done(&all) {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    all
}

fn texts(events: &[Event]) -> Vec<(String, bool)> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Text { markdown, live, .. } => Some((markdown.clone(), *live)),
            _ => None,
        })
        .collect()
}

#[test]
fn two_sessions_in_one_folder_only_the_prompted_one_is_heard() {
    let cwd = "/home/dev/My Proj.v2_ü 日本";
    let (config, dir) = project("two", cwd);
    let (ours, theirs) = (dir.join("s-ours.jsonl"), dir.join("s-theirs.jsonl"));
    append(&theirs, &user("other question"));
    append(&ours, &user("how do I sum the column?"));
    let w = Watch::start(Job { pid: None, cwd: Some(cwd.into()), config: config.clone(), hook: None }).unwrap();
    w.prompt("how do I sum the column?");
    let ev = until(&w, |e| e.iter().any(|e| matches!(e, Event::Following(_))));
    let Some(Event::Following(found)) = ev.iter().find(|e| matches!(e, Event::Following(_))) else { panic!("{ev:?}") };
    assert_eq!((found.path.as_path(), &found.how), (ours.as_path(), &How::Prompt));
    // The other session answers too (and is newer): not heard.
    append(&theirs, &assistant("t1", "Not for you."));
    append(&ours, &assistant("o1", "Use awk."));
    let ev = until(&w, |e| !texts(e).is_empty());
    assert_eq!(texts(&ev), [("Use awk.".to_string(), true)]);
    std::fs::remove_dir_all(&config).unwrap();
}

#[test]
fn the_registry_is_followed_through_clear_and_resume_and_config_dir() {
    // CLAUDE_CONFIG_DIR stands anywhere: the job names it.
    let cwd = "/srv/app";
    let (config, dir) = project("registry", cwd);
    std::fs::create_dir_all(config.join("sessions")).unwrap();
    let pid = std::process::id();
    let register = |id: &str| {
        let tmp = config.join("sessions/.tmp");
        std::fs::write(&tmp, serde_json::json!({"pid": pid, "sessionId": id, "cwd": cwd}).to_string()).unwrap();
        std::fs::rename(&tmp, config.join(format!("sessions/{pid}.json"))).unwrap();
    };
    register("first");
    // Written before the terminal was followed: heard before.
    append(&dir.join("first.jsonl"), &(user("q") + &assistant("a0", "Old answer.") + &user("q2")));
    let w = Watch::start(Job { pid: Some(pid), cwd: Some(cwd.into()), config: config.clone(), hook: None }).unwrap();
    let ev = until(&w, |e| texts(e).len() == 1);
    assert_eq!(texts(&ev), [("Old answer.".to_string(), false)]);
    assert!(ev.iter().any(|e| matches!(e, Event::Following(f) if f.how == How::Registry { pid })));
    append(&dir.join("first.jsonl"), &assistant("a1", "New answer."));
    assert_eq!(texts(&until(&w, |e| !texts(e).is_empty())), [("New answer.".to_string(), true)]);
    // `/clear`: a new session id, a new file.
    register("second");
    append(&dir.join("second.jsonl"), &(user("q3") + &assistant("b1", "After clear.")));
    let ev = until(&w, |e| !texts(e).is_empty());
    assert!(ev.iter().any(|e| matches!(e, Event::Following(f) if f.session == "second")), "{ev:?}");
    assert!(texts(&ev).iter().any(|(t, _)| t == "After clear."), "{ev:?}");
    std::fs::remove_dir_all(&config).unwrap();
}

#[test]
fn bad_lines_huge_lines_truncation_and_100k_entries_are_survived() {
    let cwd = "/w";
    let (config, dir) = project("bad", cwd);
    let file = dir.join("s.jsonl");
    append(&file, &user("start"));
    let w = Watch::start(Job { pid: None, cwd: Some(cwd.into()), config: config.clone(), hook: None }).unwrap();
    w.prompt("start");
    until(&w, |e| e.iter().any(|e| matches!(e, Event::Following(_))));
    let mut bad = String::from("{not json\n{\"type\":\"atis-latch\",\"x\":[1]}\n");
    bad.push_str(&"x".repeat(10 << 20));
    bad.push('\n');
    bad.push_str(&assistant("a", "Still heard."));
    append(&file, &bad);
    let ev = until(&w, |e| !texts(e).is_empty());
    assert_eq!(texts(&ev), [("Still heard.".to_string(), true)]);
    assert!(ev.contains(&Event::Note(Note::LineNotJson)), "{ev:?}");
    assert!(ev.iter().any(|e| matches!(e, Event::Note(Note::LineTooLong(_)))), "{ev:?}");
    // Truncated and rewritten under the tail.
    std::fs::write(&file, user("start") + &assistant("b", "Rewritten.")).unwrap();
    let ev = until(&w, |e| !texts(e).is_empty());
    assert!(ev.contains(&Event::Note(Note::Restarted)), "{ev:?}");
    assert!(texts(&ev).iter().any(|(t, _)| t == "Rewritten."));
    // 100k entries of tool output in one go: read in bounded pieces, nothing of it kept.
    let mut many = String::new();
    for i in 0..100_000 {
        many.push_str(&format!("{{\"type\":\"user\",\"message\":{{\"content\":[{{\"type\":\"tool_result\",\"content\":\"line {i}\"}}]}}}}\n"));
    }
    many.push_str(&assistant("c", "After the flood."));
    append(&file, &many);
    let ev = until(&w, |e| !texts(e).is_empty());
    assert_eq!(texts(&ev), [("After the flood.".to_string(), true)]);
    std::fs::remove_dir_all(&config).unwrap();
}

#[test]
fn a_file_that_cannot_be_read_is_a_note_not_a_failure() {
    // Root reads any file whatever its mode, so the file is replaced by a directory, which
    // no one can read as lines.
    let (config, dir) = project("noaccess", "/w");
    let file = dir.join("s.jsonl");
    append(&file, &user("start"));
    let w = Watch::start(Job { pid: None, cwd: Some("/w".into()), config: config.clone(), hook: None }).unwrap();
    w.prompt("start");
    until(&w, |e| e.iter().any(|e| matches!(e, Event::Following(_))));
    std::fs::remove_file(&file).unwrap();
    std::fs::create_dir(&file).unwrap();
    let ev = until(&w, |e| e.iter().any(|e| matches!(e, Event::Note(Note::Unreadable(_)))));
    std::thread::sleep(Duration::from_millis(300));
    let later = w.drain();
    assert!(ev.iter().any(|e| matches!(e, Event::Note(Note::Unreadable(_)))), "{ev:?}");
    assert!(later.is_empty(), "told once, not at every look: {later:?}");
    std::fs::remove_dir_all(&config).unwrap();
}

#[test]
fn why_no_session_file_is_followed_is_told() {
    // No configuration at all: Claude Code runs elsewhere (ssh, a container).
    let gone = std::env::temp_dir().join(format!("speakja-watch-none-{}", std::process::id()));
    let w = Watch::start(Job { pid: None, cwd: Some("/w".into()), config: gone.clone(), hook: None }).unwrap();
    let ev = until(&w, |e| !e.is_empty());
    assert_eq!(ev, [Event::Searching(Searching::NoConfig(gone))]);
    // A prompt that no session file holds.
    let (config, dir) = project("whynot", "/w");
    std::fs::write(dir.join("s.jsonl"), user("another question")).unwrap();
    let w = Watch::start(Job { pid: None, cwd: Some("/w".into()), config: config.clone(), hook: None }).unwrap();
    assert_eq!(until(&w, |e| !e.is_empty()), [Event::Searching(Searching::Waiting)]);
    w.prompt("the question on screen");
    let ev = until(&w, |e| !e.is_empty());
    assert_eq!(ev, [Event::Searching(Searching::PromptNotFound)]);
    std::fs::remove_dir_all(&config).unwrap();
}

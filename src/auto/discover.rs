//! Which session file belongs to a followed terminal, never by guessing: "the newest file in
//! the folder" is wrong whenever two sessions share a folder, before the first prompt, after
//! `/clear` and on resume stubs.
//!
//! In order: the session registry Claude Code 2.1.x keeps per process
//! (`<config>/sessions/<pid>.json`, rewritten on `/clear` and `--resume`), for the claude
//! process under the terminal's job; else (1.0.x, 2.0.x) the job's working directory turned
//! into its project folder and the file there whose user entries hold the prompt seen on
//! screen.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::transcript::{parse, Entry, Tail};

/// Longest project folder name 2.1.x writes whole; longer ones are cut and get a hash suffix.
const MAX_FOLDER: usize = 200;
/// Depth of the process tree searched under a terminal's job.
const MAX_DEPTH: usize = 6;
/// Session files looked into for a prompt, at most (the newest first).
const MAX_CANDIDATES: usize = 32;

/// How a session file was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum How {
    /// The `SessionStart` hook of a Claude Code the plugin started (`:SpeakJaClaude`) told it.
    Hook,
    /// `sessions/<pid>.json` of this claude process.
    Registry { pid: u32 },
    /// The project folder of the job's directory, and the file holding the prompt seen on screen.
    Prompt,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub path: PathBuf,
    pub session: String,
    pub how: How,
}

/// Claude Code's configuration directory: `$CLAUDE_CONFIG_DIR`, else `~/.claude`.
pub fn config_dir(env: Option<&str>, home: Option<&Path>) -> Option<PathBuf> {
    match env.filter(|e| !e.is_empty()) {
        Some(dir) => Some(PathBuf::from(dir)),
        None => home.map(|h| h.join(".claude")),
    }
}

/// A working directory as Claude Code names its project folder: every UTF-16 unit outside
/// `[A-Za-z0-9]` becomes `-` (an emoji is two units, two dashes).
pub fn folder_name(cwd: &str) -> String {
    cwd.chars()
        .flat_map(|c| std::iter::repeat_n(if c.is_ascii_alphanumeric() { c } else { '-' }, c.len_utf16()))
        .collect()
}

/// The project folders that may hold `cwd`'s sessions: the exact name, or for a name over
/// 200 characters, those starting with its first 200 and a dash (the hash differs by build).
pub fn project_dirs(config: &Path, cwd: &str) -> Vec<PathBuf> {
    let name = folder_name(cwd);
    let projects = config.join("projects");
    if name.len() <= MAX_FOLDER {
        return vec![projects.join(name)];
    }
    let prefix = format!("{}-", &name[..MAX_FOLDER]);
    let mut dirs = vec![projects.join(&name)];
    if let Ok(rd) = std::fs::read_dir(&projects) {
        dirs.extend(
            rd.flatten().filter(|e| e.file_name().to_str().is_some_and(|n| n.starts_with(&prefix))).map(|e| e.path()),
        );
    }
    dirs
}

#[derive(Deserialize)]
struct HookInput {
    session_id: String,
    transcript_path: PathBuf,
}

/// The session a `SessionStart` hook wrote into `hook` (its stdin, as Claude Code gave it).
/// Only a path to an existing file counts: 1.0.x's `--resume` reports a path it never creates.
pub fn from_hook(hook: &Path) -> Option<Found> {
    let meta = std::fs::metadata(hook).ok()?;
    if !meta.is_file() || meta.len() > 1 << 16 {
        return None;
    }
    let h: HookInput = serde_json::from_slice(&std::fs::read(hook).ok()?).ok()?;
    let is_jsonl = h.transcript_path.extension().is_some_and(|x| x == "jsonl");
    if !is_jsonl || !h.transcript_path.is_file() {
        return None;
    }
    Some(Found { path: h.transcript_path, session: h.session_id, how: How::Hook })
}

#[derive(Deserialize)]
struct Registry {
    #[serde(rename = "sessionId")]
    session: String,
    cwd: String,
}

/// The session of claude process `pid` from its registry file (2.1.x).
pub fn from_registry(config: &Path, pid: u32) -> Option<Found> {
    let path = config.join("sessions").join(format!("{pid}.json"));
    let meta = std::fs::metadata(&path).ok()?;
    if !meta.is_file() || meta.len() > 1 << 20 {
        return None;
    }
    let r: Registry = serde_json::from_slice(&std::fs::read(&path).ok()?).ok()?;
    // A session id names a file: nothing that could climb out of the folder.
    if r.session.is_empty() || !r.session.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return None;
    }
    let dir = project_dirs(config, &r.cwd)
        .into_iter()
        .find(|d| d.is_dir())
        .unwrap_or_else(|| config.join("projects").join(folder_name(&r.cwd)));
    Some(Found { path: dir.join(format!("{}.jsonl", r.session)), session: r.session, how: How::Registry { pid } })
}

/// The processes under `pid` (itself first), breadth first, from `/proc` (Linux).
pub fn process_tree(pid: u32) -> Vec<u32> {
    let mut out = vec![pid];
    let mut level = vec![pid];
    for _ in 0..MAX_DEPTH {
        let mut next = Vec::new();
        for p in level {
            let Ok(tasks) = std::fs::read_dir(format!("/proc/{p}/task")) else { continue };
            for t in tasks.flatten() {
                if let Ok(s) = std::fs::read_to_string(t.path().join("children")) {
                    next.extend(s.split_whitespace().filter_map(|w| w.parse::<u32>().ok()));
                }
            }
        }
        if next.is_empty() {
            break;
        }
        out.extend(&next);
        level = next;
    }
    out
}

/// A variable of a process's environment (Linux), read with a size bound.
pub fn process_env(pid: u32, name: &str) -> Option<String> {
    use std::io::Read;
    let mut buf = Vec::new();
    std::fs::File::open(format!("/proc/{pid}/environ")).ok()?.take(1 << 20).read_to_end(&mut buf).ok()?;
    buf.split(|&b| b == 0).find_map(|kv| {
        let kv = std::str::from_utf8(kv).ok()?;
        kv.strip_prefix(name)?.strip_prefix('=').map(str::to_owned)
    })
}

/// A process's working directory (Linux).
pub fn process_cwd(pid: u32) -> Option<String> {
    std::fs::read_link(format!("/proc/{pid}/cwd")).ok()?.to_str().map(str::to_owned)
}

/// The session of the claude process among `pids` that has a registry file.
pub fn registry_of(config: &Path, pids: &[u32]) -> Option<Found> {
    pids.iter().find_map(|&pid| from_registry(config, pid))
}

/// The session file of `cwd` whose user entries hold `prompt` (1.0.x, 2.0.x): the screen
/// may show only a long prompt's first row, so a prompt that starts with it counts.
/// Subagent files are not sessions. When several hold it, none is taken: guessing is what
/// this avoids.
pub fn by_prompt(config: &Path, cwd: &str, prompt: &str) -> Option<Found> {
    let want = squash(prompt);
    if want.is_empty() {
        return None;
    }
    let mut files: Vec<(std::time::SystemTime, PathBuf)> = project_dirs(config, cwd)
        .iter()
        .filter_map(|d| std::fs::read_dir(d).ok())
        .flat_map(|rd| rd.flatten())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| !n.starts_with("agent-")))
        .filter_map(|p| Some((std::fs::metadata(&p).ok()?.modified().ok()?, p)))
        .collect();
    files.sort_by_key(|f| std::cmp::Reverse(f.0));
    let holding: Vec<PathBuf> =
        files.into_iter().take(MAX_CANDIDATES).map(|(_, p)| p).filter(|p| holds_prompt(p, &want)).collect();
    match holding.as_slice() {
        [one] => Some(Found {
            session: one.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_string(),
            path: one.clone(),
            how: How::Prompt,
        }),
        _ => None,
    }
}

fn holds_prompt(path: &Path, want: &str) -> bool {
    let mut tail = Tail::new(path.to_path_buf());
    // Up to a few reads: a session file of a long conversation is read in bounded pieces.
    for _ in 0..8 {
        let Ok(lines) = tail.read() else { return false };
        if lines.lines.is_empty() {
            return false;
        }
        if lines.lines.iter().any(|l| matches!(parse(l), Ok(Entry::Prompt(p)) if squash(&p).starts_with(want))) {
            return true;
        }
    }
    false
}

/// Text compared without spacing: the screen wraps and trims what the file keeps whole.
fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_names_count_utf16_units() {
        assert_eq!(folder_name("/home/dev/My Proj.v2_ü"), "-home-dev-My-Proj-v2--");
        assert_eq!(folder_name("/a/😀b"), "-a---b");
        assert_eq!(folder_name("/srv/日本"), "-srv---");
    }

    fn tmp(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("speakja-discover-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn user(prompt: &str) -> String {
        serde_json::json!({"type": "user", "message": {"role": "user", "content": prompt}}).to_string() + "\n"
    }

    #[test]
    fn two_sessions_in_one_folder_are_told_apart_by_the_prompt() {
        let config = tmp("prompt");
        let cwd = "/home/dev/two sessions ü";
        let dir = config.join("projects").join(folder_name(cwd));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("aaa.jsonl"), user("first question")).unwrap();
        std::fs::write(dir.join("bbb.jsonl"), user("second   question")).unwrap();
        std::fs::write(dir.join("agent-1234567.jsonl"), user("second question")).unwrap();
        let found = by_prompt(&config, cwd, "second").unwrap();
        assert_eq!((found.session.as_str(), found.how), ("bbb", How::Prompt));
        assert_eq!(by_prompt(&config, cwd, "first question").unwrap().session, "aaa");
        assert_eq!(by_prompt(&config, cwd, "never asked"), None);
        assert_eq!(by_prompt(&config, cwd, "question"), None, "only a start of the prompt counts");
        // Two files holding the same prompt: no guess.
        std::fs::write(dir.join("ccc.jsonl"), user("first question")).unwrap();
        assert_eq!(by_prompt(&config, cwd, "first question"), None);
        std::fs::remove_dir_all(&config).unwrap();
    }

    #[test]
    fn the_registry_names_the_session_and_long_folders_match_by_prefix() {
        let config = tmp("registry");
        let cwd = format!("/home/dev/{}", "deep/".repeat(50));
        let name = folder_name(&cwd);
        assert!(name.len() > MAX_FOLDER);
        let dir = config.join("projects").join(format!("{}-1a2b3c", &name[..MAX_FOLDER]));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::create_dir_all(config.join("sessions")).unwrap();
        let reg = serde_json::json!({"pid": 4242, "sessionId": "abc-123", "cwd": cwd});
        std::fs::write(config.join("sessions/4242.json"), reg.to_string()).unwrap();
        let found = registry_of(&config, &[1, 4242]).unwrap();
        assert_eq!(found.path, dir.join("abc-123.jsonl"));
        assert_eq!(found.how, How::Registry { pid: 4242 });
        // An id that could leave the folder is refused.
        let bad = serde_json::json!({"sessionId": "../../x", "cwd": "/"});
        std::fs::write(config.join("sessions/7.json"), bad.to_string()).unwrap();
        assert_eq!(from_registry(&config, 7), None);
        std::fs::remove_dir_all(&config).unwrap();
    }

    #[test]
    fn a_hook_names_the_session_once_its_file_exists() {
        let dir = tmp("hook");
        let hook = dir.join("hook.json");
        let transcript = dir.join("s1.jsonl");
        let input =
            serde_json::json!({"session_id": "s1", "transcript_path": transcript, "hook_event_name": "SessionStart"});
        std::fs::write(&hook, input.to_string()).unwrap();
        assert_eq!(from_hook(&hook), None, "no file yet");
        std::fs::write(&transcript, "").unwrap();
        assert_eq!(from_hook(&hook).map(|f| (f.path, f.how)), Some((transcript, How::Hook)));
        std::fs::write(&hook, "{\"session_id\": ").unwrap();
        assert_eq!(from_hook(&hook), None, "half written");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn config_dir_follows_the_environment() {
        assert_eq!(config_dir(Some("/x/cfg"), Some(Path::new("/home/u"))), Some(PathBuf::from("/x/cfg")));
        assert_eq!(config_dir(None, Some(Path::new("/home/u"))), Some(PathBuf::from("/home/u/.claude")));
        assert_eq!(config_dir(Some(""), None), None);
    }

    #[test]
    fn the_process_tree_starts_at_the_job() {
        let me = std::process::id();
        let mut child = std::process::Command::new("sleep").arg("5").spawn().unwrap();
        let tree = process_tree(me);
        child.kill().unwrap();
        let _ = child.wait();
        assert_eq!(tree[0], me);
        if cfg!(target_os = "linux") {
            assert!(tree.contains(&child.id()), "{tree:?}");
        }
    }
}

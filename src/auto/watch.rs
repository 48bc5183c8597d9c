//! A followed terminal's session file, watched on a thread of its own: finding it, tailing
//! it, reading its assistant text. Neovim's thread only drains what this sends.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crossbeam_channel::{bounded, Receiver, Sender, TryRecvError};

use super::discover::{self, Found, How};
use super::transcript::{parse, Entry, Skipped, Tail};

/// How often the file is read: the transcript follows a drawn block by 10-45 ms on releases
/// that draw whole blocks, so a slower look would be the delay.
const POLL: Duration = Duration::from_millis(20);
/// How often the session registry is read again (`/clear` and `--resume` change it).
const RECHECK: Duration = Duration::from_millis(500);
/// How long a prompt seen on screen is looked for in the session files.
const PROMPT_PATIENCE: Duration = Duration::from_secs(10);
/// Events waiting for Neovim's thread, at most; past it the newest are dropped with a note.
const QUEUE: usize = 1024;

/// Where to look for a terminal's session.
#[derive(Debug, Clone)]
pub struct Job {
    /// The terminal's job (the shell or claude itself).
    pub pid: Option<u32>,
    /// Its working directory, where the processes cannot be read (not Linux).
    pub cwd: Option<String>,
    /// Claude Code's configuration directory, unless a process under the job names its own
    /// (`CLAUDE_CONFIG_DIR`).
    pub config: PathBuf,
    /// Where the `SessionStart` hook of a Claude Code the plugin started writes its input.
    pub hook: Option<PathBuf>,
}

/// What the watcher tells the follower.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// Now following this file (or a new one: `/clear`, `--resume`).
    Following(Found),
    /// A text block of the reply. `live` is false for what was written before it was followed.
    Text { message: String, markdown: String, aborted: bool, live: bool },
    /// No session file is followed yet, and why.
    Searching(Searching),
    /// Text a tool call of the reply carries (redacted): what the screen shows of it is
    /// not speech. Kept only as sentence keys, in memory.
    ToolInput(Vec<String>),
    /// A line was skipped or the file could not be read: for debug, once each.
    Note(Note),
}

/// Why no session file is followed (yet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Searching {
    /// No Claude Code configuration here: it runs elsewhere (ssh, a container) or never ran.
    NoConfig(PathBuf),
    /// The terminal's job has ended or cannot be read.
    NoProcess,
    /// No session registered by a 2.1.x process and no prompt seen yet (1.0.x and 2.0.x are
    /// found by their first prompt).
    Waiting,
    /// The prompt seen on screen is in no session file of the project folder (or in several).
    PromptNotFound,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Note {
    LineTooLong(usize),
    LineNotJson,
    Unreadable(String),
    Restarted,
    Dropped,
}

/// The watcher's side of a followed terminal. Dropping it ends the thread within one poll
/// (its prompt channel closes); it is not joined, so a slow file system never holds up Neovim.
pub struct Watch {
    events: Receiver<Event>,
    prompts: Sender<String>,
}

impl Watch {
    pub fn start(job: Job) -> std::io::Result<Self> {
        let (ev_tx, events) = bounded(QUEUE);
        let (prompts, pr_rx) = bounded(64);
        std::thread::Builder::new().name("speakja-transcript".into()).spawn(move || run(job, &ev_tx, &pr_rx))?;
        Ok(Self { events, prompts })
    }

    /// A prompt seen on screen: how a session of a release without a registry is found.
    pub fn prompt(&self, text: &str) {
        let _ = self.prompts.try_send(text.to_string());
    }

    /// Everything sent since the last call.
    pub fn drain(&self) -> Vec<Event> {
        self.events.try_iter().collect()
    }
}

struct Followed {
    tail: Tail,
    found: Found,
    /// The last read error told, so a file that stays unreadable is told once.
    failing: Option<String>,
    /// Lines before the last prompt in the file when it was first read were heard before.
    first_read: bool,
}

fn run(job: Job, events: &Sender<Event>, prompts: &Receiver<String>) {
    let mut followed: Option<Followed> = None;
    let mut checked: Option<Instant> = None;
    // A prompt seen on screen, and when: its session file may be written a moment later, so
    // it is looked for again at each recheck, for a while.
    let mut prompt: Option<(String, Instant)> = None;
    let (mut searching, mut tried_prompt_before): (Option<Searching>, bool) = (None, false);
    let send = |e: Event| {
        if events.try_send(e).is_err() {
            let _ = events.try_send(Event::Note(Note::Dropped));
        }
    };
    loop {
        let mut fresh = false;
        loop {
            match prompts.try_recv() {
                Ok(p) => (prompt, fresh) = (Some((p, Instant::now())), true),
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => return,
            }
        }
        if prompt.as_ref().is_some_and(|(_, at)| at.elapsed() > PROMPT_PATIENCE) {
            prompt = None;
        }
        let by_prompt_too = followed.as_ref().is_none_or(|f| f.found.how == How::Prompt);
        if checked.is_none_or(|t| t.elapsed() >= RECHECK) || (fresh && by_prompt_too) {
            checked = Some(Instant::now());
            // Read afresh: the job may have started its program, or changed directory, since.
            let tree = job.pid.map(discover::process_tree).unwrap_or_default();
            let config = tree
                .iter()
                .rev()
                .find_map(|&p| discover::process_env(p, "CLAUDE_CONFIG_DIR"))
                .filter(|d| !d.is_empty())
                .map_or_else(|| job.config.clone(), PathBuf::from);
            let cwd = tree.iter().find_map(|&p| discover::process_cwd(p)).or_else(|| job.cwd.clone());
            let tried_prompt = prompt.is_some() || tried_prompt_before;
            tried_prompt_before = tried_prompt;
            let found = job
                .hook
                .as_deref()
                .and_then(discover::from_hook)
                .or_else(|| discover::registry_of(&config, &tree))
                .or_else(|| {
                    let (text, _) = prompt.as_ref().filter(|_| by_prompt_too)?;
                    let found = discover::by_prompt(&config, cwd.as_deref()?, text);
                    if found.is_some() {
                        prompt = None;
                    }
                    found
                });
            if let Some(found) = found {
                if followed.as_ref().is_none_or(|f| f.found.path != found.path) {
                    send(Event::Following(found.clone()));
                    followed =
                        Some(Followed { tail: Tail::new(found.path.clone()), found, failing: None, first_read: true });
                }
            } else if followed.is_none() {
                // Why none yet, told when it changes.
                let why = if !config.is_dir() {
                    Searching::NoConfig(config.clone())
                } else if cfg!(target_os = "linux")
                    && job.pid.is_some_and(|p| !Path::new(&format!("/proc/{p}")).exists())
                {
                    Searching::NoProcess
                } else if tried_prompt {
                    Searching::PromptNotFound
                } else {
                    Searching::Waiting
                };
                if searching.as_ref() != Some(&why) {
                    searching = Some(why.clone());
                    send(Event::Searching(why));
                }
            }
        }
        if let Some(f) = followed.as_mut() {
            read(f, &send);
        }
        std::thread::sleep(POLL);
    }
}

fn read(f: &mut Followed, send: &dyn Fn(Event)) {
    let lines = match f.tail.read() {
        Ok(l) => l,
        Err(e) => {
            let e = e.to_string();
            if f.failing.as_ref() != Some(&e) {
                f.failing = Some(e.clone());
                send(Event::Note(Note::Unreadable(e)));
            }
            return;
        }
    };
    f.failing = None;
    if lines.restarted {
        send(Event::Note(Note::Restarted));
    }
    for _ in 0..lines.too_long {
        send(Event::Note(Note::LineTooLong(super::transcript::MAX_LINE)));
    }
    let entries: Vec<Entry> = lines
        .lines
        .iter()
        .filter_map(|l| match parse(l) {
            Ok(e) => Some(e),
            Err(Skipped::TooLong(n)) => {
                send(Event::Note(Note::LineTooLong(n)));
                None
            }
            Err(Skipped::NotJson) => {
                send(Event::Note(Note::LineNotJson));
                None
            }
        })
        .collect();
    if entries.is_empty() {
        return;
    }
    // On the first read, what precedes the last prompt was said before we followed.
    let live_from = if std::mem::take(&mut f.first_read) {
        entries.iter().rposition(|e| matches!(e, Entry::Prompt(_))).unwrap_or(0)
    } else {
        0
    };
    let private = |t: &str| crate::text::redact::redact(&crate::text::redact::redact_blocks(t)).into_owned();
    for (i, e) in entries.into_iter().enumerate() {
        match e {
            // Credentials out before anything else touches the text.
            Entry::Text { message, markdown, aborted } => {
                send(Event::Text { message, markdown: private(&markdown), aborted, live: i >= live_from })
            }
            Entry::ToolInput(texts) if i >= live_from => {
                send(Event::ToolInput(texts.iter().map(|t| private(t)).collect()))
            }
            _ => {}
        }
    }
}

//! Auto-speak for terminal buffers: each attached terminal is mirrored into a
//! `ScreenFollower` (pure logic in `auto::follow`) from `on_lines`; a timer polls the
//! followers for lines that have become stable and queues what they heard.

use std::cell::RefCell;
use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

use nvim_oxi::api::opts::{BufAttachOpts, CreateAugroupOpts, CreateAutocmdOpts};
use nvim_oxi::api::{self, Buffer};
use nvim_oxi::conversion::FromObject;
use nvim_oxi::libuv::TimerHandle;
use nvim_oxi::{Array, Dictionary};
use serde::Deserialize;

use super::guard::{text_arg, Arg, Reply};
use super::{events, with_state, State};
use crate::auto::claude_code::ToolKind;
use crate::auto::discover::{self, Found};
use crate::auto::follow::{FollowerOptions, Heard, ScreenFollower};
use crate::auto::policy;
use crate::auto::reconcile::{Action, Reconciler};
use crate::auto::recording::Recorder;
use crate::auto::watch::{self, Watch};
use crate::config::AutoConfig;
use crate::history::Status;
use serde_json::Value;

/// How often followers are polled for stable lines.
const POLL: Duration = Duration::from_millis(50);

struct Term {
    follower: ScreenFollower,
    /// Claude Code's session file, once found: it decides what was said.
    transcript: Option<Transcript>,
    /// Which `nvim_buf_attach` feeds this entry. Neovim offers no way to detach a callback
    /// except by its returning true, so a callback whose entry is gone or re-attached
    /// (`:SpeakJaAuto off`, then `on` before any output) detaches itself on its next call.
    attachment: u64,
    /// Heard while the plugin was busy (a re-entrant call): queued on the next tick, as
    /// worker events are, not lost.
    held: Vec<Say>,
    /// What was heard, spoken, held back and why, newest last (`:SpeakJaAuto debug`).
    log: Log,
    /// `:SpeakJaAuto record`: what the terminal shows, written as an asciicast.
    recorder: Option<Recorder>,
}

/// Rows of the screen `:SpeakJaAuto debug` explains (from the bottom).
const DEBUG_ROWS: usize = 200;
/// Lines kept for `:SpeakJaAuto debug`.
const LOG_LINES: usize = 500;

struct Log {
    since: Instant,
    lines: std::collections::VecDeque<String>,
}

impl Log {
    fn new() -> Self {
        Self { since: Instant::now(), lines: std::collections::VecDeque::new() }
    }

    fn add(&mut self, now: Instant, what: std::fmt::Arguments) {
        if self.lines.len() == LOG_LINES {
            self.lines.pop_front();
        }
        let t = now.saturating_duration_since(self.since).as_secs_f64();
        self.lines.push_back(format!("{t:9.3}s  {what}"));
    }
}

/// The session file's side of a followed terminal.
struct Transcript {
    watch: Watch,
    rec: Reconciler,
    /// The file followed, and how it was found; `None` until it is.
    following: Option<Found>,
    /// Why none is followed yet.
    searching: Option<watch::Searching>,
}

/// What a tick asks of the plugin for one terminal.
#[derive(Debug, Clone, PartialEq)]
enum Say {
    Sentence(String),
    Prompt,
    Tool(ToolKind),
    /// Drop this sentence if it is still waiting: the transcript shows it was never said.
    Retract(String),
    /// Translate and synthesize ahead: it may be heard soon (`auto.speculate`).
    Prepare(String),
}

/// Where the terminal's session file may be: its job, and what Neovim knows of its directory
/// and of Claude Code's config. The job is read again by the watcher: at `TermOpen` it may
/// not have started its program (nor changed directory) yet.
fn job_of(buf: &Buffer, hook: Option<std::path::PathBuf>) -> Option<watch::Job> {
    let pid = buf.get_var::<i64>("terminal_job_pid").ok().and_then(|p| u32::try_from(p).ok());
    let name = buf.get_name().ok().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let env = std::env::var("CLAUDE_CONFIG_DIR").ok();
    let home = std::env::var_os("HOME").map(std::path::PathBuf::from);
    let config = discover::config_dir(env.as_deref(), home.as_deref())?;
    Some(watch::Job { pid, cwd: terminal_cwd(&name), config, hook })
}

/// The directory of a terminal buffer named `term://{cwd}//{pid}:{command}`.
fn terminal_cwd(name: &str) -> Option<String> {
    let rest = name.strip_prefix("term://")?;
    let command = policy::terminal_command(name)?;
    let head = &rest[..rest.len() - command.len()];
    let cwd = head.rsplit_once("//")?.0;
    Some(match cwd.strip_prefix('~') {
        Some(tail) => format!("{}{tail}", std::env::var("HOME").ok()?),
        None => cwd.to_owned(),
    })
}

impl Transcript {
    fn start(buf: &Buffer, hook: Option<std::path::PathBuf>) -> Option<Self> {
        let job = job_of(buf, hook)?;
        Some(Self { watch: Watch::start(job).ok()?, rec: Reconciler::new(), following: None, searching: None })
    }

    /// Screen items through the reconciler, with what the session file brought meanwhile.
    fn reconcile(&mut self, heard: Vec<Heard>, now: Instant, log: &mut Log) -> Vec<Say> {
        let mut actions = Vec::new();
        let mut out = Vec::new();
        for e in self.watch.drain() {
            match e {
                watch::Event::Following(found) => {
                    log.add(now, format_args!("following {} (found by {:?})", found.path.display(), found.how));
                    self.following = Some(found);
                }
                watch::Event::Text { message, markdown, aborted, live } => {
                    log.add(
                        now,
                        format_args!(
                            "session file: a text block of {message} ({} bytes{}{})",
                            markdown.len(),
                            if aborted { ", cut by Escape" } else { "" },
                            if live { "" } else { ", said before" }
                        ),
                    );
                    actions.extend(self.rec.transcript(&message, &markdown, aborted, live))
                }
                watch::Event::ToolInput(texts) => actions.extend(self.rec.tool_input(&texts)),
                watch::Event::Searching(why) => {
                    log.add(now, format_args!("no session file yet: {why:?}"));
                    self.searching = Some(why);
                }
                watch::Event::Note(n) => log.add(now, format_args!("session file: {n:?}")),
            }
        }
        for h in heard {
            match h {
                Heard::Sentence(s) if self.following.is_some() => {
                    log.add(now, format_args!("screen heard: {s}"));
                    actions.extend(self.rec.screen(s, now))
                }
                Heard::Sentence(s) => {
                    log.add(now, format_args!("screen heard (screen only): {s}"));
                    out.push(Say::Sentence(s))
                }
                Heard::UserPrompt(p) => {
                    log.add(now, format_args!("prompt seen: {p}"));
                    self.rec.prompt();
                    self.watch.prompt(&p);
                    out.push(Say::Prompt);
                }
                Heard::Tool(kind) => out.push(Say::Tool(kind)),
            }
        }
        actions.extend(self.rec.tick(now));
        for a in actions {
            match a {
                Action::Speak { text, source } => {
                    log.add(now, format_args!("speak ({source:?}, drawing {:?}): {text}", self.rec.drawing()));
                    out.push(Say::Sentence(text));
                }
                Action::Retract(text) => {
                    log.add(now, format_args!("take back (not in the session file): {text}"));
                    out.push(Say::Retract(text));
                }
                Action::HeldBack(text) => log.add(now, format_args!("held back (not in the session file): {text}")),
                Action::Silenced(text) => log.add(now, format_args!("silent (a tool call's text): {text}")),
            }
        }
        out
    }
}

fn plain(heard: Vec<Heard>, now: Instant, log: &mut Log) -> Vec<Say> {
    heard
        .into_iter()
        .map(|h| match h {
            Heard::Sentence(s) => {
                log.add(now, format_args!("screen heard (no session file can be followed): {s}"));
                Say::Sentence(s)
            }
            Heard::UserPrompt(_) => Say::Prompt,
            Heard::Tool(kind) => Say::Tool(kind),
        })
        .collect()
}

/// Most items held for a busy plugin; the oldest go first past it.
const MAX_HELD: usize = 256;

/// Everything auto-speak keeps, owned here and not in the plugin state: Neovim calls
/// `on_lines` from inside API calls, also those made while the plugin state is in use.
#[derive(Default)]
struct Terminals {
    terms: HashMap<i32, Term>,
    /// The poll timer, made on the first attach.
    timer: Option<TimerHandle>,
    /// Attachments made so far: each `Term` knows its number.
    attachments: u64,
}

thread_local! {
    static TERMINALS: RefCell<Terminals> = RefCell::new(Terminals::default());
}

/// The followed terminals; `None` inside a call that already holds them.
fn with_terms<T>(f: impl FnOnce(&mut HashMap<i32, Term>) -> T) -> Option<T> {
    TERMINALS.with(|t| t.try_borrow_mut().ok().map(|mut t| f(&mut t.terms)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AutoArgs {
    buf: i32,
    mode: String,
    /// `record`: the file to write, and the terminal's size.
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    width: Option<usize>,
    #[serde(default)]
    height: Option<usize>,
    /// `on`: the file a `SessionStart` hook writes (a Claude Code started by `:SpeakJaClaude`).
    #[serde(default)]
    hook: Option<String>,
}

/// `auto(json)`: `{"buf": n, "mode": "on"|"off"|"toggle"}` returns whether attached;
/// `"debug"` returns what was heard and why (`{source, log}`); `"record"` (with `path`,
/// `width`, `height`) starts writing what the terminal shows as an asciicast and
/// `"record_stop"` ends it (both return the path).
pub fn auto(arg: Arg) -> Reply {
    let json = text_arg(arg)?.ok_or("auto() needs arguments")?;
    let args: AutoArgs = serde_json::from_str(&json).map_err(|e| format!("auto(): {e}"))?;
    let buf = if args.buf == 0 { api::get_current_buf() } else { Buffer::from(args.buf) };
    let attached = is_attached(buf.handle());
    let want = match args.mode.as_str() {
        "on" => true,
        "off" => false,
        "toggle" => !attached,
        "debug" => return debug(buf.handle()),
        "record" => return record(&buf, &args),
        "record_stop" => return record_stop(buf.handle()),
        m => return Err(format!("unknown mode {m:?} (on, off, toggle, debug, record, record_stop)")),
    };
    let hook = args.hook.map(std::path::PathBuf::from);
    match (attached, want) {
        (false, true) => attach(&buf, hook)?,
        (true, false) => detach(buf.handle()),
        // Attached when it opened (auto.patterns), before its hook was known.
        (true, true) if hook.is_some() => {
            let transcript = Transcript::start(&buf, hook);
            with_terms(|terms| terms.get_mut(&buf.handle()).map(|t| t.transcript = transcript));
        }
        _ => {}
    }
    Ok(Value::from(want))
}

/// What auto-speak did with terminal `buf`, for `:SpeakJaAuto debug`.
fn debug(buf: i32) -> Reply {
    let source = sources().into_iter().find(|s| s.buf == buf);
    let (log, rows): (Vec<String>, Vec<String>) = with_terms(|terms| {
        terms.get(&buf).map(|t| {
            let rows = t.follower.explain(DEBUG_ROWS, Instant::now());
            let rows = rows.into_iter().map(|(text, kind)| format!("{:<8} │ {text}", format!("{kind:?}"))).collect();
            (t.log.lines.iter().cloned().collect(), rows)
        })
    })
    .flatten()
    .unwrap_or_default();
    let v = serde_json::json!({ "followed": source.is_some(), "source": source, "log": log, "rows": rows });
    Ok(v)
}

fn record(buf: &Buffer, args: &AutoArgs) -> Reply {
    let handle = buf.handle();
    if !is_attached(handle) {
        attach(buf, None)?;
    }
    let path = args.path.as_deref().ok_or("record needs a path")?;
    let (width, height) = (args.width.unwrap_or(80).clamp(1, 1000), args.height.unwrap_or(24).clamp(1, 1000));
    let lines: Vec<String> =
        buf.get_lines(.., false).map_err(|e| e.to_string())?.map(|l| l.to_string_lossy().into_owned()).collect();
    let home = std::env::var("HOME").ok();
    let recorder = Recorder::start(std::path::Path::new(path), width, height, home)
        .map_err(|e| format!("cannot record into {path}: {e}"))?;
    recorder.change(0, 0, &lines);
    with_terms(|terms| terms.get_mut(&handle).map(|t| t.recorder = Some(recorder)));
    Ok(Value::from(path))
}

fn record_stop(buf: i32) -> Reply {
    let was = with_terms(|terms| terms.get_mut(&buf).and_then(|t| t.recorder.take())).flatten();
    Ok(Value::from(was.is_some()))
}

/// A new `setup()`: followed terminals stay followed (what they said is not said again)
/// and take its options.
pub fn reconfigure(cfg: &AutoConfig) {
    with_terms(|terms| terms.values_mut().for_each(|term| term.follower.set_stable_ms(cfg.stable_ms)));
}

/// Where a followed terminal's words come from, for `status()` and health.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Source {
    pub buf: i32,
    /// The session file followed, or `None`: the screen alone decides.
    pub transcript: Option<String>,
    /// How it was found: `registry` (2.1.x, by the claude process) or `prompt`.
    pub found_by: Option<&'static str>,
    /// How the session was seen to draw: `streams` or `whole`.
    pub drawing: Option<&'static str>,
    /// Why no session file is followed, for display.
    pub why_not: Option<String>,
}

/// Why no session file is followed, in words.
fn why_not(searching: Option<&watch::Searching>) -> String {
    match searching {
        Some(watch::Searching::NoConfig(dir)) => format!(
            "no Claude Code configuration at {} (running over ssh or in a container? set CLAUDE_CONFIG_DIR for Neovim)",
            dir.display()
        ),
        Some(watch::Searching::NoProcess) => "the terminal's job has ended or cannot be read".into(),
        Some(watch::Searching::PromptNotFound) => {
            "the prompt seen on screen is in no session file of this directory (or in several)".into()
        }
        Some(watch::Searching::Waiting) | None => {
            "no session registered yet (2.1.x) and no prompt seen yet (1.0.x, 2.0.x are found by their first prompt)"
                .into()
        }
    }
}

pub fn sources() -> Vec<Source> {
    let mut out: Vec<Source> = with_terms(|terms| {
        terms
            .iter()
            .map(|(buf, term)| {
                let t = term.transcript.as_ref();
                let found = t.and_then(|t| t.following.as_ref());
                Source {
                    buf: *buf,
                    transcript: found.map(|f| f.path.display().to_string()),
                    found_by: found.map(|f| match f.how {
                        discover::How::Hook => "hook",
                        discover::How::Registry { .. } => "registry",
                        discover::How::Prompt => "prompt",
                    }),
                    drawing: found.and(t).map(|t| match t.rec.drawing() {
                        crate::auto::reconcile::Drawing::Streams => "streams",
                        crate::auto::reconcile::Drawing::Whole => "whole",
                    }),
                    why_not: match (found, t) {
                        (Some(_), _) => None,
                        (None, None) => Some("this terminal's job and directory cannot be known".into()),
                        (None, Some(t)) => Some(why_not(t.searching.as_ref())),
                    },
                }
            })
            .collect()
    })
    .unwrap_or_default();
    out.sort_by_key(|s| s.buf);
    out
}

/// The terminals followed now, in buffer order.
pub fn attached() -> Vec<i32> {
    let mut bufs: Vec<i32> = with_terms(|terms| terms.keys().copied().collect()).unwrap_or_default();
    bufs.sort_unstable();
    bufs
}

fn is_attached(buf: i32) -> bool {
    with_terms(|terms| terms.contains_key(&buf)).unwrap_or(false)
}

fn detach(buf: i32) {
    with_terms(|terms| terms.remove(&buf));
}

/// Whether attachment `attachment` still feeds terminal `buf`.
fn is_current(buf: i32, attachment: u64) -> bool {
    with_terms(|terms| terms.get(&buf).is_some_and(|t| t.attachment == attachment)).unwrap_or(false)
}

/// Attach to a terminal buffer and start following it.
pub fn attach(buf: &Buffer, hook: Option<std::path::PathBuf>) -> Result<(), String> {
    let handle = buf.handle();
    let is_term =
        api::get_option_value::<String>("buftype", &api::opts::OptionOpts::builder().buffer(buf.clone()).build())
            .map_err(|e| e.to_string())?;
    if is_term != "terminal" {
        return Err(format!("buffer {handle} is not a terminal"));
    }
    let stable_ms = with_state(|s| Ok(s.cfg.auto.stable_ms))?;
    let mut follower = ScreenFollower::new(FollowerOptions { stable_ms, ..FollowerOptions::default() });
    // What is on screen already was said before we came: only what comes next is heard.
    let lines: Vec<String> =
        buf.get_lines(.., false).map_err(|e| e.to_string())?.map(|l| l.to_string_lossy().into_owned()).collect();
    follower.on_lines(0, 0, lines, Instant::now());
    follower.skip_existing(Instant::now());
    let attachment = TERMINALS.with(|t| {
        let mut t = t.borrow_mut();
        t.attachments += 1;
        let attachment = t.attachments;
        t.terms.insert(
            handle,
            Term {
                follower,
                transcript: Transcript::start(buf, hook),
                attachment,
                held: Vec::new(),
                log: Log::new(),
                recorder: None,
            },
        );
        attachment
    });
    let opts = BufAttachOpts::builder()
        .on_lines(move |(_, buf, _tick, first, last_old, last_new, _, _, _): api::opts::OnLinesArgs| {
            catch_unwind(AssertUnwindSafe(|| on_lines(&buf, attachment, first, last_old, last_new))).unwrap_or(true)
        })
        .on_detach(move |(_, buf): api::opts::OnDetachArgs| {
            if is_current(buf.handle(), attachment) {
                detach(buf.handle());
            }
            false
        })
        .build();
    if let Err(e) = buf.attach(false, &opts) {
        with_terms(|terms| terms.remove(&handle));
        return Err(format!("cannot attach to buffer {handle}: {e}"));
    }
    start_timer();
    // Speech is coming: load the translator now rather than at the first sentence.
    let _ = with_state(|s| {
        s.worker.warm_up();
        Ok(())
    });
    Ok(())
}

/// Returns true to detach.
fn on_lines(buf: &Buffer, attachment: u64, first: usize, last_old: usize, last_new: usize) -> bool {
    let handle = buf.handle();
    if !is_current(handle, attachment) {
        return true;
    }
    let lines: Vec<String> = match buf.get_lines(first..last_new, false) {
        Ok(lines) => lines.map(|l| l.to_string_lossy().into_owned()).collect(),
        Err(_) => return false,
    };
    with_terms(|terms| {
        if let Some(term) = terms.get_mut(&handle) {
            if let Some(r) = &term.recorder {
                r.change(first, last_old, &lines);
            }
            term.follower.on_lines(first, last_old, lines, Instant::now());
        }
    });
    false
}

/// Starts the poll timer on the first attach. It is never stopped: nvim-oxi cannot close
/// or restart a libuv timer, so one made per attach would stay on the loop for good; while
/// nothing is attached its callback returns at once.
fn start_timer() {
    if TERMINALS.with(|t| t.borrow().timer.is_some()) {
        return;
    }
    // The timer callback is a libuv (fast) context: do the work in `schedule`.
    let timer = TimerHandle::start(POLL, POLL, |_| {
        if with_terms(|terms| !terms.is_empty()).unwrap_or(false) {
            nvim_oxi::schedule(|_| {
                let _ = catch_unwind(tick);
            })
        }
    });
    if timer.is_ok() {
        super::made_handle();
    }
    TERMINALS.with(|t| t.borrow_mut().timer = timer.ok());
}

/// Poll every follower and queue what it heard.
fn tick() {
    let now = Instant::now();
    let heard: Vec<(i32, Vec<Say>)> = with_terms(|terms| {
        terms
            .iter_mut()
            .map(|(buf, term)| {
                let mut items = std::mem::take(&mut term.held);
                let heard = term.follower.poll(now);
                items.extend(match term.transcript.as_mut() {
                    Some(t) => t.reconcile(heard, now, &mut term.log),
                    None => plain(heard, now, &mut term.log),
                });
                // After what is heard now: those sentences come first, and go first.
                for s in term.follower.take_likely() {
                    term.log.add(now, format_args!("likely, prepared ahead: {s}"));
                    items.push(Say::Prepare(s));
                }
                (*buf, items)
            })
            .filter(|(_, h)| !h.is_empty())
            .collect()
    })
    .unwrap_or_default();
    for (buf, mut items) in heard {
        if super::is_busy() {
            items.drain(..items.len().saturating_sub(MAX_HELD));
            with_terms(|terms| terms.get_mut(&buf).map(|term| term.held = items));
            continue;
        }
        let result = with_state(|s| {
            let cfg = s.cfg.auto.clone();
            let mut warnings = Vec::new();
            for item in items {
                match item {
                    Say::Prompt if s.cfg.auto.interrupt_on_prompt => s.worker.stop(),
                    Say::Prompt => {}
                    Say::Tool(_) if !cfg.narrate_tools => {}
                    Say::Tool(kind) => warnings.extend(queue(s, buf, &cfg, kind.phrase().to_string())),
                    Say::Sentence(sentence) => warnings.extend(queue(s, buf, &cfg, sentence)),
                    Say::Retract(sentence) => retract(s, buf, &sentence),
                    Say::Prepare(sentence) if cfg.speculate => {
                        let text = redacted(s, &sentence);
                        s.worker.prepare(text)
                    }
                    Say::Prepare(_) => {}
                }
            }
            // One message per kind of trouble, not one per sentence.
            warnings.dedup();
            Ok(warnings)
        });
        for w in result.unwrap_or_default() {
            events::notify_warn(&w);
        }
    }
}

/// Queues what terminal `buf` said, making room in its backlog first; a full queue is a warning.
fn queue(s: &mut State, buf: i32, cfg: &AutoConfig, text: String) -> Option<String> {
    // Cleaning a screen sentence may join what its unit's redaction saw apart: once more.
    let text = redacted(s, &text);
    keep_up(s, buf, cfg, policy::estimate_ms(text.len()));
    super::enqueue(s, text, Some(buf)).err().map(|e| super::refused(&e))
}

/// A terminal's sentence as it is queued (and so as history holds it).
fn redacted(s: &State, sentence: &str) -> String {
    if s.cfg.redact {
        crate::text::redact::redact(sentence).into_owned()
    } else {
        sentence.to_owned()
    }
}

/// Drops a sentence of terminal `buf` that is still waiting to be spoken.
fn retract(s: &mut State, buf: i32, sentence: &str) {
    let source = redacted(s, sentence);
    let waiting = s
        .session
        .history
        .entries()
        .filter(|e| e.terminal == Some(buf) && e.source == source)
        .filter(|e| matches!(e.status, Status::Queued | Status::Synthesizing | Status::Ready))
        .map(|e| e.id)
        .last();
    if let Some(id) = waiting {
        s.worker.discard([id]);
    }
}

fn keep_up(s: &mut State, buf: i32, cfg: &AutoConfig, incoming_ms: f64) {
    let waiting = s
        .session
        .history
        .entries()
        .filter(|e| e.terminal == Some(buf))
        .filter(|e| matches!(e.status, Status::Queued | Status::Synthesizing | Status::Ready))
        .map(|e| (e.id, e.timings_ms.audio.unwrap_or_else(|| policy::estimate_ms(e.source.len()))));
    let drop = policy::to_drop(waiting, incoming_ms, cfg.max_backlog_s * 1000.0);
    if !drop.is_empty() {
        s.worker.discard(drop);
    }
}

/// Attach terminals whose command matches `auto.patterns` as they open.
pub fn install_autocmd(patterns: Vec<String>) -> Result<(), String> {
    let group = api::create_augroup("speakja_auto", &CreateAugroupOpts::builder().clear(true).build())
        .map_err(|e| e.to_string())?;
    if patterns.is_empty() {
        return Ok(());
    }
    let opts = CreateAutocmdOpts::builder()
        .group(group)
        .desc("speakja: auto-speak matching terminals")
        .callback(move |args: api::types::AutocmdCallbackArgs| {
            let _ = catch_unwind(AssertUnwindSafe(|| {
                let argv = job_argv(&args.buffer, &args.file.to_string_lossy());
                if policy::runs_program(&argv, &patterns) {
                    if let Err(e) = attach(&args.buffer, None) {
                        events::notify_warn(&e);
                    }
                }
            }));
            false
        })
        .build();
    api::create_autocmd(["TermOpen"], &opts).map_err(|e| e.to_string())?;
    Ok(())
}

/// The argv of a terminal's job, else the words of what the buffer name tells
/// (`term://{cwd}//{pid}:{command}`).
fn job_argv(buf: &Buffer, name: &str) -> Vec<String> {
    let opts = api::opts::OptionOpts::builder().buffer(buf.clone()).build();
    // Read as plain objects: nvim-oxi's typed ChannelInfos rejects terminal channels.
    let argv: Vec<String> = api::get_option_value::<i64>("channel", &opts)
        .ok()
        .and_then(|chan| api::call_function::<_, Dictionary>("nvim_get_chan_info", (chan,)).ok())
        .and_then(|info| info.get("argv").cloned())
        .and_then(|argv| Array::from_object(argv).ok())
        .map(|a| {
            a.into_iter()
                .filter_map(|o| nvim_oxi::String::from_object(o).ok())
                .map(|s| s.to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    if argv.is_empty() {
        policy::terminal_command(name).unwrap_or_default().split_whitespace().map(str::to_owned).collect()
    } else {
        argv
    }
}

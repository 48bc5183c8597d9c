//! The only place that talks to Neovim: the Lua module's functions, event delivery back
//! onto the main loop, notifications and `User` autocmds.

mod events;
mod guard;
mod health;
mod terminal;

use std::cell::RefCell;
use std::collections::HashMap;

use nvim_oxi::Dictionary;
use serde::Serialize;
use serde_json::Value;

use crate::config::Config;
use crate::session::{PartState, Session};
use crate::text;
use crate::worker::{Origin, Part, Refused, Worker};
use guard::{function, text_arg, Arg, Reply};

/// What the plugin keeps between calls about its worker. Lives on Neovim's main thread
/// only. The editor-side pieces have one owner each, beside it rather than in it, because
/// Neovim calls back into them while this state is in use: the worker link
/// (`events::LINK`), the followed terminals and their timer (`terminal::TERMINALS`), the
/// the actions waiting for the Lua UI (`events::OUTBOX`).
struct State {
    /// Which `setup()` this is; events from an older worker are ignored.
    epoch: u64,
    cfg: Config,
    worker: Worker,
    /// History, how the parts loaded: updated only by `Session::apply`.
    session: Session,
}

thread_local! {
    static STATE: RefCell<Option<State>> = const { RefCell::new(None) };
}

/// libuv handles made so far: counted where each is made, reported by `status()`.
static HANDLES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

fn made_handle() {
    HANDLES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
}

/// Is the state borrowed (a call into the plugin from inside one)?
fn is_busy() -> bool {
    STATE.with(|s| s.try_borrow_mut().is_err())
}

/// Run `f` on the state; an error when `setup()` has not run.
fn with_state<T>(f: impl FnOnce(&mut State) -> Result<T, String>) -> Result<T, String> {
    STATE.with(|s| {
        let mut s = s.try_borrow_mut().map_err(|_| "speakja is busy (re-entrant call)".to_string())?;
        let st = s.as_mut().ok_or_else(|| "call require('speakja').setup() first".to_string())?;
        f(st)
    })
}

pub(super) fn to_value<T: Serialize>(v: &T) -> Reply {
    serde_json::to_value(v).map_err(|e| e.to_string())
}

/// The table `require("speakja_native")` returns.
pub fn module() -> Dictionary {
    guard::quiet_panics();
    let mut m = Dictionary::new();
    m.insert("version", env!("CARGO_PKG_VERSION"));
    m.insert("setup", function(setup));
    m.insert("speak", function(speak));
    m.insert("replay", function(replay));
    // The sayable sentences of a text, as `speak()` and auto-speak cut and clean them.
    m.insert(
        "sentences",
        function(|arg| {
            let text = text_arg(arg)?.ok_or("sentences() needs a string")?;
            // Cut on the main thread: bounded like speak()'s largest text.
            if text.len() > 1 << 20 {
                return Err(format!("text is too long ({} bytes; 1 MiB at most)", text.len()));
            }
            let redact = with_state(|s| Ok(s.cfg.redact)).unwrap_or(true);
            Ok(Value::from(text::Redacted::new(&text, redact).sentences().collect::<Vec<_>>()))
        }),
    );
    m.insert(
        "stop",
        function(|_| {
            with_state(|s| {
                s.worker.stop();
                Ok(Value::Null)
            })
        }),
    );
    m.insert(
        "skip",
        function(|_| {
            with_state(|s| {
                s.worker.skip();
                Ok(Value::Null)
            })
        }),
    );
    m.insert("history", function(|_| with_state(|s| to_value(&s.session.history.entries().collect::<Vec<_>>()))));
    m.insert("status", function(|_| with_state(|s| to_value(&status(s)))));
    // Every option with its default: the one schema `types.lua` and the help are checked against.
    m.insert("defaults", function(|_| to_value(&Config::default())));
    m.insert("health", function(health::report));
    m.insert("auto", function(terminal::auto));
    m.insert(
        "cache_clear",
        function(|_| {
            let cfg = with_state(|s| Ok(s.cfg.clone()))?;
            crate::cache::clear(&cfg).map(Value::from).map_err(|e| format!("{e:#}"))
        }),
    );
    m.insert("statusline", function(|_| Ok(Value::from(statusline()))));
    m
}

/// `setup(json)`: check the options, then (re)start the worker with them. Reset: speech
/// (stopped), the queue, history, the parts (loaded again), the float. Kept: terminals
/// followed for auto-speak (with the new `auto` options; nothing heard is said again),
/// the event handle and poll timer (one each per process).
fn setup(arg: Arg) -> Reply {
    let json = text_arg(arg)?.unwrap_or_default();
    let cfg = Config::from_json(&json)?;
    // Checked before any thread starts: a worker started for nothing would still load.
    if is_busy() {
        return Err("speakja is busy (re-entrant call)".into());
    }
    if cfg.redact {
        std::thread::spawn(text::redact::prepare);
    }
    // The pronunciation dictionary's pages in memory before the first sentence needs them.
    std::thread::spawn(text::readings::prepare);
    let (tx, rx) = crossbeam_channel::bounded(1024);
    let (wake, epoch) = events::connect(rx)?;
    let worker = Worker::start(&cfg, tx, wake).map_err(|e| format!("cannot start the worker: {e}"))?;
    terminal::install_autocmd(cfg.auto.patterns.clone())?;
    terminal::reconfigure(&cfg.auto);
    STATE.with(|s| {
        let mut s = s.try_borrow_mut().map_err(|_| "speakja is busy (re-entrant call)".to_string())?;
        let session = Session::new(cfg.history_size, cfg.ui.float);
        // Dropping the old state stops its worker; its threads wind down on their own.
        *s = Some(State { epoch, cfg, worker, session });
        Ok(Value::Null)
    })
}

/// `speak(text)`: split into sentences and queue them. Returns how many were queued.
fn speak(arg: Arg) -> Reply {
    let text = text_arg(arg)?.ok_or("speak() needs a string")?;
    with_state(|s| {
        if text.len() > s.cfg.max_text_bytes {
            return Err(format!("text is too long ({} bytes; max_text_bytes is {})", text.len(), s.cfg.max_text_bytes));
        }
        let text = text::Redacted::new(&text, s.cfg.redact);
        // Punctuation or control characters alone are nothing to say.
        let mut sentences = text.sentences().peekable();
        if sentences.peek().is_none() {
            return Err("nothing to say: the text has no words".into());
        }
        let mut queued = 0;
        // Lazily cut: once the queue is full, the rest of the text is never scanned.
        let any_terminal = s.session.history.entries().any(|e| e.terminal.is_some());
        for sentence in sentences {
            // A terminal's sentence yanked from history into :SpeakJa is still a terminal's.
            let terminal = if any_terminal { terminal_of(s, &sentence) } else { None };
            match enqueue(s, sentence, terminal) {
                Ok(_) => queued += 1,
                Err(e) if queued == 0 => return Err(refused(&e)),
                Err(e) => {
                    return Ok((
                        queued,
                        Some(format!("{}; {queued} sentence(s) queued, the rest dropped", refused(&e))),
                    ))
                }
            }
        }
        Ok((queued, None))
    })
    .map(|(queued, warning)| {
        // Notified once the state is released: a notify handler may call back in.
        if let Some(w) = warning {
            events::notify_warn(&w);
        }
        Value::from(queued)
    })
}

/// The terminal a sentence was heard in, if history has it (as heard or as translated):
/// reach follows the text, not the path it takes back in.
/// History holds redacted text, and so does anything yanked from it: compared as it is.
fn terminal_of(s: &State, sentence: &str) -> Option<i32> {
    let same = |t: &str| t == sentence;
    s.session
        .history
        .entries()
        .filter(|e| e.terminal.is_some())
        .find(|e| same(&e.source) || e.text.as_deref().is_some_and(same) || e.spoken.as_deref().is_some_and(same))
        .and_then(|e| e.terminal)
}

/// `replay(id)`: speak history entry `id` again, from where it came: a terminal's sentence
/// stays a terminal's (offline unless `auto.online`), whatever path asks for it again.
fn replay(arg: Arg) -> Reply {
    let id: u64 = text_arg(arg)?.and_then(|t| t.trim().parse().ok()).ok_or("replay() needs an entry id")?;
    with_state(|s| {
        let entry = s.session.history.entries().find(|e| e.id == id).ok_or(format!("no history entry {id}"))?;
        let (source, terminal) = (entry.source.clone(), entry.terminal);
        enqueue(s, source, terminal).map_err(|e| refused(&e))
    })
    .map(Value::from)
}

/// Why a sentence was not queued, with what to do about it in the editor.
fn refused(e: &Refused) -> String {
    match e {
        Refused::Full(_) => format!("{e}; try :SpeakJaStop"),
        Refused::Dead => format!("{e}; run :checkhealth speakja"),
    }
}

/// The one way a sentence reaches the worker. It comes redacted already (through
/// `text::Redacted`, from history, or from a terminal's `queue`), so the translator, the
/// cache, history and the float only ever see the placeholder.
fn enqueue(s: &mut State, sentence: String, terminal: Option<i32>) -> Result<u64, Refused> {
    let origin = if terminal.is_some() { Origin::Terminal } else { Origin::Command };
    let id = s.worker.speak(sentence.clone(), origin)?;
    events::post([s.session.queued(id, sentence, terminal)]);
    Ok(id)
}

#[derive(Serialize)]
struct Status<'a> {
    version: &'static str,
    worker_alive: bool,
    queued: usize,
    pending: usize,
    playing: Option<&'a str>,
    parts: HashMap<Part, PartStatus<'a>>,
    /// Terminal buffers auto-speak follows.
    terminals: Vec<i32>,
    /// Where each followed terminal's words come from: its session file, or the screen alone.
    sources: Vec<terminal::Source>,
    /// libuv handles the plugin has made (nvim-oxi cannot close one, so each stays).
    handles: usize,
    /// Terminal sentences prepared ahead, later heard, and thrown away (`auto.speculate`).
    speculation: crate::worker::Speculation,
}

#[derive(Serialize)]
struct PartStatus<'a> {
    ok: bool,
    /// Working, but not as asked: why.
    degraded: Option<&'a str>,
    detail: &'a str,
}

fn status(s: &State) -> Status<'_> {
    Status {
        version: env!("CARGO_PKG_VERSION"),
        worker_alive: s.worker.is_alive(),
        queued: s.worker.queued(),
        pending: s.session.history.pending(),
        playing: s.session.history.playing().and_then(|e| e.text.as_deref()),
        terminals: terminal::attached(),
        sources: terminal::sources(),
        handles: HANDLES.load(std::sync::atomic::Ordering::Relaxed),
        speculation: s.worker.speculation(),
        parts: s
            .session
            .parts
            .iter()
            .map(|(p, state)| {
                let degraded = match state {
                    PartState::Degraded { why, .. } => Some(why.as_str()),
                    _ => None,
                };
                (*p, PartStatus { ok: state.is_ok(), degraded, detail: state.detail() })
            })
            .collect(),
    }
}

/// What a statusline shows: the sentence being spoken, shortened; empty when silent.
fn statusline() -> String {
    const MAX: usize = 40;
    let text = STATE.with(|s| s.try_borrow().ok()?.as_ref()?.session.history.playing().and_then(|e| e.text.clone()));
    match text {
        Some(t) if t.chars().count() > MAX => {
            format!("♪ {}…", t.chars().take(MAX).collect::<String>())
        }
        Some(t) => format!("♪ {t}"),
        None => String::new(),
    }
}

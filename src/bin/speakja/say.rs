//! `speakja say`: text from the command line or standard input, through the plugin's own
//! pipeline (the same redaction, cutting and worker as `:SpeakJa`). Standard input is
//! spoken as it arrives; a long text waits for room in the queue instead of failing.

use std::collections::VecDeque;
use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use clap::Args;
use crossbeam_channel::{select, Receiver};
use speakja::config::{self as plugin, SinkKind, TranslatorEngine};
use speakja::history::{History, Status};
use speakja::text::Redacted;
use speakja::worker::{Event, Origin, Refused, Worker};

use super::parse_option;

#[derive(Args)]
pub struct SayArgs {
    /// Directory with voice/ and the NLLB model.
    #[arg(long, default_value = "models")]
    models: PathBuf,
    /// auto, none or nllb.
    #[arg(long, default_value = "auto", value_parser = parse_option::<TranslatorEngine>)]
    translator: TranslatorEngine,
    /// Write one WAV file per sentence here instead of playing. Without it, speech
    /// plays on the sound device, or lands in <tmp>/speakja-<uid> (private) when there is none.
    #[arg(long)]
    wav_dir: Option<PathBuf>,
    /// Speaking rate (tts.speed): 1.0 is the voice's own.
    #[arg(long, default_value_t = 1.0)]
    speed: f64,
    /// The text; `-` (or nothing, with a pipe) reads standard input as it arrives.
    text: Vec<String>,
}

/// What the exit status says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Exit {
    /// Every sentence was spoken.
    Spoken = 0,
    /// Nothing started: a bad option, or the worker could not start.
    NotStarted = 1,
    /// The text has no words.
    NothingToSay = 2,
    /// Some sentences failed (each is printed with its error).
    SomeFailed = 3,
    /// The worker stopped on its way.
    WorkerStopped = 4,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> Self {
        ExitCode::from(e as u8)
    }
}

/// Where the text comes from.
enum Input {
    Args(String),
    Stdin(Receiver<Option<String>>),
}

/// A paragraph longer than this is spoken without waiting for its end.
const MAX_PENDING_TEXT: usize = 4 << 10;

pub fn run(a: SayArgs) -> ExitCode {
    let input = match a.text.as_slice() {
        [one] if one == "-" => Input::Stdin(read_lines()),
        [] if !std::io::stdin().is_terminal() => Input::Stdin(read_lines()),
        [] => {
            eprintln!("speakja: nothing to say: give the text, or `-` to read standard input");
            return Exit::NothingToSay.into();
        }
        words => Input::Args(words.join(" ")),
    };
    let mut cfg = plugin::Config { models_dir: Some(a.models), ..plugin::Config::default() };
    cfg.translator.engine = a.translator;
    cfg.tts.speed = a.speed;
    match a.wav_dir {
        Some(dir) => {
            cfg.audio.sink = SinkKind::Wav;
            cfg.audio.wav_dir = Some(dir);
        }
        // One private directory per user: another user of a shared /tmp can neither read
        // what was spoken nor plant links in it.
        None => cfg.audio.wav_dir = Some(std::env::temp_dir().join(format!("speakja-{}", user_id()))),
    }
    let (tx, events) = crossbeam_channel::bounded(1024);
    let worker = match Worker::start(&cfg, tx, Arc::new(|| {})) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("speakja: cannot start: {e}");
            return Exit::NotStarted.into();
        }
    };
    Speaker { worker, events, history: History::new(cfg.queue_size * 4), waiting: VecDeque::new(), redact: cfg.redact }
        .run(input)
        .into()
}

/// Standard input, line by line, on a thread of its own; `None` at its end.
fn read_lines() -> Receiver<Option<String>> {
    let (tx, rx) = crossbeam_channel::bounded(64);
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            if tx.send(Some(line)).is_err() {
                return;
            }
        }
        let _ = tx.send(None);
    });
    rx
}

struct Speaker {
    worker: Worker,
    events: Receiver<Event>,
    history: History,
    /// Sentences cut and redacted, waiting for room in the queue.
    waiting: VecDeque<String>,
    redact: bool,
}

impl Speaker {
    fn run(mut self, input: Input) -> Exit {
        let started = Instant::now();
        let (mut any, mut failed) = (false, 0usize);
        let lines = match input {
            Input::Args(text) => {
                self.cut(&text);
                None
            }
            Input::Stdin(rx) => Some(rx),
        };
        let mut lines = lines;
        let mut paragraph = String::new();
        loop {
            if let Err(Refused::Dead) = self.feed() {
                eprintln!("speakja: the speech worker stopped");
                return Exit::WorkerStopped;
            }
            any |= self.history.entries().next().is_some();
            if lines.is_none() && self.waiting.is_empty() && self.history.pending() == 0 {
                break;
            }
            let never = crossbeam_channel::never();
            select! {
                recv(lines.as_ref().unwrap_or(&never)) -> line => match line.ok().flatten() {
                    Some(line) => self.take_line(&mut paragraph, line),
                    None => {
                        self.cut(&std::mem::take(&mut paragraph));
                        lines = None;
                    }
                },
                recv(self.events) -> ev => {
                    let Ok(ev) = ev else { return Exit::WorkerStopped };
                    failed += self.report(ev, started);
                }
            }
        }
        match (any, failed) {
            (false, _) => {
                eprintln!("speakja: nothing to say: the text has no words");
                Exit::NothingToSay
            }
            (true, 0) => Exit::Spoken,
            (true, n) => {
                eprintln!("speakja: {n} sentence(s) failed");
                Exit::SomeFailed
            }
        }
    }

    /// A line of standard input: a paragraph is spoken once it ends (a blank line), or as
    /// soon as it ends a sentence, so what is piped in slowly is heard as it comes.
    fn take_line(&mut self, paragraph: &mut String, line: String) {
        if line.trim().is_empty() {
            self.cut(&std::mem::take(paragraph));
            return;
        }
        if !paragraph.is_empty() {
            paragraph.push('\n');
        }
        paragraph.push_str(&line);
        let ends = paragraph.trim_end().ends_with(['.', '!', '?', ':', '。', '！', '？']);
        if ends || paragraph.len() > MAX_PENDING_TEXT {
            self.cut(&std::mem::take(paragraph));
        }
    }

    /// Text into sentences to speak, through the one front end.
    fn cut(&mut self, text: &str) {
        self.waiting.extend(Redacted::new(text, self.redact).sentences());
    }

    /// Queue what waits while there is room; a full queue is not an error here.
    fn feed(&mut self) -> Result<(), Refused> {
        while let Some(s) = self.waiting.pop_front() {
            match self.worker.speak(s.clone(), Origin::Command) {
                Ok(id) => {
                    self.history.queued(id, s, None);
                }
                Err(Refused::Full(_)) => {
                    self.waiting.push_front(s);
                    return Ok(());
                }
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Tell what happened; returns 1 for a sentence that failed.
    fn report(&mut self, ev: Event, started: Instant) -> usize {
        if let Event::Ready { part, result } = &ev {
            let after = started.elapsed().as_millis();
            match result {
                Ok(d) => eprintln!("speakja: {part:?} ready after {after} ms: {d}"),
                Err(e) => eprintln!("speakja: {part:?} unavailable after {after} ms: {e}"),
            }
        }
        let Some(e) = self.history.apply(&ev) else { return 0 };
        if let Ok(line) = serde_json::to_string(e) {
            println!("{line}");
        }
        usize::from(e.status == Status::Failed)
    }
}

fn user_id() -> u32 {
    #[cfg(unix)]
    // SAFETY: getuid has no preconditions and cannot fail.
    return unsafe { libc::getuid() };
    #[cfg(not(unix))]
    0
}

//! The pipeline off the main thread: translate → synthesize → play, one thread per stage,
//! bounded queues between them, so sentence N+1 is translated while N is synthesized and
//! N−1 plays. Models and voices are loaded once by their thread and stay resident.
//!
//! Cancellation is a generation counter that every stage checks: `stop()` bumps it and
//! everything queued under the old generation is dropped where it stands.

use std::collections::HashSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{bounded, Receiver, Sender, TrySendError};

use crate::audio::{self, Audio, Switch};
use crate::cancel::{Cancel, EngineError, Interrupt, Refusal};
use crate::config::{Config, LoadTime, TranslatorEngine};
use crate::translate::Translation;
use crate::tts::{Fallback, Reach, Synthesis, Voice};
use crate::{engines, text, translate};

/// Wakes the consumer of events (in Neovim: a libuv async handle).
pub type Wake = Arc<dyn Fn() + Send + Sync>;

/// Which part of the worker an announcement is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Part {
    Translator,
    Voice,
    Audio,
}

/// How one utterance ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Done,
    Stopped,
    /// Discarded unspoken so speech could keep up.
    Dropped,
    Failed,
}

/// What the worker tells the main thread. Every utterance gets exactly one `Finished`.
#[derive(Debug, Clone)]
pub enum Event {
    /// A part loaded (`Ok(description)`) or could not (`Err(reason)`); it works as asked
    /// until a `Degraded` says otherwise.
    Ready {
        part: Part,
        result: Result<String, String>,
    },
    /// Loading of a slow part (the NLLB model) has begun.
    Loading {
        part: Part,
        what: String,
    },
    /// A part works, but not as asked (e.g. no audio device: playing to a null sink).
    Degraded {
        part: Part,
        why: String,
    },
    Translated {
        id: u64,
        translation: Translation,
        ms: f64,
    },
    /// `spoken`: the exact text handed to the voice (code words in katakana).
    Synthesized {
        id: u64,
        voice: Voice,
        cached: bool,
        fallbacks: Vec<Fallback>,
        spoken: String,
        ms: f64,
        audio_ms: f64,
    },
    Playing {
        id: u64,
        first_audio_ms: f64,
        /// When its first audible sample went out (the voice's own lead-in skipped).
        first_sound_ms: f64,
    },
    Finished {
        id: u64,
        outcome: Outcome,
        error: Option<String>,
        file: Option<String>,
    },
}

/// Where a sentence came from: it decides whether its text may go online.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// `:SpeakJa`, the operator, `speak()`: the user chose this text.
    Command,
    /// Auto-speak of a terminal: online only with `auto.online`.
    Terminal,
}

struct Job {
    id: u64,
    generation: u64,
    enqueued: Instant,
    source: String,
    reach: Reach,
}

impl AsRef<Job> for Job {
    fn as_ref(&self) -> &Job {
        self
    }
}

/// Translate and synthesize ahead, never play: a terminal sentence that looks complete and
/// may be heard soon (to the synthesis stage: its translation). Its results wait in
/// [`Prepared`] for the job that follows. Each stage takes one only when no job waits: a
/// sentence to be heard never waits behind work ahead.
struct Prepare {
    generation: u64,
    text: String,
}

/// What the translate stage does ahead of any sentence.
enum Early {
    /// Load the translator now: speech is about to be asked for.
    Load,
    Prepare(Prepare),
}

/// Sentences prepared ahead that may wait: a screen's worth.
const PREPARES: usize = 8;

/// Work done ahead, by key, oldest first, at most `AHEAD` entries: the prepared sentences
/// not heard yet, and (for translations) the sentences translated lately, so a sentence
/// already said is not prepared again.
struct Prepared<T> {
    entries: std::collections::VecDeque<Made<T>>,
}

struct Made<T> {
    key: String,
    value: T,
    /// Made by a `Prepare`, and not used yet.
    unused: bool,
}

/// Entries [`Prepared`] keeps: more than the sentences a screen shows before they are heard.
const AHEAD: usize = 16;

impl<T: Clone> Prepared<T> {
    fn new() -> Self {
        Self { entries: std::collections::VecDeque::new() }
    }

    fn contains(&self, key: &str) -> bool {
        self.entries.iter().any(|m| m.key == key)
    }

    /// The value for `key`, and whether it was made ahead and is used now for the first time.
    fn get(&mut self, key: &str) -> Option<(T, bool)> {
        let m = self.entries.iter_mut().rev().find(|m| m.key == key)?;
        Some((m.value.clone(), std::mem::take(&mut m.unused)))
    }

    fn put(&mut self, key: String, value: T, ahead: bool) {
        if self.entries.len() == AHEAD {
            self.entries.pop_front();
        }
        self.entries.push_back(Made { key, value, unused: ahead });
    }
}

/// How speculation fares, for `status()`: sentences prepared ahead, and those of them later
/// heard (their work was used); the others changed, or are still to come.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Speculation {
    pub prepared: u64,
    pub used: u64,
}

struct Spoken {
    job: Job,
    audio: Audio,
}

impl AsRef<Job> for Spoken {
    fn as_ref(&self) -> &Job {
        &self.job
    }
}

impl AsRef<Job> for (Job, String) {
    fn as_ref(&self) -> &Job {
        &self.0
    }
}

/// Shared by the stages: where events go and what was cancelled.
#[derive(Clone)]
struct Shared {
    events: Sender<Event>,
    wake: Wake,
    generation: Arc<AtomicU64>,
    /// Id of the utterance `skip()` aborts; 0 = none.
    skip: Arc<AtomicU64>,
    /// Id of the utterance now playing; 0 = none.
    playing: Arc<AtomicU64>,
    /// Queued utterances to throw away unspoken.
    discarded: Arc<Mutex<HashSet<u64>>>,
    /// Utterances queued and not yet finished: a skip pressed between two of them
    /// applies to the next one to play.
    in_flight: Arc<AtomicUsize>,
    /// Set when the worker is dropped (a new `setup()`): a model load in progress is abandoned.
    closed: Arc<AtomicBool>,
    speculation: Arc<Mutex<Speculation>>,
    /// What the translate stage works on (a sentence queued may interrupt work ahead).
    translating: Arc<Working>,
}

/// `skip` value meaning "the next utterance to play".
const SKIP_NEXT: u64 = u64::MAX;

impl Shared {
    fn send(&self, ev: Event) {
        if matches!(ev, Event::Finished { .. }) {
            self.in_flight.fetch_sub(1, Ordering::AcqRel);
        }
        // Blocks only if Neovim stopped draining for a long time; that stalls this
        // thread, never the editor.
        if self.events.send(ev).is_ok() {
            (self.wake)();
        }
    }

    /// Reports and returns true when `job` must not go on (stopped or discarded).
    fn dropped(&self, job: &Job) -> bool {
        // Taken out first whatever happens, so the set only holds ids still on their way.
        let discarded = self.discarded.lock().map(|mut d| d.remove(&job.id)).unwrap_or(false);
        if self.generation.load(Ordering::Acquire) != job.generation {
            self.finish(job.id, Outcome::Stopped, None);
            return true;
        }
        if discarded {
            self.finish(job.id, Outcome::Dropped, Some("dropped unspoken to keep up".into()));
        }
        discarded
    }

    /// Runs `load` unless the worker was replaced while waiting its turn: the loads of one
    /// part run one at a time in the process, so a burst of `setup()` calls loads only what
    /// the last one keeps (parts of one worker still load side by side).
    fn loading<T>(&self, part: Part, load: impl FnOnce() -> T) -> Option<T> {
        static TURNS: [Mutex<()>; 3] = [Mutex::new(()), Mutex::new(()), Mutex::new(())];
        let _turn = TURNS[part as usize].lock().unwrap_or_else(|e| e.into_inner());
        (!self.closed.load(Ordering::Acquire)).then(load)
    }

    /// An interrupt for a stage's engine: true once a stop came after the job the stage
    /// is working on, or, while it works ahead, once a sentence other than the one it
    /// prepares is queued: work ahead never holds up a sentence to be heard (it was a guess;
    /// its own job does it if needed), and the sentence it prepares is left to finish.
    fn interrupt(&self, working: &Arc<Working>) -> Interrupt {
        let (generation, working) = (self.generation.clone(), working.clone());
        Arc::new(move || {
            generation.load(Ordering::Acquire) != working.generation.load(Ordering::Acquire)
                || (working.ahead.load(Ordering::Acquire) && working.wanted_elsewhere.load(Ordering::Acquire))
        })
    }

    fn finish(&self, id: u64, outcome: Outcome, error: Option<String>) {
        self.send(Event::Finished { id, outcome, error, file: None });
    }
}

/// What a stage's engine is working on, for its interrupt.
#[derive(Default)]
struct Working {
    /// The generation of its job (or of the work ahead).
    generation: AtomicU64,
    ahead: AtomicBool,
    /// The sentence the translate stage prepares now...
    preparing: Mutex<Option<String>>,
    /// ...and whether another was queued since it began.
    wanted_elsewhere: AtomicBool,
}

impl Working {
    fn on(&self, generation: u64, ahead: bool) {
        self.generation.store(generation, Ordering::Release);
        self.ahead.store(ahead, Ordering::Release);
    }

    fn preparing(&self, source: Option<&str>) {
        if let Ok(mut p) = self.preparing.lock() {
            *p = source.map(str::to_owned);
        }
        self.wanted_elsewhere.store(false, Ordering::Release);
    }

    /// `sentence` was queued.
    fn queued(&self, sentence: &str) {
        if self.preparing.lock().is_ok_and(|p| p.as_deref().is_some_and(|p| p != sentence)) {
            self.wanted_elsewhere.store(true, Ordering::Release);
        }
    }
}

/// Silence kept before a voice's first audible sample, so its attack is whole...
const LEAD_IN: Duration = Duration::from_millis(20);
/// ...and after its last: the pause between two sentences.
const PAUSE_AFTER: Duration = Duration::from_millis(180);

/// Utterance ids are unique in the process, across workers replaced by `setup()`.
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

pub struct Worker {
    jobs: Sender<Job>,
    early: Sender<Early>,
    shared: Shared,
    /// `auto.online`: may terminal text reach an online voice?
    online_terminals: bool,
    threads: Vec<JoinHandle<()>>,
    alive: Arc<AtomicBool>,
}

/// Why `speak` refused a sentence.
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    #[error("speech queue is full ({0} sentences waiting)")]
    Full(usize),
    #[error("the speech worker has stopped")]
    Dead,
}

impl Worker {
    /// Start the three stage threads. Events go to `events`; `wake` is called after each.
    pub fn start(cfg: &Config, events: Sender<Event>, wake: Wake) -> std::io::Result<Self> {
        let shared = Shared {
            events,
            wake,
            generation: Arc::new(AtomicU64::new(1)),
            skip: Arc::new(AtomicU64::new(0)),
            playing: Arc::new(AtomicU64::new(0)),
            discarded: Arc::default(),
            in_flight: Arc::default(),
            closed: Arc::default(),
            speculation: Arc::default(),
            translating: Arc::default(),
        };
        let alive = Arc::new(AtomicBool::new(true));
        let (jobs_tx, jobs_rx) = bounded::<Job>(cfg.queue_size);
        let (early_tx, early_rx) = bounded::<Early>(PREPARES);
        // Small queues between stages: enough to overlap work, not to pile it up.
        let (text_tx, text_rx) = bounded::<(Job, String)>(1);
        let (translated_tx, translated_rx) = bounded::<Prepare>(PREPARES);
        let (audio_tx, audio_rx) = bounded::<Spoken>(1);

        // Translation and synthesis yield the CPU to the editor; playback does not, so
        // that a stop is heard at once.
        let spawn = |name: &str, background: bool, f: Box<dyn FnOnce() + Send>| {
            let alive = alive.clone();
            std::thread::Builder::new().name(name.into()).spawn(move || {
                if background {
                    lower_priority();
                }
                f();
                alive.store(false, Ordering::Release);
            })
        };
        let threads = vec![
            spawn("speakja-translate", true, {
                let (cfg, s) = (cfg.clone(), shared.clone());
                Box::new(move || translate_stage(&cfg, &s, (jobs_rx, early_rx), (text_tx, translated_tx)))
            })?,
            spawn("speakja-synth", true, {
                let (cfg, s) = (cfg.clone(), shared.clone());
                Box::new(move || synth_stage(&cfg, &s, (text_rx, translated_rx), audio_tx))
            })?,
            spawn("speakja-audio", false, {
                let (cfg, s) = (cfg.clone(), shared.clone());
                Box::new(move || audio_stage(&cfg, &s, (audio_rx, crossbeam_channel::never())))
            })?,
        ];
        Ok(Self { jobs: jobs_tx, early: early_tx, shared, online_terminals: cfg.auto.online, threads, alive })
    }

    /// Queue one sentence; returns its id. Never blocks.
    pub fn speak(&mut self, sentence: String, origin: Origin) -> Result<u64, Refused> {
        if !self.is_alive() {
            return Err(Refused::Dead);
        }
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        let reach = match origin {
            Origin::Terminal if !self.online_terminals => Reach::Offline,
            _ => Reach::Online,
        };
        let job = Job {
            id,
            generation: self.shared.generation.load(Ordering::Acquire),
            enqueued: Instant::now(),
            source: sentence,
            reach,
        };
        self.shared.in_flight.fetch_add(1, Ordering::AcqRel);
        self.shared.translating.queued(&job.source);
        let refused = match self.jobs.try_send(job) {
            Ok(()) => return Ok(id),
            Err(TrySendError::Full(_)) => Refused::Full(self.jobs.len()),
            Err(TrySendError::Disconnected(_)) => Refused::Dead,
        };
        self.shared.in_flight.fetch_sub(1, Ordering::AcqRel);
        Err(refused)
    }

    /// Translate and synthesize `sentence` ahead (a terminal's, so never online), without
    /// playing it: a `speak` of the same text soon after finds the work done. Skipped when
    /// `PREPARES` already wait.
    pub fn prepare(&self, sentence: String) {
        if self.is_alive() {
            let generation = self.shared.generation.load(Ordering::Acquire);
            let _ = self.early.try_send(Early::Prepare(Prepare { generation, text: sentence }));
        }
    }

    pub fn speculation(&self) -> Speculation {
        self.shared.speculation.lock().map(|s| *s).unwrap_or_default()
    }

    /// Load the translator now if `translator.load` put it off (a full queue is already
    /// going to load it).
    pub fn warm_up(&self) {
        let _ = self.early.try_send(Early::Load);
    }

    /// Silence what plays and drop everything queued.
    pub fn stop(&self) {
        self.shared.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// Abort the utterance playing now; the queue goes on. Between two utterances, the
    /// next one to play is skipped: the press is not lost.
    pub fn skip(&self) {
        let playing = self.shared.playing.load(Ordering::Acquire);
        let target = match playing {
            0 if self.shared.in_flight.load(Ordering::Acquire) > 0 => SKIP_NEXT,
            id => id,
        };
        self.shared.skip.store(target, Ordering::Release);
    }

    /// Throw away queued utterances before they are spoken (a playing one is not cut).
    pub fn discard(&self, ids: impl IntoIterator<Item = u64>) {
        if let Ok(mut d) = self.shared.discarded.lock() {
            d.extend(ids);
        }
    }

    /// Sentences waiting to be translated.
    pub fn queued(&self) -> usize {
        self.jobs.len()
    }

    pub fn is_alive(&self) -> bool {
        self.alive.load(Ordering::Acquire) && self.threads.iter().all(|t| !t.is_finished())
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        // Threads end once their input channel closes; nobody waits for them here,
        // so dropping never blocks the editor.
        self.shared.closed.store(true, Ordering::Release);
        self.stop();
    }
}

/// Speech work yields the CPU to the editor: on a 2-core machine a synthesis burst must
/// not delay Neovim's own loop.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: plain syscalls on the calling thread; a failure only leaves the priority as is.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t, 10);
    }
}

/// Run one item's work, turning a panic into an error so one bad sentence never
/// takes the thread down.
fn guarded<T, E: From<anyhow::Error>>(f: impl FnOnce() -> Result<T, E>) -> Result<T, E> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|p| {
        let msg = p
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| p.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        Err(anyhow::anyhow!("internal error: {msg}").into())
    })
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The translate stage's engine, loaded once: at startup, or when first needed
/// (`translator.load`).
struct Translating<'a> {
    cfg: &'a Config,
    s: &'a Shared,
    /// `None` until loaded; `Some(None)` when the load failed.
    engine: Option<Option<Box<dyn translate::Translator>>>,
    /// `auto` without a model speaks English as it is: said once, with the fix.
    untranslated_told: bool,
}

impl Translating<'_> {
    fn load(&mut self) -> Option<&mut Box<dyn translate::Translator>> {
        let (cfg, s) = (self.cfg, self.s);
        self.engine
            .get_or_insert_with(|| {
                if translate::selected(cfg) == TranslatorEngine::Nllb {
                    s.send(Event::Loading { part: Part::Translator, what: translate::describe(cfg) });
                }
                let closed = || s.closed.load(Ordering::Acquire);
                // Not one at a time: a model load is long, and ends early by itself once replaced.
                let engine = guarded(|| engines::translator(cfg, &closed)).map(|mut t| {
                    t.interrupt_with(s.interrupt(&s.translating));
                    t
                });
                let result = engine.as_ref().map(|t| t.describe()).map_err(|e| format!("{e:#}"));
                s.send(Event::Ready { part: Part::Translator, result });
                engine.ok()
            })
            .as_mut()
    }

    fn translate(&mut self, source: &str, generation: u64, ahead: bool) -> Result<Translation, EngineError> {
        self.s.translating.on(generation, ahead);
        if text::is_japanese(source) {
            // Already Japanese: never translated.
            return Ok(Translation::new(source.to_owned(), translate::Kind::None));
        }
        let (cfg, s) = (self.cfg, self.s);
        let told = std::mem::replace(&mut self.untranslated_told, true);
        let engine = self.load();
        if !told && engine.as_ref().is_some_and(|t| t.kind() == translate::Kind::None) {
            let why = format!(
                "no NLLB model in {}: English is spoken untranslated (:SpeakJaFetch or \
                 scripts/fetch-model; :help speakja-translator-model)",
                cfg.nllb_model_dir().display()
            );
            s.send(Event::Degraded { part: Part::Translator, why });
        }
        match engine {
            Some(t) => guarded(|| t.translate(source, &cfg.source_lang, &cfg.target_lang)),
            None => Err(Refusal::NoTranslator.into()),
        }
    }
}

impl Shared {
    fn speculated(&self, f: impl FnOnce(&mut Speculation)) {
        if let Ok(mut sp) = self.speculation.lock() {
            f(&mut sp);
        }
    }
}

/// What became of a job at a stage, when it did not fail.
enum Flow {
    Next,
    /// The next stage is gone (the worker is shutting down): this one ends too.
    Closed,
}

/// The loop every stage runs, over jobs (`input`) and work ahead of them (`ahead`), jobs
/// first. A job stopped or discarded is passed over (and reported once); `work` does the
/// stage's part and sends it on; its error ends the job, as failed unless a stop caused it.
fn run_stage<I: AsRef<Job>, A>(
    s: &Shared,
    what: &str,
    (input, mut ahead): (Receiver<I>, Receiver<A>),
    mut early: impl FnMut(A),
    mut work: impl FnMut(I) -> Result<Flow, EngineError>,
) {
    loop {
        let item = crossbeam_channel::select_biased! {
            recv(input) -> item => match item {
                Ok(item) => item,
                Err(_) => return,
            },
            recv(ahead) -> a => {
                match a {
                    Ok(a) => early(a),
                    // The stage before ended first: what it sent is still to be done.
                    Err(_) => ahead = crossbeam_channel::never(),
                }
                continue;
            }
        };
        if s.dropped(item.as_ref()) {
            continue;
        }
        let (id, generation) = (item.as_ref().id, item.as_ref().generation);
        match work(item) {
            Ok(Flow::Next) => {}
            Ok(Flow::Closed) => return,
            // Abandoned mid-sentence by a stop (the engine's `Stopped`, or anything it gave
            // up with once the stop came): reported as stopped, not as a failure.
            Err(_) if s.generation.load(Ordering::Acquire) != generation => s.finish(id, Outcome::Stopped, None),
            Err(e) => s.finish(id, Outcome::Failed, Some(format!("{what}: {e:#}"))),
        }
    }
}

/// `Next`, or `Closed` when the next stage is gone.
fn pass<T>(out: &Sender<T>, item: T) -> Flow {
    match out.send(item) {
        Ok(()) => Flow::Next,
        Err(_) => Flow::Closed,
    }
}

fn translate_stage(
    cfg: &Config,
    s: &Shared,
    input: (Receiver<Job>, Receiver<Early>),
    (out, ahead_out): (Sender<(Job, String)>, Sender<Prepare>),
) {
    let untranslated_told = cfg.translator.engine != TranslatorEngine::Auto;
    let t = Translating { cfg, s, engine: None, untranslated_told };
    let t = std::cell::RefCell::new(t);
    if cfg.translator.load == LoadTime::Startup {
        t.borrow_mut().load();
    }
    let prepared = std::cell::RefCell::new(Prepared::<Translation>::new());
    let early = |e: Early| {
        let Early::Prepare(Prepare { generation, text: source }) = e else {
            t.borrow_mut().load();
            return;
        };
        if generation != s.generation.load(Ordering::Acquire) || prepared.borrow().contains(&source) {
            return;
        }
        s.translating.preparing(Some(&source));
        let translated = t.borrow_mut().translate(&source, generation, true);
        s.translating.preparing(None);
        let Ok(translation) = translated else { return };
        let text = translation.text.clone();
        prepared.borrow_mut().put(source, translation, true);
        s.speculated(|sp| sp.prepared += 1);
        // Never waits: with the synthesis behind, this one is not worth a delay.
        if !text.trim().is_empty() {
            let _ = ahead_out.try_send(Prepare { generation, text });
        }
    };
    run_stage(s, "translate", input, early, |job: Job| {
        let started = Instant::now();
        let made = prepared.borrow_mut().get(&job.source);
        let translation = match made {
            Some((translation, first_use)) => {
                s.speculated(|sp| sp.used += u64::from(first_use));
                translation
            }
            None => {
                let translation = t.borrow_mut().translate(&job.source, job.generation, false)?;
                prepared.borrow_mut().put(job.source.clone(), translation.clone(), false);
                translation
            }
        };
        if translation.text.trim().is_empty() {
            return Err(EngineError::Failed(anyhow::anyhow!("the translation came out empty")));
        }
        let text = translation.text.clone();
        s.send(Event::Translated { id: job.id, translation, ms: ms(started.elapsed()) });
        Ok(pass(&out, (job, text)))
    });
}

fn synth_stage(cfg: &Config, s: &Shared, input: (Receiver<(Job, String)>, Receiver<Prepare>), out: Sender<Spoken>) {
    let working = Arc::new(Working::default());
    let readings = text::readings::Readings::new(cfg.tts.readings.clone());
    let Some(opened) = s.loading(Part::Voice, || guarded(|| engines::voice(cfg))) else { return };
    let mut voice = match opened {
        Ok((mut v, desc)) => {
            v.interrupt_with(s.interrupt(&working));
            s.send(Event::Ready { part: Part::Voice, result: Ok(desc) });
            Some(v)
        }
        Err(e) => {
            s.send(Event::Ready { part: Part::Voice, result: Err(format!("{e:#}")) });
            None
        }
    };
    // Work ahead (`ahead`) is the offline voice's; a job's is for its own reach.
    let synthesize = std::cell::RefCell::new(move |text: &str, reach: Reach, generation: u64, ahead: bool| {
        working.on(generation, ahead);
        match voice.as_mut() {
            // Speech starts at once and sentences follow closely: voices pad each
            // utterance with a third of a second of silence at both ends.
            Some(v) => guarded(|| v.synthesize(text, reach))
                .map(|syn| Synthesis { audio: syn.audio.trimmed(LEAD_IN, PAUSE_AFTER), ..syn }),
            None => Err(Refusal::NoVoice.into()),
        }
    });
    // Prepared speech, by the text the voice was given: always the offline voice's.
    let prepared = std::cell::RefCell::new(Prepared::<Synthesis>::new());
    let early = |Prepare { generation, text }| {
        let spoken = readings.spoken(&text);
        if generation == s.generation.load(Ordering::Acquire) && !prepared.borrow().contains(&spoken) {
            if let Ok(syn) = (synthesize.borrow_mut())(&spoken, Reach::Offline, generation, true) {
                prepared.borrow_mut().put(spoken, syn, true);
            }
        }
    };
    run_stage(s, "synthesize", input, early, |(job, text): (Job, String)| {
        let started = Instant::now();
        let spoken = readings.spoken(&text);
        let made = prepared.borrow_mut().get(&spoken).filter(|_| job.reach == Reach::Offline);
        let Synthesis { audio, voice, cached, fallbacks } = match made {
            Some((syn, _)) => syn,
            None => (synthesize.borrow_mut())(&spoken, job.reach, job.generation, false)?,
        };
        let audio_ms = ms(audio.duration());
        let ms = ms(started.elapsed());
        s.send(Event::Synthesized { id: job.id, voice, cached, fallbacks, spoken, ms, audio_ms });
        Ok(pass(&out, Spoken { job, audio }))
    });
}

fn audio_stage(cfg: &Config, s: &Shared, input: (Receiver<Spoken>, Receiver<()>)) {
    let Some(opened) = s.loading(Part::Audio, || guarded(|| audio::open(&cfg.audio))) else { return };
    let mut sink = match opened {
        Ok((sink, fallback)) => {
            // Ready names the sink actually opened; a fallback is then told as degraded.
            s.send(Event::Ready { part: Part::Audio, result: Ok(sink.name()) });
            if let Some(why) = fallback {
                s.send(Event::Degraded {
                    part: Part::Audio,
                    why: format!("{why}; playing to the {} sink", sink.name()),
                });
            }
            Some(sink)
        }
        Err(e) => {
            s.send(Event::Ready { part: Part::Audio, result: Err(format!("{e:#}")) });
            None
        }
    };
    run_stage(
        s,
        "audio",
        input,
        |()| {},
        |spoken: Spoken| {
            let job = &spoken.job;
            let sink = sink.as_mut().ok_or(Refusal::NoAudio)?;
            let cancel = Cancel::new(s.generation.clone(), job.generation, s.skip.clone(), job.id);
            // A skip pressed while nothing played is this utterance's.
            let _ = s.skip.compare_exchange(SKIP_NEXT, job.id, Ordering::AcqRel, Ordering::Acquire);
            s.playing.store(job.id, Ordering::Release);
            let onset =
                spoken.audio.onset().map_or(0.0, |i| i as f64 * 1000.0 / f64::from(spoken.audio.sample_rate.max(1)));
            let mut started = || {
                let first_audio_ms = ms(job.enqueued.elapsed());
                s.send(Event::Playing { id: job.id, first_audio_ms, first_sound_ms: first_audio_ms + onset })
            };
            let result = guarded(|| sink.play(&spoken.audio, &cancel, &mut started));
            s.playing.store(0, Ordering::Release);
            let p = result?;
            match &p.switched {
                Some(Switch::Lost(why)) => s.send(Event::Degraded {
                    part: Part::Audio,
                    why: format!("{why}; playing to {} until the device returns", sink.name()),
                }),
                Some(Switch::Back) => s.send(Event::Ready { part: Part::Audio, result: Ok(sink.name()) }),
                None => {}
            }
            s.send(Event::Finished {
                id: job.id,
                outcome: if p.completed { Outcome::Done } else { Outcome::Stopped },
                error: None,
                file: p.file.map(|f| f.display().to_string()),
            });
            Ok(Flow::Next)
        },
    );
}

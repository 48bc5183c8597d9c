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

/// What the translate stage is asked for.
enum Request {
    Speak(Job),
    /// Load the translator now: speech is about to be asked for.
    WarmUp,
}

/// Translate and synthesize ahead, never play: a terminal sentence that looks complete and
/// may be heard soon (to the synthesis stage: its translation). Its results wait in
/// [`Ahead`] for the `Speak` that follows. Each stage takes one only when nothing to be
/// heard waits: a sentence to be heard never waits behind work ahead.
struct Prepare {
    generation: u64,
    text: String,
}

/// Sentences prepared ahead that may wait: a screen's worth.
const PREPARES: usize = 8;

/// Work done ahead, by key, oldest first, at most `AHEAD` entries: the prepared sentences
/// not heard yet, and (for translations) the sentences translated lately, so a sentence
/// already said is not prepared again.
struct Ahead<T> {
    entries: std::collections::VecDeque<Made<T>>,
}

struct Made<T> {
    key: String,
    value: T,
    /// Made by a `Prepare`, and not used yet.
    unused: bool,
}

/// Entries [`Ahead`] keeps: more than the sentences a screen shows before they are heard.
const AHEAD: usize = 16;

impl<T: Clone> Ahead<T> {
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
    /// is working on (`current` holds that job's generation).
    fn interrupt(&self, current: &Arc<AtomicU64>) -> Interrupt {
        let (generation, current) = (self.generation.clone(), current.clone());
        Arc::new(move || generation.load(Ordering::Acquire) != current.load(Ordering::Acquire))
    }

    fn finish(&self, id: u64, outcome: Outcome, error: Option<String>) {
        self.send(Event::Finished { id, outcome, error, file: None });
    }
}

/// Silence kept before a voice's first audible sample, so its attack is whole...
const LEAD_IN: Duration = Duration::from_millis(20);
/// ...and after its last: the pause between two sentences.
const PAUSE_AFTER: Duration = Duration::from_millis(180);

/// Utterance ids are unique in the process, across workers replaced by `setup()`.
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

pub struct Worker {
    jobs: Sender<Request>,
    prepares: Sender<Prepare>,
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
        };
        let alive = Arc::new(AtomicBool::new(true));
        let (jobs_tx, jobs_rx) = bounded::<Request>(cfg.queue_size);
        let (prepares_tx, prepares_rx) = bounded::<Prepare>(PREPARES);
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
                Box::new(move || translate_stage(&cfg, &s, (jobs_rx, prepares_rx), (text_tx, translated_tx)))
            })?,
            spawn("speakja-synth", true, {
                let (cfg, s) = (cfg.clone(), shared.clone());
                Box::new(move || synth_stage(&cfg, &s, (text_rx, translated_rx), audio_tx))
            })?,
            spawn("speakja-audio", false, {
                let (cfg, s) = (cfg.clone(), shared.clone());
                Box::new(move || audio_stage(&cfg, &s, audio_rx))
            })?,
        ];
        Ok(Self { jobs: jobs_tx, prepares: prepares_tx, shared, online_terminals: cfg.auto.online, threads, alive })
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
        let refused = match self.jobs.try_send(Request::Speak(job)) {
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
            let _ = self.prepares.try_send(Prepare { generation, text: sentence });
        }
    }

    pub fn speculation(&self) -> Speculation {
        self.shared.speculation.lock().map(|s| *s).unwrap_or_default()
    }

    /// Load the translator now if `translator.load` put it off (a full queue is already
    /// going to load it).
    pub fn warm_up(&self) {
        let _ = self.jobs.try_send(Request::WarmUp);
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
    /// The generation of the sentence being translated: a stop after it interrupts the engine.
    current: Arc<AtomicU64>,
    /// `None` until loaded; `Some(None)` when the load failed.
    engine: Option<Option<Box<dyn translate::Translator>>>,
    /// `auto` without a model speaks English as it is: said once, with the fix.
    untranslated_told: bool,
}

impl Translating<'_> {
    fn load(&mut self) -> Option<&mut Box<dyn translate::Translator>> {
        let (cfg, s, current) = (self.cfg, self.s, &self.current);
        self.engine
            .get_or_insert_with(|| {
                if translate::selected(cfg) == TranslatorEngine::Nllb {
                    s.send(Event::Loading { part: Part::Translator, what: translate::describe(cfg) });
                }
                let closed = || s.closed.load(Ordering::Acquire);
                // Not one at a time: a model load is long, and ends early by itself once replaced.
                let engine = guarded(|| engines::translator(cfg, &closed)).map(|mut t| {
                    t.interrupt_with(s.interrupt(current));
                    t
                });
                let result = engine.as_ref().map(|t| t.describe()).map_err(|e| format!("{e:#}"));
                s.send(Event::Ready { part: Part::Translator, result });
                engine.ok()
            })
            .as_mut()
    }

    fn translate(&mut self, source: &str, generation: u64) -> Result<Translation, EngineError> {
        self.current.store(generation, Ordering::Release);
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

fn translate_stage(
    cfg: &Config,
    s: &Shared,
    (requests, prepares): (Receiver<Request>, Receiver<Prepare>),
    (out, ahead_out): (Sender<(Job, String)>, Sender<Prepare>),
) {
    let untranslated_told = cfg.translator.engine != TranslatorEngine::Auto;
    let mut t = Translating { cfg, s, current: Arc::new(AtomicU64::new(0)), engine: None, untranslated_told };
    if cfg.translator.load == LoadTime::Startup {
        t.load();
    }
    let mut ahead = Ahead::<Translation>::new();
    loop {
        // Sentences to be heard first; work ahead only when none waits.
        let request = crossbeam_channel::select_biased! {
            recv(requests) -> r => r,
            recv(prepares) -> p => match p {
                Ok(Prepare { generation, text: source }) => {
                    if generation != s.generation.load(Ordering::Acquire) || ahead.contains(&source) {
                        continue;
                    }
                    let Ok(translation) = t.translate(&source, generation) else { continue };
                    let text = translation.text.clone();
                    ahead.put(source, translation, true);
                    s.speculated(|sp| sp.prepared += 1);
                    // Never waits: with the synthesis behind, this one is not worth a delay.
                    if !text.trim().is_empty() {
                        let _ = ahead_out.try_send(Prepare { generation, text });
                    }
                    continue;
                }
                Err(_) => return,
            },
        };
        let Ok(request) = request else { return };
        let job = match request {
            Request::Speak(job) => job,
            Request::WarmUp => {
                t.load();
                continue;
            }
        };
        if s.dropped(&job) {
            continue;
        }
        let started = Instant::now();
        let result = match ahead.get(&job.source) {
            Some((translation, first_use)) => {
                s.speculated(|sp| sp.used += u64::from(first_use));
                Ok(translation)
            }
            None => t
                .translate(&job.source, job.generation)
                .inspect(|translation| ahead.put(job.source.clone(), translation.clone(), false)),
        };
        match result {
            Ok(translation) if !translation.text.trim().is_empty() => {
                let text = translation.text.clone();
                s.send(Event::Translated { id: job.id, translation, ms: ms(started.elapsed()) });
                if out.send((job, text)).is_err() {
                    return;
                }
            }
            // Abandoned mid-sentence by a stop: reported as stopped, not as a failure.
            Err(EngineError::Stopped) if s.dropped(&job) => {}
            Ok(_) => s.finish(job.id, Outcome::Failed, Some("translation came out empty".into())),
            Err(e) => s.finish(job.id, Outcome::Failed, Some(format!("translate: {e:#}"))),
        }
    }
}

fn synth_stage(
    cfg: &Config,
    s: &Shared,
    (input, prepares): (Receiver<(Job, String)>, Receiver<Prepare>),
    out: Sender<Spoken>,
) {
    let current = Arc::new(AtomicU64::new(0));
    let readings = text::readings::Readings::new(cfg.tts.readings.clone());
    let Some(opened) = s.loading(Part::Voice, || guarded(|| engines::voice(cfg))) else { return };
    let mut voice = match opened {
        Ok((mut v, desc)) => {
            v.interrupt_with(s.interrupt(&current));
            s.send(Event::Ready { part: Part::Voice, result: Ok(desc) });
            Some(v)
        }
        Err(e) => {
            s.send(Event::Ready { part: Part::Voice, result: Err(format!("{e:#}")) });
            None
        }
    };
    // Prepared speech, by the text the voice was given: always the offline voice's.
    let mut ahead = Ahead::<Synthesis>::new();
    let mut synthesize = |text: &str, reach: Reach, generation: u64| {
        current.store(generation, Ordering::Release);
        match voice.as_mut() {
            // Speech starts at once and sentences follow closely: voices pad each
            // utterance with a third of a second of silence at both ends.
            Some(v) => guarded(|| v.synthesize(text, reach))
                .map(|syn| Synthesis { audio: syn.audio.trimmed(LEAD_IN, PAUSE_AFTER), ..syn }),
            None => Err(Refusal::NoVoice.into()),
        }
    };
    loop {
        // As in the translate stage: what is to be heard first.
        let item = crossbeam_channel::select_biased! {
            recv(input) -> item => item,
            recv(prepares) -> p => match p {
                Ok(Prepare { generation, text }) => {
                    let spoken = readings.spoken(&text);
                    if generation == s.generation.load(Ordering::Acquire) && !ahead.contains(&spoken) {
                        if let Ok(syn) = synthesize(&spoken, Reach::Offline, generation) {
                            ahead.put(spoken, syn, true);
                        }
                    }
                    continue;
                }
                Err(_) => return,
            },
        };
        let Ok((job, text)) = item else { return };
        if s.dropped(&job) {
            continue;
        }
        let started = Instant::now();
        let spoken = readings.spoken(&text);
        let result = match ahead.get(&spoken).filter(|_| job.reach == Reach::Offline) {
            Some((syn, _)) => Ok(syn),
            None => synthesize(&spoken, job.reach, job.generation),
        };
        match result {
            Ok(Synthesis { audio, voice, cached, fallbacks }) => {
                let audio_ms = ms(audio.duration());
                let ms = ms(started.elapsed());
                s.send(Event::Synthesized { id: job.id, voice, cached, fallbacks, spoken, ms, audio_ms });
                if out.send(Spoken { job, audio }).is_err() {
                    return;
                }
            }
            Err(EngineError::Stopped) if s.dropped(&job) => {}
            Err(e) => s.finish(job.id, Outcome::Failed, Some(format!("synthesize: {e:#}"))),
        }
    }
}

fn audio_stage(cfg: &Config, s: &Shared, input: Receiver<Spoken>) {
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
    for spoken in input {
        let job = &spoken.job;
        if s.dropped(job) {
            continue;
        }
        let Some(sink) = sink.as_mut() else {
            s.finish(job.id, Outcome::Failed, Some("no audio output (see :checkhealth speakja)".into()));
            continue;
        };
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
        match result {
            Ok(p) => {
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
                })
            }
            Err(e) => s.finish(job.id, Outcome::Failed, Some(format!("audio: {e:#}"))),
        }
    }
}

//! The device sink against a real sound server (issue #12): a private PulseAudio with a null
//! sink, played into through ALSA's pulse plugin (as rodio/cpal play on a desktop), its
//! monitor recorded by `parec`. Needs `pulseaudio`, `pulseaudio-utils` and
//! `libasound2-plugins` (`.ci/run` installs them).
//!
//! Prints the latency figures `bench/latency.sh` reports: run with `--nocapture`.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

use crossbeam_channel::Receiver;
use speakja::config::{Config, SinkKind};
use speakja::worker::{Event, Origin, Outcome, Part, Worker};
use support::worker_config;

mod support;

/// Recording rate: the voice's own, so lengths compare sample for sample.
const RATE: u32 = 48_000;
/// A recorded sample this loud (|s| ≥ 300 of 32767, −41 dBFS) is sound.
const LOUD: i16 = 300;

/// The tests share the process's `PULSE_SERVER`: one at a time.
fn one_at_a_time() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

struct Pulse {
    dir: PathBuf,
    child: Option<Child>,
}

impl Pulse {
    /// A private server in its own runtime directory, with a null sink `speakja`.
    fn start(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("speakja-pulse-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let mut p = Self { dir, child: None };
        p.restart();
        // Clients of this process (ALSA's pulse plugin, parec) find it here.
        std::env::set_var("PULSE_SERVER", p.server());
        p
    }

    fn server(&self) -> String {
        format!("unix:{}", self.dir.join("native").display())
    }

    fn restart(&mut self) {
        let socket = self.dir.join("native");
        let _ = std::fs::remove_file(&socket);
        let child = Command::new("pulseaudio")
            .args(["--daemonize=no", "-n", "--exit-idle-time=-1", "--use-pid-file=no", "--log-target=stderr"])
            .arg(format!("--load=module-native-protocol-unix socket={} auth-anonymous=1", socket.display()))
            .arg(format!("--load=module-null-sink sink_name=speakja rate={RATE} channels=1"))
            .env("XDG_RUNTIME_DIR", &self.dir)
            .env("PULSE_RUNTIME_PATH", self.dir.join("runtime"))
            .env("HOME", &self.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("pulseaudio is not installed (apt install pulseaudio pulseaudio-utils libasound2-plugins)");
        self.child = Some(child);
        let end = Instant::now() + Duration::from_secs(10);
        while !socket.exists() {
            assert!(Instant::now() < end, "pulseaudio did not start");
            thread::sleep(Duration::from_millis(20));
        }
        thread::sleep(Duration::from_millis(200));
    }

    /// Freezes (`STOP`) or thaws (`CONT`) the server: a hung sound server, not a dead one.
    fn signal(&self, sig: &str) {
        let pid = self.child.as_ref().expect("the server is not running").id();
        let ok = Command::new("kill").arg(format!("-{sig}")).arg(pid.to_string()).status().unwrap().success();
        assert!(ok, "kill -{sig} {pid}");
    }

    /// The server dies as a crash would take it.
    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Pulse {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Recorded samples, each chunk with the moment it was read.
type Chunks = Arc<Mutex<Vec<(Instant, Vec<i16>)>>>;

/// The sink's monitor, as it arrives: each chunk with the moment it was read.
struct Recording {
    child: Child,
    /// Plays silence, so the null sink runs (and its monitor flows) before speech starts.
    keep_running: Child,
    chunks: Chunks,
}

fn record() -> Recording {
    let keep_running = Command::new("pacat")
        .args(["--playback", "-d", "speakja", "--raw", "--format=s16le", "--channels=1", "--latency-msec=20"])
        .arg(format!("--rate={RATE}"))
        .arg("/dev/zero")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("pacat is not installed (apt install pulseaudio-utils)");
    let mut child = Command::new("parec")
        .args(["-d", "speakja.monitor", "--format=s16le", "--channels=1", "--raw", "--latency-msec=5"])
        .arg(format!("--rate={RATE}"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("parec is not installed (apt install pulseaudio-utils)");
    let mut out = child.stdout.take().unwrap();
    let chunks = Arc::new(Mutex::new(Vec::new()));
    let sink = chunks.clone();
    thread::spawn(move || {
        let mut buf = vec![0u8; 960];
        while let Ok(n) = out.read(&mut buf) {
            if n == 0 {
                break;
            }
            let samples = buf[..n - n % 2].chunks_exact(2).map(|b| i16::from_le_bytes([b[0], b[1]])).collect();
            sink.lock().unwrap().push((Instant::now(), samples));
        }
    });
    // parec takes most of a second to start streaming: times count from then on.
    let end = Instant::now() + Duration::from_secs(10);
    while chunks.lock().unwrap().is_empty() {
        assert!(Instant::now() < end, "parec records nothing");
        thread::sleep(Duration::from_millis(10));
    }
    thread::sleep(Duration::from_millis(200));
    Recording { child, keep_running, chunks }
}

/// A stretch of sound: when its first and last loud samples were heard.
#[derive(Debug, Clone, Copy)]
struct Sound {
    start: Instant,
    end: Instant,
}

impl Sound {
    fn len(&self) -> Duration {
        self.end - self.start
    }
}

impl Recording {
    /// The loud stretches, joined across silences shorter than `join`. A sample's time is
    /// its chunk's arrival less the samples after it in the chunk.
    fn sounds(&self, join: Duration) -> Vec<Sound> {
        let chunks = self.chunks.lock().unwrap();
        let mut out: Vec<Sound> = Vec::new();
        for (at, samples) in chunks.iter() {
            for (i, s) in samples.iter().enumerate() {
                if s.unsigned_abs() < LOUD as u16 {
                    continue;
                }
                let t = *at - Duration::from_secs_f64((samples.len() - i) as f64 / f64::from(RATE));
                match out.last_mut() {
                    Some(last) if t.saturating_duration_since(last.end) < join => last.end = t,
                    _ => out.push(Sound { start: t, end: t }),
                }
            }
        }
        out
    }

    /// When the first and last chunks arrived, and how many there were.
    fn span(&self) -> (Instant, Instant, usize) {
        let c = self.chunks.lock().unwrap();
        (c.first().map(|c| c.0).unwrap(), c.last().map(|c| c.0).unwrap(), c.len())
    }

    /// The first loud sample heard after `since`.
    fn first_sound_after(&self, since: Instant) -> Option<Instant> {
        self.sounds(Duration::from_millis(1)).into_iter().map(|s| s.start).find(|&t| t >= since)
    }
}

impl Drop for Recording {
    fn drop(&mut self) {
        for c in [&mut self.child, &mut self.keep_running] {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// The device, falling back to WAV files in `fallback`.
fn config(fallback: &Path) -> Config {
    worker_config(SinkKind::Device, Some(fallback))
}

/// Events until utterance `id` finishes (or 30 s).
fn until_finished(rx: &Receiver<Event>, id: u64, seen: &mut Vec<(Instant, Event)>) -> Outcome {
    let end = Instant::now() + Duration::from_secs(30);
    while let Ok(ev) = rx.recv_deadline(end) {
        seen.push((Instant::now(), ev.clone()));
        if let Event::Finished { id: got, outcome, .. } = ev {
            if got == id {
                return outcome;
            }
        }
    }
    panic!("utterance {id} never finished");
}

/// Waits for the device to be open (its `Ready`), so timings leave its opening out.
fn ready(rx: &Receiver<Event>) {
    let end = Instant::now() + Duration::from_secs(10);
    let mut parts = 0;
    while let Ok(ev) = rx.recv_deadline(end) {
        if let Event::Ready { part, result } = ev {
            assert!(result.is_ok(), "{part:?}: {result:?}");
            parts += usize::from(matches!(part, Part::Voice | Part::Audio));
            if parts == 2 {
                return;
            }
        }
    }
    panic!("the voice and the device did not open");
}

fn temp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("speakja-sound-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

const SENTENCES: [&str; 3] = ["こんにちは。", "今日は良い天気です。", "明日は雨が降るでしょう。"];

#[test]
fn every_sentence_arrives_whole_promptly_and_closely_spaced() {
    let _one = one_at_a_time();
    let _pulse = Pulse::start("arrive");
    let rec = record();
    let (tx, rx) = crossbeam_channel::bounded(1024);
    let dir = temp("arrive");
    let mut w = Worker::start(&config(&dir), tx, Arc::new(|| {})).unwrap();
    ready(&rx);
    let asked = Instant::now();
    let ids: Vec<u64> = SENTENCES.iter().map(|s| w.speak((*s).into(), Origin::Command).unwrap()).collect();
    let mut seen = Vec::new();
    for &id in &ids {
        assert_eq!(until_finished(&rx, id, &mut seen), Outcome::Done);
    }
    thread::sleep(Duration::from_millis(300));
    // Pauses inside a sentence are short; between sentences, the trimmed pause.
    let sounds = rec.sounds(Duration::from_millis(150));
    let played: Vec<Duration> =
        seen.iter().filter(|(_, e)| matches!(e, Event::Playing { .. })).map(|(t, _)| *t - asked).collect();
    let heard: Vec<(Duration, Duration)> = sounds.iter().map(|s| (s.start - asked, s.end - asked)).collect();
    let span = rec.span();
    assert_eq!(sounds.len(), SENTENCES.len(), "played at {played:?}, heard {heard:?}; recorded {span:?}");
    let lengths: Vec<f64> = seen
        .iter()
        .filter_map(|(_, e)| match e {
            Event::Synthesized { audio_ms, .. } => Some(*audio_ms),
            _ => None,
        })
        .collect();
    for (sound, audio_ms) in sounds.iter().zip(&lengths) {
        // The sound is the audio less its 20 ms lead-in and 180 ms tail, give or take a
        // quiet attack or release.
        let heard = sound.len().as_secs_f64() * 1000.0;
        let voice = audio_ms - 200.0;
        assert!((heard - voice).abs() < 80.0, "heard {heard:.0} ms of a {voice:.0} ms voice");
    }
    let first = sounds[0].start - asked;

    let gaps: Vec<Duration> = sounds.windows(2).map(|p| p[1].start - p[0].end).collect();
    println!(
        "latency: speak() to first sound {:.0} ms (voice loaded); silence between sentences {:?} ms",
        first.as_secs_f64() * 1000.0,
        gaps.iter().map(|g| (g.as_secs_f64() * 1000.0).round()).collect::<Vec<_>>()
    );
    assert!(first <= Duration::from_millis(120 + 40), "first sound after {first:?} (target 120 ms)");
    assert!(gaps.iter().all(|g| *g <= Duration::from_millis(450)), "gaps {gaps:?} (target ≤ 450 ms)");
}

#[test]
fn a_stop_silences_the_device_within_50_ms() {
    let _one = one_at_a_time();
    let _pulse = Pulse::start("stop");
    let rec = record();
    let (tx, rx) = crossbeam_channel::bounded(1024);
    let dir = temp("stop");
    let mut w = Worker::start(&config(&dir), tx, Arc::new(|| {})).unwrap();
    ready(&rx);
    let asked = Instant::now();
    let id = w
        .speak("今日はとても良い天気なので、公園まで長い散歩に出かけることにしました。".into(), Origin::Command)
        .unwrap();
    let end = Instant::now() + Duration::from_secs(10);
    while rec.first_sound_after(asked).is_none_or(|t| t.elapsed() < Duration::from_millis(400)) {
        assert!(Instant::now() < end, "never heard");
        thread::sleep(Duration::from_millis(5));
    }
    let stopped = Instant::now();
    w.stop();
    let mut seen = Vec::new();
    assert_eq!(until_finished(&rx, id, &mut seen), Outcome::Stopped);
    thread::sleep(Duration::from_millis(500));
    let last = rec.sounds(Duration::from_millis(1)).last().unwrap().end;
    let tail = last.saturating_duration_since(stopped);
    println!("latency: stop to silence {:.0} ms", tail.as_secs_f64() * 1000.0);
    assert!(tail <= Duration::from_millis(50 + 10), "sound went on {tail:?} after the stop (target 50 ms)");
}

#[test]
fn a_sound_server_that_dies_hands_over_once_and_is_used_again_when_back() {
    let _one = one_at_a_time();
    let mut pulse = Pulse::start("crash");
    let rec = record();
    let (tx, rx) = crossbeam_channel::bounded(1024);
    let fallback = temp("crash");
    let mut w = Worker::start(&config(&fallback), tx, Arc::new(|| {})).unwrap();
    ready(&rx);
    let asked = Instant::now();
    let ids: Vec<u64> = SENTENCES.iter().map(|s| w.speak((*s).into(), Origin::Command).unwrap()).collect();
    let end = Instant::now() + Duration::from_secs(10);
    while rec.first_sound_after(asked).is_none() {
        assert!(Instant::now() < end, "never heard");
        thread::sleep(Duration::from_millis(5));
    }
    drop(rec);
    pulse.kill();
    let mut seen = Vec::new();
    for &id in &ids {
        assert_eq!(until_finished(&rx, id, &mut seen), Outcome::Done, "{seen:?}");
    }
    let lost: Vec<&Event> = seen.iter().map(|(_, e)| e).filter(|e| matches!(e, Event::Degraded { .. })).collect();
    assert_eq!(lost.len(), 1, "one message when the server died: {lost:?}");
    let files = std::fs::read_dir(&fallback)
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "wav"))
        .count();
    assert!(files >= 2, "the rest went to the fallback: {files} WAV files");

    // Back again: the device is looked for again (every 2 s) and used. A restarted server
    // may refuse its first new stream; a few sentences later it must be back for good.
    pulse.restart();
    let back = used_again(&mut w, &rx);
    assert!(back, "the server that came back was never used again");
}

/// Whether the device, back, is used again: looked for every 2 s; a restarted server may
/// refuse its first new stream, so a few sentences are tried.
fn used_again(w: &mut Worker, rx: &crossbeam_channel::Receiver<Event>) -> bool {
    let rec = record();
    for _ in 0..3 {
        thread::sleep(Duration::from_millis(2100));
        let asked = Instant::now();
        let id = w.speak("戻りました。".into(), Origin::Command).unwrap();
        let mut seen = Vec::new();
        assert_eq!(until_finished(rx, id, &mut seen), Outcome::Done);
        let ready = seen.iter().any(|(_, e)| matches!(e, Event::Ready { part: Part::Audio, result: Ok(_) }));
        thread::sleep(Duration::from_millis(300));
        if ready && rec.first_sound_after(asked).is_some() {
            return true;
        }
        println!("not back yet: {seen:?}");
    }
    false
}

#[test]
fn cold_start_to_first_sound() {
    let _one = one_at_a_time();
    let pulse = Pulse::start("cold");
    let rec = record();
    let exe = Path::new(env!("CARGO_BIN_EXE_speakja"));
    let models = Path::new(env!("CARGO_MANIFEST_DIR")).join("models");
    // A cold process, with its files in the page cache as after any recent use (this VM
    // gives idle page cache back to its host within seconds, which alone costs ~400 ms).
    for entry in std::fs::read_dir(models.join("voice/naist-jdic")).unwrap() {
        let _ = std::fs::read(entry.unwrap().path());
    }
    let _ = std::fs::read(models.join("voice/mei_normal.htsvoice"));
    let _ = std::fs::read(exe);

    let started = Instant::now();
    let out = Command::new(exe)
        .args(["say", "--translator", "none", "--models"])
        .arg(&models)
        .arg("こんにちは。")
        .env("PULSE_SERVER", pulse.server())
        .env("XDG_CACHE_HOME", temp("cold-cache"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    thread::sleep(Duration::from_millis(200));
    let first = rec.first_sound_after(started).expect("nothing heard") - started;
    println!("latency: cold `speakja say` to first sound {:.0} ms", first.as_secs_f64() * 1000.0);

    assert!(first <= Duration::from_millis(300 + 60), "first sound after {first:?} (target 300 ms)");
}

/// Events until `want` matches one, within `within`; returns it and when it came.
fn until(
    rx: &Receiver<Event>,
    within: Duration,
    seen: &mut Vec<(Instant, Event)>,
    want: impl Fn(&Event) -> bool,
) -> Option<Instant> {
    let end = Instant::now() + within;
    while let Ok(ev) = rx.recv_deadline(end) {
        let now = Instant::now();
        seen.push((now, ev.clone()));
        if want(&ev) {
            return Some(now);
        }
    }
    None
}

const LONG: &str = "今日はとても良い天気なので、公園まで長い散歩に出かけることにしました。";

/// Issue #21: a SIGSTOPped PulseAudio hung a sentence ~38 s, its re-opens blocked again, and
/// `stop()` was not heard for seconds. A frozen server is a lost device: a stop is heard at
/// once, the fallback takes over within a second, and the device is used again once the
/// server runs.
#[test]
fn a_frozen_sound_server_never_delays_a_stop_and_hands_over_within_a_second() {
    let _one = one_at_a_time();
    let pulse = Pulse::start("frozen");
    // Thawed whatever the test does, so the server can be killed and its clients end.
    struct Thaw<'a>(&'a Pulse);
    impl Drop for Thaw<'_> {
        fn drop(&mut self) {
            self.0.signal("CONT");
        }
    }
    let rec = record();
    let (tx, rx) = crossbeam_channel::bounded(1024);
    let fallback = temp("frozen");
    let mut w = Worker::start(&config(&fallback), tx, Arc::new(|| {})).unwrap();
    ready(&rx);
    let is_done = |id: u64| move |e: &Event| matches!(e, Event::Finished { id: got, .. } if *got == id);
    let outcome = |seen: &[(Instant, Event)], id: u64| {
        seen.iter().find_map(|(_, e)| match e {
            Event::Finished { id: got, outcome, .. } if *got == id => Some(*outcome),
            _ => None,
        })
    };
    let mut seen = Vec::new();

    // 1. Frozen mid-sentence: the stop is heard at once.
    let asked = Instant::now();
    let id = w.speak(LONG.into(), Origin::Command).unwrap();
    let end = Instant::now() + Duration::from_secs(10);
    while rec.first_sound_after(asked).is_none_or(|t| t.elapsed() < Duration::from_millis(300)) {
        assert!(Instant::now() < end, "never heard");
        thread::sleep(Duration::from_millis(5));
    }
    drop(rec);
    pulse.signal("STOP");
    let _thaw = Thaw(&pulse);
    thread::sleep(Duration::from_millis(150));
    let stopped = Instant::now();
    w.stop();
    let at = until(&rx, Duration::from_secs(10), &mut seen, is_done(id)).expect("the stopped sentence never finished");
    let stop_ms = (at - stopped).as_secs_f64() * 1000.0;
    println!("frozen server: stop() 150 ms into the freeze heard after {stop_ms:.0} ms");
    assert_eq!(outcome(&seen, id), Some(Outcome::Stopped));
    assert!(stop_ms <= 100.0, "stop() took {stop_ms:.0} ms with the server frozen (target 100 ms)");

    // 2. Still frozen: the next sentences go to the fallback within a second each.
    let ids: Vec<u64> = SENTENCES.iter().map(|s| w.speak((*s).into(), Origin::Command).unwrap()).collect();
    for &id in &ids {
        assert!(until(&rx, Duration::from_secs(30), &mut seen, is_done(id)).is_some(), "{id} never finished");
        let playing = seen.iter().find(|(_, e)| matches!(e, Event::Playing { id: got, .. } if *got == id));
        let audio_ms = seen.iter().find_map(|(_, e)| match e {
            Event::Synthesized { id: got, audio_ms, .. } if *got == id => Some(*audio_ms),
            _ => None,
        });
        let (Some((began, _)), Some(audio_ms)) = (playing, audio_ms) else { panic!("{seen:?}") };
        let took = (seen.last().unwrap().0 - *began).as_secs_f64() * 1000.0;
        println!("frozen server: a {audio_ms:.0} ms sentence finished {took:.0} ms after it began");
        assert_eq!(outcome(&seen, id), Some(Outcome::Done), "{seen:?}");
        assert!(took <= audio_ms + 1000.0, "a {audio_ms:.0} ms sentence took {took:.0} ms: {seen:?}");
    }
    let lost: Vec<&Event> = seen.iter().map(|(_, e)| e).filter(|e| matches!(e, Event::Degraded { .. })).collect();
    assert_eq!(lost.len(), 1, "one message when the server froze: {lost:?}");
    let wavs = || {
        std::fs::read_dir(&fallback)
            .map(|d| d.filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "wav")).count())
            .unwrap_or(0)
    };
    assert!(wavs() >= SENTENCES.len(), "the fallback played them: {} WAV files", wavs());

    // 3. A re-open is due and the server still frozen: it holds up neither the sentence
    //    nor a stop.
    thread::sleep(Duration::from_millis(2100));
    let asked = Instant::now();
    let id = w.speak(LONG.into(), Origin::Command).unwrap();
    let mut mine = Vec::new();
    let playing = |e: &Event| matches!(e, Event::Playing { id: got, .. } if *got == id);
    let began = until(&rx, Duration::from_secs(10), &mut mine, playing).expect("never played");
    let synth_ms = mine.iter().find_map(|(_, e)| match e {
        Event::Synthesized { ms, .. } => Some(*ms),
        _ => None,
    });
    let to_play = (began - asked).as_secs_f64() * 1000.0;
    println!("frozen server, re-open due: speak() to playing {to_play:.0} ms (synthesis {synth_ms:?} ms)");
    assert!(to_play <= synth_ms.unwrap_or(0.0) + 500.0, "a re-open held the sentence up: {mine:?}");
    thread::sleep(Duration::from_millis(300));
    let stopped = Instant::now();
    w.stop();
    let at = until(&rx, Duration::from_secs(10), &mut mine, is_done(id)).expect("the stopped sentence never finished");
    let stop_ms = (at - stopped).as_secs_f64() * 1000.0;
    println!("frozen server, re-open pending: stop() heard after {stop_ms:.0} ms");
    assert_eq!(outcome(&mine, id), Some(Outcome::Stopped));
    assert!(stop_ms <= 100.0, "stop() took {stop_ms:.0} ms with a re-open pending (target 100 ms)");

    // 4. Thawed: the device is used again.
    drop(_thaw);
    let back = used_again(&mut w, &rx);
    assert!(back, "the thawed server was never used again");
}

/// A server frozen before the worker starts: the device's open does not hold speech up past
/// a few seconds (the fallback plays, with one message), and the device is taken once the
/// server runs again.
#[test]
fn a_sound_server_frozen_at_start_is_waited_for_only_briefly() {
    let _one = one_at_a_time();
    let pulse = Pulse::start("frozen-start");
    pulse.signal("STOP");
    let (tx, rx) = crossbeam_channel::bounded(1024);
    let fallback = temp("frozen-start");
    let started = Instant::now();
    let mut w = Worker::start(&config(&fallback), tx, Arc::new(|| {})).unwrap();
    let id = w.speak("こんにちは。".into(), Origin::Command).unwrap();
    let mut seen = Vec::new();
    let outcome = until_finished(&rx, id, &mut seen);
    let took = started.elapsed();
    pulse.signal("CONT");
    println!("frozen at start: first sentence finished after {:.0} ms", took.as_secs_f64() * 1000.0);
    assert_eq!(outcome, Outcome::Done, "{seen:?}");
    assert!(took < Duration::from_secs(6), "took {took:?}: {seen:?}");
    let told: Vec<&Event> = seen.iter().map(|(_, e)| e).filter(|e| matches!(e, Event::Degraded { .. })).collect();
    assert!(
        matches!(&told[..], [Event::Degraded { part: Part::Audio, why }] if why.contains("does not answer")),
        "{told:?}"
    );
    let rec = record();
    let mut back = false;
    for _ in 0..3 {
        let asked = Instant::now();
        let id = w.speak("戻りました。".into(), Origin::Command).unwrap();
        let mut seen = Vec::new();
        assert_eq!(until_finished(&rx, id, &mut seen), Outcome::Done);
        let ready = seen.iter().any(|(_, e)| matches!(e, Event::Ready { part: Part::Audio, result: Ok(_) }));
        thread::sleep(Duration::from_millis(300));
        if ready && rec.first_sound_after(asked).is_some() {
            back = true;
            break;
        }
        println!("not back yet: {seen:?}");
        thread::sleep(Duration::from_millis(2100));
    }
    assert!(back, "the thawed server was never used");
}

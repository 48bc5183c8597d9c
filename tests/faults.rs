//! The fault suite, Rust side (issue #10): stop means stop, text that must stay here stays
//! here, restarts leak no threads, damaged models are errors. The Neovim side is
//! `tests/nvim/faults_spec.lua`.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use crossbeam_channel::Receiver;
use speakja::cancel::{EngineError, Refusal};
use speakja::config::{DeviceChoice, GoogleConfig, SinkKind, WeightFormat};
use speakja::translate::nllb::{GenerateOptions, NllbOptions, NllbTranslator};
use speakja::translate::Translator;
use speakja::tts::{Chain, Google, OpenJtalk, Reach, Tts, Voice};
use speakja::worker::{Event, Origin, Outcome, Worker};
use support::worker_config;

mod support;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn voice() -> Box<dyn Tts> {
    let m = root().join("models/voice");
    assert!(m.join("naist-jdic").is_dir(), "no voice in {} (run scripts/fetch-voice)", m.display());
    Box::new(OpenJtalk::load(&m.join("naist-jdic"), &m.join("mei_normal.htsvoice"), 1.0, 1.0).unwrap())
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("speakja-faults-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A loopback server that records every request and never answers (until the client
/// gives up): what it saw is what would have left the machine.
struct Listener {
    base: String,
    seen: Arc<Mutex<Vec<String>>>,
}

fn listener() -> Listener {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.set_nonblocking(true).unwrap();
    let base = format!("http://{}", l.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    thread::spawn(move || {
        let end = Instant::now() + Duration::from_secs(60);
        while Instant::now() < end {
            match l.accept() {
                Ok((mut s, _)) => {
                    let log = log.clone();
                    thread::spawn(move || {
                        s.set_nonblocking(false).unwrap();
                        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
                        let mut buf = [0u8; 8192];
                        let n = s.read(&mut buf).unwrap_or(0);
                        log.lock().unwrap().push(String::from_utf8_lossy(&buf[..n]).into_owned());
                        thread::sleep(Duration::from_secs(5));
                        let _ = s.write_all(b"HTTP/1.1 503 X\r\nContent-Length: 0\r\n\r\n");
                    });
                }
                Err(_) => thread::sleep(Duration::from_millis(5)),
            }
        }
    });
    Listener { base, seen }
}

fn google_at(base: &str, timeout_ms: u64) -> Google {
    let cfg = GoogleConfig { base_url: base.into(), connect_timeout_ms: 500, timeout_ms, ..GoogleConfig::default() };
    Google::new(&cfg, 1.0).unwrap()
}

#[test]
fn offline_text_never_reaches_an_online_voice() {
    let server = listener();
    let mut alone = google_at(&server.base, 1000);
    let e = alone.synthesize("秘密の文です。", Reach::Offline).unwrap_err();
    assert!(matches!(e, EngineError::Refused(Refusal::Offline)), "{e:#}");
    let mut chain = Chain::new(vec![Box::new(google_at(&server.base, 1000)), voice()], 1, Duration::from_secs(60));
    let spoken = chain.synthesize("秘密の文です。", Reach::Offline).unwrap();
    assert!(spoken.audio.rms() > 0.01);
    assert_eq!((spoken.voice, spoken.fallbacks.len()), (Voice::Openjtalk, 0), "the online voice was not even tried");
    thread::sleep(Duration::from_millis(100));
    assert!(server.seen.lock().unwrap().is_empty(), "a request left: {:?}", server.seen.lock().unwrap());
    // The same chain goes online for text the user chose to send.
    let started = Instant::now();
    chain.synthesize("公開の文です。", Reach::Online).unwrap();
    assert!(started.elapsed() >= Duration::from_millis(900), "google was not asked first");
    assert_eq!(server.seen.lock().unwrap().len(), 1);
}

#[test]
fn a_stop_abandons_an_online_request_in_flight() {
    let server = listener();
    let mut google = google_at(&server.base, 4000);
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    google.interrupt_with(Arc::new(move || flag.load(Ordering::Acquire)));
    let pressed = stop.clone();
    thread::spawn(move || {
        thread::sleep(Duration::from_millis(200));
        pressed.store(true, Ordering::Release);
    });
    let started = Instant::now();
    let e = google.synthesize("長い文です。", Reach::Online).unwrap_err();
    let took = started.elapsed();
    assert!(matches!(e, EngineError::Stopped), "{e:#}");
    assert!(took < Duration::from_millis(400), "returned {took:?} after the request began (stop at 200 ms)");
}

fn tiny(name: &str) -> PathBuf {
    root().join("tests/fixtures/nllb").join(name)
}

fn nllb_options() -> NllbOptions {
    NllbOptions {
        device: DeviceChoice::Cpu,
        dtype: WeightFormat::F32,
        generate: GenerateOptions { max_new_tokens: 40, ..Default::default() },
        max_length_ratio: 100.0,
        ..NllbOptions::default()
    }
}

#[test]
fn a_stop_abandons_decoding_between_steps() {
    let mut t = NllbTranslator::load(&tiny("trained"), &nllb_options()).unwrap();
    let whole = t.translate_with_ids("the cat sees a dog .", "eng_Latn", "jpn_Jpan").unwrap().1;
    assert!(whole.len() > 4, "the fixture translates in several steps: {whole:?}");
    // Asked before every step: say stop at the third question.
    let asked = Arc::new(AtomicUsize::new(0));
    let count = asked.clone();
    t.interrupt_with(Arc::new(move || count.fetch_add(1, Ordering::AcqRel) >= 2));
    let e = t.translate("the cat sees a dog .", "eng_Latn", "jpn_Jpan").unwrap_err();
    assert!(matches!(e, EngineError::Stopped), "{e:#}");
    assert_eq!(asked.load(Ordering::Acquire), 3, "decoding went on after the stop");
}

#[test]
fn damaged_models_are_errors_not_allocations() {
    // A checkpoint whose tensor claims 2^40 elements over one stored value.
    let dir = temp_dir("absurd");
    for f in ["config.json", "tokenizer.json"] {
        std::fs::copy(tiny("tiny-b-pth").join(f), dir.join(f)).unwrap();
    }
    std::fs::copy(tiny("absurd-pth").join("pytorch_model.bin"), dir.join("pytorch_model.bin")).unwrap();
    let e = NllbTranslator::load(&dir, &nllb_options()).err().expect("loaded an absurd checkpoint");
    assert!(format!("{e:#}").contains("larger than its storage"), "{e:#}");

    // A tokenizer from another checkpoint, larger than the model's vocabulary.
    std::fs::copy(tiny("trained").join("tokenizer.json"), dir.join("tokenizer.json")).unwrap();
    std::fs::copy(tiny("tiny-b-pth").join("pytorch_model.bin"), dir.join("pytorch_model.bin")).unwrap();
    let e = NllbTranslator::load(&dir, &nllb_options()).err().expect("loaded a mismatched tokenizer");
    assert!(format!("{e:#}").contains("not from one checkpoint"), "{e:#}");

    // Nonsense sizes in config.json.
    std::fs::copy(tiny("tiny-b-pth").join("tokenizer.json"), dir.join("tokenizer.json")).unwrap();
    let mut cfg: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(tiny("tiny-b-pth").join("config.json")).unwrap()).unwrap();
    for (key, value) in [("max_position_embeddings", 1u64), ("d_model", 1 << 40)] {
        let mut bad = cfg.clone();
        bad[key] = value.into();
        std::fs::write(dir.join("config.json"), bad.to_string()).unwrap();
        let e = NllbTranslator::load(&dir, &nllb_options()).err().expect("loaded a nonsense config");
        assert!(format!("{e:#}").contains(key), "{key}: {e:#}");
    }
    cfg["vocab_size"] = 3.into();
    std::fs::write(dir.join("config.json"), cfg.to_string()).unwrap();
    assert!(NllbTranslator::load(&dir, &nllb_options()).is_err());

    // A FIFO would block the load for good, /dev/zero read until memory runs out.
    #[cfg(unix)]
    {
        std::fs::copy(tiny("tiny-b-pth").join("config.json"), dir.join("config.json")).unwrap();
        std::fs::remove_file(dir.join("tokenizer.json")).unwrap();
        std::os::unix::fs::symlink("/dev/zero", dir.join("tokenizer.json")).unwrap();
        let started = Instant::now();
        let e = NllbTranslator::load(&dir, &nllb_options()).err().expect("read /dev/zero as a tokenizer");
        assert!(format!("{e:#}").contains("not a regular file"), "{e:#}");
        std::fs::remove_file(dir.join("config.json")).unwrap();
        let fifo = std::ffi::CString::new(dir.join("config.json").to_str().unwrap()).unwrap();
        // SAFETY: a plain mkfifo on a path we own.
        assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
        let e = NllbTranslator::load(&dir, &nllb_options()).err().expect("opened a FIFO as config.json");
        assert!(format!("{e:#}").contains("not a regular file"), "{e:#}");
        assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[cfg(unix)]
#[test]
fn a_voice_path_that_is_not_a_sane_file_is_refused_unread() {
    let m = root().join("models/voice");
    let dir = temp_dir("voice-paths");
    // A FIFO would block the reader forever; a directory or an empty file is no voice.
    let fifo = dir.join("voice.htsvoice");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a plain syscall on a path we own.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let empty = dir.join("empty.htsvoice");
    std::fs::write(&empty, b"").unwrap();
    for bad in [&fifo, &dir, &empty] {
        let started = Instant::now();
        let e = OpenJtalk::load(&m.join("naist-jdic"), bad, 1.0, 1.0).err().expect("loaded no voice");
        assert!(format!("{e:#}").contains("not a voice file"), "{}: {e:#}", bad.display());
        assert!(started.elapsed() < Duration::from_secs(1));
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The outcome of utterance `id`, waiting for it.
fn outcome(rx: &Receiver<Event>, id: u64) -> Outcome {
    let end = Instant::now() + Duration::from_secs(30);
    while let Ok(ev) = rx.recv_deadline(end) {
        if let Event::Finished { id: got, outcome, .. } = ev {
            if got == id {
                return outcome;
            }
        }
    }
    panic!("utterance {id} never finished");
}

#[test]
fn a_skip_between_two_sentences_is_not_lost() {
    let dir = temp_dir("skip");
    let (tx, rx) = crossbeam_channel::bounded(1024);
    let mut w = Worker::start(&worker_config(SinkKind::Wav, Some(&dir.join("wav"))), tx, Arc::new(|| {})).unwrap();
    let first = w.speak("はい。".into(), Origin::Command).unwrap();
    assert_eq!(outcome(&rx, first), Outcome::Done);
    // Nothing plays now: the skip belongs to the sentence on its way.
    let second = w.speak("これは飛ばされる文です。".into(), Origin::Command).unwrap();
    w.skip();
    let third = w.speak("これは聞こえる文です。".into(), Origin::Command).unwrap();
    assert_eq!(outcome(&rx, second), Outcome::Stopped);
    assert_eq!(outcome(&rx, third), Outcome::Done);
    // With nothing on its way, a skip waits for nothing.
    w.skip();
    let fourth = w.speak("はい。".into(), Origin::Command).unwrap();
    assert_eq!(outcome(&rx, fourth), Outcome::Done);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Issue #21: `tts.engine = "google"` alone failed every auto-speak sentence, although
/// terminal text is promised to the offline voice. It is spoken offline, and never sent;
/// `:SpeakJa` text still goes to Google.
#[test]
fn with_google_alone_terminal_text_is_spoken_by_the_offline_voice() {
    let server = listener();
    let mut cfg = worker_config(SinkKind::Null, None);
    cfg.tts.engine = speakja::config::TtsEngine::Google;
    cfg.tts.google = GoogleConfig { base_url: server.base.clone(), timeout_ms: 300, ..GoogleConfig::default() };
    let (tx, rx) = crossbeam_channel::bounded(1024);
    let mut w = Worker::start(&cfg, tx, Arc::new(|| {})).unwrap();
    let voices = std::cell::RefCell::new(Vec::new());
    let finished = |rx: &Receiver<Event>, id: u64| {
        let end = Instant::now() + Duration::from_secs(30);
        while let Ok(ev) = rx.recv_deadline(end) {
            match ev {
                Event::Synthesized { id: got, voice, .. } if got == id => voices.borrow_mut().push(voice),
                Event::Finished { id: got, outcome, error, .. } if got == id => return (outcome, error),
                _ => {}
            }
        }
        panic!("utterance {id} never finished");
    };
    for text in ["端末の文です。", "もう一つの文です。"] {
        let id = w.speak(text.into(), Origin::Terminal).unwrap();
        assert_eq!(finished(&rx, id), (Outcome::Done, None), "terminal text failed with google alone");
    }
    assert_eq!(*voices.borrow(), [Voice::Openjtalk, Voice::Openjtalk]);
    thread::sleep(Duration::from_millis(100));
    assert!(server.seen.lock().unwrap().is_empty(), "terminal text left: {:?}", server.seen.lock().unwrap());
    // Text the user chose goes to Google (which times out here: no offline fallback for it).
    let id = w.speak("選んだ文です。".into(), Origin::Command).unwrap();
    let (outcome, error) = finished(&rx, id);
    assert_eq!(outcome, Outcome::Failed);
    assert!(error.as_deref().is_some_and(|e| e.contains("timeout")), "{error:?}");
    assert_eq!(server.seen.lock().unwrap().len(), 1);
}

/// Issue #25: work done ahead (`auto.speculate`) is for text that may be heard, not yet
/// chosen: it is synthesized by the offline voice only, even where terminal text may go
/// online, and the sentence then heard online is sent as before.
#[test]
fn a_sentence_prepared_ahead_never_goes_online() {
    let server = listener();
    let mut cfg = worker_config(SinkKind::Null, None);
    cfg.tts.engine = speakja::config::TtsEngine::Google;
    cfg.tts.google = GoogleConfig { base_url: server.base.clone(), timeout_ms: 300, ..GoogleConfig::default() };
    cfg.auto.online = true;
    let (tx, rx) = crossbeam_channel::bounded(1024);
    let mut w = Worker::start(&cfg, tx, Arc::new(|| {})).unwrap();
    w.prepare("先に用意される文です。".into());
    let end = Instant::now() + Duration::from_secs(30);
    while w.speculation().prepared == 0 {
        assert!(Instant::now() < end, "never prepared");
        thread::sleep(Duration::from_millis(10));
    }
    // Its synthesis (the stage after) has had time to run, or to reach out.
    thread::sleep(Duration::from_millis(500));
    assert!(server.seen.lock().unwrap().is_empty(), "prepared text left: {:?}", server.seen.lock().unwrap());
    let id = w.speak("先に用意される文です。".into(), Origin::Terminal).unwrap();
    let end = Instant::now() + Duration::from_secs(30);
    while let Ok(ev) = rx.recv_deadline(end) {
        if matches!(ev, Event::Finished { id: got, .. } if got == id) {
            break;
        }
    }
    assert_eq!(server.seen.lock().unwrap().len(), 1, "the heard sentence goes online as auto.online says");
}

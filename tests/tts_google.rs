//! The online voice, the fallback chain and the speech cache against HTTP servers that
//! each test starts on 127.0.0.1. The servers answer with real MP3 (the offline voice's
//! speech, made by tests/fixtures/tts/make-fixture), stall, send garbage or are down.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use reqwest::Url;
use speakja::audio::Audio;
use speakja::cache::DiskCache;
use speakja::cancel::EngineError;
use speakja::config::{Config, GoogleConfig, TtsEngine};
use speakja::engines;
use speakja::tts::{self, Chain, Fallback, Google, GoogleError, OpenJtalk, Passed, Reach, Synthesis, Tts, Voice};

const FIXTURE: &[u8] = include_bytes!("fixtures/tts/speech.mp3");
/// What the fixture says (keep in step with make-fixture).
const FIXTURE_TEXT: &str = "こんにちは、今日は良い天気ですね。";

#[derive(Clone, Copy)]
enum Reply {
    Mp3,
    /// Accept, read the request, say nothing for this long.
    Stall(Duration),
    Html,
    /// `audio/mpeg` that is not MP3.
    Junk,
    Status(u16),
    /// 302 to this URL.
    Redirect(&'static str),
    /// Says (and sends) more than any speech reply could be.
    Huge,
}

struct Server {
    base: String,
    /// Request targets (path and query), in arrival order.
    requests: Arc<Mutex<Vec<String>>>,
}

impl Server {
    fn start(reply: Reply) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = requests.clone();
        // Bounded: the server lives at most a minute, whatever the test does.
        thread::spawn(move || {
            let end = Instant::now() + Duration::from_secs(60);
            while Instant::now() < end {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let seen = seen.clone();
                        thread::spawn(move || answer(stream, reply, &seen));
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => thread::sleep(Duration::from_millis(5)),
                    Err(_) => return,
                }
            }
        });
        Self { base, requests }
    }

    fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }

    fn config(&self, timeout_ms: u64) -> GoogleConfig {
        GoogleConfig { base_url: self.base.clone(), connect_timeout_ms: 500, timeout_ms, ..GoogleConfig::default() }
    }
}

/// One request per connection: read its head, record its target, reply, close.
fn answer(mut stream: TcpStream, reply: Reply, seen: &Mutex<Vec<String>>) {
    stream.set_nonblocking(false).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 64 * 1024 {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let head = String::from_utf8_lossy(&head);
    let target = head.split(' ').nth(1).unwrap_or_default().to_owned();
    seen.lock().unwrap().push(target);
    let (status, kind, body): (u16, &str, Vec<u8>) = match reply {
        Reply::Mp3 => (200, "audio/mpeg", FIXTURE.to_vec()),
        Reply::Stall(d) => {
            thread::sleep(d);
            return;
        }
        Reply::Html => (200, "text/html; charset=UTF-8", b"<html><body>sorry</body></html>".to_vec()),
        Reply::Junk => {
            // Deterministic noise with no MP3 frame sync in it.
            let body = (0u32..8192).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8 & 0x7f).collect();
            (200, "audio/mpeg", body)
        }
        Reply::Status(code) => (code, "text/plain", b"no".to_vec()),
        Reply::Redirect(to) => {
            let head =
                format!("HTTP/1.1 302 Found\r\nLocation: {to}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            let _ = stream.write_all(head.as_bytes());
            return;
        }
        Reply::Huge => (200, "audio/mpeg", vec![0xff; 5 << 20]),
    };
    let head = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(&body));
}

fn models() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("models").join("voice");
    assert!(dir.join("naist-jdic").is_dir(), "no voice in {} (run scripts/fetch-voice)", dir.display());
    dir
}

fn openjtalk() -> Box<dyn Tts> {
    let m = models();
    Box::new(OpenJtalk::load(&m.join("naist-jdic"), &m.join("mei_normal.htsvoice"), 1.0, 1.0).unwrap())
}

fn google(cfg: &GoogleConfig) -> Box<dyn Tts> {
    Box::new(Google::new(cfg, 1.0).unwrap())
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("speakja-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn google_error(e: &EngineError) -> &GoogleError {
    let failed = match e {
        EngineError::Failed(f) => f.downcast_ref::<GoogleError>(),
        _ => None,
    };
    failed.unwrap_or_else(|| panic!("not a GoogleError: {e:#}"))
}

fn fixture_secs() -> f64 {
    tts::decode_mp3(FIXTURE.to_vec()).unwrap().duration().as_secs_f64()
}

fn assert_close(got: f64, want: f64, what: &str) {
    assert!((got - want).abs() <= want * 0.1, "{what}: {got:.3} s, want {want:.3} s ±10%");
}

/// A port that refuses connections: bound, then released.
fn closed_port() -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", l.local_addr().unwrap());
    drop(l);
    base
}

#[test]
fn speaks_the_served_mp3_and_asks_the_right_question() {
    let server = Server::start(Reply::Mp3);
    let audio = google(&server.config(4000)).synthesize(FIXTURE_TEXT, Reach::Online).unwrap().audio;
    let offline = openjtalk().synthesize(FIXTURE_TEXT, Reach::Online).unwrap().audio;
    assert_eq!(audio.sample_rate, 24000);
    assert_close(audio.duration().as_secs_f64(), offline.duration().as_secs_f64(), "decoded length");
    assert!(audio.rms() > 0.01, "silent: rms {}", audio.rms());

    let requests = server.requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    // Japanese goes percent-encoded as UTF-8: こん = E3 81 93 E3 82 93.
    assert!(requests[0].contains("q=%E3%81%93%E3%82%93"), "{}", requests[0]);
    let url = Url::parse(&format!("http://x{}", requests[0])).unwrap();
    assert_eq!(url.path(), "/translate_tts");
    let q: Vec<(String, String)> = url.query_pairs().map(|(k, v)| (k.into(), v.into())).collect();
    let want = [("ie", "UTF-8"), ("tl", "ja"), ("client", "tw-ob"), ("q", FIXTURE_TEXT)];
    assert_eq!(q, want.map(|(k, v)| (k.to_owned(), v.to_owned())));
}

#[test]
fn long_text_goes_in_pieces_and_the_audio_is_joined() {
    let server = Server::start(Reply::Mp3);
    let text = FIXTURE_TEXT.repeat(15); // 255 characters: two requests
    let audio = google(&server.config(4000)).synthesize(&text, Reach::Online).unwrap().audio;
    let requests = server.requests();
    assert_eq!(requests.len(), 2, "{requests:?}");
    let pieces: Vec<String> = requests
        .iter()
        .map(|r| {
            let url = Url::parse(&format!("http://x{r}")).unwrap();
            url.query_pairs().find(|(k, _)| k == "q").unwrap().1.into_owned()
        })
        .collect();
    assert!(pieces.iter().all(|p| p.chars().count() <= 200), "{pieces:?}");
    // Cut at a sentence end, nothing lost.
    assert!(pieces[0].ends_with('。'), "{}", pieces[0]);
    assert_eq!(pieces.concat(), text);
    assert_close(audio.duration().as_secs_f64(), 2.0 * fixture_secs(), "joined length");
}

#[test]
fn a_stalled_server_times_out_in_time_and_the_chain_falls_back() {
    let server = Server::start(Reply::Stall(Duration::from_secs(10)));
    let cfg = server.config(600);
    let started = Instant::now();
    let e = google(&cfg).synthesize(FIXTURE_TEXT, Reach::Online).unwrap_err();
    let took = started.elapsed();
    assert!(matches!(google_error(&e), GoogleError::Timeout(600)), "{e:#}");
    assert!(took >= Duration::from_millis(550) && took < Duration::from_millis(1500), "took {took:?}");

    let mut chain = Chain::new(vec![google(&cfg), openjtalk()], 3, Duration::from_secs(60));
    let started = Instant::now();
    let spoken = chain.synthesize(FIXTURE_TEXT, Reach::Online).unwrap();
    assert!(started.elapsed() < Duration::from_secs(3), "took {:?}", started.elapsed());
    assert!(spoken.audio.rms() > 0.01);
    assert_eq!(spoken.audio.sample_rate, 48000, "not the offline voice");
    assert_eq!(said(&spoken), "openjtalk (google failed: timeout after 600 ms)");
}

#[test]
fn garbage_gives_a_clear_error_and_the_chain_falls_back() {
    let html = Server::start(Reply::Html);
    let e = google(&html.config(4000)).synthesize(FIXTURE_TEXT, Reach::Online).unwrap_err();
    assert!(matches!(google_error(&e), GoogleError::NotAudio(k) if k.starts_with("text/html")), "{e:#}");

    let status = Server::start(Reply::Status(503));
    let e = google(&status.config(4000)).synthesize(FIXTURE_TEXT, Reach::Online).unwrap_err();
    assert!(matches!(google_error(&e), GoogleError::Status(s) if s.as_u16() == 503), "{e:#}");

    let junk = Server::start(Reply::Junk);
    let e = google(&junk.config(4000)).synthesize(FIXTURE_TEXT, Reach::Online).unwrap_err();
    assert!(matches!(google_error(&e), GoogleError::Undecodable(_)), "{e:#}");

    let mut chain = Chain::new(vec![google(&junk.config(4000)), openjtalk()], 3, Duration::from_secs(60));
    let spoken = chain.synthesize(FIXTURE_TEXT, Reach::Online).unwrap();
    assert!(spoken.audio.rms() > 0.01);
    assert!(matches!(&spoken.fallbacks[..], [Fallback { voice: Voice::Google, passed: Passed::Failed { .. } }]));
    assert!(said(&spoken).starts_with("openjtalk (google failed: undecodable audio"), "{}", said(&spoken));
}

#[test]
fn a_server_that_is_down_fails_fast_and_the_chain_falls_back() {
    let cfg = GoogleConfig { base_url: closed_port(), ..GoogleConfig::default() };
    let started = Instant::now();
    let e = google(&cfg).synthesize(FIXTURE_TEXT, Reach::Online).unwrap_err();
    assert!(matches!(google_error(&e), GoogleError::Connect(_)), "{e:#}");
    assert!(started.elapsed() < Duration::from_secs(1), "took {:?}", started.elapsed());

    let mut chain = Chain::new(vec![google(&cfg), openjtalk()], 3, Duration::from_secs(60));
    let spoken = chain.synthesize(FIXTURE_TEXT, Reach::Online).unwrap();
    assert!(spoken.audio.rms() > 0.01);
    assert!(said(&spoken).starts_with("openjtalk (google failed: cannot connect"), "{}", said(&spoken));
}

#[test]
fn repeated_failures_put_an_engine_on_cooldown() {
    let server = Server::start(Reply::Status(503));
    let cooldown = Duration::from_millis(800);
    let mut chain = Chain::new(vec![google(&server.config(4000)), openjtalk()], 3, cooldown);
    for n in 1..=3 {
        let spoken = chain.synthesize("はい。", Reach::Online).unwrap();
        assert_eq!(server.requests().len(), n);
        assert!(said(&spoken).starts_with("openjtalk (google failed: HTTP 503"), "{}", said(&spoken));
    }
    // Three in a row: google is left alone, the offline voice speaks at once.
    let spoken = chain.synthesize("はい。", Reach::Online).unwrap();
    assert_eq!(server.requests().len(), 3);
    let cooling = Fallback { voice: Voice::Google, passed: Passed::CoolingDown { failures: 3, secs: 1 } };
    assert_eq!(spoken.fallbacks, [cooling]);
    thread::sleep(cooldown);
    chain.synthesize("はい。", Reach::Online).unwrap();
    assert_eq!(server.requests().len(), 4, "google not retried after its cooldown");
}

#[test]
fn the_preferred_engine_speaks_when_it_works() {
    let server = Server::start(Reply::Mp3);
    let mut chain = Chain::new(vec![google(&server.config(4000)), openjtalk()], 3, Duration::from_secs(60));
    let spoken = chain.synthesize(FIXTURE_TEXT, Reach::Online).unwrap();
    assert_eq!((said(&spoken).as_str(), spoken.audio.sample_rate), ("google", 24000));
}

#[test]
fn a_cache_hit_does_not_reach_the_server() {
    let server = Server::start(Reply::Mp3);
    let dir = temp_dir("google-cache");
    let open = || {
        let cache = DiskCache::open(&dir, 10 << 20).unwrap();
        speakja::tts::Cached::new(google(&server.config(4000)), cache, format!("google|{}", server.base))
    };
    let mut voice = open();
    let first = voice.synthesize(FIXTURE_TEXT, Reach::Online).unwrap();
    assert_eq!((said(&first).as_str(), server.requests().len()), ("google", 1));
    let again = voice.synthesize(FIXTURE_TEXT, Reach::Online).unwrap();
    assert_eq!((said(&again).as_str(), server.requests().len()), ("google (cached)", 1));
    assert_same(&first.audio, &again.audio);
    // Across a restart too.
    let mut voice = open();
    let third = voice.synthesize(FIXTURE_TEXT, Reach::Online).unwrap();
    assert_same(&first.audio, &third.audio);
    assert_eq!((third.cached, server.requests().len()), (true, 1));
    // Other text is a miss.
    let other = voice.synthesize("はい。", Reach::Online).unwrap();
    assert_eq!((other.cached, server.requests().len()), (false, 2));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A synthesis as the history buffer shows it: `openjtalk (cached) (google failed: …)`.
fn said(s: &Synthesis) -> String {
    let mut out = s.voice.to_string();
    if s.cached {
        out.push_str(" (cached)");
    }
    if !s.fallbacks.is_empty() {
        out.push_str(&format!(" ({})", tts::passed_over(&s.fallbacks)));
    }
    out
}

fn assert_same(a: &Audio, b: &Audio) {
    assert_eq!((a.sample_rate, a.samples.len()), (b.sample_rate, b.samples.len()));
    let worst = a.samples.iter().zip(&b.samples).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max);
    assert!(worst <= 1.0 / 32767.0, "differs by {worst}");
}

#[test]
fn open_builds_the_configured_chain_with_its_cache() {
    let dir = temp_dir("open-auto");
    let mut cfg = Config { models_dir: Some(models().parent().unwrap().to_path_buf()), ..Config::default() };
    cfg.tts.engine = TtsEngine::Auto;
    cfg.tts.google.base_url = closed_port();
    cfg.cache.dir = Some(dir.clone());
    let (mut voice, desc) = engines::voice(&cfg).unwrap();
    assert!(
        desc.starts_with(&format!("auto: google: {} (lang ja, online) → openjtalk: ", cfg.tts.google.base_url)),
        "{desc}"
    );
    assert!(desc.ends_with(&format!("; cache {} (200 MB)", dir.display())), "{desc}");
    let spoken = voice.synthesize("はい。", Reach::Online).unwrap();
    assert!(said(&spoken).starts_with("openjtalk (google failed: cannot connect"), "{}", said(&spoken));
    let spoken = voice.synthesize("はい。", Reach::Online).unwrap();
    assert!(said(&spoken).starts_with("openjtalk (cached) (google failed"), "{}", said(&spoken));

    // The default stays offline: no chain, no network.
    cfg.cache.enabled = false;
    cfg.tts.engine = TtsEngine::Openjtalk;
    let (mut voice, desc) = engines::voice(&cfg).unwrap();
    assert!(desc.starts_with("openjtalk: ") && desc.ends_with("; cache off"), "{desc}");
    let spoken = voice.synthesize("はい。", Reach::Online).unwrap();
    assert_eq!(said(&spoken), "openjtalk");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_last_engine_is_never_skipped_and_total_failure_says_why() {
    let server = Server::start(Reply::Status(503));
    let mut chain = Chain::new(vec![google(&server.config(4000))], 1, Duration::from_secs(60));
    for n in 1..=3 {
        let e = chain.synthesize("はい。", Reach::Online).unwrap_err();
        assert!(format!("{e:#}").starts_with("every voice failed: google failed: HTTP 503"), "{e:#}");
        assert_eq!(server.requests().len(), n, "the fallback of last resort was skipped");
    }
}

#[test]
fn open_leaves_out_what_cannot_load_only_for_auto() {
    let empty = temp_dir("no-models");
    std::fs::create_dir_all(&empty).unwrap();
    let mut cfg = Config { models_dir: Some(empty.clone()), ..Config::default() };
    cfg.cache.enabled = false;
    let e = engines::voice(&cfg).err().expect("openjtalk without a voice loaded");
    assert!(format!("{e:#}").contains("no .htsvoice"), "{e:#}");

    let server = Server::start(Reply::Mp3);
    cfg.tts.engine = TtsEngine::Auto;
    cfg.tts.google.base_url = server.base.clone();
    let (mut voice, desc) = engines::voice(&cfg).unwrap();
    assert!(desc.contains("(left out: openjtalk: no .htsvoice"), "{desc}");
    let spoken = voice.synthesize(FIXTURE_TEXT, Reach::Online).unwrap();
    assert_eq!(said(&spoken), "google");
    std::fs::remove_dir_all(&empty).unwrap();
}

#[test]
fn redirects_never_leave_https_for_another_machine_and_huge_replies_are_refused() {
    // 192.0.2.1 is TEST-NET-1: never reached, since the redirect is refused before it.
    let server = Server::start(Reply::Redirect("http://192.0.2.1/translate_tts?q=x"));
    let e = google(&server.config(2000)).synthesize("こんにちは", Reach::Online).unwrap_err();
    assert!(format!("{e:#}").contains("refused to leave https"), "{e:#}");
    let started = Instant::now();
    let server = Server::start(Reply::Huge);
    let e = google(&server.config(4000)).synthesize("こんにちは", Reach::Online).unwrap_err();
    assert!(matches!(google_error(&e), GoogleError::TooLarge), "{e:#}");
    assert!(started.elapsed() < Duration::from_secs(2), "read the whole oversize reply");
    // Plain http is for this machine only.
    let far = GoogleConfig { base_url: "http://192.0.2.1".into(), ..GoogleConfig::default() };
    assert!(Google::new(&far, 1.0).is_err());
}

/// Runs the calling test alone in a child process (this test binary, only that test) with
/// `env` set, where process-wide things (threads, proxy variables) are its own. Returns
/// false in the child: the caller then runs the test's body.
fn alone_in_a_child(test: &str, env: &[(&str, &str)]) -> bool {
    if std::env::var("SPEAKJA_TEST_CHILD").is_ok_and(|t| t == test) {
        return false;
    }
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([test, "--exact", "--test-threads=1", "--nocapture"])
        .env("SPEAKJA_TEST_CHILD", test)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{test} failed in its process:\n{said}");
    assert!(said.contains("1 passed"), "{test} did not run in its process:\n{said}");
    print!("{said}");
    true
}

/// A server that takes every connection and never says a word, on one thread.
fn silent_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    thread::spawn(move || {
        let mut held = Vec::new();
        let end = Instant::now() + Duration::from_secs(60);
        while Instant::now() < end {
            match listener.accept() {
                Ok((stream, _)) => held.push(stream),
                Err(_) => thread::sleep(Duration::from_millis(2)),
            }
        }
    });
    base
}

fn threads() -> usize {
    std::fs::read_dir("/proc/self/task").unwrap().count()
}

/// Issue #21: each stop during a stalled request left its thread alive until the timeout
/// (200 stops: 5 → 205 threads). Requests in flight are bounded, abandoned ones included.
#[test]
fn stops_during_a_stalled_request_never_pile_up_threads() {
    if alone_in_a_child("stops_during_a_stalled_request_never_pile_up_threads", &[]) {
        return;
    }
    let base = silent_server();
    let cfg = GoogleConfig { base_url: base, connect_timeout_ms: 500, timeout_ms: 60_000, ..GoogleConfig::default() };
    let mut voice = Google::new(&cfg, 1.0).unwrap();
    let stop_at = Arc::new(Mutex::new(Instant::now()));
    let at = stop_at.clone();
    voice.interrupt_with(Arc::new(move || Instant::now() >= *at.lock().unwrap()));
    let before = threads();
    let started = Instant::now();
    for i in 0..200 {
        *stop_at.lock().unwrap() = Instant::now() + Duration::from_millis(10);
        let e = voice.synthesize(&format!("文{i}です。"), Reach::Online).unwrap_err();
        assert!(matches!(e, EngineError::Stopped), "{e:#}");
    }
    let after = threads();
    println!(
        "threads: {before} before 200 stopped requests to a silent server, {after} after ({:?})",
        started.elapsed()
    );
    assert!(after <= before + 3, "{before} threads before, {after} after 200 stopped requests");
    // Once stops are over, a request still goes out (its place is waited for, not refused).
    *stop_at.lock().unwrap() = Instant::now() + Duration::from_secs(3600);
    let server = Server::start(Reply::Mp3);
    let mut fresh = Google::new(&server.config(4000), 1.0).unwrap();
    assert!(fresh.synthesize(FIXTURE_TEXT, Reach::Online).is_ok());
}

/// Issue #21: `HTTP_PROXY` took the plain-http request to a loopback base URL (a local
/// server) through the proxy. This machine is reached directly; the proxy sees nothing.
#[test]
fn a_loopback_server_is_reached_without_the_proxy() {
    // A "proxy" that counts who connects to it and closes.
    let proxy = TcpListener::bind("127.0.0.1:0").unwrap();
    let proxy_url = format!("http://{}", proxy.local_addr().unwrap());
    let env = [("HTTP_PROXY", proxy_url.as_str()), ("http_proxy", &proxy_url), ("ALL_PROXY", &proxy_url)];
    if alone_in_a_child("a_loopback_server_is_reached_without_the_proxy", &env) {
        return;
    }
    proxy.set_nonblocking(true).unwrap();
    let connections = Arc::new(Mutex::new(0));
    let counted = connections.clone();
    thread::spawn(move || loop {
        match proxy.accept() {
            Ok(_) => *counted.lock().unwrap() += 1,
            Err(_) => thread::sleep(Duration::from_millis(2)),
        }
    });
    assert!(std::env::var("HTTP_PROXY").is_ok());
    let server = Server::start(Reply::Mp3);
    for base in [server.base.clone(), server.base.replace("127.0.0.1", "localhost")] {
        let cfg = GoogleConfig { base_url: base, ..server.config(4000) };
        let spoken = google(&cfg).synthesize(FIXTURE_TEXT, Reach::Online);
        assert!(spoken.is_ok(), "{:#}", spoken.unwrap_err());
    }
    assert_eq!(server.requests().len(), 2);
    assert_eq!(*connections.lock().unwrap(), 0, "the proxy was asked for a loopback server");
}

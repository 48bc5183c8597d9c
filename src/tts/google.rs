//! The online voice: Google Translate's speech endpoint. Text leaves the machine, so it
//! runs only when the user picks `google` or `auto`.

use std::io::{Cursor, Read};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::blocking::Client;
use reqwest::Url;
use rodio::Source;

use super::{Audio, Reach, Synthesis, Tts, Voice};
use crate::cancel::{EngineError, Interrupt, Refusal};
use crate::config::GoogleConfig;

/// The endpoint refuses longer text.
pub const MAX_CHARS: usize = 200;

/// A Google reply is ~4 KB per second of speech; anything this big is not one.
const MAX_REPLY_BYTES: u64 = 4 << 20;

/// Requests of one voice running at once, abandoned ones included (a stopped request's
/// thread goes on until its deadline): one for the sentence now asked, one left behind by
/// a stop. More wait their turn, so stops during a stalled request never pile up threads.
const MAX_IN_FLIGHT: usize = 2;

/// Why a request gave no speech; the message is short because a fallback chain puts it
/// in the engine name.
#[derive(Debug, thiserror::Error)]
pub enum GoogleError {
    #[error("timeout after {0} ms")]
    Timeout(u64),
    #[error("cannot connect ({0})")]
    Connect(String),
    #[error("HTTP {0}")]
    Status(reqwest::StatusCode),
    #[error("not audio (content-type {0})")]
    NotAudio(String),
    #[error("reply over {MAX_REPLY_BYTES} bytes")]
    TooLarge,
    #[error("undecodable audio ({0})")]
    Undecodable(String),
    #[error("request failed ({0})")]
    Request(String),
    #[error("refused to leave https for {0}")]
    Insecure(String),
    #[error("nothing to say")]
    Empty,
}

/// A request that gave no speech failed; a stop or a refusal is never one.
impl From<GoogleError> for EngineError {
    fn from(e: GoogleError) -> Self {
        EngineError::Failed(e.into())
    }
}

pub struct Google {
    client: Client,
    endpoint: Url,
    lang: String,
    timeout: Duration,
    volume: f32,
    interrupt: Option<Interrupt>,
    /// Request threads alive (see [`MAX_IN_FLIGHT`]).
    in_flight: Arc<AtomicUsize>,
}

/// A request thread's place among [`MAX_IN_FLIGHT`]: given back when the thread ends,
/// however it ends.
struct InFlight(Arc<AtomicUsize>);

impl InFlight {
    fn take(count: &Arc<AtomicUsize>) -> Option<Self> {
        count
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| (n < MAX_IN_FLIGHT).then_some(n + 1))
            .ok()
            .map(|_| Self(count.clone()))
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Google {
    pub fn new(cfg: &GoogleConfig, volume: f64) -> anyhow::Result<Self> {
        let endpoint = Url::parse(&format!("{}/translate_tts", cfg.base_url.trim_end_matches('/')))
            .map_err(|e| anyhow::anyhow!("invalid tts.google.base_url {:?}: {e}", cfg.base_url))?;
        anyhow::ensure!(
            crate::config::is_allowed(&endpoint),
            "tts.google.base_url {:?}: https only (plain http only to this machine)",
            cfg.base_url
        );
        // A redirect may not downgrade to plain http off this machine, nor go round forever.
        let redirects = reqwest::redirect::Policy::custom(|attempt| {
            if attempt.previous().len() >= 5 {
                attempt.error("too many redirects")
            } else if !crate::config::is_allowed(attempt.url()) {
                let to = attempt.url().to_string();
                attempt.error(GoogleError::Insecure(to))
            } else {
                attempt.follow()
            }
        });
        let mut client = Client::builder();
        // A server on this machine (a test server, a local relay) is reached directly: the
        // user's HTTP_PROXY is for leaving it, and a proxy must not see this text.
        if is_loopback(&endpoint) {
            client = client.no_proxy();
        }
        let client = client
            .redirect(redirects)
            .connect_timeout(Duration::from_millis(cfg.connect_timeout_ms))
            .timeout(Duration::from_millis(cfg.timeout_ms))
            // The endpoint answers browsers; a bare client gets refused now and then.
            .user_agent("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)")
            .build()?;
        Ok(Self {
            client,
            endpoint,
            lang: cfg.lang.clone(),
            timeout: Duration::from_millis(cfg.timeout_ms),
            volume: volume as f32,
            interrupt: None,
            in_flight: Arc::default(),
        })
    }

    /// One request: the MP3 for at most `MAX_CHARS` characters, within `deadline`.
    fn fetch(&self, text: &str, deadline: Instant) -> Result<Vec<u8>, EngineError> {
        let timeout_ms = self.timeout.as_millis() as u64;
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(GoogleError::Timeout(timeout_ms).into());
        }
        let mut url = self.endpoint.clone();
        url.query_pairs_mut()
            .append_pair("ie", "UTF-8")
            .append_pair("tl", &self.lang)
            .append_pair("client", "tw-ob")
            .append_pair("q", text);
        // Past the deadline any failure is the timeout, whatever layer noticed it.
        let classify = move |e: reqwest::Error| {
            if e.is_timeout() || Instant::now() >= deadline {
                GoogleError::Timeout(timeout_ms)
            } else if e.is_connect() {
                GoogleError::Connect(root_cause(&e))
            } else {
                GoogleError::Request(root_cause(&e))
            }
        };
        // The request runs on a thread of its own so that a stop returns at once; the
        // abandoned request ends by its own deadline. Its place among the few allowed is
        // waited for (a stop or the deadline still end the wait).
        let place = loop {
            if let Some(place) = InFlight::take(&self.in_flight) {
                break place;
            }
            if self.stopped() {
                return Err(EngineError::Stopped);
            }
            if Instant::now() >= deadline {
                return Err(GoogleError::Timeout(timeout_ms).into());
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        let left = deadline.saturating_duration_since(Instant::now()).max(Duration::from_millis(1));
        let (tx, rx) = crossbeam_channel::bounded(1);
        let request = self.client.get(url).timeout(left);
        std::thread::Builder::new()
            .name("speakja-google".into())
            .spawn(move || {
                let _place = place;
                let _ = tx.send(request.send().map_err(classify).and_then(|r| read_reply(r, deadline, timeout_ms)));
            })
            .map_err(|e| GoogleError::Request(e.to_string()))?;
        loop {
            match rx.recv_timeout(Duration::from_millis(10)) {
                Ok(result) => return Ok(result?),
                Err(crossbeam_channel::RecvTimeoutError::Timeout) if self.stopped() => {
                    return Err(EngineError::Stopped)
                }
                Err(crossbeam_channel::RecvTimeoutError::Timeout) => {}
                Err(crossbeam_channel::RecvTimeoutError::Disconnected) => {
                    return Err(GoogleError::Request("request thread died".into()).into())
                }
            }
        }
    }

    fn stopped(&self) -> bool {
        self.interrupt.as_ref().is_some_and(|f| f())
    }
}

/// Is `url`'s host this machine (`localhost`, 127.0.0.0/8, `::1`)?
fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// The body of a reply that is speech, within the size cap and the deadline.
fn read_reply(reply: reqwest::blocking::Response, deadline: Instant, timeout_ms: u64) -> Result<Vec<u8>, GoogleError> {
    if reply.content_length().is_some_and(|n| n > MAX_REPLY_BYTES) {
        return Err(GoogleError::TooLarge);
    }
    if !reply.status().is_success() {
        return Err(GoogleError::Status(reply.status()));
    }
    if let Some(kind) = reply.headers().get(reqwest::header::CONTENT_TYPE) {
        let kind = kind.to_str().unwrap_or("?").to_ascii_lowercase();
        if !(kind.starts_with("audio/") || kind.starts_with("application/octet-stream")) {
            return Err(GoogleError::NotAudio(kind));
        }
    }
    let mut body = Vec::new();
    reply.take(MAX_REPLY_BYTES + 1).read_to_end(&mut body).map_err(|e| {
        if Instant::now() >= deadline {
            GoogleError::Timeout(timeout_ms)
        } else {
            GoogleError::Request(e.to_string())
        }
    })?;
    if body.len() as u64 > MAX_REPLY_BYTES {
        return Err(GoogleError::TooLarge);
    }
    Ok(body)
}

impl Tts for Google {
    fn voice(&self) -> Voice {
        Voice::Google
    }

    fn interrupt_with(&mut self, stop: Interrupt) {
        self.interrupt = Some(stop);
    }

    fn synthesize(&mut self, text: &str, reach: Reach) -> Result<Synthesis, EngineError> {
        if reach == Reach::Offline {
            return Err(Refusal::Offline.into());
        }
        let now = Instant::now();
        // An absurd timeout (only reachable from code, config caps it) means no deadline of ours.
        let deadline = now.checked_add(self.timeout).unwrap_or(now + Duration::from_secs(86_400));
        let parts = split(text, MAX_CHARS);
        if parts.is_empty() {
            return Err(GoogleError::Empty.into());
        }
        let mut out = Audio { samples: Vec::new(), sample_rate: 0 };
        for part in &parts {
            let audio = decode_mp3(self.fetch(part, deadline)?)?;
            if out.sample_rate != 0 && out.sample_rate != audio.sample_rate {
                let why = format!("parts at {} and {} Hz", out.sample_rate, audio.sample_rate);
                return Err(GoogleError::Undecodable(why).into());
            }
            out.sample_rate = audio.sample_rate;
            out.samples.extend(audio.samples.iter().map(|s| (s * self.volume).clamp(-1.0, 1.0)));
        }
        Ok(Synthesis::new(out, Voice::Google))
    }
}

fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

/// Decode MP3 bytes to mono: stereo is averaged.
pub fn decode_mp3(bytes: Vec<u8>) -> Result<Audio, GoogleError> {
    // The decoder parses bytes from the network: a panic in it must not reach the caller.
    let decoded = catch_unwind(AssertUnwindSafe(|| {
        let decoder = rodio::Decoder::new_mp3(Cursor::new(bytes)).map_err(|e| e.to_string())?;
        let channels = usize::from(decoder.channels().get());
        let sample_rate = decoder.sample_rate().get();
        let interleaved: Vec<f32> = decoder.collect();
        let samples: Vec<f32> = interleaved.chunks(channels).map(|f| f.iter().sum::<f32>() / f.len() as f32).collect();
        Ok::<_, String>(Audio { samples, sample_rate })
    }))
    .unwrap_or_else(|_| Err("decoder crashed".into()))
    .map_err(GoogleError::Undecodable)?;
    if decoded.samples.is_empty() {
        return Err(GoogleError::Undecodable("no audio frames".into()));
    }
    Ok(decoded)
}

/// Cut text into pieces of at most `max` characters, at the latest natural break in
/// each window: sentence ends first, then clause marks, then spaces, else a hard cut.
pub fn split(text: &str, max: usize) -> Vec<String> {
    const ENDS: &[char] = &['。', '．', '！', '？', '!', '?', '.'];
    const CLAUSES: &[char] = &['、', '，', ',', ';', '；', ':', '：'];
    let max = max.max(1);
    let mut out = Vec::new();
    let mut rest: Vec<char> = text.trim().chars().collect();
    while rest.len() > max {
        let window = &rest[..max];
        let cut_after = |set: &dyn Fn(char) -> bool| window.iter().rposition(|&c| set(c)).map(|i| i + 1);
        let cut = cut_after(&|c| ENDS.contains(&c))
            .or_else(|| cut_after(&|c| CLAUSES.contains(&c)))
            .or_else(|| cut_after(&char::is_whitespace))
            .unwrap_or(max);
        let piece: String = rest[..cut].iter().collect();
        if !piece.trim().is_empty() {
            out.push(piece.trim().to_owned());
        }
        rest.drain(..cut);
    }
    let piece: String = rest.iter().collect();
    if !piece.trim().is_empty() {
        out.push(piece.trim().to_owned());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_is_one_piece() {
        assert_eq!(split("  こんにちは。 ", 200), vec!["こんにちは。"]);
        assert!(split("   ", 200).is_empty());
    }

    #[test]
    fn splits_at_the_strongest_break_in_the_window() {
        // A sentence end beats a later comma.
        assert_eq!(split("あいう。えお、かき", 8), vec!["あいう。", "えお、かき"]);
        assert_eq!(split("あいう、えおかきく", 8), vec!["あいう、", "えおかきく"]);
        assert_eq!(split("one two three", 8), vec!["one two", "three"]);
        // No break at all: a hard cut, nothing lost.
        assert_eq!(split("あいうえおかきくけこ", 4), vec!["あいうえ", "おかきく", "けこ"]);
    }

    #[test]
    fn pieces_respect_the_limit_and_keep_all_text() {
        let text = "今日は良い天気ですね、散歩に行きましょう。".repeat(30);
        let parts = split(&text, MAX_CHARS);
        assert!(parts.len() > 1);
        assert!(parts.iter().all(|p| p.chars().count() <= MAX_CHARS));
        assert_eq!(parts.concat(), text);
    }

    #[test]
    fn loopback_hosts_are_this_machine() {
        for (url, want) in [
            ("http://127.0.0.1:8080/x", true),
            ("http://127.3.4.5/", true),
            ("http://[::1]:9/", true),
            ("http://LocalHost:9/", true),
            ("https://translate.google.com/", false),
            ("http://10.0.0.1/", false),
            ("http://localhost.example/", false),
        ] {
            assert_eq!(is_loopback(&Url::parse(url).unwrap()), want, "{url}");
        }
    }

    #[test]
    fn garbage_is_not_audio() {
        assert!(matches!(decode_mp3(b"<html>nope</html>".to_vec()), Err(GoogleError::Undecodable(_))));
        assert!(matches!(decode_mp3(Vec::new()), Err(GoogleError::Undecodable(_))));
    }
}

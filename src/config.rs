//! User options, checked with `serde`: an unknown key or a wrong type is an error that
//! names the option, never a crash.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Where `scripts/fetch-voice` and `scripts/fetch-model` put their files.
    /// Filled in by the Lua side with `<plugin>/models` when not given.
    pub models_dir: Option<PathBuf>,
    /// NLLB code of the text on screen.
    pub source_lang: String,
    /// NLLB code of what is spoken.
    pub target_lang: String,
    pub translator: TranslatorConfig,
    pub tts: TtsConfig,
    pub audio: AudioConfig,
    /// Auto-speak of terminal buffers (Claude Code).
    pub auto: AutoConfig,
    /// What is shown while speaking.
    pub ui: UiConfig,
    pub cache: CacheConfig,
    /// How many sentences may wait for speech before new ones are refused.
    pub queue_size: usize,
    /// How many spoken sentences `history()` keeps.
    pub history_size: usize,
    /// Longest text `speak()` accepts, in bytes; longer text is refused with a message.
    pub max_text_bytes: usize,
    /// Replace credentials (API keys, tokens, passwords, private keys) with 「キー省略」
    /// before anything else sees the text.
    pub redact: bool,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            models_dir: None,
            source_lang: "eng_Latn".into(),
            target_lang: "jpn_Jpan".into(),
            translator: TranslatorConfig::default(),
            tts: TtsConfig::default(),
            audio: AudioConfig::default(),
            auto: AutoConfig::default(),
            ui: UiConfig::default(),
            cache: CacheConfig::default(),
            queue_size: 64,
            history_size: 200,
            max_text_bytes: 64 * 1024,
            redact: true,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TranslatorEngine {
    /// `nllb` when a model is found, else `none`.
    Auto,
    None,
    Nllb,
}

/// Where the NLLB model runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeviceChoice {
    /// Metal or CUDA when built with that feature and present, else the CPU.
    Auto,
    Cpu,
    Cuda,
    Metal,
}

/// How the NLLB weights are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WeightFormat {
    /// `q8_0` on the CPU, `f16` on a GPU.
    Auto,
    F32,
    F16,
    Bf16,
    /// 8-bit blocks (GGML Q8_0): a quarter of the memory of f32, and faster on a CPU.
    Q8_0,
}

/// Which tokens NLLB's decoder scores at each step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutputVocab {
    /// Pieces written in the target language's scripts, the sentence's own pieces and the
    /// special tokens: the same greedy output whenever the full choice is among them, and
    /// several times less to read per step.
    Target,
    /// All of the model's vocabulary.
    Full,
}

/// When the NLLB model is read from disk. By default on first use, or as soon as a
/// terminal is attached for auto-speak: every Neovim (a `git commit` editor too) would
/// otherwise hold the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LoadTime {
    Startup,
    FirstUse,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TranslatorConfig {
    pub engine: TranslatorEngine,
    /// Model directory (config.json, tokenizer.json, weights); default
    /// `<models_dir>/nllb-200-distilled-600M`.
    pub model: Option<PathBuf>,
    pub device: DeviceChoice,
    pub dtype: WeightFormat,
    /// Beam width; 1 is greedy decoding (fastest).
    pub beams: usize,
    /// Most tokens generated per sentence, the target language code included.
    pub max_new_tokens: usize,
    /// Also at most `max_length_ratio × source tokens + 10`, so a bad step cannot ramble on.
    pub max_length_ratio: f64,
    /// Ban repeating any n-gram of this size; 0 is off.
    pub no_repeat_ngram_size: usize,
    /// Beam scores are divided by `length^length_penalty`.
    pub length_penalty: f64,
    pub vocab: OutputVocab,
    /// CPU threads a decoding uses; 0 is all cores up to 4.
    pub threads: usize,
    pub load: LoadTime,
}

impl Default for TranslatorConfig {
    fn default() -> Self {
        Self {
            engine: TranslatorEngine::Auto,
            model: None,
            device: DeviceChoice::Auto,
            dtype: WeightFormat::Auto,
            beams: 1,
            max_new_tokens: 200,
            max_length_ratio: 2.0,
            no_repeat_ngram_size: 0,
            length_penalty: 1.0,
            vocab: OutputVocab::Target,
            threads: 0,
            load: LoadTime::FirstUse,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TtsEngine {
    /// The offline OpenJTalk-class voice (jpreprocess + jbonsai).
    Openjtalk,
    /// Google Translate's speech (online: the text leaves the machine).
    Google,
    /// The engines of `tts.order`, each utterance falling back to the next on failure.
    Auto,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TtsConfig {
    pub engine: TtsEngine,
    /// An `.htsvoice` file; default: the first one found in `<models_dir>/voice/`.
    pub voice: Option<PathBuf>,
    /// A jpreprocess dictionary directory; default `<models_dir>/voice/naist-jdic`.
    pub dictionary: Option<PathBuf>,
    /// Speaking rate, 1.0 is the voice's own.
    pub speed: f64,
    /// Linear gain applied to the samples.
    pub volume: f64,
    /// Engines `auto` tries, in order.
    pub order: Vec<TtsEngine>,
    /// Your own readings for words the voice says wrong (`{ speakja = "スピークジャ" }`);
    /// they win over the built-in ones. Matched ignoring case, on whole words and on the
    /// parts of identifiers.
    pub readings: std::collections::HashMap<String, String>,
    /// `auto` skips an engine after this many failures in a row...
    pub cooldown_after: u32,
    /// ...for this many seconds.
    pub cooldown_s: u64,
    pub google: GoogleConfig,
}

impl Default for TtsConfig {
    fn default() -> Self {
        Self {
            // Offline by default: text goes online only when the user asks for it.
            engine: TtsEngine::Openjtalk,
            voice: None,
            dictionary: None,
            speed: 1.0,
            volume: 1.0,
            order: vec![TtsEngine::Google, TtsEngine::Openjtalk],
            readings: Default::default(),
            cooldown_after: 3,
            cooldown_s: 60,
            google: GoogleConfig::default(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GoogleConfig {
    /// Scheme and host of the service; `/translate_tts` is appended.
    pub base_url: String,
    pub connect_timeout_ms: u64,
    /// Limit for the whole utterance, all its requests together.
    pub timeout_ms: u64,
    /// Language code of the voice (`tl=`).
    pub lang: String,
}

impl Default for GoogleConfig {
    fn default() -> Self {
        Self {
            base_url: "https://translate.google.com".into(),
            connect_timeout_ms: 1500,
            timeout_ms: 4000,
            lang: "ja".into(),
        }
    }
}

/// On-disk cache of speech and translations.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CacheConfig {
    pub enabled: bool,
    /// Default `$XDG_CACHE_HOME/speakja`, else `~/.cache/speakja`.
    pub dir: Option<PathBuf>,
    /// Size bound; the least recently used entries go first.
    pub max_mb: u64,
}

impl Default for CacheConfig {
    fn default() -> Self {
        Self { enabled: true, dir: None, max_mb: 200 }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SinkKind {
    /// The sound device, else WAV files when `wav_dir` is set, else silence.
    Auto,
    Device,
    Wav,
    Null,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AudioConfig {
    pub sink: SinkKind,
    /// Where the `wav` sink writes one file per utterance.
    pub wav_dir: Option<PathBuf>,
    /// The `wav` sink keeps at most this many of its files (oldest go first)...
    pub wav_keep: usize,
    /// ...and at most this many megabytes of them.
    pub wav_max_mb: u64,
}

impl Default for AudioConfig {
    fn default() -> Self {
        Self { sink: SinkKind::Auto, wav_dir: None, wav_keep: 500, wav_max_mb: 200 }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UiConfig {
    /// A float near the cursor shows the Japanese being spoken, and closes by itself.
    pub float: bool,
}

impl Default for UiConfig {
    fn default() -> Self {
        Self { float: true }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AutoConfig {
    /// Terminals whose command contains one of these are attached when they open.
    pub patterns: Vec<String>,
    /// A line near the bottom of the screen is read once unchanged this long.
    pub stable_ms: u64,
    /// Unspoken speech kept per terminal; older sentences are dropped past it.
    pub max_backlog_s: f64,
    /// A new prompt from the user silences what is being said.
    pub interrupt_on_prompt: bool,
    /// One short fixed phrase when the agent starts a tool ("コマンドを実行します").
    pub narrate_tools: bool,
    /// May terminal text reach an online voice (`tts.engine` google or auto)? Off: terminals
    /// print credentials and private code, so they are spoken by the offline voice only.
    pub online: bool,
    /// Translate and synthesize a sentence while it settles, once it looks complete, so it
    /// plays as soon as `stable_ms` says it is heard. Off: work starts only then (less CPU
    /// spent on sentences that change).
    pub speculate: bool,
}

impl Default for AutoConfig {
    fn default() -> Self {
        Self {
            patterns: vec!["claude".into()],
            stable_ms: 250,
            max_backlog_s: 30.0,
            interrupt_on_prompt: true,
            narrate_tools: false,
            online: false,
            speculate: true,
        }
    }
}

impl Config {
    /// Parse options given as JSON (the Lua side encodes its table).
    pub fn from_json(json: &str) -> Result<Self, String> {
        let json = if json.trim().is_empty() { "{}" } else { json };
        let mut value: serde_json::Value = serde_json::from_str(json).map_err(|e| format!("invalid options: {e}"))?;
        empty_lists_as_tables(&mut value);
        let cfg: Config = serde_path_to_error::deserialize(value).map_err(|e| {
            let path = e.path().to_string();
            if path == "." {
                format!("invalid options: {}", e.inner())
            } else {
                format!("invalid option `{path}`: {}", e.inner())
            }
        })?;
        cfg.check()?;
        Ok(cfg)
    }

    fn check(&self) -> Result<(), String> {
        in_range("tts.speed", self.tts.speed, 0.25, 4.0)?;
        in_range("tts.volume", self.tts.volume, 0.0, 4.0)?;
        in_range("auto.max_backlog_s", self.auto.max_backlog_s, 1.0, 3600.0)?;
        let t = &self.translator;
        in_range("translator.beams", t.beams, 1, 16)?;
        in_range("translator.max_new_tokens", t.max_new_tokens, 2, 1024)?;
        in_range("translator.max_length_ratio", t.max_length_ratio, 0.1, 10.0)?;
        in_range("translator.length_penalty", t.length_penalty, -5.0, 5.0)?;
        in_range("translator.threads", t.threads, 0, 256)?;
        if self.tts.order.is_empty() || self.tts.order.contains(&TtsEngine::Auto) {
            return Err("invalid option `tts.order`: list engines (openjtalk, google), not auto".into());
        }
        if self.tts.cooldown_after == 0 {
            return Err("invalid option `tts.cooldown_after`: must be at least 1".into());
        }
        in_range("tts.cooldown_s", self.tts.cooldown_s, 0, 86_400)?;
        let g = &self.tts.google;
        if !url::Url::parse(&g.base_url).is_ok_and(|u| is_allowed(&u)) {
            return Err(format!(
                "invalid option `tts.google.base_url`: {:?} is not an https URL (plain http only to localhost)",
                g.base_url
            ));
        }
        in_range("tts.google.connect_timeout_ms", g.connect_timeout_ms, 1, 60_000)?;
        in_range("tts.google.timeout_ms", g.timeout_ms, 1, 600_000)?;
        if g.lang.is_empty() {
            return Err("invalid option `tts.google.lang`: must not be empty".into());
        }
        // Upper bounds: the queue is allocated up front, history and text are held in memory.
        in_range("queue_size", self.queue_size, 1, 10_000)?;
        in_range("history_size", self.history_size, 1, 100_000)?;
        // Text is cut on Neovim's main thread: 1 MiB is cut in well under a frame budget's worth.
        in_range("max_text_bytes", self.max_text_bytes, 1, 1 << 20)?;
        in_range("auto.stable_ms", self.auto.stable_ms, 0, 60_000)?;
        in_range("audio.wav_keep", self.audio.wav_keep, 1, 1_000_000)?;
        in_range("audio.wav_max_mb", self.audio.wav_max_mb, 1, 1 << 20)?;
        // An empty path would be the current directory: never meant, and never ours.
        for (name, path) in [
            ("models_dir", &self.models_dir),
            ("translator.model", &self.translator.model),
            ("tts.voice", &self.tts.voice),
            ("tts.dictionary", &self.tts.dictionary),
            ("audio.wav_dir", &self.audio.wav_dir),
            ("cache.dir", &self.cache.dir),
        ] {
            if path.as_ref().is_some_and(|d| d.as_os_str().is_empty()) {
                return Err(format!("invalid option `{name}`: empty (leave it unset for the default)"));
            }
        }
        if self.audio.sink == SinkKind::Wav && self.audio.wav_dir.is_none() {
            return Err("invalid option `audio.wav_dir`: the `wav` sink needs a directory".into());
        }
        Ok(())
    }

    pub fn models_dir(&self) -> PathBuf {
        self.models_dir.clone().unwrap_or_else(|| PathBuf::from("models"))
    }

    pub fn nllb_model_dir(&self) -> PathBuf {
        self.translator.model.clone().unwrap_or_else(|| self.models_dir().join("nllb-200-distilled-600M"))
    }

    pub fn dictionary_dir(&self) -> PathBuf {
        self.tts.dictionary.clone().unwrap_or_else(|| self.models_dir().join("voice").join("naist-jdic"))
    }

    /// The cache directory, if one can be named.
    pub fn cache_dir(&self) -> Option<PathBuf> {
        if let Some(d) = &self.cache.dir {
            return Some(d.clone());
        }
        // XDG says relative paths are invalid and must be ignored.
        let xdg = std::env::var_os("XDG_CACHE_HOME").map(PathBuf::from).filter(|p| p.is_absolute());
        let base = xdg.or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
        Some(base.join("speakja"))
    }

    /// The configured voice, or the first `.htsvoice` in `<models_dir>/voice/` (by name,
    /// so the choice is stable).
    pub fn voice_file(&self) -> Option<PathBuf> {
        if let Some(v) = &self.tts.voice {
            return Some(v.clone());
        }
        first_with_extension(&self.models_dir().join("voice"), "htsvoice")
    }
}

fn first_with_extension(dir: &Path, ext: &str) -> Option<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    found.sort();
    found.into_iter().next()
}

fn in_range<T: PartialOrd + std::fmt::Display>(name: &str, v: T, lo: T, hi: T) -> Result<(), String> {
    if lo <= v && v <= hi {
        Ok(())
    } else {
        Err(format!("invalid option `{name}`: {v} is outside {lo}..={hi}"))
    }
}

/// Lua cannot tell an empty table from an empty list, so `{}` arrives as `[]`: read
/// every empty list as an empty table (list-valued options accept both).
fn empty_lists_as_tables(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Array(a) if a.is_empty() => *v = serde_json::Value::Object(Default::default()),
        // `auto.patterns = {}` means no patterns, not a table.
        serde_json::Value::Object(o) if o.get("patterns").is_some_and(|p| p == &serde_json::json!([])) => {
            o.values_mut().filter(|p| !p.is_array()).for_each(empty_lists_as_tables)
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(empty_lists_as_tables),
        serde_json::Value::Object(o) => o.values_mut().for_each(empty_lists_as_tables),
        _ => {}
    }
}

/// https anywhere; plain http only to a loopback address (a local test server or proxy).
/// Never with credentials in the URL: `http://127.0.0.1:@evil.example/` is not loopback,
/// and a user name or password there would be sent with every request.
pub fn is_allowed(url: &url::Url) -> bool {
    if !url.username().is_empty() || url.password().is_some() {
        return false;
    }
    match (url.scheme(), url.host()) {
        ("https", _) => true,
        ("http", Some(url::Host::Domain(d))) => d.eq_ignore_ascii_case("localhost"),
        ("http", Some(url::Host::Ipv4(ip))) => ip.is_loopback(),
        ("http", Some(url::Host::Ipv6(ip))) => ip.is_loopback(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_with_credentials_are_never_allowed_not_even_to_loopback() {
        let ok = |u: &str| is_allowed(&url::Url::parse(u).unwrap());
        assert!(ok("https://translate.google.com") && ok("http://127.0.0.1:8080/x") && ok("http://localhost/"));
        assert!(!ok("http://example.com/") && !ok("ftp://127.0.0.1/"));
        for u in ["http://127.0.0.1:@evil.example/", "http://user@127.0.0.1/", "https://u:p@translate.google.com"] {
            assert!(!ok(u), "{u}");
        }
    }

    #[test]
    fn empty_and_defaults() {
        let c = Config::from_json("").unwrap();
        assert_eq!(c.target_lang, "jpn_Jpan");
        let c = Config::from_json(r#"{"tts": [], "audio": {"sink": "null"}}"#).unwrap();
        assert_eq!(c.audio.sink, SinkKind::Null);
        assert_eq!(c.tts.speed, 1.0);
    }

    #[test]
    fn empty_patterns_stay_a_list() {
        let c = Config::from_json(r#"{"auto": {"patterns": [], "stable_ms": 100}}"#).unwrap();
        assert!(c.auto.patterns.is_empty());
        assert_eq!(c.auto.stable_ms, 100);
    }

    #[test]
    fn unknown_key_is_named() {
        let e = Config::from_json(r#"{"tts": {"voise": "x"}}"#).unwrap_err();
        assert!(e.contains("voise"), "{e}");
        let e = Config::from_json(r#"{"colour": 1}"#).unwrap_err();
        assert!(e.contains("colour"), "{e}");
    }

    #[test]
    fn wrong_type_names_the_option() {
        let e = Config::from_json(r#"{"audio": {"sink": 3}}"#).unwrap_err();
        assert!(e.contains("audio.sink"), "{e}");
        let e = Config::from_json(r#"{"queue_size": "many"}"#).unwrap_err();
        assert!(e.contains("queue_size"), "{e}");
    }

    #[test]
    fn translator_options() {
        let c = Config::from_json("").unwrap();
        assert_eq!(c.translator.dtype, WeightFormat::Auto);
        assert_eq!(c.translator.beams, 1);
        assert_eq!(c.translator.load, LoadTime::FirstUse);
        assert_eq!(c.translator.threads, 0);
        let c = Config::from_json(
            r#"{"translator": {"device": "cpu", "dtype": "q8_0", "beams": 4, "no_repeat_ngram_size": 3,
                "load": "startup", "max_new_tokens": 64, "length_penalty": 0.5, "threads": 2}}"#,
        )
        .unwrap();
        assert_eq!((c.translator.device, c.translator.dtype), (DeviceChoice::Cpu, WeightFormat::Q8_0));
        assert_eq!((c.translator.beams, c.translator.no_repeat_ngram_size), (4, 3));
        assert_eq!((c.translator.load, c.translator.threads), (LoadTime::Startup, 2));
        let e = Config::from_json(r#"{"translator": {"dtype": "int4"}}"#).unwrap_err();
        assert!(e.contains("translator") && e.contains("int4"), "{e}");
        let e = Config::from_json(r#"{"translator": {"beam": 2}}"#).unwrap_err();
        assert!(e.contains("beam"), "{e}");
        let e = Config::from_json(r#"{"translator": {"beams": 0}}"#).unwrap_err();
        assert!(e.contains("translator.beams"), "{e}");
    }

    #[test]
    fn tts_engines_and_chain_options() {
        let c = Config::from_json("").unwrap();
        // Offline unless asked: no text goes online by default.
        assert_eq!(c.tts.engine, TtsEngine::Openjtalk);
        assert_eq!(c.tts.order, vec![TtsEngine::Google, TtsEngine::Openjtalk]);
        assert_eq!((c.tts.cooldown_after, c.tts.cooldown_s), (3, 60));
        assert_eq!(c.tts.google.base_url, "https://translate.google.com");
        assert_eq!((c.tts.google.connect_timeout_ms, c.tts.google.timeout_ms), (1500, 4000));
        assert_eq!(c.tts.google.lang, "ja");
        let c = Config::from_json(
            r#"{"tts": {"engine": "auto", "order": ["openjtalk", "google"], "cooldown_s": 5,
                "google": {"base_url": "http://127.0.0.1:9", "timeout_ms": 800}}}"#,
        )
        .unwrap();
        assert_eq!(c.tts.engine, TtsEngine::Auto);
        assert_eq!(c.tts.order, vec![TtsEngine::Openjtalk, TtsEngine::Google]);
        assert_eq!(c.tts.cooldown_s, 5);
        assert_eq!(c.tts.google.base_url, "http://127.0.0.1:9");
        assert_eq!((c.tts.google.connect_timeout_ms, c.tts.google.timeout_ms), (1500, 800));
        assert!(Config::from_json(r#"{"tts": {"engine": "google"}}"#).is_ok());
    }

    #[test]
    fn tts_option_errors_name_the_option() {
        let bad = [
            (r#"{"tts": {"engine": "espeak"}}"#, "tts.engine"),
            (r#"{"tts": {"order": ["auto"]}}"#, "tts.order"),
            (r#"{"tts": {"order": ["google", "nope"]}}"#, "tts.order"),
            (r#"{"tts": {"cooldown_after": 0}}"#, "tts.cooldown_after"),
            (r#"{"tts": {"google": {"base_url": "ftp://x"}}}"#, "tts.google.base_url"),
            (r#"{"tts": {"google": {"base_url": "http://translate.google.com"}}}"#, "tts.google.base_url"),
            (r#"{"tts": {"google": {"base_url": "http://10.0.0.1:80"}}}"#, "tts.google.base_url"),
            (r#"{"tts": {"google": {"timeout_ms": 0}}}"#, "tts.google.timeout_ms"),
            (r#"{"tts": {"google": {"connect_timeout_ms": 99999999}}}"#, "tts.google.connect_timeout_ms"),
            (r#"{"tts": {"cooldown_s": 18446744073709551615}}"#, "tts.cooldown_s"),
            (r#"{"tts": {"google": {"timeout": 1}}}"#, "timeout"),
            (r#"{"tts": {"google": {"lang": ""}}}"#, "tts.google.lang"),
        ];
        for (json, name) in bad {
            let e = Config::from_json(json).unwrap_err();
            assert!(e.contains(name), "{json}: {e}");
        }
    }

    #[test]
    fn cache_options() {
        let c = Config::from_json("").unwrap();
        assert!(c.cache.enabled);
        assert_eq!(c.cache.max_mb, 200);
        let c = Config::from_json(r#"{"cache": {"enabled": false, "dir": "/tmp/x", "max_mb": 5}}"#).unwrap();
        assert!(!c.cache.enabled);
        assert_eq!(c.cache_dir(), Some(PathBuf::from("/tmp/x")));
        assert_eq!(c.cache.max_mb, 5);
        let e = Config::from_json(r#"{"cache": {"size": 5}}"#).unwrap_err();
        assert!(e.contains("size"), "{e}");
        let e = Config::from_json(r#"{"cache": {"dir": ""}}"#).unwrap_err();
        assert!(e.contains("cache.dir"), "{e}");
        let e = Config::from_json(r#"{"cache": {"max_mb": -1}}"#).unwrap_err();
        assert!(e.contains("cache.max_mb"), "{e}");
    }

    #[test]
    fn ranges_and_requirements() {
        assert!(Config::from_json(r#"{"tts": {"speed": 9}}"#).unwrap_err().contains("tts.speed"));
        assert!(Config::from_json(r#"{"audio": {"sink": "wav"}}"#).unwrap_err().contains("wav_dir"));
        // Sizes that would be allocated or held: bounded, so no option can exhaust memory.
        for (json, name) in [
            (r#"{"queue_size": 1000000000}"#, "queue_size"),
            (r#"{"queue_size": 0}"#, "queue_size"),
            (r#"{"history_size": 100000000}"#, "history_size"),
            (r#"{"max_text_bytes": 1000000000000}"#, "max_text_bytes"),
            (r#"{"auto": {"stable_ms": 86400000}}"#, "auto.stable_ms"),
            (r#"{"translator": {"threads": 100000}}"#, "translator.threads"),
        ] {
            assert!(Config::from_json(json).unwrap_err().contains(name), "{json}");
        }
        assert!(Config::from_json(r#"{"queue_size": 10000, "history_size": 100000}"#).is_ok());
    }
}

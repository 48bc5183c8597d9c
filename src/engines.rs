//! The one place that says what runs between text and sound. Every stack is built here,
//! explicitly; the worker only asks for "the translator" and "the voice".
//!
//! ```text
//! translation:  nllb → Protecting → translate::Cached        (none: passes text as it is)
//! speech:       openjtalk | google → tts::Cached → Chain     (one engine: no Chain)
//! ```
//!
//! `Protecting` swaps code (identifiers, paths, versions, placeholders) for markers the
//! model copies; the cache sits outside it, keyed by the sentence as it came in.

use std::time::Duration;

use anyhow::Context;

use crate::cache::{self, DiskCache};
use crate::config::{Config, TranslatorEngine, TtsEngine};
use crate::translate::{self, protect::Protecting, NllbOptions, NllbTranslator, Passthrough, Translator};
use crate::tts::{self, Chain, Google, OpenJtalk, Tts};

/// The selected translator, loaded and stacked. Slow for NLLB: call it off the main
/// thread. `stop` abandons the load (the worker it was for is gone).
pub fn translator(cfg: &Config, stop: &dyn Fn() -> bool) -> anyhow::Result<Box<dyn Translator>> {
    let engine: Box<dyn Translator> = match translate::selected(cfg) {
        TranslatorEngine::Nllb => {
            let opts = NllbOptions {
                weight_cache_dir: cfg.cache_dir().map(|d| d.join("weights")),
                ..NllbOptions::from_config(&cfg.translator)
            };
            let t = NllbTranslator::load_until(&cfg.nllb_model_dir(), &opts, stop)?;
            // The target's output rows now, not on the first sentence (and health counts them).
            t.output_rows(&cfg.target_lang)?;
            Box::new(t)
        }
        _ => Box::new(Passthrough),
    };
    Ok(translation_stack(cfg, engine))
}

/// What every loaded translation engine runs inside: code protection, then the cache.
/// `none` translates nothing, so it needs neither.
pub fn translation_stack(cfg: &Config, engine: Box<dyn Translator>) -> Box<dyn Translator> {
    if engine.kind() == translate::Kind::None {
        return engine;
    }
    let protected: Box<dyn Translator> = Box::new(Protecting::new(engine));
    match cache::open(cfg) {
        Ok(Some(c)) => {
            // `protect-1`: entries made before protection, or by another way of it, miss.
            let key = format!("{:?}|{}|protect-1", protected.kind(), translate::identity(cfg));
            Box::new(translate::Cached::new(protected, c, key))
        }
        _ => protected,
    }
}

/// The configured voice, behind the cache when it is on, with a description for
/// `:checkhealth`. `auto` builds a [`Chain`] of the engines in `tts.order` that load.
pub fn voice(cfg: &Config) -> anyhow::Result<(Box<dyn Tts>, String)> {
    let cache = cache::open(cfg);
    let engines = match cfg.tts.engine {
        TtsEngine::Auto => cfg.tts.order.clone(),
        one => vec![one],
    };
    let (mut voices, mut parts, mut missing) = (Vec::new(), Vec::new(), Vec::new());
    for engine in engines {
        match voice_engine(cfg, engine) {
            Ok((tts, key, desc)) => {
                voices.push(cached_voice(&cache, tts, key));
                parts.push(desc);
            }
            Err(e) if cfg.tts.engine == TtsEngine::Auto => missing.push(format!("{e:#}")),
            Err(e) => return Err(e),
        }
    }
    if voices.is_empty() {
        anyhow::bail!("no voice could be loaded: {}", missing.join("; "));
    }
    let mut desc = parts.join(" → ");
    let all_online = voices.iter().all(|v| v.is_online());
    let mut tts: Box<dyn Tts> = if cfg.tts.engine == TtsEngine::Auto {
        desc = format!("auto: {desc}");
        let cooldown = Duration::from_secs(cfg.tts.cooldown_s);
        Box::new(Chain::new(voices, cfg.tts.cooldown_after, cooldown))
    } else {
        voices.remove(0)
    };
    if !missing.is_empty() {
        desc += &format!(" (left out: {})", missing.join("; "));
    }
    // Only online voices: text that must stay here (auto-speak without `auto.online`) is
    // spoken by the offline voice, if it loads; else it is refused, as health says.
    if all_online {
        match voice_engine(cfg, TtsEngine::Openjtalk) {
            Ok((offline, key, offline_desc)) => {
                tts = Chain::keeping_offline_text(tts, cached_voice(&cache, offline, key));
                desc += &format!("; text that stays here: {offline_desc}");
            }
            Err(e) => desc += &format!("; text that stays here is not spoken ({e:#})"),
        }
    }
    desc += &match cache {
        Ok(Some(c)) => format!("; cache {} ({} MB)", c.dir().display(), cfg.cache.max_mb),
        Ok(None) => "; cache off".into(),
        Err(e) => format!("; cache off: {e}"),
    };
    Ok((tts, desc))
}

fn cached_voice(cache: &Result<Option<DiskCache>, String>, tts: Box<dyn Tts>, key: String) -> Box<dyn Tts> {
    match cache {
        Ok(Some(c)) => Box::new(tts::Cached::new(tts, c.clone(), key)),
        _ => tts,
    }
}

/// One engine, its cache key (what besides the text shapes its audio) and description.
fn voice_engine(cfg: &Config, engine: TtsEngine) -> anyhow::Result<(Box<dyn Tts>, String, String)> {
    let t = &cfg.tts;
    match engine {
        TtsEngine::Google => {
            let g = &t.google;
            let tts = Google::new(g, t.volume).context("google")?;
            let key = format!("google|{}|{}|volume={}", g.base_url, g.lang, t.volume);
            let desc = format!("google: {} (lang {}, online)", g.base_url, g.lang);
            Ok((Box::new(tts), key, desc))
        }
        // `auto` is no engine of its own: the config refuses it inside `tts.order`.
        TtsEngine::Openjtalk | TtsEngine::Auto => {
            let voice = cfg.voice_file().ok_or_else(|| {
                let dir = cfg.models_dir().join("voice");
                anyhow::anyhow!("openjtalk: no .htsvoice in {} (run scripts/fetch-voice)", dir.display())
            })?;
            let dict = cfg.dictionary_dir();
            let tts = OpenJtalk::load(&dict, &voice, t.speed, t.volume).context("openjtalk")?;
            // The file's size stands in for its content: a replaced voice gets new entries.
            let size = std::fs::metadata(&voice).map(|m| m.len()).unwrap_or(0);
            let key = format!(
                "openjtalk|{}|{size}|{}|speed={}|volume={}",
                voice.display(),
                dict.display(),
                t.speed,
                t.volume
            );
            let desc = format!("openjtalk: {} + {}", voice.display(), dict.display());
            Ok((Box::new(tts), key, desc))
        }
    }
}

//! Facts for `:checkhealth speakja` (the Lua side prints them with `vim.health`).
//! Each problem comes with how to fix it.

use std::collections::HashMap;
use std::time::Instant;

use serde::Serialize;

use super::guard::{text_arg, Arg, Reply};
use super::{to_value, STATE};
use crate::config::{Config, TranslatorEngine, TtsEngine};
use crate::session::PartState;
use crate::translate;
use crate::tts::{OpenJtalk, Reach, Tts};
use crate::worker::Part;

/// How a check came out; the Lua side calls `vim.health[level]`.
#[derive(Serialize, Clone, Copy)]
#[serde(rename_all = "lowercase")]
enum Level {
    Ok,
    Warn,
    Error,
    Info,
}

#[derive(Serialize)]
struct Check {
    level: Level,
    msg: String,
    advice: Option<String>,
}

fn check(level: Level, msg: impl Into<String>, advice: Option<&str>) -> Check {
    Check { level, msg: msg.into(), advice: advice.map(str::to_owned) }
}

/// What may leave the machine, and from where.
fn privacy(cfg: &Config, out: &mut Vec<Check>) {
    if cfg.redact {
        out.push(check(
            Level::Ok,
            "credentials on screen are replaced by 「キー省略」 before anything else sees them",
            None,
        ));
    } else {
        out.push(check(Level::Warn, "redact = false: credentials on screen are translated, cached and spoken", None));
    }
    let online = match cfg.tts.engine {
        TtsEngine::Google => true,
        TtsEngine::Auto => cfg.tts.order.contains(&TtsEngine::Google),
        TtsEngine::Openjtalk => false,
    };
    if !online {
        out.push(check(Level::Ok, "nothing is sent online: every voice is offline", None));
        return;
    }
    let url = &cfg.tts.google.base_url;
    out.push(check(Level::Info, format!(":SpeakJa and speak() text may be sent to {url} (tts.engine)"), None));
    match (cfg.auto.online, cfg.tts.engine) {
        (true, _) => out.push(check(
            Level::Warn,
            format!("auto-speak terminal text is sent to {url} too (auto.online = true)"),
            Some("terminals show private code and credentials; set auto.online = false to keep them here"),
        )),
        (false, TtsEngine::Google) => out.push(check(
            Level::Warn,
            "auto-speak is silent: terminal text stays offline (auto.online = false) and the only voice is online",
            Some("set tts.engine = 'auto' with openjtalk in tts.order, or auto.online = true"),
        )),
        (false, _) => {
            out.push(check(Level::Ok, "auto-speak terminal text stays on this machine (auto.online = false)", None))
        }
    }
}

/// For each followed terminal, which session file decides what was said, or that the
/// screen alone does.
fn auto_sources(out: &mut Vec<Check>) {
    for src in super::terminal::sources() {
        out.push(match (&src.transcript, src.found_by) {
            (Some(path), Some(how)) => check(
                Level::Ok,
                format!(
                    "terminal {}: Claude Code's session file {path} (found by {how}) decides what is spoken",
                    src.buf
                ),
                None,
            ),
            _ => check(
                Level::Info,
                format!(
                    "terminal {}: screen only: {}",
                    src.buf,
                    src.why_not.as_deref().unwrap_or("no session file found for it (yet)")
                ),
                Some(":SpeakJaClaude starts Claude Code so that it names its session file itself"),
            ),
        });
    }
}

/// `health(json)`: `json` is the options to judge when `setup()` has not run.
pub fn report(arg: Arg) -> Reply {
    let fallback_opts = text_arg(arg)?.unwrap_or_default();
    let (cfg, worker) = STATE.with(|s| match s.try_borrow().ok().as_ref().and_then(|s| s.as_ref()) {
        Some(st) => (Some(st.cfg.clone()), Some((st.worker.is_alive(), st.session.parts.clone()))),
        None => (None, None),
    });
    let mut out = Vec::new();
    let cfg = match cfg {
        Some(c) => c,
        None => {
            out.push(check(
                Level::Warn,
                "setup() has not been called",
                Some("call require('speakja').setup({}) in your config"),
            ));
            Config::from_json(&fallback_opts)?
        }
    };
    let parts = match worker {
        Some((alive, parts)) => {
            out.push(match alive {
                true => check(Level::Ok, "worker threads are running", None),
                false => {
                    check(Level::Error, "a worker thread has stopped", Some("run setup() again; please report this"))
                }
            });
            parts
        }
        None => HashMap::new(),
    };
    translator(&cfg, parts.get(&Part::Translator), &mut out);
    voice(&cfg, parts.get(&Part::Voice), &mut out);
    privacy(&cfg, &mut out);
    audio(&cfg, parts.get(&Part::Audio), &mut out);
    auto_sources(&mut out);
    internal_errors(&mut out);
    to_value(&out)
}

/// How a part of the running worker stands, as a check (`what` names it).
fn part_check(what: &str, state: &PartState, fix: Option<&str>) -> Check {
    match state {
        PartState::Ready { detail } => check(Level::Ok, format!("{what}: {detail}"), None),
        PartState::Degraded { detail, why } => check(Level::Warn, format!("{what}: {detail} ({why})"), fix),
        PartState::Failed { why } => check(Level::Error, format!("{what} failed to load: {why}"), fix),
    }
}

fn translator(cfg: &Config, state: Option<&PartState>, out: &mut Vec<Check>) {
    match translate::selected(cfg) {
        TranslatorEngine::Nllb => {
            let dir = cfg.nllb_model_dir();
            let missing = translate::nllb::ModelFiles::in_dir(&dir).missing();
            if missing.is_empty() {
                out.push(check(Level::Ok, format!("NLLB model files in {}", dir.display()), None));
            } else {
                out.push(check(
                    Level::Error,
                    format!("NLLB model incomplete in {} (missing {})", dir.display(), missing.join(", ")),
                    Some("run scripts/fetch-model, or set translator.model"),
                ));
            }
        }
        _ if cfg.translator.engine == TranslatorEngine::Auto => out.push(check(
            Level::Warn,
            format!(
                "translation is off: no NLLB model in {} (English is spoken untranslated)",
                cfg.nllb_model_dir().display()
            ),
            Some("run scripts/fetch-model in the plugin's directory, or set translator.model"),
        )),
        _ => out.push(check(
            Level::Info,
            "translator: none (text is spoken as it is; Japanese text never needs translation)",
            Some("for English → Japanese, run scripts/fetch-model and set translator.engine = 'nllb' or 'auto'"),
        )),
    }
    if let Some(state) = state {
        out.push(part_check("translator loaded", state, Some("see the message; check translator.model")));
    }
}

/// The offline voice, when it is used: loaded for real (as the worker loads it) and tried on
/// a short word. Missing is an error only when it is the one engine.
fn voice(cfg: &Config, state: Option<&PartState>, out: &mut Vec<Check>) {
    let offline = match cfg.tts.engine {
        TtsEngine::Openjtalk => Some(Level::Error),
        // Terminal text stays offline (auto.online = false): the offline voice speaks it.
        TtsEngine::Google if !cfg.auto.online => Some(Level::Warn),
        TtsEngine::Google => None,
        TtsEngine::Auto => cfg.tts.order.contains(&TtsEngine::Openjtalk).then_some(Level::Warn),
    };
    let fix_voice = Some("run scripts/fetch-voice (or set tts.voice / tts.dictionary)");
    match (offline, cfg.voice_file()) {
        (None, _) => {
            out.push(check(Level::Info, "offline voice not used (tts.engine = 'google', auto.online = true)", None))
        }
        (Some(level), None) => out.push(check(
            level,
            format!("no .htsvoice found in {}", cfg.models_dir().join("voice").display()),
            fix_voice,
        )),
        (Some(level), Some(voice)) => {
            let t = Instant::now();
            match OpenJtalk::load(&cfg.dictionary_dir(), &voice, cfg.tts.speed, cfg.tts.volume)
                .and_then(|mut v| Ok(v.synthesize("テスト", Reach::Offline)?))
            {
                Ok(a) => out.push(check(
                    Level::Ok,
                    format!(
                        "voice {} with dictionary {} loads and speaks ({:.0} ms, {} Hz)",
                        voice.display(),
                        cfg.dictionary_dir().display(),
                        t.elapsed().as_secs_f64() * 1000.0,
                        a.audio.sample_rate
                    ),
                    None,
                )),
                Err(e) => out.push(check(level, format!("voice does not load: {e:#}"), fix_voice)),
            }
        }
    }
    if let Some(state) = state {
        out.push(part_check("speech engine in use", state, fix_voice));
    }
    out.push(check(Level::Info,
        "voices are CC-BY-3.0: NITech HTS voice nitech_jp_atr503_m001 (Nagoya Institute of Technology), MMDAgent 'Mei' (Nagoya Institute of Technology); dictionary: NAIST-jdic (BSD)",
        None,
    ));
}

/// The sink actually opened, once the worker runs; a fallback (no device) is a warning.
fn audio(cfg: &Config, state: Option<&PartState>, out: &mut Vec<Check>) {
    match state {
        Some(state) => out.push(part_check(
            "audio output",
            state,
            Some("set audio.sink = 'wav' with audio.wav_dir, or 'null'; :checkhealth again once a device is back"),
        )),
        None => {
            out.push(check(Level::Info, format!("audio sink: {:?} (opened when setup() runs)", cfg.audio.sink), None))
        }
    }
}

/// Panics caught since Neovim started: a bug, worth a report, even where nothing broke.
fn internal_errors(out: &mut Vec<Check>) {
    let log = super::guard::panic_log().map(|p| p.display().to_string()).unwrap_or_default();
    for p in super::guard::recent_panics() {
        let advice = format!("please report this, with {log}");
        out.push(check(Level::Warn, format!("internal error (caught): {p}"), Some(&advice)));
    }
}

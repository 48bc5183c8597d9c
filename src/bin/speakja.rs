//! The command line over the same core as the plugin.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use speakja::config::{Config, SinkKind, TranslatorEngine};
use speakja::history::History;
use speakja::worker::{Event, Worker};

#[derive(Parser)]
#[command(name = "speakja", version, about = "English on screen → spoken Japanese")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Translate (when a model is there) and speak text, through the plugin's pipeline.
    Say {
        /// Directory with voice/ and the NLLB model.
        #[arg(long, default_value = "models")]
        models: PathBuf,
        /// Translator: auto, none or nllb.
        #[arg(long, default_value = "auto")]
        translator: String,
        /// Write one WAV file per sentence here instead of playing. Without it, speech
        /// plays on the sound device, or lands in <tmp>/speakja when there is none.
        #[arg(long)]
        wav_dir: Option<PathBuf>,
        text: Vec<String>,
    },
    /// Build the jpreprocess dictionary from NAIST-jdic CSV sources.
    BuildDict { src: PathBuf, out: PathBuf },
    /// Time the offline voice against a speech-cache hit for the same sentence.
    BenchCache {
        #[arg(long, default_value = "models")]
        models: PathBuf,
        #[arg(long, default_value_t = 20)]
        runs: usize,
        text: Vec<String>,
    },
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("speakja: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Say { models, translator, wav_dir, text } => say(models, &translator, wav_dir, &text.join(" ")),
        Command::BuildDict { src, out } => speakja::tts::dictionary::build(&src, &out),
        Command::BenchCache { models, runs, text } => bench_cache(models, runs, &text.join(" ")),
    }
}

fn say(models: PathBuf, translator: &str, wav_dir: Option<PathBuf>, text: &str) -> anyhow::Result<()> {
    let mut cfg = Config { models_dir: Some(models), ..Config::default() };
    cfg.translator.engine = match translator {
        "auto" => TranslatorEngine::Auto,
        "none" => TranslatorEngine::None,
        "nllb" => TranslatorEngine::Nllb,
        other => anyhow::bail!("unknown translator {other:?} (auto, none, nllb)"),
    };
    match wav_dir {
        Some(dir) => {
            cfg.audio.sink = SinkKind::Wav;
            cfg.audio.wav_dir = Some(dir);
        }
        None => cfg.audio.wav_dir = Some(std::env::temp_dir().join("speakja")),
    }
    let sentences = speakja::text::sentences(text);
    anyhow::ensure!(!sentences.is_empty(), "nothing to say");
    let (tx, rx) = crossbeam_channel::bounded(1024);
    let mut worker = Worker::start(&cfg, tx, Arc::new(|| {}))?;
    let mut history = History::new(sentences.len());
    for s in sentences {
        let id = worker.speak(s.clone())?;
        history.queued(id, s);
    }
    while history.pending() > 0 {
        let ev = rx.recv()?;
        match &ev {
            Event::Ready { part, result: Err(e) } => eprintln!("speakja: {part:?}: {e}"),
            Event::Ready { part, result: Ok(d) } => eprintln!("speakja: {part:?}: {d}"),
            _ => {}
        }
        if let Some(e) = history.apply(&ev) {
            println!("{}", serde_json::to_string(e)?);
        }
    }
    Ok(())
}

fn bench_cache(models: PathBuf, runs: usize, text: &str) -> anyhow::Result<()> {
    let text = if text.trim().is_empty() { "こんにちは、今日は良い天気ですね。" } else { text };
    let dir = std::env::temp_dir().join(format!("speakja-bench-cache-{}", std::process::id()));
    let mut cfg = Config { models_dir: Some(models), ..Config::default() };
    cfg.cache.enabled = false;
    let (mut plain, desc) = speakja::tts::open(&cfg)?;
    cfg.cache.enabled = true;
    cfg.cache.dir = Some(dir.clone());
    let (mut cached, _) = speakja::tts::open(&cfg)?;
    // Warm both: the first call fills the cache.
    let audio = plain.synthesize(text)?;
    cached.synthesize(text)?;
    let timed = |tts: &mut Box<dyn speakja::tts::Tts>| -> anyhow::Result<f64> {
        let t = std::time::Instant::now();
        tts.synthesize(text)?;
        Ok(t.elapsed().as_secs_f64() * 1000.0)
    };
    // Interleaved, so both see the same machine load.
    let (mut base, mut hit) = (Vec::new(), Vec::new());
    for _ in 0..runs.max(1) {
        base.push(timed(&mut plain)?);
        hit.push(timed(&mut cached)?);
    }
    anyhow::ensure!(cached.name().ends_with("(cached)"), "the cache did not answer ({})", cached.name());
    let _ = std::fs::remove_dir_all(&dir);
    let stats = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        format!("median {:7.2} ms  (min {:.2}, max {:.2})", v[v.len() / 2], v[0], v[v.len() - 1])
    };
    println!("voice: {desc}");
    println!("text: {text} ({:.2} s of audio), {} runs each", audio.duration().as_secs_f64(), base.len());
    println!("synthesis:  {}", stats(&mut base));
    println!("cache hit:  {}  (target <= 5 ms)", stats(&mut hit));
    Ok(())
}

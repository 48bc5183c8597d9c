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
        history.queued(id, s, None);
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

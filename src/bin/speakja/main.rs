//! The command line over the same core as the plugin.

mod bench;
mod say;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Args, Parser, Subcommand};
use speakja::config::{self as plugin, DeviceChoice, OutputVocab, TranslatorConfig, WeightFormat};
use speakja::translate::{NllbOptions, NllbTranslator};

#[derive(Parser)]
#[command(
    name = "speakja",
    version,
    about = "English on screen → spoken Japanese",
    after_help = "Exit status of `say`: 0 all spoken, 1 not started (options, worker), 2 nothing to say, \
                  3 some sentences failed, 4 the worker stopped."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Translate (when a model is there) and speak text, through the plugin's pipeline.
    Say(say::SayArgs),
    /// Build the jpreprocess dictionary from NAIST-jdic CSV sources.
    BuildDict { src: PathBuf, out: PathBuf },
    /// Translate text with an NLLB model directory.
    Translate(TranslateArgs),
    /// Time the NLLB-200 600M shape with random weights (no download needed).
    Bench(bench::BenchArgs),
    /// Write a model directory of the 600M shape with random 8-bit weights, for
    /// bench/screen_to_ear.sh (the plugin loads it as it loads a real one).
    #[command(hide = true)]
    BenchModel(bench::BenchModelArgs),
    /// Time the offline voice against a speech-cache hit for the same sentence.
    BenchCache {
        #[arg(long, default_value = "models")]
        models: PathBuf,
        #[arg(long, default_value_t = 20)]
        runs: usize,
        text: Vec<String>,
    },
}

#[derive(Args)]
struct TranslateArgs {
    /// Directory with config.json, tokenizer.json and model.safetensors or pytorch_model.bin.
    #[arg(long)]
    model: PathBuf,
    #[arg(long, default_value = "eng_Latn")]
    src: String,
    #[arg(long, default_value = "jpn_Jpan")]
    tgt: String,
    #[arg(long)]
    beams: Option<usize>,
    #[arg(long)]
    max_new_tokens: Option<usize>,
    /// auto, cpu, cuda or metal.
    #[arg(long, default_value = "auto", value_parser = parse_option::<DeviceChoice>)]
    device: DeviceChoice,
    /// auto, f32, f16, bf16 or q8_0.
    #[arg(long, default_value = "auto", value_parser = parse_option::<WeightFormat>)]
    dtype: WeightFormat,
    /// target (the target language's rows and the source's pieces) or full.
    #[arg(long, default_value = "target", value_parser = parse_option::<OutputVocab>)]
    vocab: OutputVocab,
    /// CPU threads a decoding uses; 0 is all cores up to 4 (`translator.threads`).
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// One JSON object per input: {"text", "ids", "ms"}.
    #[arg(long)]
    json: bool,
    #[arg(required = true)]
    text: Vec<String>,
}

/// Option values spelled as in the plugin's configuration.
fn parse_option<T: serde::de::DeserializeOwned>(s: &str) -> Result<T, String> {
    serde_json::from_value(serde_json::Value::String(s.to_owned())).map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    let done = match Cli::parse().command {
        Command::Say(a) => return say::run(a),
        Command::BuildDict { src, out } => speakja::tts::dictionary::build(&src, &out),
        Command::Translate(a) => translate(a),
        Command::Bench(a) => bench::bench(a),
        Command::BenchModel(a) => bench::bench_model(a),
        Command::BenchCache { models, runs, text } => bench::bench_cache(models, runs, &text.join(" ")),
    };
    match done {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("speakja: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn translate(a: TranslateArgs) -> anyhow::Result<()> {
    let defaults = TranslatorConfig::default();
    let cfg = TranslatorConfig {
        device: a.device,
        dtype: a.dtype,
        beams: a.beams.unwrap_or(defaults.beams),
        max_new_tokens: a.max_new_tokens.unwrap_or(defaults.max_new_tokens),
        vocab: a.vocab,
        threads: a.threads,
        ..defaults
    };
    let t0 = Instant::now();
    let translator = NllbTranslator::load(&a.model, &NllbOptions::from_config(&cfg))?;
    eprintln!("speakja: loaded in {:.2} s: {}", t0.elapsed().as_secs_f64(), translator.placement());
    let rows = translator.output_rows(&a.tgt)?.map(|r| r.ids().len());
    let all = translator.model().vocab_rows();
    eprintln!("speakja: {} of {all} output rows scored for {}", rows.unwrap_or(all), a.tgt);
    // The plugin's own stack (code protection; no cache: a diagnostic runs the model).
    let plugin_cfg =
        plugin::Config { cache: plugin::CacheConfig { enabled: false, ..Default::default() }, ..Default::default() };
    let mut stack = speakja::engines::translation_stack(&plugin_cfg, Box::new(translator));
    for text in &a.text {
        let t0 = Instant::now();
        let text = speakja::text::redact::redact(text);
        let out = stack.translate(&text, &a.src, &a.tgt)?;
        let ms = t0.elapsed().as_secs_f64() * 1e3;
        if a.json {
            // `model_input`: what the model was given first; `plain_retry`: the sentence
            // without markers, when the markers did not come back.
            let line = serde_json::json!({
                "text": out.text,
                "ids": out.ids,
                "ms": ms,
                "model_input": out.model_inputs.first(),
                "plain_retry": out.model_inputs.get(1),
            });
            println!("{line}");
        } else {
            println!("{}", out.text);
        }
    }
    Ok(())
}

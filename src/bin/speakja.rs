//! The command line over the same core as the plugin.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use candle_core::quantized::GgmlDType;
use clap::{Args, Parser, Subcommand};
use speakja::config::{
    self as plugin, DeviceChoice, OutputVocab, SinkKind, TranslatorConfig, TranslatorEngine, WeightFormat,
};
use speakja::history::History;
use speakja::translate::nllb::generate::{self, GenerateOptions};
use speakja::translate::nllb::model::{RandomWeights, Weights};
use speakja::translate::nllb::qcache::{Mapped, QuantCache, Recorder};
use speakja::translate::nllb::{self as nllb, Columns, Config, Model, NllbOptions, NllbTranslator};
use speakja::tts::Reach;
use speakja::worker::{Event, Origin, Worker};

#[derive(Parser)]
#[command(name = "speakja", version, about = "English on screen → spoken Japanese")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Translate (when a model is there) and speak text, through the plugin's pipeline.
    Say(SayArgs),
    /// Build the jpreprocess dictionary from NAIST-jdic CSV sources.
    BuildDict { src: PathBuf, out: PathBuf },
    /// Translate text with an NLLB model directory.
    Translate(TranslateArgs),
    /// Time the NLLB-200 600M shape with random weights (no download needed).
    Bench(BenchArgs),
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
struct SayArgs {
    /// Directory with voice/ and the NLLB model.
    #[arg(long, default_value = "models")]
    models: PathBuf,
    /// auto, none or nllb.
    #[arg(long, default_value = "auto", value_parser = parse_option::<TranslatorEngine>)]
    translator: TranslatorEngine,
    /// Write one WAV file per sentence here instead of playing. Without it, speech
    /// plays on the sound device, or lands in <tmp>/speakja-<uid> (private) when there is none.
    #[arg(long)]
    wav_dir: Option<PathBuf>,
    #[arg(required = true)]
    text: Vec<String>,
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

#[derive(Args)]
struct BenchArgs {
    /// f32 or q8_0; without it both run, each in its own process so peak memory is its own.
    #[arg(long, value_parser = parse_option::<WeightFormat>)]
    dtype: Option<WeightFormat>,
    #[arg(long, default_value_t = 20)]
    src_tokens: usize,
    /// Decoder steps, the forced language token included; EOS is suppressed.
    #[arg(long, default_value_t = 24)]
    new_tokens: usize,
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// cpu, cuda or metal (the GPU ones need a build with that feature).
    #[arg(long, default_value = "cpu", value_parser = parse_option::<DeviceChoice>)]
    device: DeviceChoice,
    /// Output rows a step scores (a target-language vocabulary of this size, spread over
    /// the 256k); 0 scores all of them.
    #[arg(long, default_value_t = 0)]
    rows: usize,
    /// Only write the random q8_0 weights into the benchmark's weight cache.
    #[arg(long, hide = true)]
    write_cache: bool,
}

/// Option values spelled as in the plugin's configuration.
fn parse_option<T: serde::de::DeserializeOwned>(s: &str) -> Result<T, String> {
    serde_json::from_value(serde_json::Value::String(s.to_owned())).map_err(|e| e.to_string())
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Say(a) => say(a),
        Command::BuildDict { src, out } => speakja::tts::dictionary::build(&src, &out),
        Command::Translate(a) => translate(a),
        Command::Bench(a) => bench(a),
        Command::BenchCache { models, runs, text } => bench_cache(models, runs, &text.join(" ")),
    }
}

fn say(a: SayArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut cfg = plugin::Config { models_dir: Some(a.models), ..plugin::Config::default() };
    cfg.translator.engine = a.translator;
    match a.wav_dir {
        Some(dir) => {
            cfg.audio.sink = SinkKind::Wav;
            cfg.audio.wav_dir = Some(dir);
        }
        // One private directory per user: another user of a shared /tmp can neither read
        // what was spoken nor plant links in it.
        None => cfg.audio.wav_dir = Some(std::env::temp_dir().join(format!("speakja-{}", user_id()))),
    }
    let text = a.text.join(" ");
    let sentences: Vec<String> = speakja::text::Redacted::new(&text, cfg.redact).sentences().collect();
    anyhow::ensure!(!sentences.is_empty(), "nothing to say");
    let (tx, rx) = crossbeam_channel::bounded(1024);
    let mut worker = Worker::start(&cfg, tx, Arc::new(|| {}))?;
    let mut history = History::new(sentences.len());
    for s in sentences {
        let id = worker.speak(s.clone(), Origin::Command)?;
        history.queued(id, s, None);
    }
    while history.pending() > 0 {
        let ev = rx.recv()?;
        if let Event::Ready { part, result } = &ev {
            let after = started.elapsed().as_millis();
            match result {
                Ok(d) => eprintln!("speakja: {part:?} ready after {after} ms: {d}"),
                Err(e) => eprintln!("speakja: {part:?} unavailable after {after} ms: {e}"),
            }
        }
        if let Some(e) = history.apply(&ev) {
            println!("{}", serde_json::to_string(e)?);
        }
    }
    Ok(())
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
    let plugin_cfg = plugin::Config { cache: plugin::CacheConfig { enabled: false, ..Default::default() }, ..Default::default() };
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

fn bench(a: BenchArgs) -> anyhow::Result<()> {
    let Some(format) = a.dtype else {
        println!(
            "| engine | load s | encoder ms | per step ms | total ms | peak RSS MB | step floor ms | step ÷ floor |"
        );
        println!("|---|---|---|---|---|---|---|---|");
        let exe = std::env::current_exe()?;
        let dtypes: &[&str] = if a.device == DeviceChoice::Cpu { &["f32", "q8_0"] } else { &["f16", "q8_0"] };
        let device = serde_json::to_value(a.device)?;
        for dtype in dtypes {
            let status = std::process::Command::new(&exe)
                .args(["bench", "--dtype", dtype, "--device", device.as_str().unwrap_or("cpu")])
                .args(["--src-tokens", &a.src_tokens.to_string()])
                .args(["--new-tokens", &a.new_tokens.to_string(), "--runs", &a.runs.to_string()])
                .args(["--rows", &a.rows.to_string()])
                .status()?;
            anyhow::ensure!(status.success(), "bench --dtype {dtype} failed");
        }
        return Ok(());
    };
    let device = nllb::select_device(a.device)?;
    let (dtype, quant) = nllb::weight_layout(format, &device);
    let cfg = Config::nllb_600m();
    let random = RandomWeights { device: device.clone(), dtype };
    let cache = bench_weight_cache();
    if a.write_cache {
        let recorder = Recorder::new(&random);
        Model::load(Weights::new(&recorder, Some(GgmlDType::Q8_0)), &cfg)?;
        return cache.write(&recorder.into_tensors());
    }
    let mapped = match quant {
        Some(GgmlDType::Q8_0) if device.is_cpu() => Some(mapped_bench_cache(&cache)?),
        _ => None,
    };
    let t0 = Instant::now();
    // 8-bit weights come from the weight cache, as users' do after their first load.
    let model = match &mapped {
        Some(mapped) => Model::load(Weights::new(mapped, quant), &cfg)?,
        None => Model::load(Weights::new(&random, quant), &cfg)?,
    };
    device.synchronize()?;
    let load_s = t0.elapsed().as_secs_f64();
    // `[lang] pieces </s>` with arbitrary piece ids; the forced target is any language id.
    let mut src: Vec<u32> = vec![256047];
    src.extend((0..a.src_tokens.saturating_sub(2)).map(|i| 1000 + (i as u32 * 7919) % 250_000));
    src.push(cfg.eos_token_id);
    let opts = GenerateOptions { max_new_tokens: a.new_tokens, min_new_tokens: a.new_tokens, ..Default::default() };
    let tokens = generate::Tokens { start: 2, eos: 2, pad: 1, forced_eos: None };
    let (tgt, vocab) = (256079, cfg.vocab_size);
    let subset = match a.rows {
        0 => None,
        n => {
            let mut ids: Vec<u32> =
                (0..n.min(vocab)).map(|i| (i * vocab / n) as u32).chain([0, 1, 2, 3, tgt]).collect();
            ids.sort_unstable();
            ids.dedup();
            model.output_rows(ids, true)?
        }
    };
    let columns = subset.as_ref().map_or(Columns::All, |rows| Columns::Subset(rows, None));
    let rows = subset.as_ref().map_or(vocab, |r| r.ids().len());
    let mut best: Option<(f64, f64)> = None;
    // One untimed warm-up, then the fastest of `runs`.
    for run in 0..=a.runs {
        // As `NllbTranslator::generate` runs.
        let (enc_ms, total_ms, out) = generate::on_pool(&device, || -> anyhow::Result<_> {
            let t0 = Instant::now();
            let encoded = model.encode(std::slice::from_ref(&src), None)?;
            // GPU work is queued: wait for it before reading the clock.
            device.synchronize()?;
            let enc_ms = t0.elapsed().as_secs_f64() * 1e3;
            let out = generate::generate(&model, &encoded, None, tgt, tokens, columns, &opts, &|| false)?;
            device.synchronize()?;
            Ok((enc_ms, t0.elapsed().as_secs_f64() * 1e3, out))
        })?;
        anyhow::ensure!(out[0].len() == a.new_tokens, "generated {} tokens, not {}", out[0].len(), a.new_tokens);
        if run > 0 && best.is_none_or(|(_, t)| total_ms < t) {
            best = Some((enc_ms, total_ms));
        }
    }
    let (enc_ms, total_ms) = best.context("--runs must be at least 1")?;
    let step_ms = (total_ms - enc_ms) / a.new_tokens as f64;
    let place = if device.is_cpu() { String::new() } else { format!(" ({:?})", a.device).to_lowercase() };
    let mut name = format!("candle {}{place}", serde_json::to_value(format)?.as_str().unwrap_or("?"));
    if rows < vocab {
        name += &format!(", {}k rows", (rows as f64 / 1e3).round());
    }
    // The floor: a step must read every decoder weight and the output projection once.
    // Read before the bandwidth probe, whose buffer is not the model's memory.
    let peak_rss = peak_rss_mb().unwrap_or(f64::NAN);
    let floor_ms = if device.is_cpu() {
        let gbps = read_bandwidth_gbps(2);
        let bytes = step_bytes(&cfg, rows, nllb::weight_layout(format, &device));
        eprintln!("read bandwidth {gbps:.1} GB/s (2 threads); a {name} step reads {:.0} MB", bytes / 1e6);
        bytes / (gbps * 1e9) * 1e3
    } else {
        f64::NAN
    };
    println!(
        "| {name} | {load_s:.1} | {enc_ms:.0} | {step_ms:.1} | {total_ms:.0} | {peak_rss:.0} | {floor_ms:.1} | {:.2} |",
        step_ms / floor_ms
    );
    Ok(())
}

/// The benchmark's weight cache of random 600M-shape q8_0 weights, kept in the temp dir.
fn bench_weight_cache() -> QuantCache {
    let path = std::env::temp_dir().join("speakja-bench-600m-q8_0.gguf");
    QuantCache::at(path, "speakja bench: random NLLB-200 600M shape, q8_0, v1".into())
}

/// The mapped benchmark cache, written first by a child process (whose peak memory is then
/// not this one's) when it is missing or stale.
fn mapped_bench_cache(cache: &QuantCache) -> anyhow::Result<Mapped> {
    if let Ok(Some(mapped)) = cache.open() {
        return Ok(mapped);
    }
    eprintln!("writing random q8_0 weights to {} (once)", cache.path().display());
    let status = std::process::Command::new(std::env::current_exe()?)
        .args(["bench", "--dtype", "q8_0", "--write-cache"])
        .status()?;
    anyhow::ensure!(status.success(), "writing the benchmark's weight cache failed");
    cache.open()?.context("the benchmark's weight cache is missing after writing it")
}

/// Weight bytes one decoder step reads: per layer self-attention (4 d²), the cross-attention
/// query and output (2 d²; its keys and values are made once per sentence) and the FFN
/// (2 d·ffn), then the output projection (`rows` × d).
fn step_bytes(cfg: &Config, rows: usize, (dtype, quant): (candle_core::DType, Option<GgmlDType>)) -> f64 {
    let d = cfg.d_model as f64;
    let per_layer = 6.0 * d * d + 2.0 * d * cfg.decoder_ffn_dim as f64;
    let params = cfg.decoder_layers as f64 * per_layer + rows as f64 * d;
    let bytes_per = match quant {
        Some(q) => q.type_size() as f64 / q.block_size() as f64,
        None => dtype.size_in_bytes() as f64,
    };
    params * bytes_per
}

/// This machine's memory read bandwidth with `threads` threads: the best of three passes
/// summing a 256 MiB buffer (far larger than any cache).
fn read_bandwidth_gbps(threads: usize) -> f64 {
    let words = (256usize << 20) / 8;
    let buf: Vec<u64> = (0..words as u64).collect();
    let chunk = words.div_ceil(threads);
    (0..3)
        .map(|_| {
            let t = Instant::now();
            let sum: u64 = std::thread::scope(|s| {
                let parts: Vec<_> = buf
                    .chunks(chunk)
                    .map(|c| s.spawn(move || c.iter().fold(0u64, |a, &x| a.wrapping_add(x))))
                    .collect();
                parts.into_iter().map(|h| h.join().unwrap_or(0)).fold(0, u64::wrapping_add)
            });
            std::hint::black_box(sum);
            (words * 8) as f64 / t.elapsed().as_secs_f64() / 1e9
        })
        .fold(0.0, f64::max)
}

/// Peak resident memory of this process (`VmHWM`), in MB.
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn bench_cache(models: PathBuf, runs: usize, text: &str) -> anyhow::Result<()> {
    let text = if text.trim().is_empty() { "こんにちは、今日は良い天気ですね。" } else { text };
    let dir = std::env::temp_dir().join(format!("speakja-bench-cache-{}", std::process::id()));
    let mut cfg = plugin::Config { models_dir: Some(models), ..plugin::Config::default() };
    cfg.cache.enabled = false;
    let (mut plain, desc) = speakja::engines::voice(&cfg)?;
    cfg.cache.enabled = true;
    cfg.cache.dir = Some(dir.clone());
    let (mut cached, _) = speakja::engines::voice(&cfg)?;
    // Warm both: the first call fills the cache.
    let audio = plain.synthesize(text, Reach::Online)?;
    cached.synthesize(text, Reach::Online)?;
    let timed = |tts: &mut Box<dyn speakja::tts::Tts>| -> anyhow::Result<f64> {
        let t = std::time::Instant::now();
        tts.synthesize(text, Reach::Online)?;
        Ok(t.elapsed().as_secs_f64() * 1000.0)
    };
    // Interleaved, so both see the same machine load.
    let (mut base, mut hit) = (Vec::new(), Vec::new());
    for _ in 0..runs.max(1) {
        base.push(timed(&mut plain)?);
        hit.push(timed(&mut cached)?);
    }
    anyhow::ensure!(cached.synthesize(text, Reach::Online)?.cached, "the cache did not answer");
    let _ = std::fs::remove_dir_all(&dir);
    let stats = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        format!("median {:7.2} ms  (min {:.2}, max {:.2})", v[v.len() / 2], v[0], v[v.len() - 1])
    };
    println!("voice: {desc}");
    println!("text: {text} ({:.2} s of audio), {} runs each", audio.audio.duration().as_secs_f64(), base.len());
    println!("synthesis:  {}", stats(&mut base));
    println!("cache hit:  {}  (target <= 5 ms)", stats(&mut hit));
    Ok(())
}

fn user_id() -> u32 {
    #[cfg(unix)]
    // SAFETY: getuid has no preconditions and cannot fail.
    return unsafe { libc::getuid() };
    #[cfg(not(unix))]
    0
}

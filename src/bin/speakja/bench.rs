//! `speakja bench` and `speakja bench-cache`: the benchmark harness, apart from the commands
//! users run. Numbers come from the real 600M shape with random weights (no download).

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use candle_core::quantized::GgmlDType;
use clap::Args;
use speakja::config::{self as plugin, DeviceChoice, WeightFormat};
use speakja::translate::nllb::generate::{self, GenerateOptions};
use speakja::translate::nllb::qcache::{Mapped, QuantCache, Recorder};
use speakja::translate::nllb::weights::{RandomWeights, Weights};
use speakja::translate::nllb::{self as nllb, Columns, Config, Model};
use speakja::tts::Reach;

use super::parse_option;

#[derive(Args)]
pub struct BenchArgs {
    /// f32 or q8_0; without it both run, each in its own process so peak memory is its own.
    #[arg(long, value_parser = parse_option::<WeightFormat>)]
    pub dtype: Option<WeightFormat>,
    #[arg(long, default_value_t = 20)]
    pub src_tokens: usize,
    /// Decoder steps, the forced language token included; EOS is suppressed.
    #[arg(long, default_value_t = 24)]
    pub new_tokens: usize,
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
    /// cpu, cuda or metal (the GPU ones need a build with that feature).
    #[arg(long, default_value = "cpu", value_parser = parse_option::<DeviceChoice>)]
    pub device: DeviceChoice,
    /// Output rows a step scores (a target-language vocabulary of this size, spread over
    /// the 256k); 0 scores all of them.
    #[arg(long, default_value_t = 0)]
    pub rows: usize,
    /// Only write the random q8_0 weights into the benchmark's weight cache.
    #[arg(long, hide = true)]
    pub write_cache: bool,
}

pub fn bench(a: BenchArgs) -> anyhow::Result<()> {
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
            let out = generate::generate(&model, &encoded, None, tgt, tokens, columns, &opts, &|| false)?
                .context("never told to stop")?;
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

pub fn bench_cache(models: PathBuf, runs: usize, text: &str) -> anyhow::Result<()> {
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

#[derive(Args)]
pub struct BenchModelArgs {
    /// The directory to write (config.json, tokenizer.json, the 8-bit weight cache).
    pub dir: PathBuf,
    /// A tokenizer.json to put there (its pieces and language codes; ids index the 256k rows).
    #[arg(long)]
    pub tokenizer: PathBuf,
}

/// A model directory the plugin loads through its own path: config.json of the 600M shape,
/// the given tokenizer, a sparse stand-in `model.safetensors` (never read: its size and time
/// name the weight cache) and, next to it, the 8-bit cache filled with random weights.
pub fn bench_model(a: BenchModelArgs) -> anyhow::Result<()> {
    std::fs::create_dir_all(&a.dir)?;
    let cfg = Config::nllb_600m();
    let config = a.dir.join("config.json");
    std::fs::write(&config, serde_json::to_vec_pretty(&cfg)?)?;
    std::fs::copy(&a.tokenizer, a.dir.join("tokenizer.json"))
        .with_context(|| format!("cannot copy {}", a.tokenizer.display()))?;
    let weights = a.dir.join("model.safetensors");
    // About the size of the real checkpoint's file, without its bytes.
    std::fs::File::create(&weights)?.set_len(2_460_000_000)?;
    let cache = QuantCache::new(&config, &weights, GgmlDType::Q8_0, None)?;
    let random = RandomWeights { device: candle_core::Device::Cpu, dtype: candle_core::DType::F32 };
    let recorder = Recorder::new(&random);
    Model::load(Weights::new(&recorder, Some(GgmlDType::Q8_0)), &cfg)?;
    cache.write(&recorder.into_tensors())?;
    println!("{}", cache.path().display());
    Ok(())
}

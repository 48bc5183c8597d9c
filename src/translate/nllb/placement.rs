//! Where the model runs and in which format: the device (a GPU when built with one and
//! present, else the CPU), the weight layout for it, the decoding threads, and what health
//! shows of the choice.

use std::path::PathBuf;

use anyhow::{bail, Context};
use candle_core::quantized::GgmlDType;
use candle_core::{DType, Device};

use super::gemv;
use crate::config::{DeviceChoice, WeightFormat};

/// The device for `choice`; `auto` prefers a GPU the build supports.
pub fn select_device(choice: DeviceChoice) -> anyhow::Result<Device> {
    Ok(place_device(choice)?.0)
}

/// The device for `choice`, and why it is that one (for health).
pub(super) fn place_device(choice: DeviceChoice) -> anyhow::Result<(Device, String)> {
    match choice {
        DeviceChoice::Cpu => Ok((Device::Cpu, "translator.device = cpu".into())),
        DeviceChoice::Cuda => Ok((
            Device::new_cuda(0).context("CUDA device 0 (build with `SPEAKJA_CUDA=1 make build`)")?,
            "translator.device = cuda".into(),
        )),
        DeviceChoice::Metal => Ok((
            Device::new_metal(0).context("Metal device 0 (on macOS `make build` includes Metal)")?,
            "translator.device = metal".into(),
        )),
        DeviceChoice::Auto => {
            let mut tried = Vec::new();
            if cfg!(feature = "metal") {
                match Device::new_metal(0) {
                    Ok(d) => return Ok((d, "auto: the Metal GPU".into())),
                    Err(e) => tried.push(format!("Metal: {e}")),
                }
            }
            if cfg!(feature = "cuda") {
                match Device::new_cuda(0) {
                    Ok(d) => return Ok((d, "auto: the CUDA GPU".into())),
                    Err(e) => tried.push(format!("CUDA: {e}")),
                }
            }
            let why = if tried.is_empty() {
                "auto: this build has no GPU support (macOS builds add Metal; SPEAKJA_CUDA=1 make build adds CUDA)"
                    .into()
            } else {
                format!("auto: no usable GPU ({})", tried.join("; "))
            };
            Ok((Device::Cpu, why))
        }
    }
}

pub(super) fn device_name(d: &Device) -> &'static str {
    match d {
        Device::Cpu => "the CPU",
        Device::Cuda(_) => "the CUDA GPU",
        Device::Metal(_) => "the Metal GPU",
    }
}

/// A failure the tests inject where no GPU is (`SPEAKJA_FAULT=gpu-open` or `gpu-warmup`):
/// the first load behaves as a GPU failing at that step, so the fallback runs for real.
pub(super) fn fault(step: &str) -> anyhow::Result<()> {
    match std::env::var("SPEAKJA_FAULT") {
        Ok(v) if v == step => bail!("the GPU failed at {step} (injected by SPEAKJA_FAULT)"),
        _ => Ok(()),
    }
}

/// Decode length forced for benchmarks (`SPEAKJA_BENCH_LENGTH=1.3`: 1.3 × the source's
/// tokens), since random weights never stop on their own. Never set for users.
pub(super) fn bench_length() -> Option<f64> {
    static RATIO: std::sync::OnceLock<Option<f64>> = std::sync::OnceLock::new();
    *RATIO.get_or_init(|| {
        std::env::var("SPEAKJA_BENCH_LENGTH").ok()?.parse().ok().filter(|r: &f64| r.is_finite() && *r > 0.0)
    })
}

/// Dense dtype and optional quantization for a weight format on a device.
pub fn weight_layout(format: WeightFormat, device: &Device) -> (DType, Option<GgmlDType>) {
    match resolved_format(format, device) {
        WeightFormat::F16 => (DType::F16, None),
        WeightFormat::Bf16 => (DType::BF16, None),
        WeightFormat::Q8_0 => (DType::F32, Some(GgmlDType::Q8_0)),
        _ => (DType::F32, None),
    }
}

/// `auto` made concrete: 8-bit on a CPU, f16 on a GPU.
pub(super) fn resolved_format(format: WeightFormat, device: &Device) -> WeightFormat {
    match format {
        WeightFormat::Auto if device.is_cpu() => WeightFormat::Q8_0,
        WeightFormat::Auto => WeightFormat::F16,
        f => f,
    }
}

/// Where the model runs and in which format, with the reasons, as health shows it.
#[derive(Debug, Clone)]
pub struct Placement {
    pub device: Device,
    pub format: WeightFormat,
    pub device_why: String,
    pub format_why: &'static str,
    pub kernels: gemv::Kernels,
    /// Threads of the translator's own pool, which decodes on the CPU.
    pub threads: usize,
    pub cache: CacheUse,
}

/// What this load did with the 8-bit weight cache ([`qcache`]).
#[derive(Debug, Clone, PartialEq)]
pub enum CacheUse {
    /// Not an 8-bit format: nothing to cache.
    Off,
    /// The weights came from the cache, ready.
    Read(PathBuf),
    /// Quantized from the checkpoint, and the cache written for the next start.
    Written(PathBuf),
    /// Quantized from the checkpoint; no cache could be written (every start quantizes).
    Unwritable(String),
}

impl std::fmt::Display for Placement {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let device = match &self.device {
            Device::Cpu => "CPU",
            Device::Cuda(_) => "CUDA GPU",
            Device::Metal(_) => "Metal GPU",
        };
        write!(f, "{device} ({}), {:?} weights ({})", self.device_why, self.format, self.format_why)?;
        if self.device.is_cpu() {
            let kernels = match self.kernels {
                gemv::Kernels::Simd => "AVX2 kernels",
                gemv::Kernels::Generic => "portable kernels",
            };
            write!(f, ", {kernels}, {} threads", self.threads)?;
        }
        match &self.cache {
            CacheUse::Off => Ok(()),
            CacheUse::Read(p) => write!(f, ", 8-bit weights read ready from {}", p.display()),
            CacheUse::Written(p) => write!(f, ", quantized once and kept in {}", p.display()),
            CacheUse::Unwritable(why) => write!(f, ", quantized at every start ({why})"),
        }
    }
}

/// Threads a decoding uses when `translator.threads` is 0: a step reads every weight once
/// per token, and a few cores saturate memory bandwidth, while each thread in the pool
/// spins for work through the whole decoding.
pub const AUTO_THREADS: usize = 4;

/// The translator's thread pool: `threads`, or all cores up to [`AUTO_THREADS`] for 0.
pub(super) fn decoding_pool(threads: usize) -> anyhow::Result<rayon::ThreadPool> {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let threads = if threads == 0 { cores.min(AUTO_THREADS) } else { threads };
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("speakja-nllb-{i}"))
        .build()
        .context("starting the translator's threads")
}

//! NLLB-200 translation in pure Rust with candle: `config` (checkpoint config), `model`
//! (the network), `weights` (its weight plumbing), `placement` (device, format, threads),
//! `generate` (greedy / beam search), `tokenizer`; here, loading a checkpoint and the
//! translator over it.

pub mod config;
mod gemv;
pub mod generate;
pub mod model;
mod placement;
pub mod qcache;
pub mod tokenizer;
pub mod vocab;
pub mod weights;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::{bail, Context};
use candle_core::quantized::{GgmlDType, QTensor};
use candle_core::{DType, Device};
use candle_nn::VarBuilder;

use crate::cancel::EngineError;
use crate::config::{DeviceChoice, OutputVocab, TranslatorConfig, WeightFormat};
pub use config::Config;
pub use gemv::Kernels;
pub use generate::{GenerateOptions, Tokens};
pub use model::{Columns, Model, OutputRows};
use placement::{bench_length, decoding_pool, device_name, fault, place_device, resolved_format};
pub use placement::{select_device, weight_layout, CacheUse, Placement, AUTO_THREADS};
use tokenizer::NllbTokenizer;

/// Runtime choices for [`NllbTranslator::load`].
#[derive(Debug, Clone)]
pub struct NllbOptions {
    pub device: DeviceChoice,
    pub dtype: WeightFormat,
    pub generate: GenerateOptions,
    /// Generation stops by `ratio × source tokens + 10` as well as at `max_new_tokens`.
    pub max_length_ratio: f64,
    pub vocab: OutputVocab,
    /// CPU threads a decoding uses; 0 is [`AUTO_THREADS`] at most.
    pub threads: usize,
    /// Where the 8-bit weight cache goes when the model's directory cannot be written.
    pub weight_cache_dir: Option<PathBuf>,
}

impl Default for NllbOptions {
    fn default() -> Self {
        Self::from_config(&TranslatorConfig::default())
    }
}

impl NllbOptions {
    pub fn from_config(c: &TranslatorConfig) -> Self {
        Self {
            device: c.device,
            dtype: c.dtype,
            generate: GenerateOptions {
                beams: c.beams,
                max_new_tokens: c.max_new_tokens,
                no_repeat_ngram_size: c.no_repeat_ngram_size,
                length_penalty: c.length_penalty as f32,
                ..GenerateOptions::default()
            },
            max_length_ratio: c.max_length_ratio,
            vocab: c.vocab,
            threads: c.threads,
            weight_cache_dir: None,
        }
    }
}

/// What a load reads once, whichever device it then tries.
struct Loaded<'a> {
    dir: &'a Path,
    files: &'a ModelFiles,
    cfg: &'a Config,
}

/// Weights as the model takes them: read on the CPU and handed to the device already in
/// their final dtype, so a GPU holds exact-size buffers (no f32 copy of a 2.5 GB checkpoint
/// on an 8 GB Mac), and 8-bit blocks are made on the CPU from the rows' own values. Each
/// read first asks `stop`, so a load that a new `setup()` replaced ends early.
struct Loading<'a> {
    cpu: &'a dyn weights::WeightSource,
    device: Device,
    stop: &'a dyn Fn() -> bool,
}

impl Loading<'_> {
    fn go_on(&self) -> candle_core::Result<()> {
        if (self.stop)() {
            return Err(candle_core::Error::Msg("loading abandoned".into()));
        }
        Ok(())
    }
}

impl weights::WeightSource for Loading<'_> {
    fn device(&self) -> &Device {
        &self.device
    }
    fn dtype(&self) -> DType {
        self.cpu.dtype()
    }
    fn contains(&self, name: &str) -> bool {
        self.cpu.contains(name)
    }
    fn get(&self, shape: &[usize], name: &str) -> candle_core::Result<candle_core::Tensor> {
        self.go_on()?;
        self.cpu.get(shape, name)?.to_device(&self.device)
    }
    fn quantized(&self, m: &weights::QMatrix, device: &Device) -> candle_core::Result<Arc<QTensor>> {
        self.go_on()?;
        self.cpu.quantized(m, device)
    }
}

/// A PyTorch checkpoint's tensors must lie inside their storage, and their storage inside
/// the file: a damaged or hostile `.bin` is an error here, not an allocation of whatever
/// size it names.
fn check_pth(path: &Path) -> anyhow::Result<()> {
    let file_len = std::fs::metadata(path)?.len();
    let infos = candle_core::pickle::read_pth_tensor_info(path, false, None)
        .with_context(|| format!("{} is not a PyTorch checkpoint", path.display()))?;
    for t in infos {
        let storage = (t.storage_size as u64).checked_mul(t.dtype.size_in_bytes() as u64);
        anyhow::ensure!(
            storage.is_some_and(|b| b <= file_len),
            "{}: tensor {} claims {} elements of storage, more than the file holds",
            path.display(),
            t.name,
            t.storage_size
        );
        let (dims, strides) = (t.layout.dims(), t.layout.stride());
        let last = dims
            .iter()
            .zip(strides)
            .try_fold(t.layout.start_offset(), |acc, (&d, &s)| (d.checked_sub(1)?).checked_mul(s)?.checked_add(acc));
        let elems = dims.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d));
        anyhow::ensure!(
            elems.is_some_and(|n| n <= t.storage_size) && last.is_none_or(|i| i < t.storage_size.max(1)),
            "{}: tensor {} has shape {:?}, larger than its storage of {} elements",
            path.display(),
            t.name,
            dims,
            t.storage_size
        );
    }
    Ok(())
}

/// The model from an 8-bit cache when one is fresh (next to the model, then in
/// `cache_dir`), else from the checkpoint; then the cache is written, next to the model
/// or, when that fails, in `cache_dir`.
fn load_model(
    files: (&Path, &Weights),
    cfg: &Config,
    device: &Device,
    (dtype, quant): (DType, Option<GgmlDType>),
    cache_dir: Option<&Path>,
    stop: &dyn Fn() -> bool,
) -> anyhow::Result<(Model, CacheUse)> {
    let (config, weights) = files;
    let mut caches = Vec::new();
    if let Some(q) = quant {
        caches.push(qcache::QuantCache::new(config, weights.path(), q, None)?);
        if let Some(dir) = cache_dir {
            caches.push(qcache::QuantCache::new(config, weights.path(), q, Some(dir))?);
        }
    }
    for cache in &caches {
        // A stale or damaged cache is rebuilt below; it is only ever an optimisation.
        if let Ok(Some(mapped)) = cache.open() {
            let src = Loading { cpu: &mapped, device: device.clone(), stop };
            if let Ok(model) = Model::load(weights::Weights::new(&src, quant), cfg) {
                return Ok((model, CacheUse::Read(cache.path().to_path_buf())));
            }
        }
    }
    let file = weights.path();
    let vb = match weights {
        // SAFETY: the file is mapped read-only and not modified while the model loads.
        Weights::Safetensors(st) => unsafe { VarBuilder::from_mmaped_safetensors(&[st], dtype, &Device::Cpu) },
        Weights::Pth(pth) => {
            check_pth(pth)?;
            VarBuilder::from_pth(pth, dtype, &Device::Cpu)
        }
    };
    let vb = vb.with_context(|| format!("cannot read weights {}", file.display()))?;
    let src = Loading { cpu: &vb, device: device.clone(), stop };
    let bad = || format!("bad or incomplete weights in {}", file.display());
    if caches.is_empty() {
        return Ok((Model::load(weights::Weights::new(&src, quant), cfg).with_context(bad)?, CacheUse::Off));
    }
    let recorder = qcache::Recorder::new(&src);
    let model = Model::load(weights::Weights::new(&recorder, quant), cfg).with_context(bad)?;
    let tensors = recorder.into_tensors();
    let mut failures = Vec::new();
    for cache in &caches {
        match cache.write(&tensors) {
            Ok(()) => return Ok((model, CacheUse::Written(cache.path().to_path_buf()))),
            Err(e) => failures.push(format!("{e:#}")),
        }
    }
    Ok((model, CacheUse::Unwritable(failures.join("; "))))
}

const SAFETENSORS: &str = "model.safetensors";
const PTH: &str = "pytorch_model.bin";

/// The weights file of a model directory: safetensors when both are there.
#[derive(Debug, Clone, PartialEq)]
pub enum Weights {
    Safetensors(PathBuf),
    Pth(PathBuf),
}

impl Weights {
    pub fn path(&self) -> &Path {
        match self {
            Self::Safetensors(p) | Self::Pth(p) => p,
        }
    }
}

/// The one place that knows what an HF checkpoint directory holds.
#[derive(Debug, Clone)]
pub struct ModelFiles {
    pub config: PathBuf,
    pub tokenizer: PathBuf,
    /// `None` when neither weights file is there.
    pub weights: Option<Weights>,
}

impl ModelFiles {
    pub fn in_dir(dir: &Path) -> Self {
        let (st, pth) = (dir.join(SAFETENSORS), dir.join(PTH));
        let weights = if st.is_file() {
            Some(Weights::Safetensors(st))
        } else if pth.is_file() {
            Some(Weights::Pth(pth))
        } else {
            None
        };
        Self { config: dir.join("config.json"), tokenizer: dir.join("tokenizer.json"), weights }
    }

    /// Every file that decides what the model says, present or not.
    pub fn all(&self) -> Vec<PathBuf> {
        let dir = self.config.parent().map(Path::to_path_buf).unwrap_or_default();
        vec![self.config.clone(), self.tokenizer.clone(), dir.join(SAFETENSORS), dir.join(PTH)]
    }

    /// Each file is a regular file (a link to one is fine: the hub's cache links) of a size
    /// a checkpoint has: a FIFO would block the load for good, `/dev/zero` read to the end.
    pub fn check_sizes(&self) -> anyhow::Result<()> {
        const MB: u64 = 1 << 20;
        let weights = self.weights.as_ref().map(|w| match w {
            Weights::Safetensors(p) | Weights::Pth(p) => p,
        });
        let bounds = [(Some(&self.config), MB), (Some(&self.tokenizer), 256 * MB), (weights, 64 * 1024 * MB)];
        for (path, max) in bounds {
            let Some(path) = path else { continue };
            // A missing file is named where it is read, in order.
            let Ok(meta) = std::fs::metadata(path) else { continue };
            if !meta.is_file() {
                bail!("{} is not a regular file", path.display());
            }
            if meta.len() > max {
                bail!(
                    "{} is {} MB, more than a model file of its kind ({} MB at most)",
                    path.display(),
                    meta.len() / MB,
                    max / MB
                );
            }
        }
        Ok(())
    }

    /// What is missing for a load, by file name; empty when nothing is.
    pub fn missing(&self) -> Vec<String> {
        let name = |p: &Path| p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let mut out: Vec<String> =
            [&self.config, &self.tokenizer].into_iter().filter(|p| !p.is_file()).map(|p| name(p)).collect();
        if self.weights.is_none() {
            out.push(format!("{SAFETENSORS} or {PTH}"));
        }
        out
    }
}

/// A resident NLLB model with its tokenizer.
pub struct NllbTranslator {
    /// Its own threads, so a decoding's spinning helpers (`generate::on_pool`) are only
    /// as many as `translator.threads` asks, whatever else uses rayon's global pool.
    pool: rayon::ThreadPool,
    model: Model,
    tokenizer: NllbTokenizer,
    tokens: Tokens,
    vocab_size: usize,
    opts: NllbOptions,
    placement: Placement,
    /// Asked between decoding steps (`Translator::interrupt_with`).
    interrupt: Option<crate::cancel::Interrupt>,
    /// The output rows of the last target language: built at load for the configured one
    /// (`translate::open`), else on a language's first sentence.
    language_rows: Mutex<Option<LanguageRows>>,
}

/// A target language's output rows; `rows` is `None` where the whole vocabulary is scored.
#[derive(Clone)]
struct LanguageRows {
    tgt: u32,
    rows: Option<Arc<OutputRows>>,
}

impl NllbTranslator {
    /// Read `dir/config.json`, `dir/tokenizer.json` and `dir/model.safetensors` (or
    /// `dir/pytorch_model.bin`).
    pub fn load(dir: &Path, opts: &NllbOptions) -> anyhow::Result<Self> {
        Self::load_until(dir, opts, &|| false)
    }

    /// [`Self::load`], abandoned (an error) as soon as `stop` says so.
    pub fn load_until(dir: &Path, opts: &NllbOptions, stop: &dyn Fn() -> bool) -> anyhow::Result<Self> {
        if !dir.is_dir() {
            bail!("NLLB model directory {} does not exist (see scripts/fetch-model)", dir.display());
        }
        let files = ModelFiles::in_dir(dir);
        files.check_sizes()?;
        let cfg = Config::from_file(&files.config)?;
        let tokenizer = NllbTokenizer::from_file(&files.tokenizer)?;
        // The model may pad its vocabulary (NLLB: 256,204 pieces, 256,206 rows), never lack rows.
        if tokenizer.vocab_size() > cfg.vocab_size {
            bail!(
                "tokenizer.json has {} tokens but the model only {} (vocab_size): they are not from one checkpoint",
                tokenizer.vocab_size(),
                cfg.vocab_size
            );
        }
        let loaded = Loaded { dir, files: &files, cfg: &cfg };
        // A GPU that fails to open, load or warm up is left for the CPU, with the reason
        // in the placement (health and `status()` show it): speech beats no speech.
        let (first, on_gpu) = match place_device(opts.device).and_then(|p| fault("gpu-open").map(|()| p)) {
            Ok((device, why)) => {
                let on_gpu = !device.is_cpu() || fault("gpu-warmup").is_err();
                (Self::load_on(&loaded, opts, tokenizer, (device, why), on_gpu, stop), on_gpu)
            }
            Err(e) => (Err(e), opts.device != DeviceChoice::Cpu),
        };
        match first {
            Err(e) if on_gpu && !stop() => {
                let why = format!("{e:#}; on the CPU instead (8-bit)");
                let cpu = NllbOptions { dtype: WeightFormat::Auto, ..opts.clone() };
                let tokenizer = NllbTokenizer::from_file(&files.tokenizer)?;
                Self::load_on(&loaded, &cpu, tokenizer, (Device::Cpu, why), false, stop)
            }
            first => first,
        }
    }

    /// Load onto `device` (why that one: `device_why`), with a GPU's warm-up.
    /// `warm_up`: run one sentence first (a GPU compiles its kernels on first use).
    fn load_on(
        l: &Loaded,
        opts: &NllbOptions,
        tokenizer: NllbTokenizer,
        (device, device_why): (Device, String),
        warm_up: bool,
        stop: &dyn Fn() -> bool,
    ) -> anyhow::Result<Self> {
        let pool = decoding_pool(opts.threads)?;
        let (dtype, quant) = weight_layout(opts.dtype, &device);
        let weights =
            l.files.weights.clone().with_context(|| format!("no {SAFETENSORS} or {PTH} in {}", l.dir.display()))?;
        let cache_dir = opts.weight_cache_dir.as_deref();
        let (model, cache) = load_model((&l.files.config, &weights), l.cfg, &device, (dtype, quant), cache_dir, stop)
            .with_context(|| format!("loading onto {}", device_name(&device)))?;
        let cfg = l.cfg;
        let placement = Placement {
            format: resolved_format(opts.dtype, &device),
            format_why: match opts.dtype {
                WeightFormat::Auto if device.is_cpu() => "auto: 8-bit on the CPU",
                WeightFormat::Auto => "auto: half precision on a GPU",
                _ => "translator.dtype",
            },
            device,
            device_why,
            kernels: gemv::Kernels::get(),
            threads: pool.current_num_threads(),
            cache,
        };
        let tokens = Tokens {
            start: cfg.decoder_start_token_id,
            eos: cfg.eos_token_id,
            pad: cfg.pad_token_id,
            forced_eos: cfg.forced_eos_token_id,
        };
        let translator = Self {
            pool,
            model,
            tokenizer,
            tokens,
            vocab_size: cfg.vocab_size,
            opts: opts.clone(),
            placement,
            interrupt: None,
            language_rows: Mutex::new(None),
        };
        if warm_up {
            // Paid now, not on the first sentence.
            let (src, tgt) = ("eng_Latn", "jpn_Jpan");
            if translator.tokenizer.lang_id(src).is_ok() && translator.tokenizer.lang_id(tgt).is_ok() {
                fault("gpu-warmup")?;
                translator.translate_with_ids("Hello.", src, tgt).context("warm-up on the GPU")?;
            }
            translator.placement.device.synchronize()?;
        }
        Ok(translator)
    }

    /// Where the model runs, in which format, and why.
    pub fn placement(&self) -> &Placement {
        &self.placement
    }

    /// Source sequences for `text`, split by sentence (then by length) so that none exceeds
    /// the model's position table.
    pub fn sources(&self, text: &str, src_lang: &str) -> anyhow::Result<Vec<Vec<u32>>> {
        let src = self.tokenizer.lang_id(src_lang)?;
        let limit = self.model.max_positions() - 2;
        let whole = self.tokenizer.pieces(text)?;
        if whole.len() <= limit {
            return Ok(vec![self.tokenizer.source(&whole, src)]);
        }
        let mut out = Vec::new();
        for sentence in crate::text::sentences(text) {
            for chunk in self.tokenizer.pieces(&sentence)?.chunks(limit) {
                out.push(self.tokenizer.source(chunk, src));
            }
        }
        Ok(out)
    }

    /// Generated ids (target language code first, decoder start excluded) for each source
    /// sequence, decoded as one padded batch. Abandoned by the interrupt, it fails with
    /// `EngineError::Stopped` (kept as it is by `EngineError::from`).
    pub fn generate(&self, sources: &[Vec<u32>], tgt_lang: &str) -> anyhow::Result<Vec<Vec<u32>>> {
        self.pool.install(|| generate::on_pool(self.model.device(), || self.generate_batch(sources, tgt_lang)))
    }

    fn generate_batch(&self, sources: &[Vec<u32>], tgt_lang: &str) -> anyhow::Result<Vec<Vec<u32>>> {
        let tgt = self.tokenizer.lang_id(tgt_lang)?;
        // A tokenizer larger than the model would otherwise index past the logits.
        if tgt as usize >= self.vocab_size {
            bail!("language code `{tgt_lang}` (id {tgt}) is outside the model's {} tokens", self.vocab_size);
        }
        let longest = sources.iter().map(Vec::len).max().unwrap_or(0);
        let padded: Vec<Vec<u32>> = sources
            .iter()
            .map(|s| s.iter().copied().chain(std::iter::repeat(self.tokens.pad)).take(longest).collect())
            .collect();
        let mask = self.model.source_mask(&padded)?;
        let encoded = self.model.encode(&padded, mask.as_ref())?;
        let relative = (self.opts.max_length_ratio * longest as f64).ceil() as usize + 10;
        let mut opts = GenerateOptions {
            max_new_tokens: self.opts.generate.max_new_tokens.min(relative),
            ..self.opts.generate.clone()
        };
        if let Some(ratio) = bench_length() {
            // The benchmark's small tokenizer cuts English finer than NLLB's, whose pieces are
            // about one per word or mark: the length counts those, plus language and EOS.
            let text = self.tokenizer.decode(&sources[0])?;
            let words = text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).count();
            let marks = text.chars().filter(|c| c.is_ascii_punctuation()).count();
            let n = (ratio * (words + marks + 2) as f64).ceil() as usize;
            (opts.min_new_tokens, opts.max_new_tokens) = (n, n);
            // Random weights repeat one piece (often the language code) for ever.
            opts.no_repeat_ngram_size = 2;
        }
        let stop = || self.interrupt.as_ref().is_some_and(|f| f());
        let base = self.language_rows(tgt, tgt_lang)?;
        let extra = base.as_deref().map(|base| self.sentence_rows(base, sources)).transpose()?.flatten();
        let columns = base.as_deref().map_or(Columns::All, |base| Columns::Subset(base, extra.as_ref()));
        let ids = generate::generate(&self.model, &encoded, mask.as_ref(), tgt, self.tokens, columns, &opts, &stop)?;
        Ok(ids.ok_or(EngineError::Stopped)?)
    }

    /// The rows the decoder scores for target `tgt` (`code`): built from the tokenizer's
    /// pieces once per language, `None` for the whole vocabulary (`translator.vocab =
    /// "full"`, a language whose scripts are unknown, 8-bit weights on a GPU).
    fn language_rows(&self, tgt: u32, code: &str) -> anyhow::Result<Option<Arc<OutputRows>>> {
        let mut cached = self.language_rows.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = cached.as_ref().filter(|c| c.tgt == tgt) {
            return Ok(c.rows.clone());
        }
        let rows = match self.opts.vocab {
            OutputVocab::Full => None,
            OutputVocab::Target => {
                let vocab = self.tokenizer.vocab();
                let t = self.tokens;
                let keep: Vec<u32> = [t.start, t.eos, t.pad, tgt]
                    .into_iter()
                    .chain(t.forced_eos)
                    .chain(["<s>", "<unk>"].iter().filter_map(|s| self.tokenizer.id(s)))
                    .collect();
                let pieces = vocab.iter().map(|(p, &id)| (p.as_str(), id));
                match vocab::target_ids(pieces, code, &keep, self.model.vocab_rows()) {
                    Some(ids) => self.model.output_rows(ids, true)?.map(Arc::new),
                    None => None,
                }
            }
        };
        *cached = Some(LanguageRows { tgt, rows: rows.clone() });
        Ok(rows)
    }

    /// Rows for the sources' own pieces that `base` lacks (names and code are copied).
    fn sentence_rows(&self, base: &OutputRows, sources: &[Vec<u32>]) -> anyhow::Result<Option<OutputRows>> {
        let mut ids: Vec<u32> = sources
            .iter()
            .flatten()
            .copied()
            .filter(|&id| (id as usize) < self.model.vocab_rows() && base.ids().binary_search(&id).is_err())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        if ids.is_empty() {
            return Ok(None);
        }
        Ok(self.model.output_rows(ids, false)?)
    }

    /// The rows the decoder scores for `tgt_lang` before a sentence's own pieces are added;
    /// `None` when it scores the whole vocabulary.
    pub fn output_rows(&self, tgt_lang: &str) -> anyhow::Result<Option<Arc<OutputRows>>> {
        self.language_rows(self.tokenizer.lang_id(tgt_lang)?, tgt_lang)
    }

    /// Translation and the generated ids, chunks concatenated.
    pub fn translate_with_ids(&self, text: &str, src: &str, tgt: &str) -> anyhow::Result<(String, Vec<u32>)> {
        let sources = self.sources(text, src)?;
        if sources.iter().all(|s| s.len() <= 2) {
            return Ok((String::new(), Vec::new()));
        }
        let outputs = self.generate(&sources, tgt)?;
        let texts = outputs.iter().map(|ids| self.tokenizer.decode(ids)).collect::<anyhow::Result<Vec<_>>>()?;
        // Scripts written without spaces between sentences join chunks directly.
        let sep = if ["jpn_", "zho_", "yue_", "tha_", "mya_", "khm_", "lao_"].iter().any(|p| tgt.starts_with(p)) {
            ""
        } else {
            " "
        };
        Ok((texts.join(sep), outputs.concat()))
    }

    pub fn tokenizer(&self) -> &NllbTokenizer {
        &self.tokenizer
    }

    pub fn model(&self) -> &Model {
        &self.model
    }
}

impl crate::translate::Translator for NllbTranslator {
    fn kind(&self) -> crate::translate::Kind {
        crate::translate::Kind::Nllb
    }

    fn describe(&self) -> String {
        let cached = self.language_rows.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let rows = match (self.opts.vocab, cached.and_then(|c| c.rows)) {
            (_, Some(rows)) => format!("{} of {} output rows", rows.ids().len(), self.model.vocab_rows()),
            (OutputVocab::Target, None) => "the target language's output rows".into(),
            (OutputVocab::Full, None) => format!("all {} output rows", self.model.vocab_rows()),
        };
        format!("nllb on the {}; scoring {rows}", self.placement)
    }

    fn translate(
        &mut self,
        text: &str,
        src_lang: &str,
        tgt_lang: &str,
    ) -> Result<crate::translate::Translation, EngineError> {
        let (out, ids) = self.translate_with_ids(text, src_lang, tgt_lang)?;
        let mut t = crate::translate::Translation::new(out, crate::translate::Kind::Nllb);
        t.model_inputs = vec![text.to_owned()];
        t.ids = ids;
        Ok(t)
    }

    fn interrupt_with(&mut self, stop: crate::cancel::Interrupt) {
        self.interrupt = Some(stop);
    }
}

//! NLLB-200 / M2M100 encoder-decoder, as HF `M2M100ForConditionalGeneration` computes it.
//!
//! Pre-LayerNorm transformer with sinusoidal positions and one shared embedding matrix used
//! for encoder input, decoder input and the output projection. The network only, as
//! candle-transformers' `marian.rs`: each part has `load(weights, cfg)` and a plain
//! `forward`; where the weights come from (a checkpoint, the 8-bit cache, random numbers for
//! benchmarks) and how they are quantized is `weights.rs`.

use std::sync::Arc;

use candle_core::quantized::{GgmlDType, QMatMul, QTensor};
use candle_core::{DType, Device, Module, Result, Tensor};
use candle_nn::LayerNorm;

use super::config::Config;
use super::gemv;
use super::weights::{QMatrix, Weights};

const LAYER_NORM_EPS: f64 = 1e-5;

/// `x · Wᵀ + b` over the last dimension.
#[derive(Debug, Clone)]
pub struct Linear {
    weight: QMatMul,
    bias: Tensor,
}

impl Linear {
    pub fn load(w: Weights, in_dim: usize, out_dim: usize) -> Result<Self> {
        Ok(Self { weight: w.matrix(out_dim, in_dim, "weight")?, bias: w.get(&[out_dim], "bias")? })
    }
}

/// Bytes of a mapped projection passed over between two hand-backs of its pages.
const PAGE_OUT_STEP: usize = 16 << 20;

/// Rows from which candle's generic 8-bit kernel loses to expanding the weight to f32 for
/// the call (only used where the kernels in `gemv` are unavailable).
const DEQUANTIZE_ROWS: usize = 8;

/// `x · Wᵀ` for `x: [m, k]`. Dense weights are multiplied as `(W · xᵀ)ᵀ`: with the weight as
/// the row-major left operand the CPU GEMM runs about twice as fast for few rows.
fn matmul_t(w: &QMatMul, x: &Tensor) -> Result<Tensor> {
    if let Some(y) = gemv::matmul_t(w, x)? {
        return Ok(y);
    }
    match w {
        QMatMul::Tensor(w) => w.matmul(&x.t()?)?.t(),
        // Only on the CPU: on a GPU, candle's 8-bit kernels run on the device, while
        // dequantizing would take the weights through the host.
        QMatMul::QTensor(q) if x.device().is_cpu() && x.dim(0)? >= DEQUANTIZE_ROWS => {
            q.dequantize(x.device())?.matmul(&x.t()?)?.t()
        }
        w => w.forward(x),
    }
}

impl Module for Linear {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        // Matmul on a 2-D view: avoids broadcasting the weight over batch dimensions.
        let dims = x.dims().to_vec();
        let x2 = x.flatten_to(dims.len() - 2)?;
        let y = matmul_t(&self.weight, &x2)?.broadcast_add(&self.bias)?;
        let mut out = dims;
        *out.last_mut().expect("rank ≥ 1") = self.bias.dim(0)?;
        y.reshape(out)
    }
}

fn layer_norm(w: Weights, dim: usize) -> Result<LayerNorm> {
    Ok(LayerNorm::new(w.get(&[dim], "weight")?, w.get(&[dim], "bias")?, LAYER_NORM_EPS))
}

/// The sinusoidal table of HF `M2M100SinusoidalPositionalEmbedding`: rows
/// `max_positions + 2`, `[sin | cos]` halves, frequencies over `half − 1`, row `pad` zero.
/// Computed in f32 like torch so positions match bit for bit in practice.
pub fn sinusoidal_positions(rows: usize, dim: usize, pad: usize, device: &Device) -> Result<Tensor> {
    let half = dim / 2;
    let step = (10000f32).ln() / (half as f32 - 1.0);
    let freqs: Vec<f32> = (0..half).map(|k| (k as f32 * -step).exp()).collect();
    let mut table = vec![0f32; rows * dim];
    for p in 0..rows {
        if p == pad {
            continue;
        }
        let row = &mut table[p * dim..(p + 1) * dim];
        for (k, f) in freqs.iter().enumerate() {
            let a = p as f32 * f;
            row[k] = a.sin();
            row[half + k] = a.cos();
        }
    }
    Tensor::from_vec(table, (rows, dim), device)
}

/// Multi-head attention with biased projections; `heads` differ between encoder and decoder.
#[derive(Debug, Clone)]
pub struct Attention {
    q_proj: Linear,
    k_proj: Linear,
    v_proj: Linear,
    out_proj: Linear,
    heads: usize,
    head_dim: usize,
}

impl Attention {
    pub fn load(w: Weights, d_model: usize, heads: usize) -> Result<Self> {
        Ok(Self {
            q_proj: Linear::load(w.pp("q_proj"), d_model, d_model)?,
            k_proj: Linear::load(w.pp("k_proj"), d_model, d_model)?,
            v_proj: Linear::load(w.pp("v_proj"), d_model, d_model)?,
            out_proj: Linear::load(w.pp("out_proj"), d_model, d_model)?,
            heads,
            head_dim: d_model / heads,
        })
    }

    /// `[b, t, d]` → `[b, heads, t, head_dim]`, contiguous.
    fn split_heads(&self, x: &Tensor) -> Result<Tensor> {
        let (b, t, _) = x.dims3()?;
        x.reshape((b, t, self.heads, self.head_dim))?.transpose(1, 2)?.contiguous()
    }

    /// Keys and values of `x`, split into heads.
    pub fn key_value(&self, x: &Tensor) -> Result<(Tensor, Tensor)> {
        Ok((self.split_heads(&self.k_proj.forward(x)?)?, self.split_heads(&self.v_proj.forward(x)?)?))
    }

    /// `mask`: additive, broadcastable to `[b, heads, t, s]`.
    pub fn attend(&self, x: &Tensor, k: &Tensor, v: &Tensor, mask: Option<&Tensor>) -> Result<Tensor> {
        let (b, t, d) = x.dims3()?;
        let scale = (self.head_dim as f64).powf(-0.5);
        let q = self.split_heads(&(self.q_proj.forward(x)? * scale)?)?;
        let scores = q.matmul(&k.t()?)?;
        let scores = match mask {
            Some(m) => scores.broadcast_add(m)?,
            None => scores,
        };
        let probs = candle_nn::ops::softmax_last_dim(&scores)?;
        let ctx = probs.matmul(v)?.transpose(1, 2)?.reshape((b, t, d))?;
        self.out_proj.forward(&ctx)
    }
}

/// ReLU feed-forward block.
#[derive(Debug, Clone)]
pub struct FeedForward {
    fc1: Linear,
    fc2: Linear,
}

impl FeedForward {
    pub fn load(w: Weights, d_model: usize, ffn: usize) -> Result<Self> {
        Ok(Self { fc1: Linear::load(w.pp("fc1"), d_model, ffn)?, fc2: Linear::load(w.pp("fc2"), ffn, d_model)? })
    }
}

impl Module for FeedForward {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        self.fc2.forward(&self.fc1.forward(x)?.relu()?)
    }
}

#[derive(Debug, Clone)]
pub struct EncoderLayer {
    self_attn: Attention,
    self_attn_layer_norm: LayerNorm,
    ffn: FeedForward,
    final_layer_norm: LayerNorm,
}

impl EncoderLayer {
    pub fn load(w: Weights, cfg: &Config) -> Result<Self> {
        let d = cfg.d_model;
        Ok(Self {
            self_attn: Attention::load(w.pp("self_attn"), d, cfg.encoder_attention_heads)?,
            self_attn_layer_norm: layer_norm(w.pp("self_attn_layer_norm"), d)?,
            ffn: FeedForward::load(w.clone(), d, cfg.encoder_ffn_dim)?,
            final_layer_norm: layer_norm(w.pp("final_layer_norm"), d)?,
        })
    }

    pub fn forward(&self, x: &Tensor, mask: Option<&Tensor>) -> Result<Tensor> {
        let h = self.self_attn_layer_norm.forward(x)?;
        let (k, v) = self.self_attn.key_value(&h)?;
        let x = (x + self.self_attn.attend(&h, &k, &v, mask)?)?;
        let x = (&x + self.ffn.forward(&self.final_layer_norm.forward(&x)?)?)?;
        if x.dtype() == DType::F16 {
            // HF clamps f16 encoder states short of infinity, which the next LayerNorm
            // would turn into NaNs.
            let limit = half::f16::MAX.to_f64() - 1000.0;
            return x.clamp(-limit, limit);
        }
        Ok(x)
    }
}

/// Self-attention keys/values of past decoder steps, `[n, heads, capacity, head_dim]`,
/// appended in place so a step does not copy the whole history.
#[derive(Debug, Clone, Default)]
struct KvCache {
    kv: Option<(Tensor, Tensor)>,
    len: usize,
}

impl KvCache {
    fn append(&mut self, k: &Tensor, v: &Tensor) -> Result<(Tensor, Tensor)> {
        let (n, h, t, hd) = k.dims4()?;
        let cap = self.kv.as_ref().map_or(0, |(k, _)| k.dim(2).unwrap_or(0));
        if self.len + t > cap {
            let new_cap = (2 * cap).max(self.len + t).max(32);
            let grow = |old: Option<&Tensor>| -> Result<Tensor> {
                let buf = Tensor::zeros((n, h, new_cap, hd), k.dtype(), k.device())?;
                if let Some(old) = old {
                    buf.slice_set(&old.narrow(2, 0, self.len)?.contiguous()?, 2, 0)?;
                }
                Ok(buf)
            };
            let old = self.kv.as_ref();
            self.kv = Some((grow(old.map(|p| &p.0))?, grow(old.map(|p| &p.1))?));
        }
        let (kb, vb) = self.kv.as_ref().expect("allocated above");
        kb.slice_set(k, 2, self.len)?;
        vb.slice_set(v, 2, self.len)?;
        self.len += t;
        Ok((kb.narrow(2, 0, self.len)?, vb.narrow(2, 0, self.len)?))
    }

    fn reorder(&mut self, rows: &Tensor) -> Result<()> {
        if let Some((k, v)) = &self.kv {
            self.kv = Some((k.index_select(rows, 0)?, v.index_select(rows, 0)?));
        }
        Ok(())
    }
}

#[derive(Debug, Clone)]
pub struct DecoderLayer {
    self_attn: Attention,
    self_attn_layer_norm: LayerNorm,
    encoder_attn: Attention,
    encoder_attn_layer_norm: LayerNorm,
    ffn: FeedForward,
    final_layer_norm: LayerNorm,
}

impl DecoderLayer {
    pub fn load(w: Weights, cfg: &Config) -> Result<Self> {
        let d = cfg.d_model;
        let heads = cfg.decoder_attention_heads;
        Ok(Self {
            self_attn: Attention::load(w.pp("self_attn"), d, heads)?,
            self_attn_layer_norm: layer_norm(w.pp("self_attn_layer_norm"), d)?,
            encoder_attn: Attention::load(w.pp("encoder_attn"), d, heads)?,
            encoder_attn_layer_norm: layer_norm(w.pp("encoder_attn_layer_norm"), d)?,
            ffn: FeedForward::load(w.clone(), d, cfg.decoder_ffn_dim)?,
            final_layer_norm: layer_norm(w.pp("final_layer_norm"), d)?,
        })
    }

    /// One step for `x: [n, t, d]`; `t` new tokens attend to the cache and to each other
    /// only through the cache, so callers feed one token per step.
    fn forward(
        &self,
        x: &Tensor,
        cache: &mut KvCache,
        cross: &(Tensor, Tensor),
        mask: Option<&Tensor>,
    ) -> Result<Tensor> {
        let h = self.self_attn_layer_norm.forward(x)?;
        let (k, v) = self.self_attn.key_value(&h)?;
        let (k, v) = cache.append(&k, &v)?;
        let x = (x + self.self_attn.attend(&h, &k, &v, None)?)?;
        let h = self.encoder_attn_layer_norm.forward(&x)?;
        let x = (&x + self.encoder_attn.attend(&h, &cross.0, &cross.1, mask)?)?;
        &x + self.ffn.forward(&self.final_layer_norm.forward(&x)?)?
    }
}

/// The shared token embedding, dense or quantized (then the same blocks serve the lookup
/// and the output projection, so no f32 copy stays resident).
#[derive(Debug, Clone)]
enum Shared {
    Dense(Tensor),
    Quantized(Arc<QTensor>),
}

impl Shared {
    fn lookup(&self, ids: &Tensor) -> Result<Tensor> {
        match self {
            Self::Dense(w) => w.index_select(&ids.flatten_all()?, 0),
            Self::Quantized(q) => q.embedding(&ids.flatten_all()?),
        }
    }

    fn as_matmul(&self) -> Result<QMatMul> {
        match self {
            Self::Dense(w) => Ok(QMatMul::Tensor(w.clone())),
            Self::Quantized(q) => QMatMul::from_arc(q.clone()),
        }
    }
}

/// Decoder state of one batch: per-layer self-attention caches and cross-attention
/// keys/values computed once from the encoder output.
pub struct DecoderState {
    self_kv: Vec<KvCache>,
    cross_kv: Vec<(Tensor, Tensor)>,
    mask: Option<Tensor>,
    step: usize,
}

impl DecoderState {
    /// Keep rows `rows` (beam search reorders hypotheses); cross K/V are per source
    /// sentence and beams never move between sentences, so only the self caches move.
    pub fn reorder(&mut self, rows: &Tensor) -> Result<()> {
        self.self_kv.iter_mut().try_for_each(|c| c.reorder(rows))
    }
}

#[derive(Debug, Clone)]
pub struct Model {
    shared: Shared,
    lm_head: QMatMul,
    positions: Tensor,
    embed_scale: f64,
    encoder_layers: Vec<EncoderLayer>,
    encoder_layer_norm: LayerNorm,
    decoder_layers: Vec<DecoderLayer>,
    decoder_layer_norm: LayerNorm,
    pad: u32,
    dtype: DType,
    device: Device,
}

impl Model {
    pub fn load(w: Weights, cfg: &Config) -> Result<Self> {
        let (v, d) = (cfg.vocab_size, cfg.d_model);
        let key = ["model.shared.weight", "model.encoder.embed_tokens.weight", "model.decoder.embed_tokens.weight"]
            .into_iter()
            .find(|k| w.src.contains(k))
            .ok_or_else(|| candle_core::Error::CannotFindTensor { path: "model.shared.weight".into() })?;
        let shared = match w.quant {
            Some(q) if d.is_multiple_of(q.block_size()) => {
                let m = QMatrix { name: key, rows: v, cols: d, format: q };
                Shared::Quantized(w.src.quantized(&m, w.src.device())?)
            }
            _ => Shared::Dense(w.src.get(&[v, d], key)?),
        };
        // NLLB ties the output projection to `shared`; a separate `lm_head.weight` is only
        // read when the config says the two are untied.
        let lm_head = if cfg.tie_word_embeddings { shared.as_matmul()? } else { w.matrix(v, d, "lm_head.weight")? };
        let m = w.pp("model");
        let enc = m.pp("encoder");
        let dec = m.pp("decoder");
        let device = w.src.device().clone();
        let positions = sinusoidal_positions(cfg.max_position_embeddings + 2, d, cfg.pad_token_id as usize, &device)?
            .to_dtype(w.src.dtype())?;
        Ok(Self {
            lm_head,
            shared,
            positions,
            embed_scale: if cfg.scale_embedding { (d as f64).sqrt() } else { 1.0 },
            encoder_layers: (0..cfg.encoder_layers)
                .map(|i| EncoderLayer::load(enc.pp(format!("layers.{i}")), cfg))
                .collect::<Result<_>>()?,
            encoder_layer_norm: layer_norm(enc.pp("layer_norm"), d)?,
            decoder_layers: (0..cfg.decoder_layers)
                .map(|i| DecoderLayer::load(dec.pp(format!("layers.{i}")), cfg))
                .collect::<Result<_>>()?,
            decoder_layer_norm: layer_norm(dec.pp("layer_norm"), d)?,
            pad: cfg.pad_token_id,
            dtype: w.src.dtype(),
            device,
        })
    }

    pub fn device(&self) -> &Device {
        &self.device
    }

    /// Longest sequence the position table covers.
    pub fn max_positions(&self) -> usize {
        self.positions.dim(0).unwrap_or(2) - 2
    }

    fn embed(&self, ids: &Tensor, positions: &Tensor) -> Result<Tensor> {
        let tokens = (self.shared.lookup(ids)?.to_dtype(self.dtype)? * self.embed_scale)?;
        let pos = self.positions.index_select(&positions.flatten_all()?, 0)?;
        let mut shape = ids.dims().to_vec();
        shape.push(pos.dim(1)?);
        (tokens + pos)?.reshape(shape)
    }

    /// Additive `[b, 1, 1, s]` mask hiding pad tokens, or `None` when there are none.
    pub fn source_mask(&self, ids: &[Vec<u32>]) -> Result<Option<Tensor>> {
        if !ids.iter().flatten().any(|&t| t == self.pad) {
            return Ok(None);
        }
        let s = ids.first().map_or(0, Vec::len);
        let flat: Vec<f32> =
            ids.iter().flatten().map(|&t| if t == self.pad { f32::NEG_INFINITY } else { 0.0 }).collect();
        Tensor::from_vec(flat, (ids.len(), 1, 1, s), &self.device)?.to_dtype(self.dtype).map(Some)
    }

    /// Final encoder hidden states `[b, s, d]` for equally long (padded) rows.
    pub fn encode(&self, ids: &[Vec<u32>], mask: Option<&Tensor>) -> Result<Tensor> {
        // HF: position = 1 + running count of non-pad tokens, pads get the zero row 1.
        let positions: Vec<Vec<u32>> = ids
            .iter()
            .map(|row| {
                let mut seen = 0;
                row.iter()
                    .map(|&t| {
                        if t == self.pad {
                            self.pad
                        } else {
                            seen += 1;
                            self.pad + seen
                        }
                    })
                    .collect()
            })
            .collect();
        let ids_t = Tensor::new(ids.to_vec(), &self.device)?;
        let pos_t = Tensor::new(positions, &self.device)?;
        let mut x = self.embed(&ids_t, &pos_t)?;
        for layer in &self.encoder_layers {
            x = layer.forward(&x, mask)?;
        }
        self.encoder_layer_norm.forward(&x)
    }

    /// Decoder state for `encoded: [b, s, d]`, each row repeated `repeat` times in place
    /// (beam search keeps a sentence's beams next to each other).
    pub fn start_decoder(&self, encoded: &Tensor, mask: Option<&Tensor>, repeat: usize) -> Result<DecoderState> {
        let b = encoded.dim(0)?;
        let rows: Vec<u32> = (0..b as u32).flat_map(|i| std::iter::repeat_n(i, repeat)).collect();
        let rows = Tensor::new(rows, &self.device)?;
        let expand = |t: &Tensor| {
            if repeat == 1 {
                Ok(t.clone())
            } else {
                t.index_select(&rows, 0)
            }
        };
        let cross_kv = self
            .decoder_layers
            .iter()
            .map(|l| {
                let (k, v) = l.encoder_attn.key_value(encoded)?;
                Ok((expand(&k)?, expand(&v)?))
            })
            .collect::<Result<_>>()?;
        Ok(DecoderState {
            self_kv: vec![KvCache::default(); self.decoder_layers.len()],
            cross_kv,
            mask: mask.map(expand).transpose()?,
            step: 0,
        })
    }

    /// Rows `ids` (sorted) of the output projection gathered into one contiguous block, in
    /// the same format, so their scores are the ones the whole projection gives; f32 rows
    /// that the CPU kernel reads where they lie are not copied (the copy of a language's
    /// rows was 160 MB). `None` for 8-bit weights on a GPU, whose blocks would have to come
    /// through the host (and for other quantized formats, which no option makes).
    ///
    /// `release_passed`: an 8-bit projection mapped from the weight cache gives its pages
    /// back as the gathering passes them, so it never becomes resident as a whole (a lookup
    /// later reads only its own rows). For a language's rows, once; not for a sentence's few.
    pub fn output_rows(&self, ids: Vec<u32>, release_passed: bool) -> Result<Option<OutputRows>> {
        let rows = self.vocab_rows();
        if let Some(&bad) = ids.iter().find(|&&id| id as usize >= rows) {
            candle_core::bail!("token {bad} is outside the model's {rows} output rows")
        }
        let head = match &self.lm_head {
            QMatMul::QTensor(q) if q.device().is_cpu() && q.dtype() == GgmlDType::Q8_0 => {
                let (_, cols) = q.shape().dims2()?;
                let row_bytes = cols / q.dtype().block_size() * q.dtype().type_size();
                let data = q.data()?;
                let mapped = if release_passed { gemv::FilePages::of(&data) } else { None };
                let mut blocks = gemv::Q8Blocks::zeroed(ids.len(), cols);
                let mut released = 0;
                for (out, &id) in blocks.bytes_mut().chunks_mut(row_bytes).zip(&ids) {
                    let end = (id as usize + 1) * row_bytes;
                    out.copy_from_slice(&data[end - row_bytes..end]);
                    if let Some(pages) = mapped.as_ref().filter(|_| end >= released + PAGE_OUT_STEP) {
                        pages.drop_range(released..end);
                        released = end;
                    }
                }
                if let Some(pages) = &mapped {
                    pages.drop_range(released..data.len());
                }
                QMatMul::from_qtensor(blocks.into_qtensor(ids.len(), cols, &Device::Cpu)?)?
            }
            QMatMul::QTensor(_) => return Ok(None),
            QMatMul::Tensor(w) if gemv::reads_rows_in_place(w) => {
                return Ok(Some(OutputRows { ids, head: RowsHead::InPlace }))
            }
            QMatMul::Tensor(w) => QMatMul::Tensor(w.index_select(&Tensor::new(ids.as_slice(), w.device())?, 0)?),
            QMatMul::TensorF16(w) => QMatMul::TensorF16(w.index_select(&Tensor::new(ids.as_slice(), w.device())?, 0)?),
        };
        Ok(Some(OutputRows { ids, head: RowsHead::Copied(head) }))
    }

    /// Rows of the output projection: the model's vocabulary.
    pub fn vocab_rows(&self) -> usize {
        match &self.lm_head {
            QMatMul::QTensor(q) => q.shape().dims()[0],
            QMatMul::Tensor(w) | QMatMul::TensorF16(w) => w.dims()[0],
        }
    }

    /// Feed one token per row; returns next-token logits `[n, columns]` in f32.
    pub fn decode_step(&self, ids: &[u32], state: &mut DecoderState, columns: Columns) -> Result<Tensor> {
        if state.step >= self.max_positions() {
            candle_core::bail!("decoder ran past {} positions", self.max_positions())
        }
        let n = ids.len();
        let ids_t = Tensor::from_slice(ids, (n, 1), &self.device)?;
        // Decoder token t sits at position row t + 2 (the start token is t = 0).
        let pos = Tensor::full(state.step as u32 + self.pad + 1, (n, 1), &self.device)?;
        let mut x = self.embed(&ids_t, &pos)?;
        for ((layer, cache), cross) in self.decoder_layers.iter().zip(&mut state.self_kv).zip(&state.cross_kv) {
            x = layer.forward(&x, cache, cross, state.mask.as_ref())?;
        }
        state.step += 1;
        let x = self.decoder_layer_norm.forward(&x)?.squeeze(1)?;
        match columns {
            Columns::All => project(&self.lm_head, &x),
            Columns::Subset(base, None) => self.project_rows(base, &x),
            Columns::Subset(base, Some(extra)) => {
                Tensor::cat(&[self.project_rows(base, &x)?, self.project_rows(extra, &x)?], 1)
            }
        }
    }

    /// f32 logits of `x` over `rows` of the output projection.
    fn project_rows(&self, rows: &OutputRows, x: &Tensor) -> Result<Tensor> {
        match (&rows.head, &self.lm_head) {
            (RowsHead::Copied(head), _) => project(head, x),
            (RowsHead::InPlace, QMatMul::Tensor(w)) => match gemv::matmul_rows_t(w, &rows.ids, x)? {
                Some(logits) => Ok(logits),
                None => candle_core::bail!("output rows read in place need the f32 CPU kernel"),
            },
            (RowsHead::InPlace, _) => candle_core::bail!("output rows read in place need an f32 projection"),
        }
    }
}

/// f32 logits of `x` over the rows of `head`.
fn project(head: &QMatMul, x: &Tensor) -> Result<Tensor> {
    let x = if matches!(head, QMatMul::QTensor(_)) { x.to_dtype(DType::F32)? } else { x.clone() };
    matmul_t(head, &x)?.to_dtype(DType::F32)
}

/// Rows of the output projection that a step scores.
#[derive(Debug, Clone)]
pub struct OutputRows {
    ids: Vec<u32>,
    head: RowsHead,
}

/// Where a step reads an [`OutputRows`]' weights.
#[derive(Debug, Clone)]
enum RowsHead {
    /// Copied into one block of their own, in the projection's format, so a step streams
    /// only them.
    Copied(QMatMul),
    /// Where they lie in the f32 projection (the x86 CPU kernel reads them so).
    InPlace,
}

impl OutputRows {
    /// The token ids, in row order.
    pub fn ids(&self) -> &[u32] {
        &self.ids
    }
}

/// Which token each logit column of a step scores.
#[derive(Debug, Clone, Copy)]
pub enum Columns<'a> {
    /// Column = token id, over the whole vocabulary.
    All,
    /// A language's rows (sorted ids), then the rows of the sentence's own pieces it lacks
    /// (sorted ids).
    Subset(&'a OutputRows, Option<&'a OutputRows>),
}

impl Columns<'_> {
    /// The token column `col` (one of this step's columns) scores.
    pub fn id(&self, col: usize) -> u32 {
        match self {
            Self::All => col as u32,
            Self::Subset(base, extra) => match base.ids.get(col) {
                Some(&id) => id,
                None => extra.expect("a column of this subset").ids[col - base.ids.len()],
            },
        }
    }

    /// The column that scores token `id`, if any does.
    pub fn col(&self, id: u32) -> Option<usize> {
        match self {
            Self::All => Some(id as usize),
            Self::Subset(base, extra) => base
                .ids
                .binary_search(&id)
                .ok()
                .or_else(|| extra.and_then(|e| e.ids.binary_search(&id).ok().map(|c| base.ids.len() + c))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::weights::{RandomWeights, WeightSource};
    use super::*;

    #[test]
    fn positions_follow_hf() {
        let t = sinusoidal_positions(6, 8, 1, &Device::Cpu).unwrap().to_vec2::<f32>().unwrap();
        assert!(t[1].iter().all(|&x| x == 0.0));
        // half = 4, freq_k = 10000^(-k/3): row p = [sin(p f) | cos(p f)].
        let f: Vec<f32> = (0..4).map(|k| (k as f32 * -(10000f32.ln() / 3.0)).exp()).collect();
        for k in 0..4 {
            assert!((t[3][k] - (3.0 * f[k]).sin()).abs() < 1e-6);
            assert!((t[3][4 + k] - (3.0 * f[k]).cos()).abs() < 1e-6);
        }
        assert_eq!(t[0][..4], [0.0; 4]);
        assert_eq!(t[0][4..], [1.0; 4]);
    }

    #[test]
    fn kv_cache_grows_and_reorders() {
        let mut c = KvCache::default();
        for step in 0..40u32 {
            let k = Tensor::full(step as f32, (2, 1, 1, 2), &Device::Cpu).unwrap();
            let (k_all, _) = c.append(&k, &k).unwrap();
            assert_eq!(k_all.dims4().unwrap(), (2, 1, step as usize + 1, 2));
        }
        let (k_all, _) = c
            .append(
                &Tensor::zeros((2, 1, 1, 2), DType::F32, &Device::Cpu).unwrap(),
                &Tensor::zeros((2, 1, 1, 2), DType::F32, &Device::Cpu).unwrap(),
            )
            .unwrap();
        let v = k_all.i((0, 0, .., 0)).unwrap().to_vec1::<f32>().unwrap();
        assert_eq!(v[..40], (0..40).map(|s| s as f32).collect::<Vec<_>>()[..]);
        c.reorder(&Tensor::new(&[1u32, 1], &Device::Cpu).unwrap()).unwrap();
        assert_eq!(c.len, 41);
    }

    #[test]
    fn quantized_linear_and_embedding_track_dense() {
        let dev = Device::Cpu;
        let src = RandomWeights { device: dev.clone(), dtype: DType::F32 };
        let w = src.get(&[96, 64], "w").unwrap();
        let qw = Arc::new(QTensor::quantize(&w, GgmlDType::Q8_0).unwrap());
        let x = Tensor::randn(0f32, 1.0, (5, 64), &dev).unwrap();
        let dense = x.matmul(&w.t().unwrap()).unwrap();
        let quant = QMatMul::from_arc(qw.clone()).unwrap().forward(&x).unwrap();
        let rel = |a: &Tensor, b: &Tensor| {
            let err = (a - b).unwrap().sqr().unwrap().sum_all().unwrap().to_scalar::<f32>().unwrap();
            (err / a.sqr().unwrap().sum_all().unwrap().to_scalar::<f32>().unwrap()).sqrt()
        };
        assert!(rel(&dense, &quant) < 0.02, "matmul error {}", rel(&dense, &quant));
        let ids = Tensor::new(&[3u32, 0, 95], &dev).unwrap();
        let rows = w.index_select(&ids, 0).unwrap();
        let q_rows = Shared::Quantized(qw).lookup(&ids).unwrap();
        assert!(rel(&rows, &q_rows) < 0.01, "embedding error {}", rel(&rows, &q_rows));
    }

    use candle_core::IndexOp;
}

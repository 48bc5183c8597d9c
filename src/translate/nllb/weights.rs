//! Weight plumbing for the network in `model.rs`: where tensors come from (a checkpoint
//! through candle's `VarBuilder`, or random numbers in the real shape for benchmarks), how
//! matrices are quantized to 8 bits row block by row block, and the memory given back as
//! they are.

use std::sync::Arc;

use candle_core::quantized::{GgmlDType, QMatMul, QTensor};
use candle_core::{DType, Device, Result, Tensor};
use candle_nn::VarBuilder;

use super::gemv::{self, Kernels};

/// Where weights come from: a checkpoint, or random numbers for benchmarks.
pub trait WeightSource {
    fn device(&self) -> &Device;
    /// Dtype of the dense (unquantized) tensors.
    fn dtype(&self) -> DType;
    fn contains(&self, name: &str) -> bool;
    fn get(&self, shape: &[usize], name: &str) -> Result<Tensor>;
    /// Matrix `m` in its quantized format, on `device`.
    fn quantized(&self, m: &QMatrix, device: &Device) -> Result<Arc<QTensor>> {
        quantize_matrix(self, m, device).map(Arc::new)
    }
}

/// A `[rows, cols]` weight matrix wanted in quantized format `format`.
#[derive(Debug, Clone, Copy)]
pub struct QMatrix<'a> {
    pub name: &'a str,
    pub rows: usize,
    pub cols: usize,
    pub format: GgmlDType,
}

/// Reads matrix `m` from `src` and quantizes it into a tensor on `device`.
pub fn quantize_matrix(src: &(impl WeightSource + ?Sized), m: &QMatrix, device: &Device) -> Result<QTensor> {
    let QMatrix { name, rows, cols, format: q } = *m;
    let w = src.get(&[rows, cols], name)?.to_dtype(DType::F32)?;
    let quantized = quantize_by_rows(rows, cols, q, device, Kernels::get(), |start, n| w.narrow(0, start, n))?;
    release_in_steps(w);
    Ok(quantized)
}

/// Drops a loaded matrix, first handing its pages back to the OS 16 MB at a time.
/// Unmapping the 1 GB f32 embedding in one go holds the process's memory-map lock for
/// tens of ms, and Neovim's main thread stalls on its next allocation meanwhile.
fn release_in_steps(w: Tensor) {
    #[cfg(target_os = "linux")]
    {
        const PAGE: usize = 4096;
        const STEP: usize = 16 << 20;
        let _ = gemv::with_f32_values(&w, |data| {
            let begin = (data.as_ptr() as usize).next_multiple_of(PAGE);
            let end = (data.as_ptr() as usize + std::mem::size_of_val(data)) / PAGE * PAGE;
            let mut at = begin;
            while at < end {
                let len = (end - at).min(STEP);
                // SAFETY: whole pages inside this buffer, which only `w` holds (both
                // checkpoint readers, mmaped safetensors and pth, hand out a fresh buffer
                // per `get`) and which is freed below without being read again; the
                // allocator keeps no data inside a block's pages.
                unsafe { libc::madvise(at as *mut libc::c_void, len, libc::MADV_DONTNEED) };
                at += len;
            }
        });
    }
}

/// Rows quantized per parallel task.
const QUANTIZE_ROWS: usize = 1024;

/// Quantizes a `[rows, cols]` matrix on all cores into a tensor on `device`, `rows_of(start,
/// n)` giving its rows `start..start + n` (quantizing is most of loading an 8-bit model).
/// The bytes are always made on the CPU from the rows' own values (see `gemv::quantize`).
fn quantize_by_rows(
    rows: usize,
    cols: usize,
    q: GgmlDType,
    device: &Device,
    kernels: Kernels,
    rows_of: impl Fn(usize, usize) -> Result<Tensor> + Sync,
) -> Result<QTensor> {
    use rayon::prelude::*;
    let row_bytes = cols / q.block_size() * q.type_size();
    let fill = |bytes: &mut [u8]| {
        bytes.par_chunks_mut(QUANTIZE_ROWS * row_bytes).enumerate().try_for_each(|(task, out)| {
            let rows = rows_of(task * QUANTIZE_ROWS, out.len() / row_bytes)?;
            let block = gemv::quantized_bytes(&rows, q, kernels == Kernels::Simd)?;
            if block.len() != out.len() {
                candle_core::bail!("{q:?} rows came out as {} bytes, not {}", block.len(), out.len())
            }
            out.copy_from_slice(&block);
            Ok(())
        })
    };
    if q == GgmlDType::Q8_0 {
        let mut blocks = gemv::Q8Blocks::zeroed(rows, cols);
        fill(blocks.bytes_mut())?;
        return blocks.into_qtensor(rows, cols, device);
    }
    let mut bytes = vec![0u8; rows * row_bytes];
    fill(&mut bytes)?;
    gemv::qtensor(bytes, rows, cols, q, device)
}

impl WeightSource for VarBuilder<'_> {
    fn device(&self) -> &Device {
        VarBuilder::device(self)
    }
    fn dtype(&self) -> DType {
        VarBuilder::dtype(self)
    }
    fn contains(&self, name: &str) -> bool {
        self.contains_tensor(name)
    }
    fn get(&self, shape: &[usize], name: &str) -> Result<Tensor> {
        VarBuilder::get(self, shape, name)
    }
}

/// Random weights of the right shapes: lets `speakja bench` time the real 600M shape
/// without a download. LayerNorm gains are 1 so activations stay in a realistic range.
pub struct RandomWeights {
    pub device: Device,
    pub dtype: DType,
}

impl RandomWeights {
    fn random(&self, shape: &[usize], name: &str) -> Result<Tensor> {
        if name.ends_with("layer_norm.weight") {
            Tensor::ones(shape, DType::F32, &self.device)
        } else {
            Tensor::randn(0f32, 0.02, shape, &self.device)
        }
    }
}

impl WeightSource for RandomWeights {
    fn device(&self) -> &Device {
        &self.device
    }
    fn dtype(&self) -> DType {
        self.dtype
    }
    fn contains(&self, _name: &str) -> bool {
        true
    }
    fn get(&self, shape: &[usize], name: &str) -> Result<Tensor> {
        self.random(shape, name)?.to_dtype(self.dtype)
    }
    /// Built in row blocks so a quantized model never holds a whole f32 matrix (the 1 GB
    /// embedding would otherwise dominate peak memory).
    fn quantized(&self, m: &QMatrix, device: &Device) -> Result<Arc<QTensor>> {
        let random = |_, n| self.random(&[n, m.cols], m.name);
        quantize_by_rows(m.rows, m.cols, m.format, device, Kernels::get(), random).map(Arc::new)
    }
}

/// A prefix-carrying view of a [`WeightSource`] plus the quantization choice.
#[derive(Clone)]
pub struct Weights<'a> {
    pub(super) src: &'a dyn WeightSource,
    prefix: String,
    pub(super) quant: Option<GgmlDType>,
}

impl<'a> Weights<'a> {
    /// `quant`: store matmul weights in this format (CPU only), else in the source dtype.
    pub fn new(src: &'a dyn WeightSource, quant: Option<GgmlDType>) -> Self {
        Self { src, prefix: String::new(), quant }
    }

    pub fn pp(&self, name: impl std::fmt::Display) -> Self {
        let prefix = if self.prefix.is_empty() { name.to_string() } else { format!("{}.{name}", self.prefix) };
        Self { prefix, ..self.clone() }
    }

    fn key(&self, name: &str) -> String {
        if self.prefix.is_empty() {
            name.to_string()
        } else {
            format!("{}.{name}", self.prefix)
        }
    }

    pub fn get(&self, shape: &[usize], name: &str) -> Result<Tensor> {
        self.src.get(shape, &self.key(name))
    }

    /// A weight used as `x · Wᵀ`, quantized when asked and the row length allows it.
    pub fn matrix(&self, rows: usize, cols: usize, name: &str) -> Result<QMatMul> {
        match self.quant {
            Some(q) if cols.is_multiple_of(q.block_size()) => {
                let m = QMatrix { name: &self.key(name), rows, cols, format: q };
                QMatMul::from_arc(self.src.quantized(&m, self.src.device())?)
            }
            _ => Ok(QMatMul::Tensor(self.get(&[rows, cols], name)?)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantized_rows_keep_their_own_values() {
        // candle 0.11 quantizes a `narrow` view from the matrix's first rows: every row
        // block after the first must still hold its own rows, on both kernel paths.
        let dev = Device::Cpu;
        let (rows, cols) = (2 * QUANTIZE_ROWS + 300, 64);
        let w = Tensor::randn(0f32, 1.0, (rows, cols), &dev).unwrap();
        let want = QTensor::quantize(&w, GgmlDType::Q8_0).unwrap().data().unwrap().into_owned();
        let row_bytes = cols / 32 * 34;
        // A copy: loading hands the source's pages back to the OS (`release_in_steps`).
        let vb = VarBuilder::from_tensors([("w".to_string(), w.copy().unwrap())].into(), DType::F32, &dev);
        let m = QMatrix { name: "w", rows, cols, format: GgmlDType::Q8_0 };
        let through_source = vb.quantized(&m, &dev).unwrap();
        for (path, got) in [
            (
                "generic",
                quantize_by_rows(rows, cols, GgmlDType::Q8_0, &dev, Kernels::Generic, |s, n| w.narrow(0, s, n))
                    .map(Arc::new),
            ),
            (
                "this CPU",
                quantize_by_rows(rows, cols, GgmlDType::Q8_0, &dev, Kernels::get(), |s, n| w.narrow(0, s, n))
                    .map(Arc::new),
            ),
            ("weight source", Ok(through_source)),
        ] {
            let got = got.unwrap().data().unwrap().into_owned();
            assert_eq!(got.len(), want.len(), "{path}");
            let bad =
                (0..rows).find(|r| got[r * row_bytes..(r + 1) * row_bytes] != want[r * row_bytes..(r + 1) * row_bytes]);
            assert_eq!(bad, None, "{path}: first row with other bytes");
        }
    }
}

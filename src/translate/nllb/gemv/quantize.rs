//! Weights into 8-bit blocks, read from the rows' own values.
//!
//! candle 0.11's `QTensor::quantize` ignores a view's start offset (a `narrow` of rows
//! 1024.. quantizes rows 0.. again), so rows are never handed to it as views: Q8_0 is
//! computed here on every CPU, and other formats get a fresh copy first.

use std::borrow::Cow;

use candle_core::quantized::k_quants::{BlockQ8_0, GgmlType};
use candle_core::quantized::{GgmlDType, QStorage, QTensor};
use candle_core::{DType, Device, Result, Tensor};

/// Values per Q8_0 block.
pub const QK: usize = 32;
/// `BlockQ8_0`: an f16 scale then 32 signed bytes.
pub const BLOCK_BYTES: usize = 34;

/// The bytes of `w: [rows, cols]` (any device, any float dtype, any layout) in format `q`.
pub fn quantized_bytes(w: &Tensor, q: GgmlDType, simd: bool) -> Result<Vec<u8>> {
    let (_, cols) = w.dims2()?;
    if q == GgmlDType::Q8_0 && cols.is_multiple_of(QK) {
        if let Some(bytes) = super::with_f32_values(w, |xs| q8_0_bytes(xs, simd))? {
            return Ok(bytes);
        }
    }
    // Read the values through the layout into a tensor of their own (offset 0, on the CPU).
    let values = w.to_dtype(DType::F32)?.flatten_all()?.to_vec1::<f32>()?;
    if q == GgmlDType::Q8_0 && cols.is_multiple_of(QK) {
        return Ok(q8_0_bytes(&values, simd));
    }
    let own = Tensor::from_vec(values, w.shape(), &Device::Cpu)?;
    Ok(QTensor::quantize(&own, q)?.data()?.into_owned())
}

/// A Q8_0 matrix filled as bytes, then handed to candle as it is: `QStorage::from_data`
/// would copy it, and a copy of the 272 MB embedding was the peak of an 8-bit load.
pub struct Q8Blocks(Vec<BlockQ8_0>);

const _: () = assert!(std::mem::size_of::<BlockQ8_0>() == BLOCK_BYTES);

impl Q8Blocks {
    /// `rows × cols` values (`cols` a multiple of 32), zero.
    pub fn zeroed(rows: usize, cols: usize) -> Self {
        Self(vec![BlockQ8_0::zeros(); rows * cols / QK])
    }

    pub fn bytes_mut(&mut self) -> &mut [u8] {
        // SAFETY: `BlockQ8_0` is `repr(C)`, an f16 then 32 i8 (34 bytes, checked above, so no
        // padding); every byte pattern is a valid value of it.
        unsafe { std::slice::from_raw_parts_mut(self.0.as_mut_ptr().cast::<u8>(), self.0.len() * BLOCK_BYTES) }
    }

    /// The `[rows, cols]` matrix on `device` (on the CPU without a copy).
    pub fn into_qtensor(mut self, rows: usize, cols: usize, device: &Device) -> Result<QTensor> {
        if device.is_cpu() {
            return QTensor::new(QStorage::Cpu(Box::new(self.0)), (rows, cols));
        }
        QTensor::new(QStorage::from_data(Cow::Borrowed(self.bytes_mut()), device, GgmlDType::Q8_0)?, (rows, cols))
    }
}

/// A `[rows, cols]` matrix of quantized `bytes` on `device`.
pub fn qtensor(bytes: Vec<u8>, rows: usize, cols: usize, q: GgmlDType, device: &Device) -> Result<QTensor> {
    QTensor::new(QStorage::from_data(Cow::Owned(bytes), device, q)?, (rows, cols))
}

/// Rows of floats (`xs.len()` a multiple of 32) as `BlockQ8_0` bytes: the same values as
/// GGML's `quantize_row_q8_0`.
pub fn q8_0_bytes(xs: &[f32], simd: bool) -> Vec<u8> {
    let mut bytes = vec![0u8; xs.len() / QK * BLOCK_BYTES];
    let mut values = [0i8; QK];
    for (block, out) in xs.chunks(QK).zip(bytes.chunks_mut(BLOCK_BYTES)) {
        let d = q8_0_block(block, &mut values, simd);
        out[..2].copy_from_slice(&half::f16::from_f32(d).to_le_bytes());
        for (o, v) in out[2..].iter_mut().zip(values) {
            *o = v as u8;
        }
    }
    bytes
}

/// One block of 32, in place; returns the scale.
pub fn q8_0_block(block: &[f32], out: &mut [i8], simd: bool) -> f32 {
    #[cfg(target_arch = "x86_64")]
    if simd {
        // SAFETY: `simd` is only true where `super::Kernels` found AVX2.
        return unsafe { block_avx2(block, out) };
    }
    let _ = simd;
    block_portable(block, out)
}

/// The same code compiled for AVX2, where `round` becomes vector code (several times faster
/// than the `roundf` calls of the portable build).
///
/// # Safety
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn block_avx2(block: &[f32], out: &mut [i8]) -> f32 {
    block_portable(block, out)
}

/// Scale `max |x| / 127`, values rounded half away from zero, as GGML does.
#[inline(always)]
fn block_portable(block: &[f32], out: &mut [i8]) -> f32 {
    // Eight running maxima: a single `fold` would stay scalar.
    let mut lanes = [0f32; 8];
    for chunk in block.chunks_exact(8) {
        for (m, v) in lanes.iter_mut().zip(chunk) {
            *m = m.max(v.abs());
        }
    }
    let scale = lanes.iter().fold(0f32, |a, &m| a.max(m)) / 127.0;
    let inv = if scale > 0.0 { 1.0 / scale } else { 0.0 };
    for (o, v) in out.iter_mut().zip(block) {
        *o = (v * inv).round() as i8;
    }
    scale
}

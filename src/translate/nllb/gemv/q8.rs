//! Q8_0 weights × f32 rows: every matmul of the 8-bit model.
//!
//! The activations are quantized once per call to the same 32-value blocks, so a block's
//! dot product is integer multiply-adds; about twice as fast as candle's generic Q8_0 path
//! on AVX2 machines. For a sentence (the encoder) the four weight rows stay in L1 while
//! every activation row passes, which also beats expanding the weights to f32 for a GEMM.

use std::arch::x86_64::*;

use candle_core::quantized::{GgmlDType, QTensor};
use candle_core::{DType, Result, Tensor};

use super::quantize::{q8_0_block, BLOCK_BYTES, QK};

/// `x · Wᵀ` for `x: [m, k]`, or `None` when `w` is not Q8_0.
pub fn matmul_t(w: &QTensor, x: &Tensor) -> Result<Option<Tensor>> {
    if w.dtype() != GgmlDType::Q8_0 {
        return Ok(None);
    }
    let (n, k) = w.shape().dims2()?;
    let (m, xk) = x.dims2()?;
    if xk != k || !k.is_multiple_of(QK) {
        return Ok(None);
    }
    let data = w.data()?;
    let kb = k / QK;
    let xs = x.to_dtype(DType::F32)?.flatten_all()?.to_vec1::<f32>()?;
    let (xq, xd) = quantize_rows(&xs);
    let scales = f16_table();
    let row = |r: usize| &data[r * kb * BLOCK_BYTES..(r + 1) * kb * BLOCK_BYTES];
    super::by_weight_rows(n, m, x, |rows, i, out| {
        let xq = &xq[i * k..(i + 1) * k];
        let xd = &xd[i * kb..(i + 1) * kb];
        // SAFETY: `super::Kernels::Simd` checked the CPU features; every row has `kb` blocks.
        unsafe {
            match rows {
                &[a, b, c, d] => out.copy_from_slice(&dot::<4>([row(a), row(b), row(c), row(d)], xq, xd, scales)),
                _ => out[0] = dot::<1>([row(rows[0])], xq, xd, scales)[0],
            }
        }
    })
    .map(Some)
}

/// Every f16 bit pattern as f32 (256 KB): a block's scale is one load instead of a
/// conversion, which made the encoder (many activation rows per weight row) ~30% faster.
fn f16_table() -> &'static [f32] {
    static TABLE: std::sync::OnceLock<Vec<f32>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| (0..=u16::MAX).map(|h| half::f16::from_bits(h).to_f32()).collect())
}

/// How far ahead of each of the four weight streams the CPU is asked to fetch: the
/// hardware prefetchers alone left a decoder step ~10% slower (measured 512–2048 bytes, all
/// alike).
const PREFETCH: usize = 1024;

/// Rows of floats → int8 values and one scale per 32, for the activations.
fn quantize_rows(xs: &[f32]) -> (Vec<i8>, Vec<f32>) {
    let mut q = vec![0i8; xs.len()];
    let d = xs
        .chunks(QK)
        .zip(q.chunks_mut(QK))
        // Callers come through `super::Kernels::Simd`, so AVX2 is there.
        .map(|(block, out)| q8_0_block(block, out, true))
        .collect();
    (q, d)
}

/// Dot products of `R` Q8_0 weight rows with one quantized activation row.
///
/// # Safety
/// The CPU must support AVX2, FMA and F16C; every row holds `xd.len()` blocks and `xq`
/// `xd.len() * 32` values.
#[target_feature(enable = "avx2,fma,f16c")]
unsafe fn dot<const R: usize>(rows: [&[u8]; R], xq: &[i8], xd: &[f32], scales: &[f32]) -> [f32; R] {
    let ones = _mm256_set1_epi16(1);
    let mut acc = [_mm256_setzero_ps(); R];
    for (j, &dx) in xd.iter().enumerate() {
        let y = _mm256_loadu_si256(xq.as_ptr().add(j * QK) as *const __m256i);
        // maddubs multiplies unsigned by signed bytes: move the signs onto the weights.
        let ay = _mm256_sign_epi8(y, y);
        for r in 0..R {
            let blk = rows[r].as_ptr().add(j * BLOCK_BYTES);
            // A prefetch past the row's end is only a hint: it never faults.
            _mm_prefetch::<_MM_HINT_T0>(blk.wrapping_add(PREFETCH) as *const i8);
            let d = *scales.get_unchecked(u16::from_le_bytes([*blk, *blk.add(1)]) as usize);
            let w = _mm256_loadu_si256(blk.add(2) as *const __m256i);
            let prod = _mm256_madd_epi16(_mm256_maddubs_epi16(ay, _mm256_sign_epi8(w, y)), ones);
            acc[r] = _mm256_fmadd_ps(_mm256_set1_ps(d * dx), _mm256_cvtepi32_ps(prod), acc[r]);
        }
    }
    let mut out = [0f32; R];
    for r in 0..R {
        out[r] = super::hsum(acc[r]);
    }
    out
}

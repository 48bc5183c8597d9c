//! f32 weights × a few f32 rows: the decoder's matmuls in the full-precision model.
//!
//! candle's GEMM packs its operands for blocking, which a single activation row cannot
//! repay; plain dot products over contiguous weight rows run at memory speed instead.

use std::arch::x86_64::*;

use candle_core::{DType, Result, Tensor};

/// `x · Wᵀ` for `w: [n, k]` f32 and `x: [m, k]`, over the weight rows `ids` (in their
/// order) or all of them; `None` for other dtypes.
pub fn matmul_t(w: &Tensor, ids: Option<&[u32]>, x: &Tensor) -> Result<Option<Tensor>> {
    if w.dtype() != DType::F32 || x.dtype() != DType::F32 {
        return Ok(None);
    }
    let (n, k) = w.dims2()?;
    let (m, xk) = x.dims2()?;
    if xk != k || ids.is_some_and(|ids| ids.iter().any(|&id| id as usize >= n)) {
        return Ok(None);
    }
    let xs = x.flatten_all()?.to_vec1::<f32>()?;
    super::with_f32_values(&w.contiguous()?, |data| {
        let row = |r: usize| {
            let r = ids.map_or(r, |ids| ids[r] as usize);
            &data[r * k..(r + 1) * k]
        };
        super::by_weight_rows(ids.map_or(n, <[u32]>::len), m, x, |rows, i, out| {
            let x = &xs[i * k..(i + 1) * k];
            // SAFETY: `super::Kernels::Simd` checked the CPU features; every slice holds `k` floats.
            unsafe {
                match rows {
                    &[a, b, c, d] => out.copy_from_slice(&dot::<4>([row(a), row(b), row(c), row(d)], x)),
                    _ => out[0] = dot::<1>([row(rows[0])], x)[0],
                }
            }
        })
    })?
    .transpose()
}

/// Dot products of `R` weight rows with one activation row.
///
/// # Safety
/// The CPU must support AVX2 and FMA; every row holds `x.len()` values.
#[target_feature(enable = "avx2,fma")]
unsafe fn dot<const R: usize>(rows: [&[f32]; R], x: &[f32]) -> [f32; R] {
    let k = x.len();
    let body = k - k % 8;
    let mut acc = [_mm256_setzero_ps(); R];
    for j in (0..body).step_by(8) {
        let xv = _mm256_loadu_ps(x.as_ptr().add(j));
        for r in 0..R {
            acc[r] = _mm256_fmadd_ps(_mm256_loadu_ps(rows[r].as_ptr().add(j)), xv, acc[r]);
        }
    }
    let mut out = [0f32; R];
    for r in 0..R {
        let tail: f32 = rows[r][body..].iter().zip(&x[body..]).map(|(w, x)| w * x).sum();
        out[r] = super::hsum(acc[r]) + tail;
    }
    out
}

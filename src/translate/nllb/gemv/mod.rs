//! `x · Wᵀ` for a row-major weight `W` on x86-64 CPUs, when streaming `W` is the cost.
//!
//! `SPEAKJA_KERNELS=generic` turns these kernels off, so x86 runs the code that Apple
//! Silicon CPUs, Metal and CUDA run (candle's own paths); CI runs the parity suite so.
//!
//! Decoding multiplies one row per hypothesis by every weight matrix, so a step is bound by
//! reading the weights. These kernels read each weight row once for all activation rows,
//! four weight rows at a time so each activation block is loaded once for four rows, and
//! split the weight rows over rayon tasks. Where they do not apply, callers fall back to
//! candle. Weights for the Q8_0 kernel are quantized here too, faster than candle does.

#[cfg(target_arch = "x86_64")]
mod f32;
#[cfg(target_arch = "x86_64")]
mod q8;
mod quantize;

use std::sync::OnceLock;

use candle_core::quantized::QMatMul;
use candle_core::{DType, Device, Result, Storage, Tensor};

pub use quantize::{qtensor, quantized_bytes, Q8Blocks};

/// Which matmul and quantization code runs on the CPU.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kernels {
    /// This module's AVX2 kernels.
    Simd,
    /// candle's portable code, as on every other CPU and on GPUs.
    Generic,
}

impl Kernels {
    /// `Simd` where the CPU has AVX2, FMA and F16C, unless `SPEAKJA_KERNELS=generic`.
    pub fn get() -> Self {
        static CHOICE: OnceLock<Kernels> = OnceLock::new();
        *CHOICE.get_or_init(|| {
            let forced = std::env::var("SPEAKJA_KERNELS").is_ok_and(|v| v == "generic");
            if !forced && cpu_has_simd() {
                Kernels::Simd
            } else {
                Kernels::Generic
            }
        })
    }

    /// Whether this module's kernels (which split their rows over rayon) serve tensors on
    /// `device`.
    pub fn run_on(device: &Device) -> bool {
        device.is_cpu() && Self::get() == Kernels::Simd
    }
}

/// Weight rows per parallel task: big enough to amortize scheduling, small enough to balance.
#[cfg(target_arch = "x86_64")]
const ROWS_PER_TASK: usize = 256;

/// Activation rows up to which the f32 kernel beats candle's GEMM (decoding with a few beams);
/// a whole sentence (the encoder) is better served by a blocked GEMM.
#[cfg(target_arch = "x86_64")]
const MAX_F32_ROWS: usize = 8;

/// `x · Wᵀ` for `x: [m, k]`, or `None` when no kernel here applies.
pub fn matmul_t(w: &QMatMul, x: &Tensor) -> Result<Option<Tensor>> {
    #[cfg(target_arch = "x86_64")]
    if Kernels::run_on(x.device()) {
        return match w {
            QMatMul::QTensor(q) => q8::matmul_t(q, x),
            QMatMul::Tensor(w) if x.dim(0)? <= MAX_F32_ROWS => f32::matmul_t(w, None, x),
            _ => Ok(None),
        };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (w, x);
    Ok(None)
}

/// Whether [`matmul_rows_t`] reads rows of `w` in place.
pub fn reads_rows_in_place(w: &Tensor) -> bool {
    w.dtype() == DType::F32 && Kernels::run_on(w.device())
}

/// `x · W[ids]ᵀ`, reading the rows `ids` of the f32 matrix `w` where they lie, or `None`
/// where [`reads_rows_in_place`] says no (or an id is past the end).
pub fn matmul_rows_t(w: &Tensor, ids: &[u32], x: &Tensor) -> Result<Option<Tensor>> {
    #[cfg(target_arch = "x86_64")]
    if reads_rows_in_place(w) {
        return f32::matmul_t(w, Some(ids), x);
    }
    let _ = (w, ids, x);
    Ok(None)
}

/// Runs `f` on the values of a contiguous f32 tensor in CPU memory, without copying them;
/// `None` for any other tensor.
pub fn with_f32_values<R>(t: &Tensor, f: impl FnOnce(&[f32]) -> R) -> Result<Option<R>> {
    if t.dtype() != DType::F32 || !t.is_contiguous() {
        return Ok(None);
    }
    let (storage, layout) = t.storage_and_layout();
    let Storage::Cpu(cpu) = &*storage else {
        return Ok(None);
    };
    let start = layout.start_offset();
    Ok(Some(f(&cpu.as_slice::<f32>()?[start..start + t.elem_count()])))
}

/// Pages of a read-only file mapping, which this process may drop and read again.
pub struct FilePages<'a>(&'a [u8]);

impl<'a> FilePages<'a> {
    /// `bytes` if they lie inside one file-backed mapping of this process (Linux), by
    /// `/proc/self/maps`; `None` for anonymous memory, whose dropped pages would read as zero.
    pub fn of(bytes: &'a [u8]) -> Option<Self> {
        #[cfg(target_os = "linux")]
        {
            let (start, end) = (bytes.as_ptr() as usize, bytes.as_ptr() as usize + bytes.len());
            let maps = std::fs::read_to_string("/proc/self/maps").ok()?;
            let inside = maps.lines().any(|line| {
                let mut f = line.split_whitespace();
                let range = f.next().and_then(|r| r.split_once('-'));
                let bounds = range
                    .and_then(|(a, b)| Some((usize::from_str_radix(a, 16).ok()?, usize::from_str_radix(b, 16).ok()?)));
                let (perms, inode) = (f.next().unwrap_or(""), f.nth(2).unwrap_or("0"));
                bounds.is_some_and(|(a, b)| a <= start && end <= b) && !perms.contains('w') && inode != "0"
            });
            inside.then_some(Self(bytes))
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = bytes;
            None
        }
    }

    /// `bytes` as file pages, for a caller that mapped them itself.
    ///
    /// # Safety
    /// `bytes` must lie in a read-only mapping of a file that does not change.
    pub unsafe fn assume(bytes: &'a [u8]) -> Self {
        Self(bytes)
    }

    /// Drops this process's whole pages in `range` (they stay in the page cache, and are
    /// read from it again if touched), so resident memory does not keep what was only
    /// passed over.
    pub fn drop_range(&self, range: std::ops::Range<usize>) {
        #[cfg(unix)]
        {
            let bytes = &self.0[range];
            // SAFETY: sysconf has no preconditions.
            let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) }.max(1) as usize;
            let begin = (bytes.as_ptr() as usize).next_multiple_of(page);
            let end = (bytes.as_ptr() as usize + bytes.len()) / page * page;
            if end > begin {
                // SAFETY: whole pages of a read-only file mapping (checked in `of`, promised
                // to `assume`): dropping them only unmaps them; a later read faults in the
                // file's same bytes.
                unsafe { libc::madvise(begin as *mut libc::c_void, end - begin, libc::MADV_DONTNEED) };
            }
        }
        #[cfg(not(unix))]
        let _ = range;
    }
}

fn cpu_has_simd() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") && is_x86_feature_detected!("f16c")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Runs `dot(rows, i, out)` over all `n` weight rows and `m` activation rows, where `out`
/// receives the dot products of activation row `i` with weight rows `rows` (four, or one at
/// a task's tail). Returns `x · Wᵀ` as an `[m, n]` tensor.
///
/// A task's four rows come from the four quarters of its range, so the kernel reads four
/// long sequential streams: CPU prefetchers keep up with those (about twice the bandwidth
/// of four adjacent short rows, measured on a Zen 3).
#[cfg(target_arch = "x86_64")]
fn by_weight_rows(n: usize, m: usize, x: &Tensor, dot: impl Fn(&[usize], usize, &mut [f32]) + Sync) -> Result<Tensor> {
    use rayon::prelude::*;
    // Output as [n, m] so each task writes one contiguous range.
    let mut out = vec![0f32; n * m];
    out.par_chunks_mut(ROWS_PER_TASK * m).enumerate().for_each(|(task, chunk)| {
        let first = task * ROWS_PER_TASK;
        let rows = chunk.len() / m;
        let quarter = rows / 4;
        let mut values = [0f32; 4];
        let mut write = |local: &[usize], values: &[f32], i: usize| {
            for (&r, v) in local.iter().zip(values) {
                chunk[r * m + i] = *v;
            }
        };
        for g in 0..quarter {
            let local = [g, quarter + g, 2 * quarter + g, 3 * quarter + g];
            let global = local.map(|r| first + r);
            for i in 0..m {
                dot(&global, i, &mut values);
                write(&local, &values, i);
            }
        }
        for r in 4 * quarter..rows {
            for i in 0..m {
                dot(&[first + r], i, &mut values[..1]);
                write(&[r], &values[..1], i);
            }
        }
    });
    Tensor::from_vec(out, (n, m), x.device())?.t()
}

/// Horizontal sum of an AVX register.
///
/// # Safety
/// The CPU must support AVX.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
unsafe fn hsum(v: std::arch::x86_64::__m256) -> f32 {
    use std::arch::x86_64::*;
    let v = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    let v = _mm_add_ps(v, _mm_movehl_ps(v, v));
    _mm_cvtss_f32(_mm_add_ss(v, _mm_shuffle_ps(v, v, 1)))
}

#[cfg(all(test, target_os = "linux"))]
mod file_pages_tests {
    use super::FilePages;

    #[test]
    fn only_file_maps_drop_pages_and_their_bytes_come_back() {
        let anonymous = vec![7u8; 1 << 20];
        assert!(FilePages::of(&anonymous).is_none(), "anonymous memory would read back as zeros");
        let path = std::env::temp_dir().join(format!("speakja-file-pages-{}", std::process::id()));
        let want: Vec<u8> = (0..(1u32 << 20)).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &want).unwrap();
        // SAFETY: a private file of this test, not changed while mapped.
        let map = unsafe { memmap2::Mmap::map(&std::fs::File::open(&path).unwrap()).unwrap() };
        let pages = FilePages::of(&map[4096..]).expect("a file map");
        pages.drop_range(0..map.len() - 4096);
        assert!(map[..] == want[..], "bytes read again after their pages were dropped");
        std::fs::remove_file(&path).unwrap();
    }
}

#[cfg(all(test, target_arch = "x86_64"))]
mod tests {
    use super::*;
    use candle_core::quantized::{GgmlDType, QTensor};
    use candle_core::Device;

    fn max_err(got: &Tensor, want: &Tensor) -> (f32, f32) {
        let err = (got - want).unwrap().abs().unwrap().max_all().unwrap().to_scalar::<f32>().unwrap();
        (err, want.abs().unwrap().max_all().unwrap().to_scalar::<f32>().unwrap())
    }

    #[test]
    fn q8_matches_dense_product() {
        // These test the SIMD kernels, which `SPEAKJA_KERNELS=generic` turns off.
        if Kernels::get() != Kernels::Simd {
            return;
        }
        let dev = Device::Cpu;
        // 13 rows: three groups of four (rows i, 3 + i, 6 + i, 9 + i) and a single row;
        // 3 activation rows.
        let w = Tensor::randn(0f32, 1.0, (13, 96), &dev).unwrap();
        let x = Tensor::randn(0f32, 1.0, (3, 96), &dev).unwrap();
        let q = QMatMul::from_qtensor(QTensor::quantize(&w, GgmlDType::Q8_0).unwrap()).unwrap();
        let got = matmul_t(&q, &x).unwrap().unwrap();
        let QMatMul::QTensor(qt) = &q else { unreachable!() };
        let want = x.matmul(&qt.dequantize(&dev).unwrap().t().unwrap()).unwrap();
        assert_eq!(got.dims(), &[3, 13]);
        let (err, scale) = max_err(&got, &want);
        // Only the activations are rounded here (weights are compared dequantized).
        assert!(err < 0.02 * scale, "error {err} of {scale}");
    }

    #[test]
    fn q8_weights_match_candle_bit_for_bit() {
        if !cpu_has_simd() {
            return;
        }
        let w = (Tensor::randn(0f32, 1.0, (5, 96), &Device::Cpu).unwrap() * 3.0).unwrap();
        // Rows with a zero block and with exact halves (rounding ties) too.
        let special = Tensor::from_vec(
            (0..192).map(|i| if i < 96 { 0.0 } else { (i % 7) as f32 * 0.5 - 1.5 }).collect::<Vec<f32>>(),
            (2, 96),
            &Device::Cpu,
        )
        .unwrap();
        let w = Tensor::cat(&[&w, &special], 0).unwrap();
        let theirs = QTensor::quantize(&w, GgmlDType::Q8_0).unwrap();
        for simd in [true, false] {
            let ours = quantized_bytes(&w, GgmlDType::Q8_0, simd).unwrap();
            assert_eq!(ours, theirs.data().unwrap().as_ref(), "simd = {simd}");
        }
    }

    #[test]
    fn f32_matches_candle_including_row_and_column_tails() {
        // These test the SIMD kernels, which `SPEAKJA_KERNELS=generic` turns off.
        if Kernels::get() != Kernels::Simd {
            return;
        }
        let dev = Device::Cpu;
        // 13 weight rows (three groups of four, one single row); 44 columns (5 × 8 + 4).
        for m in [1, 2, MAX_F32_ROWS] {
            let w = Tensor::randn(0f32, 1.0, (13, 44), &dev).unwrap();
            let x = Tensor::randn(0f32, 1.0, (m, 44), &dev).unwrap();
            let got = matmul_t(&QMatMul::Tensor(w.clone()), &x).unwrap().unwrap();
            let want = x.matmul(&w.t().unwrap()).unwrap();
            assert_eq!(got.dims(), &[m, 13]);
            let (err, scale) = max_err(&got, &want);
            assert!(err < 1e-5 * scale, "m = {m}: error {err} of {scale}");
        }
        // Rows read in place, in the order given, match the gathered rows' product.
        let w = Tensor::randn(0f32, 1.0, (13, 44), &dev).unwrap();
        let x = Tensor::randn(0f32, 1.0, (2, 44), &dev).unwrap();
        let ids = [12u32, 0, 5, 6, 7, 3];
        let got = matmul_rows_t(&w, &ids, &x).unwrap().unwrap();
        let picked = w.index_select(&Tensor::new(&ids[..], &dev).unwrap(), 0).unwrap();
        let (err, scale) = max_err(&got, &x.matmul(&picked.t().unwrap()).unwrap());
        assert!(err < 1e-5 * scale, "rows in place: error {err} of {scale}");
        assert!(matmul_rows_t(&w, &[13], &x).unwrap().is_none(), "a row past the end");
        // A whole sentence is left to candle.
        let x = Tensor::zeros((MAX_F32_ROWS + 1, 44), candle_core::DType::F32, &dev).unwrap();
        let w = QMatMul::Tensor(Tensor::zeros((7, 44), candle_core::DType::F32, &dev).unwrap());
        assert!(matmul_t(&w, &x).unwrap().is_none());
    }
}

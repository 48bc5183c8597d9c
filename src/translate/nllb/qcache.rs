//! 8-bit weights kept on disk next to the model (`speakja-q8_0.gguf`), so a start maps
//! ~650 MB of ready blocks instead of reading 2.5 GB and quantizing it.
//!
//! The file is GGUF (candle writes and parses it). Its metadata holds a fingerprint of what
//! it was made from: the weights file's name, size and modification time, config.json's
//! SHA-256, the format and this module's version. Anything else (another checkpoint, a
//! damaged or foreign file) is stale, and the next load quantizes and writes it again.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::Context;
use candle_core::quantized::k_quants::{self, BlockQ8_0, GgmlType};
use candle_core::quantized::{gguf_file, GgmlDType, QStorage, QTensor, QuantizedType};
use candle_core::{CpuStorage, DType, Device, Result, Tensor};
use half::f16;
use sha2::{Digest, Sha256};

use super::weights::{QMatrix, WeightSource};

/// Bumped whenever the bytes written for the same checkpoint would differ.
const VERSION: u32 = 1;
const KEY: &str = "speakja.source";

/// The cache file of one model directory and format.
pub struct QuantCache {
    path: PathBuf,
    fingerprint: String,
}

impl QuantCache {
    /// A cache at `path` for whatever `fingerprint` names (the benchmark's random weights).
    pub fn at(path: PathBuf, fingerprint: String) -> Self {
        Self { path, fingerprint }
    }

    /// The cache for weights `weights` and config `config`, made in format `q`: next to the
    /// weights (`dir` = `None`), or in `dir` under a name of the weights' path (for a model
    /// directory that cannot be written).
    pub fn new(config: &Path, weights: &Path, q: GgmlDType, dir: Option<&Path>) -> anyhow::Result<Self> {
        let meta = std::fs::metadata(weights)?;
        let mtime = meta.modified()?.duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos();
        let hex = |bytes: &[u8]| bytes.iter().map(|b| format!("{b:02x}")).collect::<String>();
        let config_sha = hex(&Sha256::digest(std::fs::read(config)?));
        let name = weights.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let format = format!("{q:?}").to_lowercase();
        let path = match dir {
            None => weights.parent().unwrap_or(Path::new(".")).join(format!("speakja-{format}.gguf")),
            Some(dir) => {
                let of = hex(&Sha256::digest(weights.as_os_str().as_encoded_bytes())[..8]);
                dir.join(format!("speakja-{of}-{format}.gguf"))
            }
        };
        Ok(Self { path, fingerprint: format!("v{VERSION} {q:?} {name} {} {mtime} config {config_sha}", meta.len()) })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The mapped cache; `Ok(None)` when there is none, an error saying why when it is stale
    /// or damaged.
    pub fn open(&self) -> anyhow::Result<Option<Mapped>> {
        let file = match std::fs::File::open(&self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        // SAFETY: read-only map of a file only this module writes, replaced by rename (never
        // rewritten in place), so its pages do not change under the map. (A program that cut
        // the file short in place while it is mapped would make reads of the lost pages fault.)
        let map = Arc::new(unsafe { memmap2::Mmap::map(&file)? });
        let content = gguf_file::Content::read(&mut std::io::Cursor::new(&map[..]))
            .map_err(|e| anyhow::anyhow!("not a weight cache: {e}"))?;
        let made_from = content.metadata.get(KEY).and_then(|v| v.to_string().ok());
        anyhow::ensure!(made_from == Some(&self.fingerprint), "made from other files");
        let mut tensors = HashMap::new();
        for (name, info) in &content.tensor_infos {
            let len = info.shape.elem_count() / info.ggml_dtype.block_size() * info.ggml_dtype.type_size();
            let start = content.tensor_data_offset.checked_add(info.offset).map(|s| s as usize);
            let range = start.and_then(|s| Some(s..s.checked_add(len)?)).filter(|r| r.end <= map.len());
            let range = range.with_context(|| format!("tensor {name} lies outside the file"))?;
            tensors.insert(name.clone(), (info.ggml_dtype, info.shape.dims().to_vec(), range));
        }
        Ok(Some(Mapped { map, tensors }))
    }

    /// Writes `tensors` as the cache, through a temporary file renamed into place.
    pub fn write(&self, tensors: &[(String, Arc<QTensor>)]) -> anyhow::Result<()> {
        // Unique per write: two threads of one process may load the same model.
        static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let tmp = self.path.with_extension(format!("tmp-{}-{n}", std::process::id()));
        let result = (|| {
            if let Some(dir) = self.path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            let mut out = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
            let source = gguf_file::Value::String(self.fingerprint.clone());
            let refs: Vec<(&str, &QTensor)> = tensors.iter().map(|(n, t)| (n.as_str(), t.as_ref())).collect();
            gguf_file::write(&mut out, &[(KEY, &source)], &refs)?;
            out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
            std::fs::rename(&tmp, &self.path)?;
            anyhow::Ok(())
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result.with_context(|| format!("cannot write the 8-bit weight cache {}", self.path.display()))
    }
}

/// A mapped cache file. On the CPU the 8-bit matrices stay in the map (nothing is copied,
/// and embedding rows no sentence uses are never read); other tensors, and all of them for a
/// GPU, are copied out as the model asks for them.
pub struct Mapped {
    map: Arc<memmap2::Mmap>,
    tensors: HashMap<String, (GgmlDType, Vec<usize>, std::ops::Range<usize>)>,
}

impl Mapped {
    fn entry(&self, name: &str, shape: &[usize], want: GgmlDType) -> Result<&[u8]> {
        let (dtype, dims, range) =
            self.tensors.get(name).ok_or_else(|| candle_core::Error::CannotFindTensor { path: name.into() })?;
        if *dtype != want || dims != shape || !range.start.is_multiple_of(std::mem::align_of::<BlockQ8_0>()) {
            candle_core::bail!("cached {name} is {dtype:?} {dims:?}, not {want:?} {shape:?}")
        }
        Ok(&self.map[range.clone()])
    }

    /// Drops the map's pages of `name` from this process once its tensor holds a copy (they
    /// stay in the page cache), so resident memory holds each weight once, not twice.
    fn release(&self, name: &str) {
        if let Some((_, _, range)) = self.tensors.get(name) {
            // SAFETY: a read-only map of a file that is never rewritten in place (`open`).
            unsafe { super::gemv::FilePages::assume(&self.map) }.drop_range(range.clone());
        }
    }
}

impl WeightSource for Mapped {
    fn device(&self) -> &Device {
        &Device::Cpu
    }
    fn dtype(&self) -> DType {
        DType::F32
    }
    fn contains(&self, name: &str) -> bool {
        self.tensors.contains_key(name)
    }
    fn get(&self, shape: &[usize], name: &str) -> Result<Tensor> {
        let bytes = self.entry(name, shape, GgmlDType::F32)?;
        let values: Vec<f32> =
            bytes.chunks_exact(4).map(|b| f32::from_le_bytes(b.try_into().expect("4 bytes"))).collect();
        self.release(name);
        Tensor::from_vec(values, shape, &Device::Cpu)
    }
    fn quantized(&self, m: &QMatrix, device: &Device) -> Result<Arc<QTensor>> {
        let QMatrix { name, rows, cols, format: q } = *m;
        let bytes = self.entry(name, &[rows, cols], q)?;
        if device.is_cpu() && q == GgmlDType::Q8_0 {
            let range = self.tensors[name].2.clone();
            let blocks = MappedBlocks { map: self.map.clone(), range };
            return Ok(Arc::new(QTensor::new(QStorage::Cpu(Box::new(blocks)), (rows, cols))?));
        }
        let t = QTensor::new(QStorage::from_data(Cow::Borrowed(bytes), device, q)?, (rows, cols))?;
        self.release(name);
        Ok(Arc::new(t))
    }
}

/// Wraps a weight source and keeps what the model took from it, in cacheable form.
pub struct Recorder<'a> {
    inner: &'a dyn WeightSource,
    taken: Mutex<Vec<(String, Arc<QTensor>)>>,
}

impl<'a> Recorder<'a> {
    pub fn new(inner: &'a dyn WeightSource) -> Self {
        Self { inner, taken: Mutex::new(Vec::new()) }
    }

    pub fn into_tensors(self) -> Vec<(String, Arc<QTensor>)> {
        self.taken.into_inner().unwrap_or_else(|e| e.into_inner())
    }

    fn keep(&self, name: &str, t: Arc<QTensor>) {
        self.taken.lock().unwrap_or_else(|e| e.into_inner()).push((name.to_string(), t));
    }
}

impl WeightSource for Recorder<'_> {
    fn device(&self) -> &Device {
        self.inner.device()
    }
    fn dtype(&self) -> DType {
        self.inner.dtype()
    }
    fn contains(&self, name: &str) -> bool {
        self.inner.contains(name)
    }
    fn get(&self, shape: &[usize], name: &str) -> Result<Tensor> {
        let t = self.inner.get(shape, name)?;
        let bytes: Vec<u8> =
            t.to_dtype(DType::F32)?.flatten_all()?.to_vec1::<f32>()?.iter().flat_map(|v| v.to_le_bytes()).collect();
        let q = QTensor::new(QStorage::from_data(Cow::Owned(bytes), &Device::Cpu, GgmlDType::F32)?, shape)?;
        self.keep(name, Arc::new(q));
        Ok(t)
    }
    fn quantized(&self, m: &QMatrix, device: &Device) -> Result<Arc<QTensor>> {
        let t = self.inner.quantized(m, device)?;
        self.keep(m.name, t.clone());
        Ok(t)
    }
}

/// Q8_0 blocks read in place from the map: the storage of a candle `QTensor`. candle's own
/// CPU storage is an owned `Vec`, which would mean copying every weight out of the file.
struct MappedBlocks {
    map: Arc<memmap2::Mmap>,
    range: std::ops::Range<usize>,
}

impl MappedBlocks {
    fn blocks(&self) -> &[BlockQ8_0] {
        let bytes = &self.map[self.range.clone()];
        // SAFETY: `Mapped::entry` checked that the range lies in the map and starts aligned
        // for `BlockQ8_0`, and its length is the matrix's blocks × 34; `BlockQ8_0` is
        // `repr(C)` plain data (an f16 and 32 i8), valid for any bytes; the map is read-only
        // and lives as long as `self`.
        unsafe { std::slice::from_raw_parts(bytes.as_ptr().cast(), bytes.len() / std::mem::size_of::<BlockQ8_0>()) }
    }
}

impl QuantizedType for MappedBlocks {
    fn dtype(&self) -> GgmlDType {
        GgmlDType::Q8_0
    }
    fn matmul_t(&self, mkn: (usize, usize, usize), lhs: &[f32], dst: &mut [f32]) -> Result<()> {
        k_quants::matmul(mkn, lhs, self.blocks(), dst)
    }
    fn matmul_t_f16(&self, mkn: (usize, usize, usize), lhs: &[f16], dst: &mut [f16]) -> Result<()> {
        k_quants::matmul_f16(mkn, lhs, self.blocks(), dst)
    }
    fn embedding(&self, ids: &[u32], rows: usize, hidden: usize) -> Result<CpuStorage> {
        let row_blocks = hidden / BlockQ8_0::BLCK_SIZE;
        let blocks = self.blocks();
        let mut out = vec![0f32; ids.len() * hidden];
        for (dst, &id) in out.chunks_mut(hidden).zip(ids) {
            let id = id as usize;
            if id >= rows || (id + 1) * row_blocks > blocks.len() {
                candle_core::bail!("embedding id {id} is out of range for {rows} rows")
            }
            BlockQ8_0::to_float(&blocks[id * row_blocks..(id + 1) * row_blocks], dst);
        }
        Ok(CpuStorage::F32(out))
    }
    fn dequantize(&self, elem_count: usize) -> Result<CpuStorage> {
        let mut out = vec![0f32; elem_count];
        BlockQ8_0::to_float(self.blocks(), &mut out);
        Ok(CpuStorage::F32(out))
    }
    fn storage_size_in_bytes(&self) -> usize {
        self.range.len()
    }
    fn as_ptr(&self) -> *const u8 {
        self.map[self.range.clone()].as_ptr()
    }
    fn block_size(&self) -> usize {
        BlockQ8_0::BLCK_SIZE
    }
    // candle quantizes only into storage it allocates itself, never into a tensor's.
    fn from_float(&mut self, _xs: &[f32]) {}
    fn from_float_imatrix(&mut self, _xs: &[f32], _imatrix_weights: &[f32], _n_per_row: usize) {}
    fn size(&self) -> usize {
        self.range.len()
    }
}

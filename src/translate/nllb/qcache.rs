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
use candle_core::quantized::{gguf_file, GgmlDType, QStorage, QTensor};
use candle_core::{DType, Device, Result, Tensor};
use sha2::{Digest, Sha256};

use super::model::WeightSource;

/// Bumped whenever the bytes written for the same checkpoint would differ.
const VERSION: u32 = 1;
const KEY: &str = "speakja.source";

/// The cache file of one model directory and format.
pub struct QuantCache {
    path: PathBuf,
    fingerprint: String,
}

impl QuantCache {
    /// The cache for weights `weights` and config `config`, made in format `q`.
    pub fn new(config: &Path, weights: &Path, q: GgmlDType) -> anyhow::Result<Self> {
        let meta = std::fs::metadata(weights)?;
        let mtime = meta.modified()?.duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos();
        let config_sha: String = Sha256::digest(std::fs::read(config)?).iter().map(|b| format!("{b:02x}")).collect();
        let name = weights.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let dir = weights.parent().unwrap_or(Path::new("."));
        Ok(Self {
            path: dir.join(format!("speakja-{}.gguf", format!("{q:?}").to_lowercase())),
            fingerprint: format!("v{VERSION} {q:?} {name} {} {mtime} config {config_sha}", meta.len()),
        })
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
        // SAFETY: read-only map of a file only this module writes, replaced by rename
        // (never rewritten in place), so its pages do not change under the map.
        let map = unsafe { memmap2::Mmap::map(&file)? };
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

/// A mapped cache file: tensors are copied out of the map onto their device as the model
/// asks for them, so nothing is quantized and nothing is read twice.
pub struct Mapped {
    map: memmap2::Mmap,
    tensors: HashMap<String, (GgmlDType, Vec<usize>, std::ops::Range<usize>)>,
}

impl Mapped {
    fn entry(&self, name: &str, shape: &[usize], want: GgmlDType) -> Result<&[u8]> {
        let (dtype, dims, range) =
            self.tensors.get(name).ok_or_else(|| candle_core::Error::CannotFindTensor { path: name.into() })?;
        if *dtype != want || dims != shape {
            candle_core::bail!("cached {name} is {dtype:?} {dims:?}, not {want:?} {shape:?}")
        }
        Ok(&self.map[range.clone()])
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
        Tensor::from_vec(values, shape, &Device::Cpu)
    }
    fn quantized_on(
        &self,
        rows: usize,
        cols: usize,
        name: &str,
        q: GgmlDType,
        device: &Device,
    ) -> Result<Arc<QTensor>> {
        let bytes = self.entry(name, &[rows, cols], q)?;
        Ok(Arc::new(QTensor::new(QStorage::from_data(Cow::Borrowed(bytes), device, q)?, (rows, cols))?))
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
    fn quantized_on(
        &self,
        rows: usize,
        cols: usize,
        name: &str,
        q: GgmlDType,
        device: &Device,
    ) -> Result<Arc<QTensor>> {
        let t = self.inner.quantized_on(rows, cols, name, q, device)?;
        self.keep(name, t.clone());
        Ok(t)
    }
}

//! On-disk cache of speech and translations, so a sentence heard before costs a file
//! read instead of a synthesis, a model run or a network round trip.
//!
//! One file per entry, named by a hash of its key. A key holds the text spoken, so only
//! its SHA-256 is stored: the file holds that (a collision in the name is a miss, never the
//! wrong audio) and a checksum of its value (a torn or damaged file is removed, never
//! played). Writes go to a temp file renamed into place, so readers in other Neovim
//! instances see whole entries or none. The least recently used entries go first when the
//! directory outgrows its bound: a hit bumps the file's modification time, which survives
//! restarts.
//!
//! Private: the directory is 0700 and must be the user's own, files are 0600 and opened
//! without following links, and only files named the way this cache names them are ever
//! removed.

use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use sha2::{Digest, Sha256};

use crate::config::Config;

const MAGIC: &[u8; 16] = b"speakja-cache-2\n";
const EXT: &str = "bin";
const TMP_PREFIX: &str = ".speakja-tmp-";
/// Temp files older than this were left by a process that died mid-write.
const STALE_TMP: Duration = Duration::from_secs(600);

static TMP_SEQ: AtomicU64 = AtomicU64::new(0);

#[derive(Debug, Clone)]
pub struct DiskCache {
    dir: PathBuf,
    max_bytes: u64,
}

impl DiskCache {
    /// Open (creating it 0700) a directory that must be the user's own.
    pub fn open(dir: &Path, max_bytes: u64) -> io::Result<Self> {
        crate::private::dir(dir, |n| is_entry_name(n) || n.starts_with(TMP_PREFIX))?;
        Ok(Self { dir: dir.to_path_buf(), max_bytes })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, digest: &[u8; 32]) -> PathBuf {
        let name: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
        self.dir.join(format!("{name}.{EXT}"))
    }

    /// The value stored under `key`, marking it as just used. A damaged entry is removed.
    pub fn get(&self, key: &str) -> Option<Vec<u8>> {
        let digest = sha256(key.as_bytes());
        let path = self.path(&digest);
        let mut bytes = Vec::new();
        crate::private::open(&path, false).ok()?.read_to_end(&mut bytes).ok()?;
        match parse(&bytes) {
            Some((d, value)) if d == digest => {
                // Failing to bump only makes the entry look older than it is.
                let _ = crate::private::open(&path, true).and_then(|f| f.set_modified(SystemTime::now()));
                Some(value.to_vec())
            }
            // Another key whose digest starts the same: a valid entry, not ours.
            Some(_) => None,
            None => {
                let _ = fs::remove_file(&path);
                None
            }
        }
    }

    fn remove(&self, key: &str) {
        let _ = fs::remove_file(self.path(&sha256(key.as_bytes())));
    }

    /// The value under `key` when it decodes (`true`: a hit), else `compute()`'s, stored for
    /// next time. An entry that no longer decodes is dropped.
    pub fn get_or_compute<T>(
        &self,
        key: &str,
        decode: impl FnOnce(Vec<u8>) -> Option<T>,
        encode: impl FnOnce(&T) -> Vec<u8>,
        compute: impl FnOnce() -> anyhow::Result<T>,
    ) -> anyhow::Result<(T, bool)> {
        if let Some(bytes) = self.get(key) {
            match decode(bytes) {
                Some(value) => return Ok((value, true)),
                None => self.remove(key),
            }
        }
        let value = compute()?;
        // A cache that cannot be written only costs the next hit.
        let _ = self.put(key, &encode(&value));
        Ok((value, false))
    }

    /// [`get_or_compute`](Self::get_or_compute) under a key made of `parts` (an engine's
    /// identity, then what it was asked): one entry per distinct request.
    pub fn lookup<T>(
        &self,
        parts: &[&str],
        decode: impl FnOnce(Vec<u8>) -> Option<T>,
        encode: impl FnOnce(&T) -> Vec<u8>,
        compute: impl FnOnce() -> anyhow::Result<T>,
    ) -> anyhow::Result<(T, bool)> {
        self.get_or_compute(&parts.join("\0"), decode, encode, compute)
    }

    /// Store `value` under `key`, then evict least recently used entries over the bound.
    pub fn put(&self, key: &str, value: &[u8]) -> io::Result<()> {
        let digest = sha256(key.as_bytes());
        let mut entry = Vec::with_capacity(MAGIC.len() + 48 + value.len());
        entry.extend_from_slice(MAGIC);
        entry.extend_from_slice(&digest);
        entry.extend_from_slice(&(value.len() as u64).to_le_bytes());
        entry.extend_from_slice(&fnv1a(value).to_le_bytes());
        entry.extend_from_slice(value);
        if entry.len() as u64 > self.max_bytes {
            return Ok(());
        }
        let path = self.path(&digest);
        let tmp =
            self.dir.join(format!("{TMP_PREFIX}{}-{}", std::process::id(), TMP_SEQ.fetch_add(1, Ordering::Relaxed)));
        crate::private::create_new(&tmp)
            .and_then(|mut f| f.write_all(&entry))
            .and_then(|()| fs::rename(&tmp, &path))
            .inspect_err(|_| {
            let _ = fs::remove_file(&tmp);
        })?;
        self.evict(&path)
    }

    /// Entries with their size and last use, oldest first; stale temp files are removed.
    fn entries(&self) -> io::Result<Vec<(SystemTime, u64, PathBuf)>> {
        let now = SystemTime::now();
        let mut out = Vec::new();
        for e in fs::read_dir(&self.dir)? {
            let Ok(e) = e else { continue };
            let Ok(meta) = e.metadata() else { continue };
            let used = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
            let name = e.file_name();
            let name = name.to_string_lossy();
            if name.starts_with(TMP_PREFIX) {
                if now.duration_since(used).unwrap_or_default() > STALE_TMP {
                    let _ = fs::remove_file(e.path());
                }
            } else if meta.is_file() && is_entry_name(&name) {
                out.push((used, meta.len(), e.path()));
            }
        }
        out.sort();
        Ok(out)
    }

    fn evict(&self, keep: &Path) -> io::Result<()> {
        let entries = self.entries()?;
        let mut total: u64 = entries.iter().map(|e| e.1).sum();
        for (_, len, path) in &entries {
            if total <= self.max_bytes {
                break;
            }
            if path != keep && fs::remove_file(path).is_ok() {
                total -= len;
            }
        }
        Ok(())
    }

    /// Bytes held by entries.
    pub fn size(&self) -> io::Result<u64> {
        Ok(self.entries()?.iter().map(|e| e.1).sum())
    }

    /// Remove every entry; returns how many and their bytes. Only files this cache
    /// writes are touched, whatever else shares the directory.
    pub fn clear(&self) -> io::Result<(usize, u64)> {
        let (mut n, mut bytes) = (0, 0);
        for (_, len, path) in self.entries()? {
            if fs::remove_file(path).is_ok() {
                n += 1;
                bytes += len;
            }
        }
        Ok((n, bytes))
    }
}

fn is_entry_name(name: &str) -> bool {
    name.strip_suffix(&format!(".{EXT}")).is_some_and(|h| h.len() == 16 && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Key digest and value of a whole, undamaged entry.
fn parse(bytes: &[u8]) -> Option<([u8; 32], &[u8])> {
    let rest = bytes.strip_prefix(MAGIC.as_slice())?;
    let digest: [u8; 32] = rest.get(..32)?.try_into().ok()?;
    let (value_len, rest) = take_u64(&rest[32..])?;
    let (sum, value) = take_u64(rest)?;
    (value.len() as u64 == value_len && fnv1a(value) == sum).then_some((digest, value))
}

fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

fn take_u64(b: &[u8]) -> Option<(u64, &[u8])> {
    Some((u64::from_le_bytes(b.get(..8)?.try_into().ok()?), &b[8..]))
}

/// FNV-1a, 64 bits: stable across builds and platforms, unlike std's hasher.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// The configured cache: `Ok(None)` when turned off, `Err` when it cannot be opened.
pub fn open(cfg: &Config) -> Result<Option<DiskCache>, String> {
    if !cfg.cache.enabled {
        return Ok(None);
    }
    let dir = cfg.cache_dir().ok_or("no cache directory (set cache.dir, or HOME)")?;
    DiskCache::open(&dir, cfg.cache.max_mb.saturating_mul(1 << 20))
        .map(Some)
        .map_err(|e| format!("cannot open cache {}: {e}", dir.display()))
}

/// `:SpeakJaCache clear`: empty the configured cache; says what went.
pub fn clear(cfg: &Config) -> anyhow::Result<String> {
    let dir = cfg.cache_dir().ok_or_else(|| anyhow::anyhow!("no cache directory (set cache.dir, or HOME)"))?;
    if !dir.is_dir() {
        return Ok(format!("cache {} is empty", dir.display()));
    }
    let (n, bytes) = DiskCache::open(&dir, 0)?.clear()?;
    Ok(format!("removed {n} entries ({:.1} MB) from {}", bytes as f64 / 1048576.0, dir.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_round_trip_and_damage() {
        let dir = std::env::temp_dir().join(format!("speakja-cache-unit-{}", std::process::id()));
        let c = DiskCache::open(&dir, 1 << 20).unwrap();
        c.put("k", b"value").unwrap();
        assert_eq!(c.get("k").as_deref(), Some(&b"value"[..]));
        assert_eq!(c.get("other"), None);
        // Every truncation of a valid entry is rejected.
        let bytes = fs::read(c.path(&sha256(b"k"))).unwrap();
        for n in 0..bytes.len() {
            assert!(parse(&bytes[..n]).is_none(), "accepted {n} of {} bytes", bytes.len());
        }
        fs::remove_dir_all(&dir).unwrap();
    }
}

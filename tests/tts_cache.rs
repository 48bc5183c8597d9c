//! The disk cache on its own: eviction order, damage, translations, clearing.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use speakja::cache::{self, DiskCache};
use speakja::cancel::EngineError;
use speakja::config::Config;
use speakja::engines;
use speakja::translate::{Kind, Passthrough, Translation, Translator};
use speakja::tts::{OpenJtalk, Reach, Tts, Voice};

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("speakja-test-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    dir
}

fn entries(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "bin"))
        .collect();
    v.sort();
    v
}

/// File times tick coarsely (a few ms): keep uses apart so their order is plain.
fn tick() {
    thread::sleep(Duration::from_millis(30));
}

#[test]
fn least_recently_used_goes_first_even_after_a_restart() {
    let dir = temp_dir("lru");
    let value = vec![7u8; 1000];
    // Room for three entries of ~1 KB.
    let bound = 3300;
    let c = DiskCache::open(&dir, bound).unwrap();
    for k in ["a", "b", "c"] {
        c.put(k, &value).unwrap();
        tick();
    }
    assert!(c.get("a").is_some()); // a is now the most recent
    tick();
    c.put("d", &value).unwrap();
    tick();
    let present = |c: &DiskCache, k: &str| c.get(k).is_some();
    assert!(!present(&c, "b"), "b was the least recently used");
    assert!(c.size().unwrap() <= bound);

    // A new process sees the same order: c is the oldest use now, unless touched.
    let c = DiskCache::open(&dir, bound).unwrap();
    assert!(present(&c, "c"));
    tick();
    c.put("e", &value).unwrap();
    assert_eq!(entries(&dir).len(), 3);
    assert!(!present(&c, "a"), "a was the least recently used");
    for k in ["c", "d", "e"] {
        assert!(present(&c, k), "{k} evicted");
    }
    // A value over the whole bound is not stored and evicts nothing.
    c.put("huge", &vec![0u8; 4000]).unwrap();
    assert!(!present(&c, "huge"));
    assert_eq!(entries(&dir).len(), 3);
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn damaged_entries_are_ignored_and_removed() {
    let dir = temp_dir("damage");
    let c = DiskCache::open(&dir, 1 << 20).unwrap();
    c.put("k", b"some value").unwrap();
    let path = entries(&dir).pop().unwrap();
    let good = fs::read(&path).unwrap();
    let damaged: [Vec<u8>; 4] = [
        {
            let mut b = good.clone();
            *b.last_mut().unwrap() ^= 1; // a flipped bit in the value
            b
        },
        good[..good.len() - 3].to_vec(), // torn write
        b"garbage".to_vec(),
        Vec::new(),
    ];
    for bytes in damaged {
        fs::write(&path, &bytes).unwrap();
        assert_eq!(c.get("k"), None);
        assert!(!path.exists(), "damaged entry left behind");
    }
    c.put("k", b"some value").unwrap();
    assert_eq!(c.get("k").as_deref(), Some(&b"some value"[..]));
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_damaged_speech_entry_is_synthesized_again() {
    let dir = temp_dir("damaged-speech");
    let m = Path::new(env!("CARGO_MANIFEST_DIR")).join("models").join("voice");
    assert!(m.join("naist-jdic").is_dir(), "no voice in {} (run scripts/fetch-voice)", m.display());
    let voice = OpenJtalk::load(&m.join("naist-jdic"), &m.join("mei_normal.htsvoice"), 1.0, 1.0).unwrap();
    let mut tts =
        speakja::tts::Cached::new(Box::new(voice), DiskCache::open(&dir, 50 << 20).unwrap(), "openjtalk|mei".into());
    let first = tts.synthesize("こんにちは。", Reach::Online).unwrap();
    assert!(!first.cached);
    let path = entries(&dir).pop().unwrap();
    let mut bytes = fs::read(&path).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x55;
    fs::write(&path, &bytes).unwrap();
    let again = tts.synthesize("こんにちは。", Reach::Online).unwrap();
    assert!(!again.cached, "damaged audio was played");
    assert_eq!(again.audio.samples.len(), first.audio.samples.len());
    assert!(again.audio.rms() > 0.01);
    let third = tts.synthesize("こんにちは。", Reach::Online).unwrap();
    assert!(third.cached && third.voice == Voice::Openjtalk, "not cached again");
    fs::remove_dir_all(&dir).unwrap();
}

/// Upper-cases its input and counts its calls: shows whether the cache answered.
struct Counting(Arc<AtomicUsize>);

impl Translator for Counting {
    fn kind(&self) -> Kind {
        Kind::Nllb
    }

    fn translate(&mut self, text: &str, _src: &str, tgt: &str) -> Result<Translation, EngineError> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok(Translation::new(format!("{}:{tgt}", text.to_uppercase()), Kind::Nllb))
    }
}

/// The text and whether it came from the cache, with the calls so far.
fn said(t: Result<Translation, EngineError>, calls: &AtomicUsize) -> (String, bool, usize) {
    let t = t.unwrap();
    (t.text, t.cached, calls.load(Ordering::SeqCst))
}

#[test]
fn translations_are_cached_by_engine_languages_and_text() {
    let dir = temp_dir("translations");
    let calls = Arc::new(AtomicUsize::new(0));
    let open = |key: &str| {
        let cache = DiskCache::open(&dir, 1 << 20).unwrap();
        speakja::translate::Cached::new(Box::new(Counting(calls.clone())), cache, key.into())
    };
    let mut t = open("counting|model-a");
    let hello = "HELLO:jpn_Jpan".to_owned();
    assert_eq!(said(t.translate("hello", "eng_Latn", "jpn_Jpan"), &calls), (hello.clone(), false, 1));
    assert_eq!(said(t.translate("hello", "eng_Latn", "jpn_Jpan"), &calls), (hello.clone(), true, 1));
    t.translate("hello", "eng_Latn", "kor_Hang").unwrap();
    t.translate("hello", "fra_Latn", "jpn_Jpan").unwrap();
    t.translate("hello again", "eng_Latn", "jpn_Jpan").unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 4);
    // Another model is another key; the same one hits after a restart.
    open("counting|model-b").translate("hello", "eng_Latn", "jpn_Jpan").unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 5);
    let mut t = open("counting|model-a");
    assert_eq!(said(t.translate("hello", "eng_Latn", "jpn_Jpan"), &calls), (hello, true, 5));
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_config_decides_what_is_cached_and_clear_empties_it() {
    let dir = temp_dir("config");
    let mut cfg = Config::default();
    cfg.cache.dir = Some(dir.clone());
    let calls = Arc::new(AtomicUsize::new(0));
    let mut t = engines::translation_stack(&cfg, Box::new(Counting(calls.clone())));
    t.translate("hi", "eng_Latn", "jpn_Jpan").unwrap();
    assert_eq!(said(t.translate("hi", "eng_Latn", "jpn_Jpan"), &calls), ("HI:jpn_Jpan".into(), true, 1));
    // Passing text through is not worth a file.
    let mut p = engines::translation_stack(&cfg, Box::new(Passthrough));
    p.translate("hi there", "eng_Latn", "jpn_Jpan").unwrap();
    assert_eq!(entries(&dir).len(), 1);

    // Files that are not entries survive a clear.
    fs::write(dir.join("notes.txt"), "mine").unwrap();
    let cleared = cache::clear(&cfg).unwrap();
    assert!(cleared.starts_with("removed 1 entries"), "{cleared}");
    assert!(entries(&dir).is_empty());
    assert!(dir.join("notes.txt").exists());

    cfg.cache.enabled = false;
    let mut t = engines::translation_stack(&cfg, Box::new(Counting(calls.clone())));
    t.translate("hi", "eng_Latn", "jpn_Jpan").unwrap();
    assert_eq!(said(t.translate("hi", "eng_Latn", "jpn_Jpan"), &calls), ("HI:jpn_Jpan".into(), false, 3));
    assert!(entries(&dir).is_empty());
    fs::remove_dir_all(&dir).unwrap();
}

#[cfg(unix)]
mod private {
    use super::*;
    use std::os::unix::fs::{MetadataExt, PermissionsExt};

    fn mode(p: &Path) -> u32 {
        fs::symlink_metadata(p).unwrap().mode() & 0o777
    }

    #[test]
    fn directory_0700_files_0600_and_no_text_in_them() {
        let dir = temp_dir("private").join("nested");
        let c = DiskCache::open(&dir, 1 << 20).unwrap();
        let key = "tts\0openjtalk\0the password is hunter2";
        c.put(key, b"audio").unwrap();
        assert_eq!(mode(&dir), 0o700);
        let files = entries(&dir);
        assert_eq!(files.len(), 1);
        assert_eq!(mode(&files[0]), 0o600);
        // Only a digest of the key is stored, never the text.
        let bytes = fs::read(&files[0]).unwrap();
        assert!(!bytes.windows(7).any(|w| w == b"hunter2"), "the key's text is in the file");
        assert_eq!(c.get(key).as_deref(), Some(&b"audio"[..]));
        // A directory others could read is refused, and left as it is: never chmod'ed.
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
        let e = DiskCache::open(&dir, 1 << 20).unwrap_err();
        assert!(e.to_string().contains("open to other users"), "{e}");
        assert_eq!(mode(&dir), 0o755);
        fs::remove_dir_all(dir.parent().unwrap()).unwrap();
    }

    #[test]
    fn a_directory_not_ours_or_a_link_is_refused() {
        let base = temp_dir("refused");
        fs::create_dir_all(&base).unwrap();
        // As root, a directory given away; as anyone else, one root owns.
        // SAFETY: geteuid has no preconditions.
        let foreign = if unsafe { libc::geteuid() } == 0 {
            let d = base.join("nobody");
            fs::create_dir(&d).unwrap();
            std::os::unix::fs::chown(&d, Some(65534), Some(65534)).unwrap();
            d
        } else {
            PathBuf::from("/")
        };
        let e = DiskCache::open(&foreign, 1 << 20).unwrap_err();
        assert!(e.to_string().contains("not to you"), "{e}");
        let target = base.join("elsewhere");
        fs::create_dir(&target).unwrap();
        std::os::unix::fs::symlink(&target, base.join("link")).unwrap();
        assert!(DiskCache::open(&base.join("link"), 1 << 20).is_err(), "followed a link");
        fs::remove_dir_all(&base).unwrap();
    }

    #[test]
    fn a_link_planted_as_an_entry_is_not_followed() {
        let dir = temp_dir("planted");
        let c = DiskCache::open(&dir, 1 << 20).unwrap();
        c.put("k", b"value").unwrap();
        let entry = entries(&dir).pop().unwrap();
        let victim = temp_dir("victim-file");
        fs::write(&victim, b"precious").unwrap();
        fs::remove_file(&entry).unwrap();
        std::os::unix::fs::symlink(&victim, &entry).unwrap();
        assert_eq!(c.get("k"), None);
        c.put("k", b"value").unwrap();
        assert_eq!(fs::read(&victim).unwrap(), b"precious");
        // Old temp-looking files of other programs are never swept.
        let foreign_tmp = dir.join(".tmp-1-1");
        fs::write(&foreign_tmp, b"x").unwrap();
        let old = std::time::SystemTime::now() - Duration::from_secs(3600);
        fs::File::options().write(true).open(&foreign_tmp).unwrap().set_modified(old).unwrap();
        c.put("k2", b"value").unwrap();
        assert!(foreign_tmp.exists(), "swept a file this cache did not write");
        fs::remove_dir_all(&dir).unwrap();
        fs::remove_file(&victim).unwrap();
    }
}

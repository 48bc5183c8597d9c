//! 50 worker restarts leave no threads behind: a test binary of its own, so that no other
//! test's threads come and go while it counts.

use std::path::Path;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use speakja::config::{Config, SinkKind, TranslatorEngine, TtsEngine};
use speakja::worker::{Origin, Worker};

fn threads() -> usize {
    std::fs::read_dir("/proc/self/task").map(|d| d.count()).unwrap_or(0)
}

#[cfg(target_os = "linux")]
#[test]
fn fifty_restarts_leave_no_threads_behind() {
    let mut cfg =
        Config { models_dir: Some(Path::new(env!("CARGO_MANIFEST_DIR")).join("models")), ..Config::default() };
    cfg.translator.engine = TranslatorEngine::None;
    cfg.tts.engine = TtsEngine::Openjtalk;
    cfg.audio.sink = SinkKind::Null;
    cfg.cache.enabled = false;
    let before = threads();
    for i in 0..50 {
        let (tx, _rx) = crossbeam_channel::bounded(16);
        let mut w = Worker::start(&cfg, tx, Arc::new(|| {})).unwrap();
        // Half of them are replaced while they work.
        if i % 2 == 0 {
            w.speak("はい。".into(), Origin::Command).unwrap();
        }
        drop(w);
    }
    let end = Instant::now() + Duration::from_secs(20);
    while threads() > before && Instant::now() < end {
        thread::sleep(Duration::from_millis(50));
    }
    assert!(threads() <= before, "{} threads, {before} before 50 restarts", threads());
}

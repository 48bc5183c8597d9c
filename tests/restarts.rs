//! 50 worker restarts leave no threads behind: a test binary of its own, so that no other
//! test's threads come and go while it counts.

use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use speakja::config::SinkKind;
use speakja::worker::{Origin, Worker};
use support::worker_config;

mod support;

fn threads() -> usize {
    std::fs::read_dir("/proc/self/task").map(|d| d.count()).unwrap_or(0)
}

#[cfg(target_os = "linux")]
#[test]
fn fifty_restarts_leave_no_threads_behind() {
    let cfg = worker_config(SinkKind::Null, None);
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

//! Speculation (issue #25) through a whole worker: a sentence prepared ahead is translated
//! and synthesized once, played only when it is spoken, and one never spoken is never played.

use std::sync::Arc;
use std::time::{Duration, Instant};

use speakja::config::SinkKind;
use speakja::worker::{Event, Origin, Outcome, Speculation, Worker};
use support::worker_config;

mod support;

#[test]
fn prepared_work_is_used_when_the_sentence_is_heard_and_nothing_prepared_plays() {
    let dir = std::env::temp_dir().join(format!("speakja-speculation-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (tx, rx) = crossbeam_channel::bounded(1024);
    let mut w = Worker::start(&worker_config(SinkKind::Wav, Some(&dir)), tx, Arc::new(|| {})).unwrap();
    let heard = "これは先に用意されて、あとで聞こえる文です。";
    w.prepare(heard.into());
    // A sentence that changed on screen before it was heard.
    w.prepare("これは画面で変わってしまった文で".into());
    // Work ahead waits for sentences to be heard: here there are none yet.
    let end = Instant::now() + Duration::from_secs(60);
    while w.speculation().prepared < 2 {
        assert!(Instant::now() < end, "never prepared");
        std::thread::sleep(Duration::from_millis(5));
    }
    let id = w.speak(heard.into(), Origin::Terminal).unwrap();
    let mut events = Vec::new();
    let end = Instant::now() + Duration::from_secs(60);
    while let Ok(ev) = rx.recv_deadline(end) {
        let done = matches!(ev, Event::Finished { id: got, .. } if got == id);
        events.push(ev);
        if done {
            break;
        }
    }
    let finished: Vec<(u64, Outcome)> = events
        .iter()
        .filter_map(|e| match e {
            Event::Finished { id, outcome, .. } => Some((*id, *outcome)),
            _ => None,
        })
        .collect();
    assert_eq!(finished, [(id, Outcome::Done)], "only the sentence spoken is played: {events:?}");
    let synthesized = events.iter().filter(|e| matches!(e, Event::Synthesized { .. })).count();
    assert_eq!(synthesized, 1, "work done ahead reports nothing: {events:?}");
    assert_eq!(w.speculation(), Speculation { prepared: 2, used: 1 });
    let wavs = std::fs::read_dir(&dir)
        .unwrap()
        .filter(|e| e.as_ref().is_ok_and(|e| e.path().extension().is_some_and(|x| x == "wav")))
        .count();
    assert_eq!(wavs, 1, "one sentence played, one file");
    // Said again, it is not counted as work made ahead twice.
    let again = w.speak(heard.into(), Origin::Terminal).unwrap();
    let end = Instant::now() + Duration::from_secs(60);
    while let Ok(ev) = rx.recv_deadline(end) {
        if matches!(ev, Event::Finished { id: got, .. } if got == again) {
            break;
        }
    }
    assert_eq!(w.speculation(), Speculation { prepared: 2, used: 1 });
    std::fs::remove_dir_all(&dir).unwrap();
}

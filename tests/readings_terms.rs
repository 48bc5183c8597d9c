//! English pronunciation from a dictionary (issue #22): the share of an untuned term table read
//! well, a dev set, and the time a sentence's readings take.

use std::time::Instant;

use speakja::text::readings::{self, Readings};

/// (rows, misses) of a `term<TAB>forms` table read through the real `Readings::spoken` path.
fn score(table: &str) -> (usize, Vec<String>) {
    let r = Readings::default();
    let rows: Vec<(&str, &str)> =
        table.lines().filter(|l| !l.starts_with('#')).filter_map(|l| l.split_once('\t')).collect();
    let misses = rows
        .iter()
        .filter_map(|&(term, accepted)| {
            let got = r.spoken(term);
            (!accepted.split('|').any(|a| a == got)).then(|| format!("{term}\t{got}\t(want {accepted})"))
        })
        .collect();
    (rows.len(), misses)
}

fn report(name: &str, table: &str) -> f64 {
    let (n, misses) = score(table);
    let share = 1.0 - misses.len() as f64 / n as f64;
    println!("{name}: {n} terms, {:.1}% read well; misses:\n{}", share * 100.0, misses.join("\n"));
    share
}

/// Written before the dictionary mapping; measured once at 77.0% after tuning on the dev set
/// only, then tuned on (see its header): now a second dev set.
#[test]
fn first_table() {
    let share = report("first (tuned on after one measurement)", include_str!("fixtures/readings/untuned.tsv"));
    assert!(share >= 0.88, "{:.1}% read well", share * 100.0);
}

/// Written before any rule was tuned on the first table's misses; measured once at 72.9%
/// (8086550), then its regressions (letter splits) fixed: seen, no longer held out.
#[test]
fn second_table() {
    let share = report("second (seen after one measurement)", include_str!("fixtures/readings/untuned2.tsv"));
    assert!(share >= 0.82, "{:.1}% read well", share * 100.0);
}

/// Held out: frozen before its first measurement and never tuned on; 72.9% at its first
/// measurement (98df9e9), spelling rules alone 55.8%; 86.0% with JMdict's loanwords and e2k's
/// names (302ad3f). The floor is 97%, NOT met: what
/// is missed is mostly names (packages, tools) the dictionary lacks or says unlike Japanese
/// engineers, and loanwords Japanese took from the spelling. This asserts the level reached.
#[test]
fn untuned_table() {
    let share = report("untuned3 (held out)", include_str!("fixtures/readings/untuned3.tsv"));
    assert!(share >= 0.86, "{:.1}% read well", share * 100.0);
}

/// Held out: written and frozen (c008369) before the loanword and name lists existed, never
/// tuned on; measured once, with the code of 302ad3f, at 72.6% (the code before the lists,
/// b773247: 70.4%). Far from the 97%: most misses are package names read by letters or
/// made of short parts (idna, ajv, gke, k9s, rusqlite, pyopenjtalk), digits (s3transfer, sha2)
/// and names JMdict lacks; the lists help where the word is a loanword. This asserts the level.
/// Written by a helper that never read or ran the reading code, and frozen (667040e) before
/// its first measurement; measured once, on the frozen code (00c4b44), at 72.5% of 590. Since
/// then a dev table: the -ize, C-name, digit and -er/-or rules were found on its misses (75.9%).
#[test]
fn fifth_table() {
    let share = report("untuned5 (dev since its measurement)", include_str!("fixtures/readings/untuned5.tsv"));
    assert!(share >= 0.75, "{:.1}% read well", share * 100.0);
}

/// Held out: 669 terms from seven sources, written by a helper that never read or ran the
/// reading code; measured once, on the frozen code of ffb7c92, at 76.5% (the code at the start
/// of that stop, 88b5880: 73.4%). Never tuned on. The 97% is far; this asserts the level.
#[test]
fn sixth_table() {
    let share = report("untuned6 (held out)", include_str!("fixtures/readings/untuned6.tsv"));
    assert!(share >= 0.76, "{:.1}% read well", share * 100.0);
}

#[test]
fn fourth_table() {
    let share = report("untuned4 (held out)", include_str!("fixtures/readings/untuned4.tsv"));
    assert!(share >= 0.76, "{:.1}% read well", share * 100.0);
}

#[test]
fn dev_set() {
    let share = report("dev", include_str!("fixtures/readings/dev.tsv"));
    assert!(share >= 0.91, "{:.1}% read well", share * 100.0);
}

/// After `prepare`, a 20-word sentence's readings take well under a millisecond.
#[test]
fn readings_are_fast() {
    readings::prepare();
    let r = Readings::default();
    let sentences = [
        "The daemon throttles throughput when the hostname cache is invalidated by a stale timestamp again",
        "Serialize the payload, verify its checksum, then retry the handshake with exponential backoff and jitter",
        "Kubernetes schedules pods across nodes while Prometheus scrapes metrics and Grafana renders the dashboards",
        "Refactor getUserName into fetchProfile so the middleware can memoize credentials per tenant and region",
    ];
    let _ = r.spoken(sentences[0]);
    let rounds = 500;
    let t = Instant::now();
    let mut chars = 0;
    for _ in 0..rounds {
        for s in sentences {
            chars += r.spoken(std::hint::black_box(s)).len();
        }
    }
    let per = t.elapsed().as_secs_f64() / (rounds * sentences.len()) as f64;
    println!("{:.1} µs per sentence ({chars} bytes out)", per * 1e6);
    assert!(per < 1e-3, "{:.1} µs per sentence", per * 1e6);
}

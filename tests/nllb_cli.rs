//! `speakja translate --json` prints the HF reference greedy ids: on a random tiny fixture
//! scoring the whole vocabulary as HF does, and on the trained one (Japanese output) with
//! the default target-language vocabulary.

use std::path::Path;
use std::process::Command;

#[test]
fn translate_json_prints_reference_ids() {
    for (fixture, vocab, sentences) in [("tiny-a", "full", 3), ("trained", "target", 20)] {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/nllb").join(fixture);
        let r: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("reference.json")).unwrap()).unwrap();
        let batch: Vec<&str> =
            r["batch"].as_array().unwrap().iter().take(sentences).map(|v| v.as_str().unwrap()).collect();
        let out = Command::new(env!("CARGO_BIN_EXE_speakja"))
            .args(["translate", "--model"])
            .arg(&dir)
            .args(["--dtype", "f32", "--device", "cpu", "--vocab", vocab, "--json", "--max-new-tokens"])
            .arg(r["max_new_tokens"].to_string())
            .args(&batch)
            .output()
            .unwrap();
        check(&out, &r, batch.len());
    }
}

fn check(out: &std::process::Output, r: &serde_json::Value, sentences: usize) {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<serde_json::Value> =
        String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), sentences);
    for (i, line) in lines.iter().enumerate() {
        assert_eq!(line["ids"], r["greedy"][i], "sentence {i}");
        assert_eq!(line["text"], r["greedy_text"][i]);
        assert!(line["ms"].as_f64().unwrap() >= 0.0);
    }
}

#[test]
fn translate_reports_a_missing_model() {
    let out = Command::new(env!("CARGO_BIN_EXE_speakja"))
        .args(["translate", "--model", "/nonexistent/nllb", "hello"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/nllb"));
}

/// `model_input` is what the model was given through the plugin's stack: markers where the
/// code was, none of the code itself (the toy model loses markers: the plain retry shows).
#[test]
fn translate_json_shows_the_model_input_with_code_protected() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/nllb/trained");
    let text = "Call json.load on config.yaml, then bump to v2.1 in src/app/main.py.";
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_speakja"))
        .args(["translate", "--model"])
        .arg(&dir)
        .args(["--device", "cpu", "--json", text])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let line: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let given = line["model_input"].as_str().unwrap();
    for code in ["json.load", "config.yaml", "v2.1", "src/app/main.py"] {
        assert!(!given.contains(code), "{code} in {given:?}");
    }
    assert!(given.contains("ZX1") && given.contains("ZX4"), "{given:?}");
    assert!(!line["text"].as_str().unwrap().contains("ZX"), "{line}");
    // A sentence with a key: the model is given the placeholder.
    let key = "sk-ant-api03-Zq8vN2xK7mP4rT9wY6bH3cJ5dF1gL0sA";
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_speakja"))
        .args(["translate", "--model"])
        .arg(&dir)
        .args(["--device", "cpu", "--json", &format!("Use the key {key} now.")])
        .output()
        .unwrap();
    let line: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(!line.to_string().contains(&key[8..]), "{line}");
}

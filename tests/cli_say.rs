//! `speakja say` as a command line tool (issue #22): standard input, long texts, exit codes.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn models() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("models")
}

fn temp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("speakja-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn say(args: &[&str], wav_dir: &Path, stdin: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_speakja"));
    cmd.args(["say", "--translator", "none", "--speed", "4", "--models"]).arg(models()).arg("--wav-dir").arg(wav_dir);
    cmd.args(args).stdout(Stdio::piped()).stderr(Stdio::piped()).stdin(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).unwrap();
    }
    drop(input);
    child.wait_with_output().unwrap()
}

fn spoken(out: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

fn wavs(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .map_or(0, |d| d.filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "wav")).count())
}

#[test]
fn standard_input_is_read_with_a_dash_or_a_pipe() {
    for args in [&["-"][..], &[]] {
        let dir = temp("stdin");
        let out = say(args, &dir, Some("今日は晴れです。\n明日は雨です！\n\nこれで終わりです"));
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        let said = spoken(&out);
        let sources: Vec<&str> = said.iter().map(|e| e["source"].as_str().unwrap()).collect();
        assert_eq!(sources, ["今日は晴れです。", "明日は雨です！", "これで終わりです"], "{args:?}");
        assert!(said.iter().all(|e| e["status"] == "done"), "{said:?}");
        assert_eq!(wavs(&dir), 3);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

#[test]
fn a_hundred_sentences_wait_for_room_in_the_queue_and_are_all_spoken() {
    let dir = temp("hundred");
    let text: Vec<String> = (1..=100).map(|i| format!("{i}番。")).collect();
    let args: Vec<&str> = text.iter().map(String::as_str).collect();
    let out = say(&args, &dir, None);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let said = spoken(&out);
    assert_eq!(said.len(), 100);
    assert!(said.iter().all(|e| e["status"] == "done"), "{said:?}");
    assert_eq!(wavs(&dir), 100);
    assert!(!String::from_utf8_lossy(&out.stderr).contains(":SpeakJa"), "editor advice in a shell");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn exit_codes_say_what_failed() {
    let dir = temp("codes");
    let out = say(&["...", "!!"], &dir, None);
    assert_eq!(out.status.code(), Some(2), "nothing to say: {}", String::from_utf8_lossy(&out.stderr));
    let out = say(&["-"], &dir, Some(""));
    assert_eq!(out.status.code(), Some(2), "empty input");
    let out = Command::new(env!("CARGO_BIN_EXE_speakja"))
        .args(["say", "--translator", "none", "--models", "/nonexistent/models", "--wav-dir"])
        .arg(&dir)
        .arg("こんにちは。")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "no voice: {}", String::from_utf8_lossy(&out.stderr));
    let _ = std::fs::remove_dir_all(&dir);
}

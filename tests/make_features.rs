//! `make build` picks the translator's GPU feature from the platform: Metal on a Mac, CUDA
//! when asked or when `nvcc` is there, nothing otherwise. Checked with `make -n` and stand-in
//! `uname`/`nvcc` commands first on PATH.

use std::path::Path;
use std::process::Command;

/// The cargo line `make -n build` prints with these stand-ins and environment.
fn cargo_line(uname: &str, nvcc: bool, env: &[(&str, &str)]) -> String {
    let bin = std::env::temp_dir().join(format!("speakja-make-{}-{uname}-{nvcc}-{}", std::process::id(), env.len()));
    std::fs::create_dir_all(&bin).unwrap();
    let stub = |name: &str, body: &str| {
        let path = bin.join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        Command::new("chmod").arg("+x").arg(&path).status().unwrap();
    };
    stub("uname", &format!("echo {uname}"));
    if nvcc {
        stub("nvcc", "exit 0");
    }
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let mut cmd = Command::new("make");
    cmd.args(["-n", "build"]).current_dir(Path::new(env!("CARGO_MANIFEST_DIR"))).env("PATH", path);
    cmd.env_remove("SPEAKJA_CUDA");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    std::fs::remove_dir_all(&bin).unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    text.lines().find(|l| l.starts_with("cargo build")).unwrap_or_else(|| panic!("no cargo line in {text}")).to_string()
}

#[test]
fn mac_builds_get_metal() {
    assert_eq!(cargo_line("Darwin", false, &[]), r#"cargo build --release --features "metal""#);
}

#[test]
fn linux_builds_are_cpu_only_unless_cuda_is_there_or_asked_for() {
    assert_eq!(cargo_line("Linux", false, &[]), "cargo build --release");
    assert_eq!(cargo_line("Linux", true, &[]), r#"cargo build --release --features "cuda""#);
    assert_eq!(cargo_line("Linux", false, &[("SPEAKJA_CUDA", "1")]), r#"cargo build --release --features "cuda""#);
    assert_eq!(cargo_line("Linux", true, &[("SPEAKJA_CUDA", "0")]), "cargo build --release");
}

/// `scripts/check-deps` with only these stand-in commands on PATH: (exit code, stderr).
fn check_deps(stubs: &[(&str, &str)]) -> (i32, String) {
    let bin = std::env::temp_dir().join(format!(
        "speakja-deps-{}-{}",
        std::process::id(),
        stubs.len() * 7 + stubs.iter().map(|s| s.0.len() + s.1.len()).sum::<usize>()
    ));
    let _ = std::fs::remove_dir_all(&bin);
    std::fs::create_dir_all(&bin).unwrap();
    for (name, body) in stubs {
        let path = bin.join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        Command::new("chmod").arg("+x").arg(&path).status().unwrap();
    }
    let out = Command::new(Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/check-deps"))
        .env("PATH", &bin)
        .output()
        .unwrap();
    std::fs::remove_dir_all(&bin).unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn missing_prerequisites_are_one_line_naming_the_fix_before_cargo() {
    let linux = ("uname", "echo Linux");
    let cargo = ("cargo", "exit 0");
    let no_alsa = ("pkg-config", "exit 1");
    let (code, err) = check_deps(&[linux, cargo, no_alsa, ("apt-get", "exit 0")]);
    assert_eq!((code, err.lines().count()), (1, 1), "{err}");
    assert!(err.contains("sudo apt-get install libasound2-dev pkg-config"), "{err}");
    let (code, err) = check_deps(&[linux, cargo, ("dnf", "exit 0")]);
    assert_eq!(code, 1);
    assert!(err.contains("sudo dnf install alsa-lib-devel pkgconf-pkg-config"), "{err}");
    let (code, err) = check_deps(&[linux, ("pkg-config", "exit 0")]);
    assert_eq!(code, 1);
    assert!(err.contains("Rust is missing"), "{err}");
    assert_eq!(check_deps(&[linux, cargo, ("pkg-config", "exit 0")]).0, 0, "all there");
    assert_eq!(check_deps(&[("uname", "echo Darwin"), cargo]).0, 0, "a Mac needs no ALSA");
}

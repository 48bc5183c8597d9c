#!/usr/bin/env python3
"""scripts/install against a loopback stand-in for the release page, and `make build`'s
fallback to a CPU build when the GPU build fails.

scripts/install runs in a temporary copy of the plugin (its scripts, an empty lua/), so only
what lands in that lua/ is checked; building from source is a stand-in command
(SPEAKJA_BUILD_CMD) that leaves a mark. The Makefile runs with a stand-in cargo
(SPEAKJA_CARGO) that fails whenever it is given --features.
Run: python3 tests/install_script.py  (prints "install script: N passed").
"""

import hashlib
import http.server
import os
import pathlib
import shutil
import subprocess
import sys
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
TARGET = "x86_64-unknown-linux-gnu"
ASSET = f"speakja-{TARGET}.so"
LIB = b"\x7fELF a stand-in library " * 400


class Releases(http.server.ThreadingHTTPServer):
    """files: path (without the leading /) → bytes; hostile: path → "truncated" (a length
    longer than what is sent) or "slow" (a byte every 0.2 s)."""

    def __init__(self, files, hostile=None):
        super().__init__(("127.0.0.1", 0), Handler)
        self.files, self.hostile, self.gets = files, hostile or {}, []
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        path = self.path.lstrip("/")
        self.server.gets.append(path)
        data, how = self.server.files.get(path), self.server.hostile.get(path)
        if data is None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(data) + (1000 if how == "truncated" else 0)))
        self.end_headers()
        try:
            if how == "slow":
                for byte in data:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(0.2)
            else:
                self.wfile.write(data)
        except OSError:
            pass
        self.close_connection = True


def release(version="v1.2.3", lib=LIB, sha_of=None, sha_line=None):
    """The files of a release with `lib` as this target's asset; its .sha256 is that of
    `sha_of` (default: `lib`) written as sha256sum does, or `sha_line` as it is."""
    digest = hashlib.sha256(lib if sha_of is None else sha_of).hexdigest()
    return {
        f"{version}/{ASSET}": lib,
        f"{version}/{ASSET}.sha256": (sha_line or f"{digest}  {ASSET}\n").encode(),
    }


def plugin(tmp):
    """A copy of the plugin's install script in `tmp`/plugin, with an empty lua/."""
    root = tmp / "plugin"
    (root / "scripts" / "lib").mkdir(parents=True)
    (root / "lua").mkdir()
    for name in ("scripts/install", "scripts/lib/download.sh"):
        shutil.copy2(ROOT / name, root / name)
    return root


def install(root, base, timeout=60, **env):
    """Run the copy's scripts/install; the build-from-source stand-in writes lua/BUILT."""
    full = {k: v for k, v in os.environ.items() if k not in ("SPEAKJA_VERSION", "SPEAKJA_BUILD", "SPEAKJA_TARGET")}
    full.update(SPEAKJA_RELEASE_BASE=base, SPEAKJA_TARGET=TARGET, SPEAKJA_CUDA="0",
                SPEAKJA_BUILD_CMD="echo built-from-source > lua/BUILT")
    full.update(env)
    try:
        return subprocess.run([str(root / "scripts" / "install")], env=full, capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"scripts/install still running after {timeout} s")


def lua_files(root):
    return sorted(p.name for p in (root / "lua").iterdir())


def record(root):
    lines = (root / "lua" / "speakja_native.build").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if not line.startswith("#"))


def git(root, *args):
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=root, check=True,
                   capture_output=True)


def test_a_release_library_is_checked_and_installed(tmp):
    root = plugin(tmp)
    (root / "lua" / "speakja_native.so").write_bytes(b"the old one")
    server = Releases(release())
    r = install(root, server.url, SPEAKJA_VERSION="v1.2.3")
    assert r.returncode == 0, r.stdout + r.stderr
    assert (root / "lua" / "speakja_native.so").read_bytes() == LIB
    assert lua_files(root) == ["speakja_native.build", "speakja_native.so"], lua_files(root)
    assert record(root) == {"source": "release", "version": "v1.2.3", "target": TARGET, "features": ""}, record(root)
    assert server.gets == [f"v1.2.3/{ASSET}.sha256", f"v1.2.3/{ASSET}"], server.gets
    # A bare digest (no file name) does too, and a version without its v; the same library
    # already in place is not downloaded again.
    server.files = release(sha_line=hashlib.sha256(LIB).hexdigest().upper() + "\n")
    server.gets.clear()
    r = install(root, server.url, SPEAKJA_VERSION="1.2.3")
    assert r.returncode == 0 and "already" in r.stdout, r.stdout + r.stderr
    assert server.gets == [f"v1.2.3/{ASSET}.sha256"], server.gets
    server.shutdown()


def test_a_real_release_library_installs_and_loads_in_headless_neovim(tmp):
    """The library `make build` made (make test builds it first), served as the release's
    asset: installed through the checksum, it is the one Neovim then loads."""
    built = ROOT / "lua" / "speakja_native.so"
    assert built.is_file(), f"no {built}: run make build first"
    root = plugin(tmp)
    server = Releases(release(lib=built.read_bytes()))
    r = install(root, server.url, SPEAKJA_VERSION="v1.2.3")
    server.shutdown()
    assert r.returncode == 0, r.stdout + r.stderr
    probe = ("lua local n = require('speakja_native'); "
             "io.stdout:write(n.version .. ' ' .. tostring(n.status().ok)); vim.cmd('qall!')")
    run = subprocess.run(["nvim", "--headless", "-u", "NONE", "-i", "NONE", "--cmd", f"set rtp^={root}", "-c", probe],
                         capture_output=True, text=True, timeout=60)
    out = run.stdout + run.stderr
    assert run.returncode == 0 and out.strip().endswith("false"), out
    assert out.strip().split()[0].count(".") == 2, f"a version first: {out}"


def test_a_checksum_mismatch_installs_nothing(tmp):
    root = plugin(tmp)
    (root / "lua" / "speakja_native.so").write_bytes(b"the old one")
    server = Releases(release(sha_of=b"another library"))
    r = install(root, server.url, SPEAKJA_VERSION="v1.2.3")
    assert r.returncode != 0 and "checksum mismatch" in r.stderr and "nothing installed" in r.stderr, r.stderr
    assert (root / "lua" / "speakja_native.so").read_bytes() == b"the old one"
    assert lua_files(root) == ["speakja_native.so"], lua_files(root)
    # A checksum of another file is refused the same way.
    server.files = release(sha_line=f"{hashlib.sha256(LIB).hexdigest()}  speakja-aarch64-apple-darwin.dylib\n")
    r = install(root, server.url, SPEAKJA_VERSION="v1.2.3")
    assert r.returncode != 0 and "nothing installed" in r.stderr, r.stderr
    assert lua_files(root) == ["speakja_native.so"], lua_files(root)
    server.shutdown()


def test_no_asset_for_this_target_or_version_builds_from_source(tmp):
    root = plugin(tmp)
    server = Releases(release(version="v1.0.0"))
    r = install(root, server.url, SPEAKJA_VERSION="v1.2.3")
    assert r.returncode == 0 and "HTTP 404" in r.stdout, r.stdout + r.stderr
    assert (root / "lua" / "BUILT").exists(), "no build from source"
    assert not (root / "lua" / "speakja_native.so").exists()
    assert lua_files(root) == ["BUILT"], lua_files(root)
    server.shutdown()


def test_a_truncated_download_installs_nothing(tmp):
    root = plugin(tmp)
    files = release()
    server = Releases(files, hostile={f"v1.2.3/{ASSET}": "truncated"})
    r = install(root, server.url, SPEAKJA_VERSION="v1.2.3")
    assert r.returncode != 0 and "closed before" in r.stderr and "nothing installed" in r.stderr, r.stderr
    assert lua_files(root) == [], lua_files(root)
    server.shutdown()


def test_a_stalled_download_gives_up_and_installs_nothing(tmp):
    root = plugin(tmp)
    server = Releases(release(), hostile={f"v1.2.3/{ASSET}": "slow"})
    start = time.monotonic()
    r = install(root, server.url, timeout=20, SPEAKJA_VERSION="v1.2.3", SPEAKJA_STALL_TIMEOUT="2")
    took = time.monotonic() - start
    assert r.returncode != 0 and "timed out" in r.stderr and "SPEAKJA_BUILD=source" in r.stderr, r.stderr
    assert took < 10, f"{took:.1f} s"
    assert lua_files(root) == [], lua_files(root)
    server.shutdown()


def test_which_version_a_checkout_installs(tmp):
    root = plugin(tmp)
    server = Releases({**release("v0.3.0"), **release("v9.9.9")})
    # Not a git checkout: no version to download.
    r = install(root, server.url)
    assert r.returncode == 0 and "not a git checkout" in r.stdout, r.stdout + r.stderr
    (root / "lua" / "BUILT").unlink()
    # A development checkout builds from source, unless SPEAKJA_VERSION asks for a release.
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "a")
    r = install(root, server.url)
    assert r.returncode == 0 and "development checkout" in r.stdout, r.stdout + r.stderr
    assert (root / "lua" / "BUILT").exists() and not server.gets, server.gets
    (root / "lua" / "BUILT").unlink()
    r = install(root, server.url, SPEAKJA_VERSION="v9.9.9")
    assert r.returncode == 0 and record(root)["version"] == "v9.9.9", r.stdout + r.stderr
    # At a release tag: that release.
    git(root, "tag", "v0.3.0")
    (root / "lua" / "speakja_native.so").unlink()
    r = install(root, server.url)
    assert r.returncode == 0 and record(root)["version"] == "v0.3.0", r.stdout + r.stderr
    assert (root / "lua" / "speakja_native.so").read_bytes() == LIB
    # SPEAKJA_BUILD=source builds whatever the version; so does a CUDA machine (no CUDA release).
    server.gets.clear()
    for env in ({"SPEAKJA_BUILD": "source", "SPEAKJA_VERSION": "v9.9.9"}, {"SPEAKJA_CUDA": "1"}):
        r = install(root, server.url, **env)
        assert r.returncode == 0 and (root / "lua" / "BUILT").exists(), f"{env}: {r.stdout}{r.stderr}"
        (root / "lua" / "BUILT").unlink()
    assert not server.gets, server.gets
    server.shutdown()


def test_a_release_base_is_https_or_loopback(tmp):
    root = plugin(tmp)
    for base in ("http://example.com/releases", "http://127.0.0.1:@example.com/releases", "ftp://127.0.0.1/"):
        r = install(root, base, SPEAKJA_VERSION="v1.2.3")
        assert r.returncode != 0 and "SPEAKJA_RELEASE_BASE" in r.stderr, base + ": " + r.stderr
    assert lua_files(root) == [], lua_files(root)


# `make build` with a GPU feature that fails to build: built again for the CPU, and said so.

STUB_CARGO = """#!/bin/sh
echo "$*" >>"$STUB_LOG"
case "$*" in *--features*)
  if [ -n "$STUB_GPU_FAILS" ]; then
    echo 'error: failed to run custom build command for `cudarc v0.16.4`' >&2
    exit 101
  fi ;;
esac
mkdir -p "$CARGO_TARGET_DIR/release"
echo "built: $*" >"$CARGO_TARGET_DIR/release/libspeakja.so"
"""


def make_build(tmp, gpu_fails):
    root = tmp / "plugin"
    (root / "scripts").mkdir(parents=True)
    (root / "lua").mkdir()
    shutil.copy2(ROOT / "Makefile", root / "Makefile")
    shutil.copy2(ROOT / "scripts" / "check-deps", root / "scripts" / "check-deps")
    bin_dir = tmp / "bin"
    bin_dir.mkdir()
    for name, body in (("uname", "#!/bin/sh\necho Linux\n"), ("pkg-config", "#!/bin/sh\nexit 0\n"),
                       ("cargo", "#!/bin/sh\nexit 0\n"), ("stub-cargo", STUB_CARGO)):
        (bin_dir / name).write_text(body)
        (bin_dir / name).chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    env.update(PATH=f"{bin_dir}:{env['PATH']}", SPEAKJA_CUDA="1", SPEAKJA_CARGO=str(bin_dir / "stub-cargo"),
               CARGO_TARGET_DIR=str(tmp / "target"), STUB_LOG=str(tmp / "cargo.log"),
               STUB_GPU_FAILS="1" if gpu_fails else "")
    r = subprocess.run(["make", "build"], cwd=root, env=env, capture_output=True, text=True, timeout=60)
    calls = (tmp / "cargo.log").read_text().splitlines() if (tmp / "cargo.log").exists() else []
    return root, r, calls


def test_a_failed_gpu_build_is_built_for_the_cpu_and_recorded(tmp):
    root, r, calls = make_build(tmp, gpu_fails=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert calls == ['build --release --features cuda', "build --release"], calls
    assert "the cuda build failed (error: failed to run custom build command for `cudarc" in r.stderr, r.stderr
    assert "building for the CPU instead" in r.stderr, r.stderr
    assert (root / "lua" / "speakja_native.so").read_text() == "built: build --release\n"
    assert record(root) == {
        "source": "build",
        "features": "",
        "gpu_failed": "cuda",
        "why": "error: failed to run custom build command for `cudarc v0.16.4`",
        "retry": "SPEAKJA_CUDA=1 make build",
    }, record(root)
    assert sorted(p.name for p in (root / "lua").iterdir()) == ["speakja_native.build", "speakja_native.so"]


def test_a_gpu_build_that_works_is_recorded_as_such(tmp):
    root, r, calls = make_build(tmp, gpu_fails=False)
    assert r.returncode == 0, r.stdout + r.stderr
    assert calls == ["build --release --features cuda"], calls
    assert record(root) == {"source": "build", "features": "cuda"}, record(root)


if __name__ == "__main__":
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
    from pyrun import run

    run(globals(), "install script")

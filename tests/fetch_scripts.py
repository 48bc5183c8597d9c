#!/usr/bin/env python3
"""scripts/fetch-model against a local stand-in for the Hugging Face hub; what
scripts/fetch-voice refuses.

The stand-in answers `/<repo>/resolve/<revision>/<file>` the way the hub does: a redirect to
where the bytes are. The script trusts only the pins file it is given.
Run: python3 tests/fetch_scripts.py  (prints "fetch scripts: N passed").
"""

import hashlib
import http.server
import os
import pathlib
import subprocess
import tempfile
import threading

ROOT = pathlib.Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "fetch-model"
VOICE_SCRIPT = ROOT / "scripts" / "fetch-voice"
REPO = "facebook/tiny-nllb"
REVISION = "0123456789abcdef0123456789abcdef01234567"


class Hub(http.server.ThreadingHTTPServer):
    """files: name → bytes served at the pinned revision."""

    def __init__(self, files):
        super().__init__(("127.0.0.1", 0), Handler)
        self.files, self.gets = files, []
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_HEAD(self):
        self.reply(body=False)

    def do_GET(self):
        self.reply(body=True)

    def reply(self, body):
        hub, prefix = self.server, f"/{REPO}/resolve/{REVISION}/"
        if self.path.startswith("/cdn/"):
            data = hub.files[self.path[5:]]
            if body:
                hub.gets.append(self.path[5:])
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if body:
                self.wfile.write(data)
            return
        name = self.path[len(prefix):] if self.path.startswith(prefix) else None
        if name not in hub.files:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(302)
        self.send_header("Location", f"/cdn/{name}")
        self.send_header("Content-Length", "0")
        self.end_headers()


FILES = {"config.json": b'{"d_model": 16}', "tokenizer.json": b'{"model": {}}'}
WEIGHTS = bytes(range(256)) * 40


def pins(models, files, wrong=(), sizes=True):
    """A pins file for `files`; names in `wrong` get another file's SHA-256."""
    lines = [f"repo {REPO}", f"revision {REVISION}"]
    for name, data in files.items():
        sha = hashlib.sha256(data + (b"x" if name in wrong else b"")).hexdigest()
        lines.append(f"file {name} {len(data) if sizes else '-'} {sha}")
    path = models / "pins.txt"
    path.write_text("\n".join(lines) + "\n")
    return path


def fetch(endpoint, models, pins_file):
    env = dict(os.environ, HF_ENDPOINT=endpoint, SPEAKJA_MODELS=str(models))
    return subprocess.run([str(SCRIPT), str(pins_file)], env=env, capture_output=True, text=True, timeout=120)


def test_downloads_the_pinned_files_and_checks_them(models):
    files = {**FILES, "pytorch_model.bin": WEIGHTS}
    hub = Hub(files)
    r = fetch(hub.url, models, pins(models, files))
    assert r.returncode == 0, r.stderr
    dest = models / "tiny-nllb"
    for name, data in files.items():
        assert (dest / name).read_bytes() == data, name
    assert not list(dest.glob("*.part"))
    # A second run finds everything in place and downloads nothing.
    before = len(hub.gets)
    r = fetch(hub.url, models, pins(models, files, sizes=False))
    assert r.returncode == 0 and r.stdout.count("already here") == 3, r.stdout + r.stderr
    assert len(hub.gets) == before
    hub.shutdown()


def test_a_mismatch_is_removed_before_it_is_moved_into_place(models):
    files = {**FILES, "pytorch_model.bin": WEIGHTS}
    hub = Hub(files)
    r = fetch(hub.url, models, pins(models, files, wrong={"pytorch_model.bin"}))
    assert r.returncode != 0 and "SHA-256 mismatch" in r.stderr, r.stderr
    dest = models / "tiny-nllb"
    assert not (dest / "pytorch_model.bin").exists() and not list(dest.glob("*.part"))
    hub.shutdown()


def test_refuses_plain_http_and_unpinned_files(models):
    files = {**FILES, "pytorch_model.bin": WEIGHTS}
    r = fetch("http://huggingface.co", models, pins(models, files))
    assert r.returncode != 0 and "https only" in r.stderr, r.stderr
    unpinned = models / "unpinned.txt"
    unpinned.write_text(f"repo {REPO}\nrevision {REVISION}\nfile pytorch_model.bin 10\n")
    hub = Hub(files)
    r = fetch(hub.url, models, unpinned)
    assert r.returncode != 0 and "no SHA-256" in r.stderr, r.stderr
    assert not hub.gets
    hub.shutdown()


def test_unreachable_hub_is_a_clear_message(models):
    r = fetch("http://127.0.0.1:9", models, pins(models, FILES))
    assert r.returncode != 0 and "cannot reach" in r.stderr, r.stderr
    assert not (models / "tiny-nllb").exists()


def test_the_shipped_pins_name_every_file_with_its_hash(models):
    text = (ROOT / "scripts" / "pins" / "nllb-200-distilled-600M.txt").read_text()
    files = [line.split() for line in text.splitlines() if line.startswith("file ")]
    assert {f[1] for f in files} >= {"config.json", "tokenizer.json", "pytorch_model.bin"}, files
    assert all(len(f[3]) == 64 for f in files), files


def test_fetch_voice_refuses_plain_http_and_builds_nothing(models):
    release = models / "os-release"
    release.write_text('ID=otheros\n')
    env = dict(os.environ, SPEAKJA_MODELS=str(models), SPEAKJA_OS_RELEASE=str(release),
               SPEAKJA_DICT_URL="http://127.0.0.1:9/naist-jdic.tar.gz")
    r = subprocess.run([str(VOICE_SCRIPT)], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode != 0 and "https only" in r.stderr, r.stderr
    assert not (models / "voice" / "naist-jdic").exists()
    script = VOICE_SCRIPT.read_text()
    assert "pip" not in script.replace("pipefail", ""), "fetch-voice must not run pip (an sdist build)"


if __name__ == "__main__":
    tests = [v for k, v in sorted(globals().items()) if k.startswith("test_")]
    failed = 0
    for test in tests:
        with tempfile.TemporaryDirectory() as d:
            try:
                test(pathlib.Path(d))
                print(f"ok   {test.__name__}")
            except AssertionError as e:
                failed += 1
                print(f"FAIL {test.__name__}: {e}")
    print(f"fetch scripts: {len(tests) - failed} passed, {failed} failed")
    raise SystemExit(1 if failed else 0)

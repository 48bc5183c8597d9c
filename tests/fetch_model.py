#!/usr/bin/env python3
"""scripts/fetch-model against a local stand-in for the Hugging Face hub.

The stand-in answers `/<repo>/resolve/main/<file>` the way the hub does: a redirect whose
first response carries `x-linked-size` and, for large files, `x-linked-etag` (the SHA-256).
Run: python3 tests/fetch_model.py  (prints "fetch-model: N passed").
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
REPO = "facebook/tiny-nllb"


class Hub(http.server.ThreadingHTTPServer):
    """files: name → bytes; lie_about: names whose advertised SHA-256 is wrong."""

    def __init__(self, files, lie_about=()):
        super().__init__(("127.0.0.1", 0), Handler)
        self.files, self.lie_about, self.gets = files, set(lie_about), []
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
        hub, prefix = self.server, f"/{REPO}/resolve/main/"
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
        data = hub.files[name]
        sha = hashlib.sha256(data + (b"x" if name in hub.lie_about else b"")).hexdigest()
        self.send_response(302)
        self.send_header("Location", f"/cdn/{name}")
        self.send_header("x-linked-size", str(len(data)))
        if len(data) > 100:  # only LFS files carry their SHA-256
            self.send_header("x-linked-etag", f'"{sha}"')
        self.send_header("Content-Length", "0")
        self.end_headers()


def fetch(hub, models):
    env = dict(os.environ, HF_ENDPOINT=hub.url if hub else "http://127.0.0.1:9", SPEAKJA_MODELS=str(models))
    return subprocess.run([str(SCRIPT), REPO], env=env, capture_output=True, text=True, timeout=120)


FILES = {"config.json": b'{"d_model": 16}', "tokenizer.json": b'{"model": {}}'}
WEIGHTS = bytes(range(256)) * 40


def test_downloads_and_checks_safetensors(models):
    hub = Hub({**FILES, "model.safetensors": WEIGHTS, "pytorch_model.bin": b"unused"})
    r = fetch(hub, models)
    assert r.returncode == 0, r.stderr
    dest = models / "tiny-nllb"
    for name, data in {**FILES, "model.safetensors": WEIGHTS}.items():
        assert (dest / name).read_bytes() == data, name
    assert not (dest / "pytorch_model.bin").exists()
    assert not list(dest.glob("*.part"))
    # A second run finds everything in place and downloads nothing.
    before = len(hub.gets)
    r = fetch(hub, models)
    assert r.returncode == 0 and "already here" in r.stdout, r.stdout + r.stderr
    assert len(hub.gets) == before
    hub.shutdown()


def test_falls_back_to_pytorch_bin(models):
    hub = Hub({**FILES, "pytorch_model.bin": WEIGHTS})
    r = fetch(hub, models)
    assert r.returncode == 0, r.stderr
    assert (models / "tiny-nllb" / "pytorch_model.bin").read_bytes() == WEIGHTS
    hub.shutdown()


def test_rejects_a_checksum_mismatch(models):
    hub = Hub({**FILES, "model.safetensors": WEIGHTS}, lie_about={"model.safetensors"})
    r = fetch(hub, models)
    assert r.returncode != 0 and "SHA-256 mismatch" in r.stderr, r.stderr
    hub.shutdown()


def test_unreachable_hub_is_a_clear_message(models):
    r = fetch(None, models)
    assert r.returncode != 0 and "cannot reach" in r.stderr, r.stderr
    assert not (models / "tiny-nllb").exists()


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
    print(f"fetch-model: {len(tests) - failed} passed, {failed} failed")
    raise SystemExit(1 if failed else 0)

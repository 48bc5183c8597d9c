#!/usr/bin/env python3
"""scripts/fetch-model against a local stand-in for the Hugging Face hub; what
scripts/fetch-voice refuses.

The stand-in answers `/<repo>/resolve/<revision>/<file>` the way the hub does: a redirect to
where the bytes are (honouring a range request, as the hub's CDN does). The script trusts
only the pins file it is given. Hostile answers (a huge length, an endless or a stalled
body) are bounded by the pinned size and a stall timeout.
Run: python3 tests/fetch_scripts.py  (prints "fetch scripts: N passed").
"""

import hashlib
import http.server
import os
import pathlib
import shutil
import ssl
import subprocess
import sys
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "fetch-model"
VOICE_SCRIPT = ROOT / "scripts" / "fetch-voice"
REPO = "facebook/tiny-nllb"
REVISION = "0123456789abcdef0123456789abcdef01234567"


class Hub(http.server.ThreadingHTTPServer):
    """files: name → bytes served at the pinned revision."""

    def __init__(self, files, hostile=None, tls=None):
        super().__init__(("127.0.0.1", 0), Handler)
        # hostile: name → how its bytes are sent instead (see `send_hostile`).
        self.files, self.gets, self.hostile, self.sent, self.ranges = files, [], hostile or {}, {}, []
        self.scheme = "http"
        if tls:
            self.socket = tls.wrap_socket(self.socket, server_side=True)
            self.scheme = "https"
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self):
        return f"{self.scheme}://127.0.0.1:{self.server_address[1]}"

    @property
    def port(self):
        return self.server_address[1]


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
            name = self.path[5:]
            if body:
                hub.gets.append(name)
            if name in hub.hostile:
                return self.send_hostile(name, hub.hostile[name], body)
            data, status, start = hub.files[name], 200, 0
            ranged = self.headers.get("Range", "")
            if ranged.startswith("bytes=") and ranged.endswith("-"):
                start, status = int(ranged[6:-1]), 206
                hub.ranges.append(start)
            self.send_response(status)
            self.send_header("Content-Length", str(len(data) - start))
            if status == 206:
                self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
            self.end_headers()
            if body:
                self.wfile.write(data[start:])
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

    def send_hostile(self, name, how, body):
        """huge: announces 10^12 bytes and sends as fast as it can; endless: no length, sends
        until the client goes; slow: a right length, then a byte every 0.2 s. At most 256 MB."""
        self.send_response(200)
        if how == "huge":
            self.send_header("Content-Length", str(10**12))
        elif how == "slow":
            self.send_header("Content-Length", str(len(WEIGHTS)))
        self.end_headers()
        if not body:
            return
        sent, chunk = 0, b"\0" * 65536
        try:
            while sent < 256 << 20:
                if how == "slow":
                    self.wfile.write(b"\0")
                    self.wfile.flush()
                    sent += 1
                    time.sleep(0.2)
                else:
                    self.wfile.write(chunk)
                    sent += len(chunk)
                self.server.sent[name] = sent
        except OSError:
            pass
        self.close_connection = True


class Proxy(http.server.ThreadingHTTPServer):
    """A proxy that must never be asked: records what it is asked, answers 502."""

    def __init__(self):
        class Refuse(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                self.server.asked.append(self.path)
                self.send_response(502)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_HEAD = do_GET

        super().__init__(("127.0.0.1", 0), Refuse)
        self.asked = []
        threading.Thread(target=self.serve_forever, daemon=True).start()


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


def fetch(endpoint, models, pins_file, timeout=120, **env):
    env = dict(os.environ, HF_ENDPOINT=endpoint, SPEAKJA_MODELS=str(models), **env)
    try:
        return subprocess.run([str(SCRIPT), str(pins_file)], env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"fetch-model still running after {timeout} s")


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


MB = 1 << 20


def test_a_huge_announced_length_or_an_endless_body_is_cut_at_the_pinned_size(models):
    files = {**FILES, "pytorch_model.bin": WEIGHTS}
    # huge: a length of 10^12 announced, refused before the body; endless: no length at all.
    for how in ("huge", "endless"):
        hub = Hub(files, hostile={"pytorch_model.bin": how})
        r = fetch(hub.url, models, pins(models, files))
        assert r.returncode != 0 and "more than the 10240 bytes" in r.stderr, (how, r.stderr)
        # The socket buffers hold a few MB at most; the old script took all 256 MB.
        assert hub.sent.get("pytorch_model.bin", 0) < 16 * MB, (how, hub.sent)
        dest = models / "tiny-nllb"
        assert not (dest / "pytorch_model.bin").exists() and not list(dest.glob("*.part")), how
        hub.shutdown()


def test_a_stalled_body_is_given_up_on(models):
    files = {**FILES, "pytorch_model.bin": WEIGHTS}
    hub = Hub(files, hostile={"pytorch_model.bin": "slow"})
    start = time.monotonic()
    r = fetch(hub.url, models, pins(models, files), timeout=20, SPEAKJA_STALL_TIMEOUT="2")
    took = time.monotonic() - start
    assert r.returncode != 0 and "timed out" in r.stderr, r.stderr
    assert took < 10, f"{took:.1f} s"
    assert not (models / "tiny-nllb" / "pytorch_model.bin").exists()
    hub.shutdown()


def test_an_interrupted_download_resumes_from_its_part(models):
    files = {**FILES, "pytorch_model.bin": WEIGHTS}
    dest = models / "tiny-nllb"
    dest.mkdir()
    (dest / "pytorch_model.bin.part").write_bytes(WEIGHTS[:4000])
    hub = Hub(files)
    r = fetch(hub.url, models, pins(models, files))
    assert r.returncode == 0, r.stderr
    assert (dest / "pytorch_model.bin").read_bytes() == WEIGHTS
    assert hub.ranges == [4000], hub.ranges
    hub.shutdown()


def test_a_linked_part_file_is_never_written_through(models):
    files = {**FILES, "pytorch_model.bin": WEIGHTS}
    dest = models / "tiny-nllb"
    dest.mkdir()
    victim = models / "precious.txt"
    victim.write_bytes(b"precious")
    (dest / "pytorch_model.bin.part").symlink_to(victim)
    hub = Hub(files)
    r = fetch(hub.url, models, pins(models, files))
    assert victim.read_bytes() == b"precious", "appended to through the link"
    # The link was removed (not what it points to) and the download started over.
    assert r.returncode == 0 and "starting over" in r.stderr, r.stderr
    assert (dest / "pytorch_model.bin").read_bytes() == WEIGHTS
    assert not (dest / "pytorch_model.bin").is_symlink() and not list(dest.glob("*.part"))
    hub.shutdown()


def test_a_destination_that_is_a_link_to_a_directory_is_refused(models):
    files = {**FILES, "pytorch_model.bin": WEIGHTS}
    dest = models / "tiny-nllb"
    dest.mkdir()
    elsewhere = models / "elsewhere"
    elsewhere.mkdir()
    (dest / "pytorch_model.bin").symlink_to(elsewhere)
    hub = Hub(files)
    r = fetch(hub.url, models, pins(models, files))
    assert r.returncode != 0 and "not a regular file" in r.stderr, r.stderr
    assert not list(elsewhere.iterdir()), "moved into the linked directory"
    hub.shutdown()


def test_an_endpoint_with_a_user_name_is_refused(models):
    files = {**FILES, "pytorch_model.bin": WEIGHTS}
    hub = Hub(files)
    # `127.0.0.1:` is a user name here, the host is the part after `@`.
    for endpoint in (f"http://127.0.0.1:@localhost:{hub.port}", f"http://localhost:{hub.port}@localhost:{hub.port}"):
        r = fetch(endpoint, models, pins(models, files))
        assert r.returncode != 0 and "user name" in r.stderr, endpoint + ": " + r.stderr
    for endpoint in (f"http://127.0.0.1.example.com:{hub.port}", f"http://localhost.:{hub.port}", "http://0x7f.1/"):
        r = fetch(endpoint, models, pins(models, files))
        assert r.returncode != 0 and "fetch-model: HF_ENDPOINT" in r.stderr, endpoint + ": " + r.stderr
    assert not hub.gets and not (models / "tiny-nllb").exists()
    # Loopback spelled as such is a stand-in hub, by name or address.
    r = fetch(f"http://localhost:{hub.port}", models, pins(models, files))
    assert r.returncode == 0, r.stderr
    hub.shutdown()


def test_a_loopback_hub_is_never_reached_through_a_proxy(models):
    files = {**FILES, "pytorch_model.bin": WEIGHTS}
    hub, proxy = Hub(files), Proxy()
    url = f"http://127.0.0.1:{proxy.server_address[1]}"
    env = {k: v for k, v in os.environ.items() if k.lower() != "no_proxy"}
    env.update(http_proxy=url, HTTP_PROXY=url, https_proxy=url, HTTPS_PROXY=url, ALL_PROXY=url, all_proxy=url)
    env.update(HF_ENDPOINT=hub.url, SPEAKJA_MODELS=str(models))
    r = subprocess.run([str(SCRIPT), str(pins(models, files))], env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert not proxy.asked, proxy.asked
    hub.shutdown()
    proxy.shutdown()


def tls_context(models):
    """A server context with a throwaway certificate for 127.0.0.1, and its file (for curl's
    CURL_CA_BUNDLE); None without openssl."""
    if not shutil.which("openssl"):
        return None, None
    cert, key = models / "cert.pem", models / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key),
                    "-out", str(cert)], check=True, capture_output=True)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    return ctx, cert


def test_fetch_voice_downloads_are_bounded(models):
    ctx, cert = tls_context(models)
    if ctx is None:
        print("     (no openssl: fetch-voice's bound not checked)")
        return
    release = models / "os-release"
    release.write_text("ID=otheros\n")
    hub = Hub({}, hostile={"naist-jdic.tar.gz": "huge"}, tls=ctx)
    env = dict(os.environ, SPEAKJA_MODELS=str(models), SPEAKJA_OS_RELEASE=str(release), CURL_CA_BUNDLE=str(cert),
               SPEAKJA_DICT_URL=f"{hub.url}/cdn/naist-jdic.tar.gz")
    r = subprocess.run([str(VOICE_SCRIPT)], env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode != 0 and "more than" in r.stderr, r.stderr
    assert hub.sent.get("naist-jdic.tar.gz", 0) < 16 * MB, hub.sent
    assert not (models / "voice" / "naist-jdic").exists()
    hub.shutdown()


if __name__ == "__main__":
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
    from pyrun import run

    run(globals(), "fetch scripts")

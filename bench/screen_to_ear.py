#!/usr/bin/env python3
"""Screen to ear: from a sentence complete in the Claude Code terminal to its first sound.

Real Claude Code recordings (tests/fixtures/claude/) are replayed at their own pace into a
headless Neovim with auto-speak (bench/screen_to_ear.lua), the NLLB 600M shape with random
weights and the offline voice, playing to a private PulseAudio whose monitor is recorded.
Per sentence: drawn (the terminal buffer first holds its end) → queued → first sound in the
recording. Run by bench/screen_to_ear.sh, which builds what this needs.

    bench/screen_to_ear.py MODEL_DIR [--versions 2.1.332,2.0.77] [--scenarios N]
                           [--sources file,screen] [--modes 0,1] [--json OUT]
    bench/screen_to_ear.py OUT --report      the tables of a run saved with --json
"""
import argparse
import json
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
RATE = 48_000
LOUD = 300
# Silences shorter than this are inside one sentence's speech.
JOIN_NS = 150_000_000
# The silence the plugin keeps between two sentences (lead-in and pause after).
PAUSE_NS = 200_000_000


class Pulse:
    """A private server with a null sink `speakja`, its monitor recorded as it arrives."""

    def __init__(self, tmp):
        self.dir = pathlib.Path(tmp) / "pulse"
        self.dir.mkdir()
        self.socket = self.dir / "native"
        env = dict(os.environ, XDG_RUNTIME_DIR=str(self.dir), PULSE_RUNTIME_PATH=str(self.dir / "rt"),
                   HOME=str(self.dir))
        self.server = subprocess.Popen(
            ["pulseaudio", "--daemonize=no", "-n", "--exit-idle-time=-1", "--use-pid-file=no",
             f"--load=module-native-protocol-unix socket={self.socket} auth-anonymous=1",
             f"--load=module-null-sink sink_name=speakja rate={RATE} channels=1"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        end = time.monotonic() + 10
        while not self.socket.exists():
            if time.monotonic() > end:
                sys.exit("pulseaudio did not start (apt install pulseaudio pulseaudio-utils libasound2-plugins)")
            time.sleep(0.02)
        time.sleep(0.2)
        self.env = {"PULSE_SERVER": f"unix:{self.socket}"}
        penv = dict(os.environ, **self.env)
        fmt = ["--format=s16le", "--channels=1", "--raw", f"--rate={RATE}"]
        # Silence keeps the null sink running, so its monitor flows before speech starts.
        self.keep = subprocess.Popen(["pacat", "--playback", "-d", "speakja", "--latency-msec=20", *fmt, "/dev/zero"],
                                     env=penv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.rec = subprocess.Popen(["parec", "-d", "speakja.monitor", "--latency-msec=5", *fmt],
                                    env=penv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.chunks = []  # (monotonic ns when read, samples)
        threading.Thread(target=self._read, daemon=True).start()
        end = time.monotonic() + 10
        while not self.chunks:
            if time.monotonic() > end:
                sys.exit("parec records nothing")
            time.sleep(0.01)

    def _read(self):
        while True:
            data = self.rec.stdout.read1(960) if hasattr(self.rec.stdout, "read1") else self.rec.stdout.read(960)
            if not data:
                return
            self.chunks.append((time.monotonic_ns(), data[: len(data) - len(data) % 2]))

    def sounds(self):
        """[start, end] (ns) of the loud stretches. A sample's time is its chunk's arrival
        less the samples after it in the chunk."""
        out = []
        for at, data in self.chunks:
            n = len(data) // 2
            samples = memoryview(data).cast("h")
            for i in range(n):
                if abs(samples[i]) < LOUD:
                    continue
                t = at - (n - i) * 1_000_000_000 // RATE
                if out and t - out[-1][1] < JOIN_NS:
                    out[-1][1] = t
                else:
                    out.append([t, t])
        return out

    def close(self):
        for p in (self.rec, self.keep, self.server):
            p.kill()
            p.wait()


def cases(versions, scenarios, sources):
    """CAST:file|screen for the scenarios recorded with their session file in every version."""
    dirs = [ROOT / "tests/fixtures/claude" / v for v in versions]
    names = sorted(set.intersection(*[{p.name[: -len(".transcript-times.json")]
                                       for p in d.glob("*.transcript-times.json")} for d in dirs]))
    names = names[:scenarios] if scenarios else names
    return [f"{d / n}.cast:{s}" for d in dirs for n in names for s in sources]


def pct(xs, p):
    """Linear between the closest ranks (numpy's default), so p50 is the median."""
    xs = sorted(xs)
    if not xs:
        return float("nan")
    k = p / 100 * (len(xs) - 1)
    lo = int(k)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def row(label, xs):
    return f"| {label} | {len(xs)} | {pct(xs, 50):.0f} | {pct(xs, 90):.0f} | {max(xs, default=float('nan')):.0f} |"


def analyse(results, sounds):
    """Per sentence heard: the stage figures, in ms from its draw."""
    out = []
    for r in results:
        turns = r["turns_ns"] + [float("inf")]
        firsts = set()
        for a, b in zip(turns, turns[1:]):
            heard = [i for i, s in enumerate(r["sentences"]) if s.get("drawn_ns") and a < s["drawn_ns"] < b]
            if heard:
                firsts.add(heard[0])
        for i, s in enumerate(r["sentences"]):
            t = s.get("timings") or {}
            if s["status"] != "done" or not s.get("drawn_ns") or t.get("first_sound") is None:
                continue
            told = s["queued_ns"] + t["first_sound"] * 1e6
            # The recorded onset nearest to when the plugin says its first sound went out.
            near = [x for x, _ in sounds if told - 100e6 <= x <= told + 400e6]
            heard = min(near, key=lambda x: abs(x - told)) if near else None
            d = s["drawn_ns"]
            # Free to start: drawn, and the sentence before it over (with the pause kept
            # between two sentences).
            before = [e for _, e in sounds if heard and e < heard]
            free = max(d, before[-1] + PAUSE_NS) if before else d
            out.append({
                "cast": pathlib.Path(r["cast"]).parent.name + "/" + pathlib.Path(r["cast"]).stem,
                "file": r["file"],
                "first": i in firsts,
                "source": s["source"],
                "queued": (s["queued_ns"] - d) / 1e6,
                "translate": t.get("translate") or 0.0,
                "synthesize": t.get("synthesize") or 0.0,
                "told": (told - d) / 1e6,
                "ear": (heard - d) / 1e6 if heard else None,
                "felt": (heard - free) / 1e6 if heard else None,
            })
    return out


def report(label, rows, skipped, speculation):
    ear = [r for r in rows if r["ear"] is not None]
    print(f"\n### {label}\n\n{len(rows)} sentences spoken, {len(ear)} found in the recording, {skipped} not "
          "spoken (dropped, stopped or not found on screen)")
    if speculation["prepared"]:
        p = speculation["prepared"]
        thrown = p - speculation["used"]
        print(f"speculation: {p} sentences prepared ahead, {speculation['used']} of them heard, {thrown} thrown away "
              f"({100 * thrown / p:.1f} %)")
    # "Free to start": the later of its draw and the end of the sentence before it (with
    # the pause between two): a sentence drawn while others still play waits for them.
    print("\n| delay (ms) | n | p50 | p90 | max |\n|---|---|---|---|---|")
    for label, sel in [("first sentence of a turn", lambda r: r["first"]), ("all sentences", lambda r: True)]:
        for src, fsel in [("", lambda r: True), (", session file", lambda r: r["file"]),
                          (", screen only", lambda r: not r["file"])]:
            print(row(f"{label}{src}: free to start → first sound", [r["felt"] for r in ear if sel(r) and fsel(r)]))
        print(row(f"{label}: drawn → first sound", [r["ear"] for r in ear if sel(r)]))
    print("\n| stage, median ms (first of a turn / all) | first | all |\n|---|---|---|")
    firsts = [r for r in ear if r["first"]]
    for label, f in [("drawn → queued (detected)", lambda r: r["queued"]),
                     ("translate", lambda r: r["translate"]),
                     ("synthesize", lambda r: r["synthesize"]),
                     ("queued → first sound, waiting and device (rest)",
                      lambda r: r["told"] - r["queued"] - r["translate"] - r["synthesize"]),
                     ("drawn → first sound (plugin's clock)", lambda r: r["told"]),
                     ("drawn → first sound (recorded)", lambda r: r["ear"])]:
        a, b = [f(r) for r in firsts], [f(r) for r in ear]
        print(f"| {label} | {statistics.median(a) if a else float('nan'):.0f} | "
              f"{statistics.median(b) if b else float('nan'):.0f} |")


def report_mode(mode, m):
    report(f"auto.speculate = {'true' if mode == '1' else 'false'}", m["rows"], m["skipped"], m["speculation"])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model")
    ap.add_argument("--versions", default="2.1.332,2.0.77")
    ap.add_argument("--scenarios", type=int, default=4,
                    help="the first N scenarios recorded with a session file in every version (0: all)")
    ap.add_argument("--sources", default="file,screen")
    ap.add_argument("--json", help="write the per-sentence figures here")
    ap.add_argument("--length", default="1.3", help="decode length, × the source's NLLB-sized tokens")
    ap.add_argument("--modes", default="0,1", help="auto.speculate values to run, in turn (0: the baseline)")
    ap.add_argument("--report", action="store_true", help="MODEL is a --json file: print its tables again")
    a = ap.parse_args()
    if a.report:
        for mode, m in json.loads(pathlib.Path(a.model).read_text()).items():
            report_mode(mode, m)
        return
    tmp = tempfile.mkdtemp(prefix="speakja-s2e-")
    pulse = Pulse(tmp)
    try:
        todo = cases(a.versions.split(","), a.scenarios, a.sources.split(","))
        env = dict(os.environ, **pulse.env, SPEAKJA_BENCH_LENGTH=a.length, XDG_CACHE_HOME=f"{tmp}/cache",
                   XDG_STATE_HOME=f"{tmp}/state", XDG_DATA_HOME=f"{tmp}/data")
        cpu = open("/proc/cpuinfo").read().split("model name")[1].split(":")[1].splitlines()[0].strip()
        print(f"{time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, {cpu}; {len(todo)} recordings "
              f"({a.versions}; {a.sources}), decode length {a.length} × source tokens")
        every = {}
        for mode in a.modes.split(","):
            out = pathlib.Path(tmp) / f"out-{mode}.json"
            print(f"replaying {len(todo)} recordings in real time, auto.speculate={mode}...", file=sys.stderr)
            subprocess.run(["nvim", "--headless", "-u", "NONE", "-i", "NONE", "-l",
                            str(ROOT / "bench/screen_to_ear.lua"), str(out), a.model, mode, *todo],
                           env=env, check=True, timeout=3600)
            results = json.loads(out.read_text())
            rows = analyse(results, pulse.sounds())
            skipped = sum(len(r["sentences"]) for r in results) - len(rows)
            speculation = {k: sum(r["speculation"][k] for r in results) for k in ("prepared", "used")}
            every[mode] = {"rows": rows, "skipped": skipped, "speculation": speculation}
            report_mode(mode, every[mode])
        if a.json:
            pathlib.Path(a.json).write_text(json.dumps(every, indent=1, ensure_ascii=False))
    finally:
        pulse.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()

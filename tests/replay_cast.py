#!/usr/bin/env python3
"""Replay an asciicast v2 file's output to stdout at its recorded pace.

    python3 tests/replay_cast.py FILE.cast [--speed N]

Meant to run inside a Neovim terminal (`jobstart({...}, {term = true})`) so the end-to-end
test sees what Claude Code would have drawn. `--speed 2` plays twice as fast.
"""
import argparse
import json
import sys
import time


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("cast")
    ap.add_argument("--speed", type=float, default=1.0)
    args = ap.parse_args()
    if args.speed <= 0:
        ap.error("--speed must be positive")
    out = sys.stdout.buffer
    start = time.monotonic()
    with open(args.cast, encoding="utf-8") as f:
        json.loads(f.readline())  # header: size and env, nothing to replay
        for line in f:
            if not line.strip():
                continue
            t, kind, data = json.loads(line)
            if kind != "o":
                continue
            delay = start + t / args.speed - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            out.write(data.encode("utf-8"))
            out.flush()


if __name__ == "__main__":
    main()

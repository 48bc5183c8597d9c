#!/usr/bin/env bash
# Time to first sound and between sentences, through a real sound server: a private
# PulseAudio null sink recorded by parec (tests/sound_server.rs measures and asserts; this
# prints its figures). Needs pulseaudio, pulseaudio-utils, libasound2-plugins.
#
#   bench/latency.sh [--runs N]
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${2:-3}"
[[ "${1:-}" == "--runs" ]] || runs=3
echo "$(date -u +%F), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "targets: cold say → sound ≤ 300 ms; speak() → sound ≤ 120 ms (voice loaded); pause ≤ 450 ms; stop → silence ≤ 50 ms"
for i in $(seq "$runs"); do
  cargo test --release -q --test sound_server -- --nocapture --test-threads=1 2>&1 | grep '^.*latency:' | sed 's/^.*latency: /  /'
done

#!/usr/bin/env bash
# Side-by-side CPU timings on the NLLB-200 600M shape (random weights, 20 source tokens,
# 24 decoder steps, 2 threads): candle f32 / q8_0 (`speakja bench`) against HF transformers
# fp32 and CTranslate2 int8 / fp32 (bench/peers.py, needs torch, transformers, ctranslate2).
#
#   bench/run.sh [--runs N]
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${2:-3}"
[[ "${1:-}" == "--runs" ]] || runs=3

export RAYON_NUM_THREADS=2 OMP_NUM_THREADS=2
# A shared target dir may hold another checkout's `speakja`: run a private copy of ours.
cargo build --release --bin speakja >&2
bin="$(mktemp -d)/speakja"
cp "${CARGO_TARGET_DIR:-target}/release/speakja" "$bin"

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| engine | load s | encoder ms | per step ms | total ms | peak RSS MB | step floor ms | step ÷ floor |"
echo "|---|---|---|---|---|---|---|---|"
"$bin" bench --dtype f32 --runs "$runs"
"$bin" bench --dtype q8_0 --runs "$runs"
python3 bench/peers.py --runs "$runs" 2>/dev/null
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

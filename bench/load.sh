#!/usr/bin/env bash
# Loading the NLLB-200 600M shape from disk, as users do: a random-weight checkpoint that
# transformers writes (bench/peers.py --checkpoint, needs torch and transformers), then
#  - wall time of `speakja translate` (load + one short sentence) per weight format;
#  - the worst lateness of a 10 ms timer in headless Neovim while the plugin loads it.
#
#   bench/load.sh [DIR]    DIR keeps the 2.4 GB checkpoint between runs (default: a temp dir)
set -euo pipefail
cd "$(dirname "$0")/.."
work="${1:-$(mktemp -d)}"
export RAYON_NUM_THREADS="${RAYON_NUM_THREADS:-2}"
cargo build --release >&2
make build >&2
[[ -f "$work/hf/model.safetensors" ]] || python3 bench/peers.py --checkpoint "$work" 2>/dev/null
# The placeholder vocabulary lacks NLLB's language codes: use a fixture tokenizer (its ids
# fit the vocabulary; the output is noise either way, only the time counts).
cp tests/fixtures/nllb/tiny-a/tokenizer.json "$work/hf/tokenizer.json"

bin="${CARGO_TARGET_DIR:-target}/release/speakja"
for dtype in q8_0 f32; do
  TIMEFORMAT="speakja translate, $dtype: %R s (load + one short sentence)"
  time "$bin" translate --model "$work/hf" --dtype "$dtype" --max-new-tokens 4 "Hello world." >/dev/null
done 2>&1
for run in 1 2 3; do
  SPEAKJA_BENCH_MODEL="$work/hf" nvim --headless -u NONE -i NONE -l bench/load_gap.lua
done

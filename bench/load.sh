#!/usr/bin/env bash
# Loading the NLLB-200 600M shape from disk, as users do: a random-weight checkpoint that
# transformers writes (bench/peers.py --checkpoint, needs torch and transformers), then
#  - `speakja translate` (load + one short sentence) per weight format, with the load
#    alone as the command reports it: q8_0 first without its weight cache (quantize, then
#    write speakja-q8_0.gguf next to the model), then three times with the warm cache;
#  - the worst lateness of a 10 ms timer in headless Neovim while the plugin loads it, and
#    while it then translates a sentence.
# Python with those packages: $PYTHON (default python3).
#
#   bench/load.sh [DIR]    DIR keeps the 2.4 GB checkpoint between runs (default: a temp dir)
set -euo pipefail
cd "$(dirname "$0")/.."
work="${1:-$(mktemp -d)}"
export RAYON_NUM_THREADS="${RAYON_NUM_THREADS:-2}"
cargo build --release >&2
make build >&2
[[ -f "$work/hf/model.safetensors" ]] || "${PYTHON:-python3}" bench/peers.py --checkpoint "$work" 2>/dev/null
# The placeholder vocabulary lacks NLLB's language codes: use a fixture tokenizer (its ids
# fit the vocabulary; the output is noise either way, only the time counts).
cp tests/fixtures/nllb/tiny-a/tokenizer.json "$work/hf/tokenizer.json"
rm -f "$work/hf/speakja-q8_0.gguf"

echo "$(date -u +%F), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores"
bin="${CARGO_TARGET_DIR:-target}/release/speakja"
run() {
  local label="$1" start end
  shift
  start="$(date +%s.%N)"
  "$bin" translate --model "$work/hf" --max-new-tokens 4 "$@" "Hello world." 2>&1 >/dev/null |
    sed -n 's/^speakja: loaded in \([0-9.]*\) s: .*/\1/p' | {
    read -r load
    end="$(date +%s.%N)"
    echo "$label: load $load s, with one short sentence $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }') s"
  }
}
run "q8_0, no weight cache" --dtype q8_0
for i in 1 2 3; do run "q8_0, warm weight cache ($i)" --dtype q8_0; done
run "f32" --dtype f32
for run in 1 2 3; do
  SPEAKJA_BENCH_MODEL="$work/hf" nvim --headless -u NONE -i NONE -l bench/load_gap.lua
done

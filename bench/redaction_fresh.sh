#!/usr/bin/env bash
# Redaction on secrets and look-alikes generated fresh (a seed of your choosing), through the
# plugin's real front end in headless Neovim: share hidden, share of look-alikes changed,
# per kind. Needs `make build`.
#   bench/redaction_fresh.sh [SEED] [GENERATOR]
# GENERATOR: bench/redaction_fresh.py (the default), or one of bench/attackers/*.py, written
# by attackers who never read the redaction code (creds7: seed 2718, creds8: seed 4242 were
# their first scores; both are dev sets since).
set -euo pipefail
cd "$(dirname "$0")/.."
cases=$(mktemp)
trap 'rm -f "$cases"' EXIT
python3 "${2:-bench/redaction_fresh.py}" "${1:-424242}" "$cases"
SPEAKJA_CASES=$cases nvim --headless -u NONE -i NONE -l bench/redaction_fresh.lua

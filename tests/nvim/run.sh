#!/usr/bin/env bash
# Run every headless Neovim spec in its own Neovim; print one total line.
set -u
cd "$(dirname "$0")/../.."
passed=0 failed=0
# Each spec, then the Claude Code recordings of each release, screen only and with the
# session file (one Neovim each: a release's recordings take minutes).
runs=()
for spec in tests/nvim/*_spec.lua; do runs+=("$spec"); done
for dir in tests/fixtures/claude/[0-9]*/; do
  v=$(basename "$dir")
  runs+=("claude:$v:0")
  if ls "$dir"*.transcript-times.json >/dev/null 2>&1; then runs+=("claude:$v:1"); fi
done
for run in "${runs[@]}"; do
  spec=$run
  if [[ $run == claude:* ]]; then
    IFS=: read -r _ v tx <<<"$run"
    export SPEAKJA_CLAUDE_VERSION=$v SPEAKJA_CLAUDE_TRANSCRIPT=$tx
    spec=tests/nvim/claude_version.lua
  fi
  echo "# $run"
  out=$(timeout 600 nvim --headless -u NONE -i NONE -l "$spec" 2>&1)
  rc=$?
  echo "$out"
  line=$(echo "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -n 1)
  if [ -n "$line" ]; then
    passed=$((passed + $(echo "$line" | cut -d' ' -f1)))
    failed=$((failed + $(echo "$line" | cut -d' ' -f3)))
  fi
  if [ $rc -ne 0 ] && [ -z "$line" -o "$(echo "$line" | cut -d' ' -f3)" = 0 ]; then
    echo "not ok - $run exited with $rc"
    failed=$((failed + 1))
  fi
done
echo "nvim: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

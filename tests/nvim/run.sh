#!/usr/bin/env bash
# Run every headless Neovim spec in its own Neovim; print one total line.
set -u
cd "$(dirname "$0")/../.."
passed=0 failed=0
for spec in tests/nvim/*_spec.lua; do
  echo "# $spec"
  out=$(timeout 600 nvim --headless -u NONE -i NONE -l "$spec" 2>&1)
  rc=$?
  echo "$out"
  line=$(echo "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -n 1)
  if [ -n "$line" ]; then
    passed=$((passed + $(echo "$line" | cut -d' ' -f1)))
    failed=$((failed + $(echo "$line" | cut -d' ' -f3)))
  fi
  if [ $rc -ne 0 ] && [ -z "$line" -o "$(echo "$line" | cut -d' ' -f3)" = 0 ]; then
    echo "not ok - $spec exited with $rc"
    failed=$((failed + 1))
  fi
done
echo "nvim: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

#!/usr/bin/env bash
# Run every headless Neovim spec in its own Neovim; print one total line.
set -u
cd "$(dirname "$0")/../.."
passed=0 failed=0
out_dir=$(mktemp -d)
trap 'rm -rf "$out_dir"' EXIT

# One spec's (or one release's) run: its output into $out_dir/N.out, its exit code into N.rc.
run_one() {
  local n=$1 run=$2 spec=$2
  if [[ $run == claude:* ]]; then
    IFS=: read -r _ v tx <<<"$run"
    export SPEAKJA_CLAUDE_VERSION=$v SPEAKJA_CLAUDE_TRANSCRIPT=$tx
    spec=tests/nvim/claude_version.lua
  fi
  timeout 900 nvim --headless -u NONE -i NONE -l "$spec" >"$out_dir/$n.out" 2>&1
  echo $? >"$out_dir/$n.rc"
}

runs=()
for spec in tests/nvim/*_spec.lua; do runs+=("$spec"); done
n_specs=${#runs[@]}
# The Claude Code recordings of each release, screen only and with the session file: each
# replays in real time (minutes) and mostly waits, so four run side by side.
for dir in tests/fixtures/claude/[0-9]*/; do
  v=$(basename "$dir")
  runs+=("claude:$v:0")
  if ls "$dir"*.transcript-times.json >/dev/null 2>&1; then runs+=("claude:$v:1"); fi
done
for ((i = 0; i < n_specs; i++)); do run_one "$i" "${runs[$i]}"; done
for ((i = n_specs; i < ${#runs[@]}; i++)); do
  while [ "$(jobs -rp | wc -l)" -ge 4 ]; do sleep 1; done
  run_one "$i" "${runs[$i]}" &
done
wait

for ((i = 0; i < ${#runs[@]}; i++)); do
  run=${runs[$i]}
  out=$(cat "$out_dir/$i.out")
  rc=$(cat "$out_dir/$i.rc")
  echo "# $run"
  echo "$out"
  line=$(echo "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -n 1)
  if [ -n "$line" ]; then
    passed=$((passed + $(echo "$line" | cut -d' ' -f1)))
    failed=$((failed + $(echo "$line" | cut -d' ' -f3)))
  fi
  if [ "$rc" -ne 0 ] && [ -z "$line" -o "$(echo "$line" | cut -d' ' -f3)" = 0 ]; then
    echo "not ok - $run exited with $rc"
    failed=$((failed + 1))
  fi
done
echo "nvim: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

#!/usr/bin/env bash
# Runs every libFuzzer target in BUILD for SECONDS each, seeded from fuzz/corpus/<name>/ and the shared files
# listed in fuzz/corpus/<name>.seeds. New interesting inputs go to a scratch folder; crashes are kept in
# fuzz/corpus/<name>/ so that `make test` replays them from then on.
set -euo pipefail
build=${1:-build-fuzz}; secs=${2:-60}; data=${3:-../shared/data}
root=$(cd "$(dirname "$0")/.." && pwd)
status=0
for bin in "$build"/fuzz/*_fuzz; do
  [ -x "$bin" ] || continue
  name=$(basename "$bin")
  scratch=$(mktemp -d)
  seeds=("$root/fuzz/corpus/$name")
  if [ -f "$root/fuzz/corpus/$name.seeds" ]; then
    while read -r s; do [[ -z "$s" || "$s" == \#* ]] && continue; [ -e "$data/$s" ] && seeds+=("$data/$s"); done \
      < "$root/fuzz/corpus/$name.seeds"
  fi
  mkdir -p "$root/fuzz/corpus/$name"
  echo "== $name for ${secs}s"
  if ! "$bin" -max_total_time="$secs" -max_len=1048576 -artifact_prefix="$root/fuzz/corpus/$name/crash-" \
      "$scratch" "${seeds[@]}" 2>"$scratch.log"; then
    echo "!! $name found a crash; kept in fuzz/corpus/$name/ (log: $scratch.log)"; status=1
  else
    tail -n 2 "$scratch.log"
  fi
done
exit $status

#!/usr/bin/env bash
# The MSP scenario at scale: `trawl simulate` writes >= 1 GB of multi-tenant logs (Windows event JSON + Zeek),
# then `trawl hunt` runs everything on it (built-in rules plus every SigmaHQ Windows rule when the shared data is
# there, APT10 indicators, correlation, network and cross-tenant analytics). Prints simulate and hunt throughput
# and peak memory.
# Usage: scripts/bench_simulate.sh [BUILD_DIR] [DATA_DIR]   (SIZE_MB=1024 by default)
set -euo pipefail
build=${1:-build}; data=${2:-../shared/data}; size_mb=${SIZE_MB:-1024}
rules=(); what="built-in rules"
if [ -d "$data/sigma/rules/rules/windows" ]; then
  rules=(-r "$data/sigma/rules/rules/windows"); what="built-in + $(find "$data/sigma/rules/rules/windows" -name '*.yml' | wc -l) SigmaHQ Windows rules"
fi
trawl="$build/trawl"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
/usr/bin/time -f '%e %M' -o "$work/t1" "$trawl" simulate "$work/ev" --size-mb "$size_mb" --tenants 8 --hosts 12 --seed 1 >/dev/null
read -r s1 m1 < "$work/t1"
bytes=$(du -cb "$work/ev" | tail -1 | cut -f1)
/usr/bin/time -f '%e %M' -o "$work/t2" "$trawl" hunt "$work/ev" "${rules[@]}" --tenant-dirs --msp-tenant msp \
  --format jsonl -q -o "$work/out.jsonl"
read -r s2 m2 < "$work/t2"
awk -v w="$what" -v b="$bytes" -v s1="$s1" -v m1="$m1" -v s2="$s2" -v m2="$m2" -v d="$(wc -l < "$work/out.jsonl")" 'BEGIN {
  printf "simulate: %.0f MB in %.1f s (%.1f MB/s), peak %.0f MB\n", b/1e6, s1, b/1e6/s1, m1/1024
  printf "hunt (%s, correlation, analytics): %.1f s, %.1f MB/s, peak %.0f MB, %d detections\n", w, s2, b/1e6/s2, m2/1024, d }'

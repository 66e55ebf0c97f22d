#!/usr/bin/env bash
# Network analytics end to end: generates a conn.log of ROWS rows (default 10M) with planted beacons, runs
# `trawl net` over it on one core, and prints seconds, peak RSS and the recall of the planted beacons in the
# top 20. Targets: 10M-row analysis < 30 s; every planted beacon in the top 20. The decode rate on one core is
# the BM_ZeekTsvDecodeConn figure of trawl_bench.
# Usage: scripts/bench_net.sh [BUILD_DIR] [ROWS] [SEED]
set -euo pipefail
build=${1:-build}; rows=${2:-10000000}; seed=${3:-1}
trawl="$build/trawl"
[ -x "$trawl" ] || { echo "bench_net: $trawl not built" >&2; exit 1; }
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
log="$work/conn.log"
echo "== generating $rows rows (seed $seed)"
/usr/bin/time -f "generate: %e s" "$trawl" net --generate-bench "$log" --rows "$rows" --seed "$seed"
echo "   $(du -h "$log" | cut -f1) on disk"
echo "== trawl net (one thread)"
/usr/bin/time -f "%e %M %U %S" -o "$work/time" "$trawl" net "$log" --top 20 --format csv -q > "$work/top20.csv"
read -r secs rss_kb user sys < "$work/time"
found=0; total=0
while IFS=$'\t' read -r src dst period n; do
  total=$((total + 1))
  if grep -q ",beacon,,$src,$dst," "$work/top20.csv"; then found=$((found + 1)); fi
done < "$log.beacons"
awk -v r="$rows" -v s="$secs" -v u="$user" -v y="$sys" -v m="$rss_kb" -v f="$found" -v t="$total" 'BEGIN {
  printf "rows                : %d\n", r
  printf "wall seconds        : %.2f   (cpu %.2f s user + %.2f s sys)\n", s, u, y
  printf "rows/s end to end   : %.0f (wall), %.0f (cpu)\n", r / s, r / (u + y)
  printf "peak RSS            : %.0f MiB\n", m / 1024
  printf "planted beacons in top 20: %d of %d\n", f, t
}'
if [ -x "$build/bench/trawl_bench" ]; then
  echo "== decode rate on one core"
  "$build/bench/trawl_bench" --benchmark_filter='BM_ZeekTsvDecodeConn|BM_NetAnalyzeConn' --benchmark_min_time=1
fi

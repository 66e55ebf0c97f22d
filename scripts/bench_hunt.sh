#!/usr/bin/env bash
# End-to-end hunt benchmark: all SigmaHQ Windows rules (+ the built-in pack and APT10 indicators) over the
# attack-samples EVTX set, then over that set replicated to at least 1 GB (symlinks: the bytes are decoded
# again, the page cache keeps disk out of it). Prints MB/s, events/s and peak RSS with 1 thread and all cores.
set -euo pipefail
build=${1:-build}; data=${2:-../shared/data}; target_mb=${TARGET_MB:-1024}
trawl="$build/trawl"
samples="$(realpath -m "$data/evtx/attack-samples")"  # absolute: the copies below are symlinks
rules="$data/sigma/rules/rules/windows"
[ -d "$samples" ] || { echo "bench_hunt: $samples not found; skipped"; exit 0; }
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT

run() {  # label, threads, input bytes, paths...
  local label=$1 threads=$2 bytes=$3; shift 3
  /usr/bin/time -f '%e %M' -o "$work/time" "$trawl" hunt "$@" -r "$rules" -j "$threads" --format jsonl -q \
    -o "$work/out.jsonl" --stats 2>"$work/stats" || { cat "$work/stats"; return 1; }
  read -r secs rss_kb < "$work/time"
  local events dets
  events=$(grep -m1 -oE 'events[: ]+[0-9,]+' "$work/stats" | grep -oE '[0-9,]+' | tr -d , || echo 0)
  dets=$(wc -l < "$work/out.jsonl")
  awk -v l="$label" -v t="$threads" -v s="$secs" -v b="$bytes" -v e="$events" -v d="$dets" -v m="$rss_kb" 'BEGIN {
    printf "%-34s j=%d  %7.2f s  %8.1f MB/s  %10.0f events/s  %7d detections  peak %6.1f MB\n",
      l, t, s, b/1e6/(s>0?s:1e-9), e/(s>0?s:1e-9), d, m/1024 }'
}

echo "== hunt: attack-samples ($(du -sh "$samples" | cut -f1)), $(find "$rules" -name '*.yml' | wc -l) SigmaHQ Windows rules"
bytes=$(du -cb "$samples" | tail -1 | cut -f1)
run "attack-samples" 1 "$bytes" "$samples"
run "attack-samples" "$(nproc)" "$bytes" "$samples"

size_mb=$(du -sm "$samples" | cut -f1); copies=$(( (target_mb + size_mb - 1) / size_mb ))
for i in $(seq 1 "$copies"); do ln -s "$samples" "$work/copy$i"; done
echo "== hunt: attack-samples x$copies (~$((copies * size_mb)) MB)"
run "attack-samples x$copies" "$(nproc)" $((bytes * copies)) "$work"/copy*
echo "targets: >= 50 MB/s end to end on 2 cores (Hayabusa publishes ~5.6 MB/s with 3,891 rules on 4 cores);"
echo "         peak memory < 256 MB and flat in input size."

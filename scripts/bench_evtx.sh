#!/usr/bin/env bash
# End-to-end EVTX decoding figures: trawl (the EvtxDecode benchmarks of trawl_bench: 1 and 2 threads) and
# evtxexport (libevtx, the reference tool) on the same files in the same run: MB/s, records/s, peak RSS
# (/usr/bin/time -v) and the ratio. Usage: scripts/bench_evtx.sh BUILD_DIR DATA_DIR
# CPU-time figures are given beside wall-clock ones because the machine may be shared (wall time then
# measures the neighbours as much as the code).
set -euo pipefail
build=${1:-build}
data=${2:-../shared/data}
bench="$build/bench/trawl_bench"
samples="$data/evtx/attack-samples"
[ -x "$bench" ] || { echo "bench_evtx: $bench not built (cmake --build $build --target trawl_bench)" >&2; exit 2; }
[ -d "$samples" ] || { echo "bench_evtx: $samples not found" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "bench_evtx: /usr/bin/time (GNU time) is needed for peak RSS" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

mapfile -d '' files < <(find "$samples" -name '*.evtx' -print0 | sort -z)
bytes=$(printf '%s\0' "${files[@]}" | du -cb --files0-from=- | tail -1 | cut -f1)
echo "input: ${#files[@]} files, $bytes bytes ($samples)"

# trawl: decode-only throughput (all files mapped once), then the file-at-a-time runs under /usr/bin/time.
export TRAWL_DATA_DIR="$data"
"$bench" --benchmark_filter='EvtxDecode/InMemory' --benchmark_min_time=1 --benchmark_format=json \
  >"$tmp/inmem.json" 2>/dev/null
for t in 1 2; do
  /usr/bin/time -v -o "$tmp/time_$t.txt" "$bench" --benchmark_filter="EvtxDecode/Files/threads:$t/" \
    --benchmark_min_time=1 --benchmark_format=json >"$tmp/files_$t.json" 2>/dev/null
done

# evtxexport on the same files, sequentially (it is single-threaded).
/usr/bin/time -v -o "$tmp/time_ref.txt" bash -c 'for f in "$@"; do evtxexport "$f" >/dev/null 2>&1 || true; done' \
  _ "${files[@]}"
ref_records=0
for f in "${files[@]}"; do
  n=$(evtxexport "$f" 2>/dev/null | grep -c '^Event number' || true)
  ref_records=$((ref_records + n))
done

python3 - "$tmp" "$bytes" "$ref_records" <<'EOF'
import json, re, sys
tmp, nbytes, ref_records = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def tv(path):
    t = open(path).read()
    get = lambda k: re.search(re.escape(k) + r":\s*(\S+)", t).group(1)
    wall = get("Elapsed (wall clock) time (h:mm:ss or m:ss)").split(":")
    wall = sum(float(x) * 60 ** i for i, x in enumerate(reversed(wall)))
    return {"wall": wall, "cpu": float(get("User time (seconds)")) + float(get("System time (seconds)")),
            "rss_mb": int(get("Maximum resident set size (kbytes)")) / 1024}
def bm(path, name):
    for b in json.load(open(path))["benchmarks"]:
        if b["name"].startswith(name):
            return b
    raise SystemExit("benchmark %s missing in %s" % (name, path))
mb = 1e6
inmem = bm(tmp + "/inmem.json", "EvtxDecode/InMemory")
records_per_pass = inmem["items_per_second"] * inmem["cpu_time"] / 1e3
ref = tv(tmp + "/time_ref.txt")
ref_mbs_cpu = nbytes / ref["cpu"] / mb
ref_mbs_wall = nbytes / ref["wall"] / mb
print("\n%-34s %10s %10s %12s %9s" % ("", "MB/s", "MB/s(cpu)", "records/s", "peakRSS"))
print("%-34s %10s %10.1f %12.0f %9s" % ("trawl decode-only, 1 thread", "-", inmem["bytes_per_second"] / mb,
                                         inmem["items_per_second"], "-"))
rows = {}
for t in (1, 2):
    b = bm(tmp + "/files_%d.json" % t, "EvtxDecode/Files/threads:%d" % t)
    tt = tv(tmp + "/time_%d.txt" % t)
    rows[t] = b["bytes_per_second"] / mb
    print("%-34s %10.1f %10s %12.0f %7.1fMB" % ("trawl files, %d thread%s (wall)" % (t, "s" if t > 1 else ""),
                                              rows[t], "-", b["items_per_second"], tt["rss_mb"]))
print("%-34s %10.1f %10.1f %12.0f %7.1fMB" % ("evtxexport (libevtx), 1 process", ref_mbs_wall, ref_mbs_cpu,
                                            ref_records / ref["cpu"], ref["rss_mb"]))
print("\nrecords: trawl %d per pass, evtxexport %d" % (round(records_per_pass), ref_records))
print("ratio trawl/evtxexport, 1 thread, CPU time: %.1fx (target >= 40x)" % (inmem["bytes_per_second"] / mb / ref_mbs_cpu))
print("ratio trawl/evtxexport, 1 thread, wall clock (files): %.1fx" % (rows[1] / ref_mbs_wall))
print("scaling 2 threads / 1 thread (wall clock, files): %.2fx" % (rows[2] / rows[1]))
EOF

#!/usr/bin/env bash
# IOC benchmarks: load time and memory of 10 / 10,000 / 1,000,000 generated indicators, and events/s matching
# the EVTX attack samples against each set (and against the built-in APT10 pack). Prints the per-event cost
# ratio 1M : 10 (goal <= 1.5) and the 1M load time (goal < 3 s, CPU time: shared machines make wall time noisy).
set -uo pipefail
build=${1:-build}; data=${2:-../shared/data}
bin="$build/bench/trawl_bench"
[ -x "$bin" ] || { echo "bench_ioc: $bin not built (cmake --build $build --target trawl_bench)"; exit 1; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$bin" --benchmark_filter='Ioc' --benchmark_format=json >"$out" 2>/dev/null || { echo "bench_ioc: run failed"; exit 1; }
python3 - "$out" <<'PY'
import json, sys
b = {x["name"]: x for x in json.load(open(sys.argv[1]))["benchmarks"]}
def get(prefix):
    for k, v in b.items():
        if k.startswith(prefix):
            return v
for n in ("10", "10000", "1000000"):
    l = get("BM_IocLoad/%s/" % n)
    if l:
        print("load %8s indicators: %8.1f ms CPU (%8.1f ms wall), set %.1f MB, RSS growth %.1f MB"
              % (n, l["cpu_time"], l["real_time"], l["set_MB"], l["rss_growth_MB"]))
per = {}
for n in ("10", "10000", "1000000"):
    m = get("BM_IocMatch/%s" % n)
    if m:
        per[n] = m["cpu_time"] / m["events"] * 1e6  # ms per pass -> ns per event
        print("match %7s indicators: %8.0f ns/event CPU, %10.0f events/s (%s)"
              % (n, per[n], m["items_per_second"], m.get("label", "")))
p = get("BM_IocMatchApt10Pack")
if p:
    print("match built-in APT10 pack: %10.0f events/s" % p["items_per_second"])
if "10" in per and "1000000" in per:
    r = per["1000000"] / per["10"]
    print("per-event cost 1M : 10 = %.2fx (goal <= 1.5x) %s" % (r, "OK" if r <= 1.5 else "OVER"))
l = get("BM_IocLoad/1000000/")
if l:
    print("1M load %.2f s CPU (goal < 3 s) %s" % (l["cpu_time"] / 1000, "OK" if l["cpu_time"] < 3000 else "OVER"))
PY

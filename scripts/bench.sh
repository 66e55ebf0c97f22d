#!/usr/bin/env bash
# make bench: micro-benchmarks, then end-to-end figures against reference tools measured in the same run.
set -euo pipefail
build=${1:-build}; data=${2:-../shared/data}
[ -x "$build/bench/trawl_bench" ] && "$build/bench/trawl_bench" --benchmark_min_time=0.2

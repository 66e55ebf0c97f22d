#!/usr/bin/env bash
# Sigma engine benchmark: compiled program with 1/100/1000/all Windows rules vs the reference evaluator, over
# the pre-decoded attack-samples events; prints events/s and the two ratios (see bench/sigma_bench.cpp).
# Usage: scripts/bench_sigma.sh [build-dir]
set -euo pipefail
build=${1:-build}
# Three repetitions, the ratios from the best of each (shared machines are noisy).
exec "$build/bench/trawl_bench" --benchmark_filter='Sigma' --benchmark_min_time=0.5 --benchmark_repetitions=3 \
  --benchmark_report_aggregates_only=true

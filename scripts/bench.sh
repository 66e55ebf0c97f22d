#!/usr/bin/env bash
# make bench: every benchmark, each printing its figures and its ratios against the reference tools measured
# in the same run (evtxexport for EVTX decoding). Timings are never pass/fail: machines here are noisy.
set -uo pipefail
build=${1:-build}; data=${2:-../shared/data}
here=$(cd "$(dirname "$0")" && pwd)
status=0
for s in bench_evtx.sh bench_sigma.sh bench_ioc.sh bench_net.sh bench_hunt.sh bench_simulate.sh; do
  if [ -x "$here/$s" ]; then
    echo; echo "######## $s"
    case $s in
      bench_net.sh) bash "$here/$s" "$build" || { echo "!! $s failed"; status=1; } ;;   # args: BUILD [ROWS] [SEED]
      *) bash "$here/$s" "$build" "$data" || { echo "!! $s failed"; status=1; } ;;
    esac
  fi
done
exit $status

#!/usr/bin/env bash
# make demo: writes a small simulated MSP with three client tenants and an embedded APT10-style intrusion,
# then hunts it end to end (built-in Cloud Hopper rules, APT10 indicators, network analytics) into a table,
# a SQLite case database and an HTML report. Everything lands in out/demo/.
set -euo pipefail
trawl=${1:-build/trawl}
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/out/demo"
rm -rf "$out"
mkdir -p "$out"
echo "== trawl simulate: 1 MSP + 3 clients, 4 hosts each, 3 days (seed 7)"
"$trawl" simulate "$out/evidence" --tenants 3 --hosts 4 --days 3 --seed 7
echo
echo "== trawl hunt $out/evidence --tenant-dirs --msp-tenant msp"
"$trawl" hunt "$out/evidence" --tenant-dirs --msp-tenant msp --db "$out/case.sqlite" --html "$out/report.html" \
  -o "$out/detections.jsonl"
"$trawl" hunt "$out/evidence" --tenant-dirs --msp-tenant msp --format table --colour never --quiet --top 15
echo
echo "Outputs: $out/detections.jsonl, $out/case.sqlite, $out/report.html; the answer key: $out/evidence/answers.json"
if command -v sqlite3 >/dev/null; then
  echo "Detections per tenant and level (sqlite3 $out/case.sqlite):"
  sqlite3 -column -header "$out/case.sqlite" \
    "SELECT tenant, level, COUNT(*) AS detections FROM detections GROUP BY tenant, level ORDER BY tenant, MAX(level_rank) DESC;" || true
fi

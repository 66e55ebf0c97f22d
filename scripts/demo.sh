#!/usr/bin/env bash
# make demo: runs trawl's main job on an embedded example.
set -euo pipefail
trawl=${1:-build/trawl}
"$trawl" --help

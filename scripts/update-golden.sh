#!/usr/bin/env bash
# Regenerates the golden files of the output sinks and of hunt (tests/golden/*, tests/golden/hunt/*) from the current code, then shows what
# changed. Review the diff before committing: a golden file is the specification of an output format.
#   scripts/update-golden.sh [BUILD_DIR]      (default: build)
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build}"
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$build" --target trawl_tests
TZ=UTC TRAWL_UPDATE_GOLDEN=1 "$build/tests/trawl_tests" --gtest_filter='OutputGolden.*:Hunt.Golden*'
# Check that the regenerated files are now what the tests expect.
TZ=UTC "$build/tests/trawl_tests" --gtest_filter='OutputGolden.*:Hunt.Golden*' --gtest_brief=1
git --no-pager diff --stat -- tests/golden || true

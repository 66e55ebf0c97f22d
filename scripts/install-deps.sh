#!/usr/bin/env bash
# Installs, from Debian's archive only, whatever trawl's build, tests and benchmarks need and the machine lacks.
# Idempotent: a machine that has everything is left untouched (no apt-get update, no network).
set -euo pipefail

PKGS=(
  build-essential cmake pkg-config ninja-build git
  libvectorscan-dev libre2-dev libsimdjson-dev libyaml-cpp-dev libfmt-dev libcli11-dev
  libsqlite3-dev sqlite3 zlib1g-dev libzstd-dev libarchive-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev
  libevtx-utils zip zstd time python3
)

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

# trawl: one Makefile over CMake. `make demo` and `make test` work on a fresh Debian machine (they install
# what is missing with apt-get first). Build folders: build/ (release), build-asan/ (ASan+UBSan), build-fuzz/.
SHELL := /bin/bash
JOBS ?= $(shell nproc)
DATA ?= $(abspath ../shared/data)
CMAKE_FLAGS ?=
GEN := $(shell command -v ninja >/dev/null 2>&1 && echo "-G Ninja")
LAUNCHER := $(shell command -v ccache >/dev/null 2>&1 && echo "-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache")

.PHONY: all deps build demo test asan fuzz bench clean format

all: build

deps:
	@bash scripts/install-deps.sh

build: deps
	cmake -S . -B build $(GEN) $(LAUNCHER) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTRAWL_DATA_DIR=$(DATA) $(CMAKE_FLAGS)
	cmake --build build -j $(JOBS)

demo: build
	@bash scripts/demo.sh build/trawl

test: build
	cd build && TZ=UTC ctest --output-on-failure -j $(JOBS) --timeout 900

asan: deps
	cmake -S . -B build-asan $(GEN) $(LAUNCHER) -DCMAKE_BUILD_TYPE=Debug -DTRAWL_SANITIZE=ON -DTRAWL_BENCH=OFF -DTRAWL_WERROR=OFF \
	  -DTRAWL_DATA_DIR=$(DATA) $(CMAKE_FLAGS)
	cmake --build build-asan -j $(JOBS)
	cd build-asan && TZ=UTC ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j $(JOBS) --timeout 3000

# libFuzzer targets under clang; FUZZ_SECONDS per target (default 60). New crashes land in fuzz/corpus/<name>/.
FUZZ_SECONDS ?= 60
fuzz: deps
	CC=clang CXX=clang++ cmake -S . -B build-fuzz $(GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTRAWL_FUZZ=ON \
	  -DTRAWL_SANITIZE=ON -DTRAWL_BENCH=OFF -DTRAWL_WERROR=OFF -DTRAWL_DATA_DIR=$(DATA)
	cmake --build build-fuzz -j $(JOBS)
	@bash scripts/fuzz.sh build-fuzz $(FUZZ_SECONDS) $(DATA)

bench: build
	@bash scripts/bench.sh build $(DATA)

clean:
	rm -rf build build-asan build-fuzz

format:
	find src tests fuzz bench -name '*.cpp' -o -name '*.h' | xargs clang-format -i

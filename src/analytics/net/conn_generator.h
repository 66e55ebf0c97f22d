// Synthetic Zeek conn.log for benchmarks and recall tests: N rows over one day of realistic background traffic
// (many internal hosts, Zipf-popular external destinations, Poisson timing, log-normal sizes, chatty internal
// DNS/NTP servers) with planted C2 beacons (fixed period, uniform jitter, near-constant sizes). Deterministic
// for a given seed. Writes hour by hour, so memory stays small whatever N. Thread-safe (no shared state).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"

namespace trawl {

struct ConnGeneratorOptions {
  uint64_t rows = 1000000;
  uint64_t seed = 1;
  int beacons = 10;              // planted beacon pairs
  double jitter = 0.2;           // each beacon gap is period * (1 +- jitter), uniform
  uint32_t hosts = 2000;         // internal sources
  uint32_t destinations = 20000; // external destinations
  int64_t start_epoch = 1700000000;
};

struct PlantedBeacon {
  std::string src, dst;
  double period_s = 0;
  uint64_t connections = 0;
};

// Writes the log to `path`; returns the planted beacons (their rows are part of the N rows).
Result<std::vector<PlantedBeacon>> generate_conn_log(const std::string& path, const ConnGeneratorOptions& opt);

}  // namespace trawl

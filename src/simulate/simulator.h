// trawl simulate: writes a synthetic multi-tenant MSP dataset (Windows event logs as evtx_dump-shaped JSON lines,
// Zeek TSV logs per tenant) with an embedded APT10 "Cloud Hopper"-style intrusion, and its answer key
// (OUTDIR/answers.json). Deterministic: one seed gives byte-identical output. Indicator values are simulated.
// Example:
//   SimulateOptions o; o.out_dir = "/tmp/msp"; o.tenants = 3; o.hosts = 5; o.days = 4; o.seed = 7;
//   Result<SimulateSummary> r = simulate(o);
// Thread-safety: simulate() touches only its own state; concurrent calls must use different out_dir.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace trawl::simulate {

struct SimulateOptions {
  std::string out_dir;
  int tenants = 4;            // client tenants (client01..clientNN), besides the MSP itself; at least 2
  int hosts = 6;              // hosts per tenant; at least 4
  int days = 5;               // at least 3 (the intrusion runs on days 2 and 3)
  uint64_t seed = 1;
  std::string start = "2019-03-01";  // first day (UTC midnight); ISO 8601 date or date-time
  double size_mb = 0;         // > 0: ignore `days`, keep simulating until the output reaches this many MiB
  double activity = 1.0;      // scales benign event rates (tests use small values for small outputs)
};

struct SimulateSummary {
  uint64_t bytes = 0;          // total bytes written (logs + answers.json)
  uint64_t windows_events = 0;
  uint64_t zeek_rows = 0;
  int64_t start_us = 0;
  int64_t end_us = 0;          // end of the last simulated hour
  std::vector<std::string> files;  // every file written, relative to out_dir, sorted
};

// Validates the options, creates out_dir (which must be empty or absent) and writes the dataset.
Result<SimulateSummary> simulate(const SimulateOptions& options);

}  // namespace trawl::simulate

// Runs the network analytics over Zeek files and folders: the work behind `trawl net`, shared with the tests
// and the benchmark. Inputs come through the shared SourceWalker (folders, .zip/.tar/.7z archives, .gz/.zst,
// nested; a cut .gz is read up to the cut), are decoded with the Zeek decoder and fed to one NetAnalyzer in the
// order the analyzer prefers (http/ssl/dns and open_* logs before conn logs: one walk per log-type group).
// Files that are not Zeek logs are reported as diagnostics and skipped. Single-threaded; no shared state.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "analytics/net/net_analyzer.h"
#include "core/diagnostic.h"

namespace trawl {

struct NetRunResult {
  std::vector<NetFinding> findings;
  std::vector<Diagnostic> diagnostics;  // per file: not a Zeek log, truncated, bad lines (capped)
  uint64_t files_read = 0, files_skipped = 0, events = 0, bad_records = 0, bytes = 0;
  NetAnalyzer::Stats stats;
};

// tenant: stamped on every file (empty: none). Fails only when no path could be read at all.
Result<NetRunResult> run_net_analysis(const std::vector<std::string>& paths, const NetOptions& opt,
                                      const std::string& tenant);

}  // namespace trawl

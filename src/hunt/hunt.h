// Hunt: the main job, as a library call every face reuses (CLI, later serve/stream). Loads rules (built-in
// pack + user rules), indicators (built-in APT10 pack + user lists), compiles them once, streams every input
// file through the pipeline (decode -> Sigma Scanner + IOC matcher per worker thread), runs network analytics
// over Zeek events in input order, and writes every detection to a sink, deterministically whatever the
// thread count.
//
// Example:
//   HuntOptions o; o.paths = {"evidence/"}; o.pipeline.source.tenant_dirs = true;
//   auto sink = make_jsonl_sink(std::cout);
//   Result<HuntReport> r = run_hunt(o, *sink, nullptr);
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/detection.h"
#include "hunt/pipeline.h"
#include "output/sink.h"

namespace trawl {

struct HuntOptions {
  std::vector<std::string> paths;
  std::vector<std::string> rule_paths;       // -r: Sigma files or folders
  bool builtin_rules = true;                 // the built-in Cloud Hopper pack
  std::vector<std::string> mapping_files;    // --mapping: extra log-source mappings
  std::string vars_file;                     // --vars: values for Sigma `expand` placeholders
  std::vector<std::string> ioc_paths;        // --ioc
  bool builtin_iocs = true;                  // the built-in APT10 indicator pack
  std::optional<Level> min_level;            // --min-level
  std::vector<std::string> statuses;         // --status (empty: all)
  std::vector<std::string> exclude_rules;    // --exclude-rule ID
  int64_t from_us = kNoTime, to_us = kNoTime;  // --from / --to (events outside are not matched)
  bool net_analytics = true;                 // beacon/long-conn/DNS/exfil analytics over Zeek inputs
  std::string msp_tenant;                    // --msp-tenant: enables the logon graph and cross-tenant analytics
  std::string tenant_map_file;               // --tenant-map: hosts, accounts and ranges of each tenant
  PipelineOptions pipeline;
  std::string command_line;                  // recorded in the case database
};

struct HuntReport {
  RunStats stats;
  size_t rules_loaded = 0;
  size_t rules_unusable = 0;
  size_t indicators = 0;
  std::vector<std::string> load_messages;  // one line per rule or indicator that could not be used
};

// Fails (with a one-line reason) only when the rules or indicators given cannot be loaded at all or nothing
// could be read; bad records and files are counted in the report.
Result<HuntReport> run_hunt(const HuntOptions& opt, DetectionSink& sink, PipelineProgress* progress);

}  // namespace trawl

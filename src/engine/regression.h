// SigmaHQ rule regression tests: every rule with `regression_tests_path` points (relative to the regression data
// folder; when that is empty, to the rule's folder or the nearest folder above it holding the file) at an info.yml listing test files; the rule must fire at least `match_count` (default 1) times on each.
// run_sigma_regression() evaluates them with the compiled Program (one Scanner, single-threaded).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/program.h"

namespace trawl {

struct RegressionCase {
  uint32_t rule_index = 0;
  std::string rule_id, rule_title, info_path, test_name, event_file;
  size_t min_matches = 1;
  bool negative = false;
  bool correlation = false;  // rule_index is into RuleSet::correlations(), not the Program's rules  // match_count: 0 — events the rule must not match (near misses)
  size_t matches = 0;
  size_t events = 0;
  bool passed = false;
  std::string error;  // why the test could not run (missing info.yml, unreadable file, ...)
};

struct RegressionReport {
  std::vector<RegressionCase> cases;
  size_t passed = 0, failed = 0;
};

struct RegressionOptions {
  // Use the `.json` twin beside each `.evtx` (the same events rendered by evtx_dump) instead of the EVTX file.
  bool json_twins = false;
  // The rule set the Program was compiled from: when given, correlation rules with regression tests run too
  // (their base rules' matches on the test events feed a fresh Correlator per test file).
  const RuleSet* rules = nullptr;
};

RegressionReport run_sigma_regression(const std::shared_ptr<const Program>& prog, const std::string& regression_dir,
                                      const RegressionOptions& opt);

}  // namespace trawl

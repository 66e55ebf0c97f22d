// Scores detections against a `trawl simulate` answer key (OUTDIR/answers.json): which intrusion steps were
// detected (a detection in one of the step's tenants, inside its time window, on one of its hosts when the
// detection names a host) and which high/critical detections fell on benign-but-noisy activity instead.
// Example:
//   Result<AnswerKey> key = load_answer_key(dir + "/answers.json");
//   AnswerCheckReport r = check_answers(*key, detections);
//   if (!r.all_covered()) std::puts(r.summary().c_str());
// Pure functions over their inputs; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/detection.h"
#include "core/status.h"

namespace trawl::simulate {

struct AnswerWindow {
  int64_t start = 0, end = 0;  // inclusive, microseconds since the epoch
};

struct AnswerStep {
  std::string id, name, tactic, technique, tenant;
  std::vector<std::string> techniques, tenants, hosts, host_ips, accounts;
  AnswerWindow window;
};

struct AnswerBenign {
  std::string id, name;
  std::vector<std::string> tenants, hosts, host_ips, accounts;  // host_ips optional in the key
  std::vector<AnswerWindow> windows;  // sorted by start
};

struct AnswerKey {
  AnswerWindow span;
  std::vector<AnswerStep> steps;
  std::vector<AnswerBenign> benign;
};

Result<AnswerKey> parse_answer_key(std::string_view json);
Result<AnswerKey> load_answer_key(const std::string& path);

struct AnswerCheckOptions {
  int64_t slack_us = 0;                 // widens every step window and benign window on both sides
  Level noisy_level = Level::kHigh;     // detections at or above this level are checked against benign activity
};

struct StepCoverage {
  std::string step_id;
  std::string technique;
  std::vector<size_t> detections;  // indices into the checked detections
  bool covered() const { return !detections.empty(); }
};

struct BenignHit {
  std::string benign_id;
  size_t detection = 0;
};

struct AnswerCheckReport {
  std::vector<StepCoverage> steps;     // one per answer-key step, in key order
  std::vector<BenignHit> benign_hits;  // noisy detections outside every step that fall on benign activity
  std::vector<size_t> unexplained;     // noisy detections outside every step and every benign activity
  size_t covered_count() const;
  bool all_covered() const { return covered_count() == steps.size(); }
  std::string summary() const;  // one line per step plus the benign hits, for test failure messages
};

// True when detection `d` lies in `step` (tenant, window +- slack, host when d names one).
bool detection_in_step(const Detection& d, const AnswerStep& step, int64_t slack_us = 0);

AnswerCheckReport check_answers(const AnswerKey& key, const std::vector<Detection>& detections,
                                const AnswerCheckOptions& options = {});

}  // namespace trawl::simulate

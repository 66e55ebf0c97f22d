#include "engine/regression.h"

#include <yaml-cpp/yaml.h>

#include <filesystem>

#include "analytics/correlation/correlator.h"
#include "core/detection.h"
#include "engine/event_files.h"

namespace trawl {

namespace {

// The test cases listed by one rule's info.yml (or one case carrying the reason they cannot run).
std::vector<RegressionCase> read_cases(const SigmaRule& r, uint32_t index, const std::string& dir,
                                       const RegressionOptions& opt) {
  namespace fs = std::filesystem;
  RegressionCase base;
  base.rule_index = index;
  base.rule_id = r.id;
  base.rule_title = r.title;
  // Without a regression folder, paths are relative to the rule's own pack: the rule file's folder or the
  // nearest folder above it that holds the info.yml (SigmaHQ's layout: relative to the repository root).
  fs::path root = dir;
  if (dir.empty()) {
    std::error_code ec;
    root = fs::path(r.file).parent_path();
    for (fs::path p = root; !p.empty(); p = p.parent_path()) {
      if (fs::exists(p / r.regression_tests_path, ec)) {
        root = p;
        break;
      }
      if (p == p.parent_path()) break;
    }
  }
  base.info_path = (root / r.regression_tests_path).string();
  std::vector<RegressionCase> cases;
  try {
    YAML::Node info = YAML::LoadFile(base.info_path);
    const YAML::Node tests = info["regression_tests_info"];
    if (!tests || !tests.IsSequence() || tests.size() == 0) {
      base.error = "info.yml has no regression_tests_info";
      cases.push_back(base);
    } else {
      for (const auto& t : tests) {
        RegressionCase c = base;
        c.test_name = t["name"] ? t["name"].Scalar() : "test";
        const std::string type = t["type"] ? t["type"].Scalar() : "evtx";
        if (t["match_count"]) c.min_matches = t["match_count"].as<size_t>();
        // match_count 0 is a negative test (near misses): the rule must not fire at all.
        c.negative = t["match_count"] && c.min_matches == 0;
        if (!t["path"]) {
          c.error = "test has no path";
        } else if (type != "evtx" && type != "json") {
          c.error = "test type '" + type + "' is not supported";
        } else {
          fs::path p = root / t["path"].Scalar();
          if (opt.json_twins) p.replace_extension(".json");
          c.event_file = p.string();
        }
        cases.push_back(c);
      }
    }
  } catch (const std::exception& e) {
    base.error = std::string("cannot read info.yml: ") + e.what();
    cases.push_back(base);
  }
  return cases;
}

void finish_case(RegressionCase& c, RegressionReport& rep) {
  c.passed = c.error.empty() && (c.negative ? c.matches == 0 : c.matches >= c.min_matches);
  (c.passed ? rep.passed : rep.failed)++;
  rep.cases.push_back(std::move(c));
}

}  // namespace

RegressionReport run_sigma_regression(const std::shared_ptr<const Program>& prog, const std::string& dir,
                                      const RegressionOptions& opt) {
  RegressionReport rep;
  Scanner scanner(prog);
  std::vector<RuleMatch> matches;
  for (size_t ri = 0; ri < prog->rule_count(); ++ri) {
    const SigmaRule& r = prog->rule(ri);
    if (r.regression_tests_path.empty()) continue;
    for (auto& c : read_cases(r, uint32_t(ri), dir, opt)) {
      if (c.error.empty()) {
        Status s = for_each_event_in_file(c.event_file, [&](const Event& e) {
          ++c.events;
          matches.clear();
          scanner.scan(e, matches);
          for (const auto& m : matches)
            if (m.rule_index == ri) ++c.matches;
        });
        if (!s.ok()) c.error = s.message();
      }
      finish_case(c, rep);
    }
  }
  if (!opt.rules) return rep;
  // Correlation rules: the base rules' matches on the test's events go through a fresh correlator; the test
  // counts the correlation's own detections.
  for (size_t ci = 0; ci < opt.rules->correlations().size(); ++ci) {
    const SigmaRule& r = opt.rules->correlations()[ci];
    if (r.regression_tests_path.empty()) continue;
    for (auto& c : read_cases(r, uint32_t(ci), dir, opt)) {
      c.correlation = true;
      if (c.error.empty()) {
        Result<Correlator> corr = Correlator::build(*opt.rules);
        if (!corr.ok()) {
          c.error = "correlation: " + corr.status().message();
        } else {
          Status s = for_each_event_in_file(c.event_file, [&](const Event& e) {
            ++c.events;
            matches.clear();
            scanner.scan(e, matches);
            for (const auto& m : matches) corr.value().add(sigma_detection(prog->rule(m.rule_index), e));
          });
          if (!s.ok()) c.error = s.message();
          for (const Detection& d : corr.value().finish())
            if (d.rule_id == (r.id.empty() ? r.title : r.id)) ++c.matches;
        }
      }
      finish_case(c, rep);
    }
  }
  return rep;
}

}  // namespace trawl

#include "engine/regression.h"

#include <yaml-cpp/yaml.h>

#include <filesystem>

#include "engine/event_files.h"

namespace trawl {

RegressionReport run_sigma_regression(const std::shared_ptr<const Program>& prog, const std::string& dir,
                                      const RegressionOptions& opt) {
  namespace fs = std::filesystem;
  RegressionReport rep;
  Scanner scanner(prog);
  std::vector<RuleMatch> matches;
  for (size_t ri = 0; ri < prog->rule_count(); ++ri) {
    const SigmaRule& r = prog->rule(ri);
    if (r.regression_tests_path.empty()) continue;
    RegressionCase base;
    base.rule_index = uint32_t(ri);
    base.rule_id = r.id;
    base.rule_title = r.title;
    base.info_path = (fs::path(dir) / r.regression_tests_path).string();
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
            fs::path p = fs::path(dir) / t["path"].Scalar();
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
    for (auto& c : cases) {
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
      c.passed = c.error.empty() && (c.negative ? c.matches == 0 : c.matches >= c.min_matches);
      (c.passed ? rep.passed : rep.failed)++;
      rep.cases.push_back(std::move(c));
    }
  }
  return rep;
}

}  // namespace trawl

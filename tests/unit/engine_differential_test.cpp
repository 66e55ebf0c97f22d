// The compiled Program (routing + Vectorscan literal prefilter) against its slow twin, the ReferenceEvaluator,
// with EVERY SigmaHQ rule over EVERY event of the shared data (all EVTX files, the Mordor JSON datasets):
// identical match sets are required, event by event.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "engine/event_files.h"
#include "engine/program.h"
#include "engine/regression.h"
#include "engine/reference.h"
#include "sigma/logsource_map.h"
#include "sigma/sigma_rule.h"
#include "test_data.h"

namespace {
using namespace trawl;

std::vector<std::string> files_under(const std::string& root, const std::string& ext) {
  namespace fs = std::filesystem;
  std::vector<std::string> out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec); it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (it->is_regular_file(ec) && it->path().extension() == ext) out.push_back(it->path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Every SigmaHQ rule (all folders, deprecated and unsupported included), loaded and compiled once.
struct AllRules {
  RuleSet rules;
  LogSourceMap map;
  std::shared_ptr<const Program> prog;
};
const AllRules& all_rules() {
  static const AllRules* a = [] {
    auto* a = new AllRules();
    RuleLoadOptions opt;
    if (!load_placeholder_file(trawl::test::fixture_path("sigma/placeholders.yml"), opt).ok()) std::abort();
    a->rules = RuleSet::load({trawl::test::data_path("sigma/rules")}, opt);
    auto map = LogSourceMap::builtin();
    if (!map.ok()) std::abort();
    a->map = map.value();
    auto prog = Program::compile(a->rules, a->map, CompileOptions{});
    if (!prog.ok()) std::abort();
    a->prog = prog.value();
    return a;
  }();
  return *a;
}

TEST(EngineDifferential, CompiledEqualsReferenceOnAllSharedData) {
  REQUIRE_DATA("sigma/rules");
  REQUIRE_DATA("evtx");
  const RuleSet& rules = all_rules().rules;
  ASSERT_GT(rules.size(), 3500u);
  Scanner scanner(all_rules().prog);
  // A memo too small for this data (it starts over again and again, and skips values over 40 bytes) and no memo
  // at all: the scanner's memo of field values must never change a result.
  Scanner tiny_memo(all_rules().prog, ScannerOptions{64, 4096, 40});
  Scanner no_memo(all_rules().prog, ScannerOptions{0, 0, 0});
  ReferenceEvaluator reference(rules, all_rules().map);

  std::vector<std::string> files = files_under(trawl::test::data_path(""), ".evtx");
  for (auto& f : files_under(trawl::test::data_path("json/mordor"), ".json")) files.push_back(f);
  size_t events = 0, matched_events = 0, matches = 0, mismatches = 0, evaluated = 0;
  std::vector<RuleMatch> fast, slow, tiny, none;
  for (const auto& f : files) {
    Status s = for_each_event_in_file(f, [&](const Event& e) {
      ++events;
      fast.clear();
      slow.clear();
      scanner.scan(e, fast);
      evaluated += scanner.last_evaluated();
      tiny.clear();
      none.clear();
      tiny_memo.scan(e, tiny);
      no_memo.scan(e, none);
      reference.scan(e, slow);
      if (!slow.empty()) ++matched_events;
      matches += slow.size();
      if (fast != slow || tiny != slow || none != slow) {
        if (++mismatches <= 10) {
          std::string a, b;
          for (auto m : fast) a += " " + rules.rule(m.rule_index).id;
          for (auto m : slow) b += " " + rules.rule(m.rule_index).id;
          ADD_FAILURE() << f << " record " << e.record_id << ": compiled [" << a << " ] reference [" << b
                        << " ] (tiny memo " << (tiny == slow ? "agrees" : "differs") << ", no memo "
                        << (none == slow ? "agrees" : "differs") << ")";
        }
      }
    });
    (void)s;  // undecodable files (deliberately damaged samples) just contribute fewer events
  }
  std::printf("differential: %zu files, %zu events, %zu events matched, %zu matches, %.1f variants evaluated/event\n",
              files.size(), events, matched_events, matches, events ? double(evaluated) / double(events) : 0.0);
  std::printf("memo: %llu values from the memo, %llu scans; tiny memo: %llu resets\n",
              (unsigned long long)scanner.stats().memo_hits, (unsigned long long)scanner.stats().scans,
              (unsigned long long)tiny_memo.stats().memo_resets);
  EXPECT_EQ(0u, mismatches);
  EXPECT_GT(scanner.stats().memo_hits, scanner.stats().scans);  // logs repeat values: most come from the memo
  EXPECT_GT(tiny_memo.stats().memo_resets, 10u);
  EXPECT_EQ(0u, no_memo.stats().memo_hits);
  EXPECT_GT(events, 10000u);
  EXPECT_GT(matches, 100u);  // the rules do fire on this data: the comparison is not vacuous
}

}  // namespace

namespace {
using namespace trawl;
// SigmaHQ regression tests: every rule with regression_tests_path fires at least match_count times on its EVTX
// file (decoded by the EVTX decoder), and on the .json twin of the same events (decoded by the JSON decoder).
TEST(EngineRegression, SigmaHqRegressionTestsPass) {
  REQUIRE_DATA("sigma/regression");
  REQUIRE_DATA("sigma/rules");
  for (bool json : {false, true}) {
    RegressionOptions ro;
    ro.json_twins = json;
    RegressionReport rep = run_sigma_regression(all_rules().prog, trawl::test::data_path("sigma/regression"), ro);
    EXPECT_EQ(202u, rep.cases.size());
    EXPECT_EQ(202u, rep.passed) << (json ? "json twins" : "evtx");
    for (const auto& c : rep.cases)
      if (!c.passed)
        ADD_FAILURE() << (json ? "[json] " : "[evtx] ") << c.rule_id << " " << c.rule_title << ": " << c.matches
                      << " of min " << c.min_matches << " on " << c.events << " events " << c.error;
  }
}
}  // namespace

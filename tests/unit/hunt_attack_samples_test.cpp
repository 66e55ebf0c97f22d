// trawl hunt over the real attack samples with every SigmaHQ Windows rule gives exactly the detections that
// rule-level matching (the compiled program run on each file on its own, one thread) gives, and the same
// output with 1 and 2 worker threads.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <tuple>

#include "engine/event_files.h"
#include "engine/program.h"
#include "hunt/hunt.h"
#include "output/sink.h"
#include "test_data.h"

using namespace trawl;
namespace fs = std::filesystem;

namespace {

class CollectingSink final : public DetectionSink {
 public:
  Status begin(const RunInfo&) override { return Status(); }
  Status write(const Detection& d) override {
    lines.emplace_back();
    append_detection_json(lines.back(), d);
    keys.emplace(d.source_path, d.record_id, d.rule_id);
    return Status();
  }
  Status finish(const RunStats&) override { return Status(); }
  std::vector<std::string> lines;
  std::multiset<std::tuple<std::string, uint64_t, std::string>> keys;
};

}  // namespace

TEST(HuntAttackSamples, SameDetectionsAsRuleLevelMatchingPerFile) {
  REQUIRE_DATA("evtx/attack-samples");
  REQUIRE_DATA("sigma/rules/rules/windows");
  const std::string samples = test::data_path("evtx/attack-samples");
  const std::string rules_dir = test::data_path("sigma/rules/rules/windows");

  HuntOptions o;
  o.paths = {samples};
  o.rule_paths = {rules_dir};
  o.builtin_rules = false;
  o.builtin_iocs = false;
  o.net_analytics = false;
  o.pipeline.threads = 2;
  CollectingSink two;
  Result<HuntReport> r2 = run_hunt(o, two, nullptr);
  ASSERT_TRUE(r2.ok()) << r2.status().message();
  o.pipeline.threads = 1;
  CollectingSink one;
  ASSERT_TRUE(run_hunt(o, one, nullptr).ok());
  EXPECT_EQ(one.lines, two.lines) << "hunt output depends on the thread count";
  EXPECT_EQ(r2.value().stats.events, 8255u);

  // Rule-level matching, file by file.
  RuleSet rules = RuleSet::load({rules_dir}, RuleLoadOptions{});
  auto map = LogSourceMap::builtin();
  ASSERT_TRUE(map.ok()) << map.status().message();
  auto prog = Program::compile(rules, map.value(), CompileOptions{});
  ASSERT_TRUE(prog.ok()) << prog.status().message();
  Scanner scanner(prog.value());
  std::vector<std::string> files;
  for (auto& e : fs::recursive_directory_iterator(samples))
    if (e.is_regular_file() && e.path().extension() == ".evtx") files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  std::multiset<std::tuple<std::string, uint64_t, std::string>> expected;
  std::vector<RuleMatch> matches;
  for (const std::string& f : files) {
    Status s = for_each_event_in_file(f, [&](const Event& e) {
      matches.clear();
      scanner.scan(e, matches);
      for (const RuleMatch& m : matches) {
        const SigmaRule& rule = prog.value()->rule(m.rule_index);
        expected.emplace(f, e.record_id, rule.id.empty() ? rule.title : rule.id);
      }
    });
    ASSERT_TRUE(s.ok()) << s.message();
  }
  EXPECT_GT(expected.size(), 100u);
  EXPECT_EQ(two.keys.size(), expected.size());
  EXPECT_TRUE(two.keys == expected) << "hunt and per-file rule matching disagree";
}

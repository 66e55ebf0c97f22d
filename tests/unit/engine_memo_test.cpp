// The scanner's memo of field values (ScannerOptions) must never change a result: random events drawn from a
// small vocabulary (so values repeat, as in logs) against team-written rules of every prefilter shape (field
// literals, keywords scanned over the joined values, regex prefilters, AND-ed groups, negations), scanned with the
// default memo, a memo so small it starts over constantly, and none; each must equal the ReferenceEvaluator.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "core/event.h"
#include "engine/program.h"
#include "engine/reference.h"
#include "sigma/logsource_map.h"
#include "sigma/sigma_rule.h"

namespace {
using namespace trawl;

const char* kRules[] = {
    "title: r1\nid: m1\nlogsource: {product: test}\ndetection:\n  sel:\n    Image|endswith: '\\evil.exe'\n"
    "  condition: sel\n",
    "title: r2\nid: m2\nlogsource: {product: test}\ndetection:\n  sel:\n    CommandLine|contains|all: ['-enc', "
    "'hidden']\n  condition: sel\n",
    "title: r3\nid: m3\nlogsource: {product: test}\ndetection:\n  keywords: ['mimikatz', 'sekurlsa']\n"
    "  condition: keywords\n",
    "title: r4\nid: m4\nlogsource: {product: test}\ndetection:\n  sel:\n    CommandLine|re: 'ab+c[0-9]{2}'\n"
    "  condition: sel\n",
    "title: r5\nid: m5\nlogsource: {product: test}\ndetection:\n  sel:\n    Image|endswith: '\\cmd.exe'\n"
    "  filter:\n    CommandLine|contains: 'benign'\n  condition: sel and not filter\n",
    "title: r6\nid: m6\nlogsource: {product: test}\ndetection:\n  a:\n    Image|contains: 'temp'\n  b:\n"
    "    CommandLine|startswith: 'x'\n  condition: a or b\n",
    "title: r7\nid: m7\nlogsource: {product: test}\ndetection:\n  keywords:\n    '|all': ['foo', 'bar']\n"
    "  condition: keywords\n",
    // A literal with a newline (YAML double quotes): found inside one value, and the keyword join uses newlines.
    "title: r8\nid: m8\nlogsource: {product: test}\ndetection:\n  sel:\n    Payload|contains: \"o\\nb\"\n"
    "  condition: sel\n",
    "title: r9\nid: m9\nlogsource: {product: test}\ndetection:\n  keywords: [\"o\\nb\"]\n  condition: keywords\n",
};

const std::vector<std::string> kImages = {"C:\\Windows\\evil.exe", "C:\\Windows\\cmd.exe", "C:\\temp\\a.exe",
                                          "C:\\x\\EVIL.EXE", "cmd.exe", ""};
const std::vector<std::string> kCommandLines = {"-enc hidden", "x -ENC HIDDEN", "benign -enc", "abbbc12",
                                                "run mimikatz", "xabc", "foo", "bar", "sekurlsa::x", ""};
const std::vector<std::string> kPayloads = {"fo", "o\nbar", "foo", "bar", "mimi", "katz", "zzz"};

TEST(EngineMemo, NeverChangesAResult) {
  std::string text;
  for (const char* r : kRules) text += std::string("---\n") + r;
  RuleSet rs = RuleSet::from_text(text, "memo.yml", RuleLoadOptions());
  ASSERT_EQ(std::size(kRules), rs.size());
  auto map = LogSourceMap::from_text(
      "sources:\n- {name: t, logsource: {product: test}, conditions: {Channel: [Test]}}\n", "test");
  ASSERT_TRUE(map.ok());
  auto prog = Program::compile(rs, map.value(), CompileOptions{});
  ASSERT_TRUE(prog.ok()) << prog.status().message();
  Scanner normal(prog.value());
  Scanner tiny(prog.value(), ScannerOptions{4, 96, 8});
  Scanner none(prog.value(), ScannerOptions{0, 0, 0});
  ReferenceEvaluator ref(rs, map.value());

  std::mt19937 rng(7);
  auto pick = [&](const std::vector<std::string>& v) { return v[rng() % v.size()]; };
  size_t matched = 0;
  std::vector<size_t> per_rule(rs.size(), 0);
  for (int i = 0; i < 20000; ++i) {
    // Event fields are views: the strings live here for the event's lifetime.
    const std::string image = pick(kImages);
    const std::string cmd = pick(kCommandLines) + (rng() % 4 == 0 ? " " + std::to_string(rng() % 50) : "");
    const std::string payload = pick(kPayloads);
    Event e;
    e.add("Channel", "Test");
    e.add("Image", image);
    e.add("CommandLine", cmd);
    if (rng() % 2) e.add("Payload", payload);
    std::vector<RuleMatch> want, a, b, c;
    ref.scan(e, want);
    normal.scan(e, a);
    tiny.scan(e, b);
    none.scan(e, c);
    ASSERT_EQ(want, a) << "default memo, event " << i;
    ASSERT_EQ(want, b) << "tiny memo, event " << i;
    ASSERT_EQ(want, c) << "no memo, event " << i;
    matched += want.empty() ? 0 : 1;
    for (const RuleMatch& m : want) ++per_rule[m.rule_index];
  }
  EXPECT_GT(matched, 2000u);  // the rules fire: the comparison is not vacuous
  for (size_t r = 0; r < per_rule.size(); ++r) EXPECT_GT(per_rule[r], 0u) << "rule " << rs.rule(r).title << " never fired";
  EXPECT_GT(normal.stats().memo_hits, normal.stats().scans);
  EXPECT_GT(tiny.stats().memo_resets, 100u);
  EXPECT_EQ(0u, none.stats().memo_hits);
  EXPECT_EQ(0u, none.stats().memo_resets);
}

}  // namespace

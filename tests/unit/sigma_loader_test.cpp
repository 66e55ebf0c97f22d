// Sigma YAML loading: documents, global actions, correlation rules, exact reasons, and the load rate over the
// whole SigmaHQ repository.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <string>

#include "sigma/sigma_rule.h"
#include "test_data.h"

namespace {
using namespace trawl;

TEST(SigmaLoader, SingleRuleMetadata) {
  RuleSet rs = RuleSet::from_text(R"(title: Whoami
id: 11111111-2222-3333-4444-555555555555
status: test
description: finds whoami
level: high
tags: [attack.discovery, attack.t1033]
falsepositives: [admins]
logsource: {product: windows, category: process_creation}
detection:
  sel: {Image|endswith: '\whoami.exe'}
  condition: sel
)", "a.yml", {});
  ASSERT_EQ(1u, rs.size());
  const SigmaRule& r = rs.rule(0);
  EXPECT_EQ("Whoami", r.title);
  EXPECT_EQ("11111111-2222-3333-4444-555555555555", r.id);
  EXPECT_EQ(Level::kHigh, r.level);
  EXPECT_EQ("test", r.status);
  EXPECT_EQ(2u, r.tags.size());
  EXPECT_EQ("process_creation", r.logsource.category);
  EXPECT_EQ("a.yml", r.file);
  EXPECT_EQ(1u, rs.report().loaded);
}

TEST(SigmaLoader, ActionGlobalMerges) {
  RuleSet rs = RuleSet::from_text(R"(action: global
title: Base
logsource: {product: windows}
detection:
  condition: sel
---
logsource: {service: security}
detection:
  sel: {EventID: 1}
---
title: Second
logsource: {service: system}
detection:
  sel: {EventID: 2}
)", "multi.yml", {});
  ASSERT_EQ(2u, rs.size());
  EXPECT_EQ("Base", rs.rule(0).title);
  EXPECT_EQ("windows", rs.rule(0).logsource.product);
  EXPECT_EQ("security", rs.rule(0).logsource.service);
  EXPECT_EQ("Second", rs.rule(1).title);
  EXPECT_EQ("system", rs.rule(1).logsource.service);
  EXPECT_EQ(1u, rs.rule(1).conditions.size());
}

TEST(SigmaLoader, CorrelationRulesAreKeptApart) {
  RuleSet rs = RuleSet::from_text(R"(title: Many failed logons
id: c0000000-0000-0000-0000-000000000001
correlation:
  type: event_count
  rules: [failed_logon]
  group-by: [TargetUserName]
  timespan: 5m
  condition: {gte: 10}
)", "corr.yml", {});
  EXPECT_EQ(0u, rs.size());
  ASSERT_EQ(1u, rs.correlations().size());
  EXPECT_TRUE(rs.correlations()[0].correlation);
  EXPECT_NE(std::string::npos, rs.correlations()[0].source_yaml.find("event_count"));
  ASSERT_EQ(1u, rs.report().entries.size());
  EXPECT_EQ(RuleLoadStatus::kCorrelation, rs.report().entries[0].status);
  EXPECT_EQ("correlation rule (evaluated by the correlator)", rs.report().entries[0].reason);
}

TEST(SigmaLoader, ExactReasons) {
  auto reason = [](const std::string& yaml) {
    RuleSet rs = RuleSet::from_text(yaml, "bad.yml", {});
    return rs.report().entries.empty() ? std::string("(none)") : rs.report().entries.back().reason;
  };
  EXPECT_NE(std::string::npos, reason("title: [unclosed\n").find("not valid YAML"));
  EXPECT_NE(std::string::npos, reason("title: [unclosed\n").find("line "));
  EXPECT_EQ("missing or malformed 'detection' (must be a map)", reason("title: t\nlogsource: {}\n"));
  EXPECT_EQ("detection has no 'condition'", reason("title: t\ndetection: {sel: {a: b}}\n"));
  EXPECT_EQ("missing 'title'", reason("detection: {sel: {a: b}, condition: sel}\n"));
  EXPECT_EQ("unknown level 'urgent'", reason("title: t\nlevel: urgent\ndetection: {sel: {a: b}, condition: sel}\n"));
  EXPECT_EQ("search 'sel' is empty", reason("title: t\ndetection: {sel: , condition: sel}\n"));
  EXPECT_EQ("'a': a value cannot be a map", reason("title: t\ndetection: {sel: {a: {b: c}}, condition: sel}\n"));
  EXPECT_NE(std::string::npos, reason("- just\n- a list\n").find("not a YAML map"));
  EXPECT_NE(std::string::npos, reason(std::string(100, '[')).find("nested deeper"));
  EXPECT_NE(std::string::npos, reason(std::string(2000, '-') + " x\n").find("nested deeper"));
  RuleSet rs = RuleSet::from_text("title: t\nlevel: urgent\ndetection: {sel: {a: b}, condition: sel}\n", "f.yml", {});
  EXPECT_EQ(RuleLoadStatus::kUnusable, rs.report().entries[0].status);
  EXPECT_EQ("f.yml", rs.report().entries[0].file);
  EXPECT_EQ("t", rs.report().entries[0].title);
}

TEST(SigmaLoader, PlaceholderFile) {
  RuleLoadOptions opt;
  ASSERT_TRUE(load_placeholder_file(trawl::test::fixture_path("sigma/placeholders.yml"), opt).ok());
  EXPECT_EQ(2u, opt.placeholders["Administrators"].size());
  EXPECT_FALSE(load_placeholder_file("/nonexistent/vars.yml", opt).ok());
}

// The SigmaHQ repository (without deprecated/ and unsupported/) must load almost completely: >= 99.5%.
TEST(SigmaLoader, SigmaHqLoadRate) {
  REQUIRE_DATA("sigma/rules");
  RuleLoadOptions opt;
  opt.exclude_dirs = {"deprecated", "unsupported"};
  ASSERT_TRUE(load_placeholder_file(trawl::test::fixture_path("sigma/placeholders.yml"), opt).ok());
  RuleSet rs = RuleSet::load({trawl::test::data_path("sigma/rules")}, opt);
  const auto& rep = rs.report();
  const size_t total = rep.loaded + rep.unusable + rep.needs_values;
  EXPECT_EQ(0u, rep.needs_values);  // the fixture supplies every placeholder SigmaHQ uses
  EXPECT_EQ(0u, rep.invalid_files);
  EXPECT_GE(total, 3700u);
  EXPECT_GE(double(rep.loaded), 0.995 * double(total)) << rep.loaded << " of " << total;
  for (const auto& e : rep.entries) {
    if (e.status != RuleLoadStatus::kUnusable) continue;
    std::printf("unusable: %s %s: %s\n", e.file.c_str(), e.id.c_str(), e.reason.c_str());
    EXPECT_EQ(std::string::npos, e.reason.find("unknown modifier")) << e.reason;
  }
  // Without placeholder values, rules that need them are kept out (never silently matched) and say which
  // placeholder they wait for; nothing else becomes unusable.
  RuleLoadOptions bare;
  RuleSet ph = RuleSet::load({trawl::test::data_path("sigma/rules/rules-placeholder")}, bare);
  EXPECT_GT(ph.report().needs_values, 10u);
  EXPECT_EQ(ph.report().unusable, 0u);
  for (const auto& e : ph.report().entries)
    if (e.status == RuleLoadStatus::kNeedsValues) {
      EXPECT_NE(std::string::npos, e.reason.find("has no value")) << e.reason;
      for (const SigmaRule& r : ph.rules()) EXPECT_NE(r.id, e.id) << "a rule waiting for values was loaded";
    }
}

// deprecated/ and unsupported/ hold older syntax (multi-document files, aggregations): each document is either
// loaded or has a reason; nothing is lost silently.
TEST(SigmaLoader, OldRulesHaveReasons) {
  REQUIRE_DATA("sigma/rules/unsupported");
  RuleSet rs = RuleSet::load({trawl::test::data_path("sigma/rules/unsupported"),
                              trawl::test::data_path("sigma/rules/deprecated")}, {});
  EXPECT_EQ(0u, rs.report().invalid_files);
  EXPECT_GE(rs.report().entries.size(), 255u);
  for (const auto& e : rs.report().entries)
    if (e.status != RuleLoadStatus::kLoaded) {
      EXPECT_FALSE(e.reason.empty());
    }
}

}  // namespace

// yaml_load_all, our split-then-load twin of yaml-cpp's LoadAll: the same documents on well-formed streams
// (team cases and every SigmaHQ rule file), error lines counted from the start of the stream, and it ends on
// the malformed stream on which LoadAll loops forever, allocating (found by sigma_rule_fuzz).
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "core/yaml_util.h"

namespace {

std::string dump_all(const std::vector<YAML::Node>& docs) {
  std::string out;
  for (const auto& d : docs) out += YAML::Dump(d) + "\n<doc>\n";
  return out;
}

TEST(YamlLoadAll, SameDocumentsAsYamlCpp) {
  const char* cases[] = {
      "",
      "# comment only\n",
      "a: 1\n",
      "---\na: 1\n",
      "a: 1\n---\nb: 2\n",
      "a: 1\n---\n---\nb: 2\n",
      "a: 1\n---\n",
      "%YAML 1.2\n---\na: 1\n",
      "a: 1\n...\n---\nb: [1, 2]\n",
      "--- \r\na: 1\r\n--- # two\r\nb: x\r\n",
      "a: |\n  ---x\n  text\nb: '---'\n",
      "---x: 1\n",
      "- 1\n- 2\n---\n- 3\n",
  };
  for (const char* c : cases) {
    SCOPED_TRACE(c);
    EXPECT_EQ(dump_all(YAML::LoadAll(std::string(c))), dump_all(trawl::yaml_load_all(c)));
  }
}

TEST(YamlLoadAll, ErrorLinesCountFromTheStreamStart) {
  try {
    trawl::yaml_load_all("a: 1\n---\nb: 2\n---\nc: [1, 2\nd: 3\n");
    FAIL() << "no exception";
  } catch (const YAML::Exception& e) {
    EXPECT_GE(e.mark.line, 4);  // inside the third document (0-based line 4 or later), not line 0-1 of it
  }
}

TEST(YamlLoadAll, EndsWhereYamlCppLoadAllLoopsForever) {
  // LoadAll allocates without bound on these 80 bytes; ours returns at once with no readable document.
  const std::string hostile(
      ",,,,,,,,dateaction: global\nti\x7ft@\xa8@@@tection:\n Evl:{entID: [1, 4688]}\n");
  std::vector<YAML::Node> docs;
  try {
    docs = trawl::yaml_load_all(hostile);
  } catch (const YAML::Exception&) {
  }
  EXPECT_LE(docs.size(), 1u);
  trawl::RuleSet rs = trawl::RuleSet::from_text(hostile, "hostile.yml", trawl::RuleLoadOptions());
  EXPECT_EQ(0u, rs.size());
  EXPECT_EQ(1u, rs.report().invalid_files);
}

TEST(YamlLoadAll, SameDocumentsOnEverySigmaHqFile) {
  REQUIRE_DATA("sigma/rules");
  size_t files = 0, docs = 0;
  for (const auto& it : std::filesystem::recursive_directory_iterator(trawl::test::data_path("sigma/rules"))) {
    if (!it.is_regular_file() || it.path().extension() != ".yml") continue;
    std::ifstream in(it.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string text = ss.str();
    std::vector<YAML::Node> want, got;
    try {
      want = YAML::LoadAll(text);
    } catch (const YAML::Exception&) {
      EXPECT_THROW(trawl::yaml_load_all(text), YAML::Exception) << it.path();
      continue;
    }
    got = trawl::yaml_load_all(text);
    ASSERT_EQ(dump_all(want), dump_all(got)) << it.path();
    ++files;
    docs += got.size();
  }
  EXPECT_GT(files, 3500u);
  EXPECT_GE(docs, files);
}

}  // namespace

// The built-in Cloud Hopper rule pack passes its own regression tests (positive events fire at least
// match_count times, the near-miss negatives never; the correlation rule's through the correlator), loads without an unusable rule, and compiles.
#include <gtest/gtest.h>

#include "engine/program.h"
#include "engine/regression.h"
#include "test_data.h"

using namespace trawl;

TEST(CloudHopperRules, RegressionTestsPass) {
  const std::string pack = std::string(TRAWL_SOURCE_DIR) + "/rules/cloudhopper";
  RuleLoadOptions lo;
  lo.exclude_dirs = {"regression_data"};
  RuleSet rules = RuleSet::load({pack}, lo);
  EXPECT_EQ(rules.report().unusable, 0u);
  EXPECT_EQ(rules.report().invalid_files, 0u);
  ASSERT_GE(rules.size(), 8u);
  auto map = LogSourceMap::builtin();
  ASSERT_TRUE(map.ok()) << map.status().message();
  auto prog = Program::compile(rules, map.value(), CompileOptions{});
  ASSERT_TRUE(prog.ok()) << prog.status().message();
  RegressionOptions ro;
  ro.rules = &rules;  // the correlation rule's tests run too
  RegressionReport rep = run_sigma_regression(prog.value(), pack, ro);
  size_t negatives = 0, correlation_cases = 0;
  for (const RegressionCase& c : rep.cases) {
    EXPECT_TRUE(c.passed) << c.rule_title << " / " << c.test_name << ": " << c.matches << " matches of "
                          << c.events << " events (expected " << (c.negative ? "none" : ">= min") << ") "
                          << c.error;
    negatives += c.negative;
    correlation_cases += c.correlation;
  }
  // Every rule file of the pack has a positive and a near-miss test (the correlation's run through the correlator).
  EXPECT_GE(rep.cases.size(), 20u);
  EXPECT_GE(negatives, 10u);
  EXPECT_EQ(correlation_cases, 2u);
  EXPECT_EQ(rep.failed, 0u);
}

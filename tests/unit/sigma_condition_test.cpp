// The Sigma condition parser on its own: precedence, "of" forms, errors with positions, bounded nesting.
#include <gtest/gtest.h>

#include <string>

#include "sigma/sigma_condition.h"

namespace {
using namespace trawl;

std::string P(const std::string& text) {
  auto r = parse_sigma_condition(text);
  return r.ok() ? sigma_condition_to_string(r.value()) : "ERROR: " + r.status().message();
}

TEST(SigmaConditionParser, Precedence) {
  EXPECT_EQ("(a or (b and c))", P("a or b and c"));
  EXPECT_EQ("((a and b) or c)", P("a and b or c"));
  EXPECT_EQ("((not a) and b)", P("not a and b"));
  EXPECT_EQ("(not (a or b))", P("not (a or b)"));
  EXPECT_EQ("(a and b and c)", P("a and b and c"));
  EXPECT_EQ("a", P("((a))"));
  EXPECT_EQ("(not (not a))", P("not not a"));
  EXPECT_EQ("(a and b)", P("a AND b"));
}

TEST(SigmaConditionParser, OfForms) {
  EXPECT_EQ("1 of sel*", P("1 of sel*"));
  EXPECT_EQ("all of them", P("all of them"));
  EXPECT_EQ("(1 of sel_* and (not all of filter_*))", P("1 of sel_* and not all of filter_*"));
  EXPECT_EQ("3 of x*", P("3 of x*"));
  EXPECT_EQ("(all and b)", P("all and b"));  // an identifier named "all"
}

TEST(SigmaConditionParser, Errors) {
  EXPECT_EQ("ERROR: condition: expected ')' at offset 7", P("(a or b"));
  EXPECT_NE(std::string::npos, P("a and").find("expected a search identifier"));
  EXPECT_NE(std::string::npos, P("").find("expected a search identifier"));
  EXPECT_NE(std::string::npos, P("a b").find("unexpected 'b'"));
  EXPECT_NE(std::string::npos, P("sel | count() > 3").find("aggregation"));
  EXPECT_NE(std::string::npos, P("1 of").find("after 'of'"));
  EXPECT_NE(std::string::npos, P("0 of x").find("'0 of'"));
  EXPECT_NE(std::string::npos, P("a = b").find("unexpected '='"));
  EXPECT_NE(std::string::npos, P("= b").find("unexpected character"));
  EXPECT_NE(std::string::npos, P(std::string(5000, '(') + "a" + std::string(5000, ')')).find("nesting too deep"));
  EXPECT_NE(std::string::npos, P([] { std::string s; for (int i = 0; i < 5000; ++i) s += "not "; return s + "a"; }()).find("nesting too deep"));
}

TEST(SigmaConditionParser, Resolve) {
  std::vector<std::string> ids = {"selection_a", "selection_b", "filter", "_private"};
  auto r = parse_sigma_condition("1 of selection_* and not filter");
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(resolve_sigma_condition(r.value(), ids).ok());
  EXPECT_EQ("((selection_a or selection_b) and (not filter))", sigma_condition_to_string(r.value(), &ids));
  auto t = parse_sigma_condition("all of them");
  ASSERT_TRUE(resolve_sigma_condition(t.value(), ids).ok());
  EXPECT_EQ("(selection_a and selection_b and filter)", sigma_condition_to_string(t.value(), &ids));
  auto u = parse_sigma_condition("selection_c");
  EXPECT_FALSE(resolve_sigma_condition(u.value(), ids).ok());
  EXPECT_TRUE(identifier_pattern_matches("*a*b", "xxaxxb"));
  EXPECT_FALSE(identifier_pattern_matches("*a*b", "xxaxxbc"));
}

}  // namespace

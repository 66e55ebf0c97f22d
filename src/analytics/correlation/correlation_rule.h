// Sigma correlation rules (Sigma specification 2.x, "correlation:" documents) as plain data: the parsed
// `correlation` section (type, referenced rules, group-by, timespan, condition, aliases, generate) of one rule.
// parse_correlation_rule() reads the YAML text the rule loader kept in SigmaRule::source_yaml and says exactly why
// a rule cannot be used. Pure functions over their inputs; thread-safe. The objects own their strings.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/detection.h"
#include "core/status.h"

namespace trawl {

enum class CorrelationType : uint8_t {
  kEventCount,       // events in the window
  kValueCount,       // distinct values of condition.field in the window
  kTemporal,         // distinct referenced rules in the window (default: all of them)
  kTemporalOrdered,  // referenced rules in the listed order in the window (default: all of them)
  kValueSum,         // sum of the numeric values of condition.field
  kValueAvg,         // mean of them
  kValuePercentile,  // the condition.percentile-th percentile of them (nearest rank; default 50)
};
const char* correlation_type_name(CorrelationType t);

enum class CorrelationOp : uint8_t { kGt, kGte, kLt, kLte, kEq, kNeq };

struct CorrelationCondition {
  std::vector<std::pair<CorrelationOp, double>> tests;  // all must hold (a range is gt + lte)
  std::string field;                                 // value_* types: the field whose values are aggregated
  double percentile = 50;                            // value_percentile only, in [0, 100]
  bool holds(double v) const;
};

struct CorrelationRule {
  std::string id, name, title;
  CorrelationType type = CorrelationType::kEventCount;
  std::vector<std::string> rules;     // references as written: a rule id or a rule `name`
  std::vector<std::string> group_by;  // field names or alias names
  int64_t timespan_us = 0;
  bool has_condition = false;         // temporal types may omit it
  CorrelationCondition condition;
  // alias name -> (rule reference as written in an aliases map, i.e. a rule name or id -> field name)
  std::map<std::string, std::map<std::string, std::string>> aliases;
  bool generate = false;              // spec default: referenced rules are not emitted on their own
};

// Parses the correlation section of one YAML document. The error message says what is wrong.
Result<CorrelationRule> parse_correlation_rule(std::string_view yaml_text);
// "30s", "5m", "1h", "7d" -> microseconds; at most 10 years; anything else is an error.
Result<int64_t> parse_timespan(std::string_view s);

}  // namespace trawl

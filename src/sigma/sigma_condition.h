// SigmaCondition: the parser for a Sigma detection's `condition` text ("selection and not 1 of filter_*") into a
// small expression tree, and its resolution against the rule's search identifiers (patterns and `them` become
// explicit OR / AND / at-least-N nodes over identifier indexes). Pure functions, no shared state; the parser
// is bounded (input length, nesting depth) and fuzzed (fuzz/sigma_condition_fuzz.cpp).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace trawl {

struct SigmaCondition {
  enum class Op : uint8_t {
    kRef,      // a search identifier (index into the rule's identifiers once resolved)
    kAnd,
    kOr,
    kNot,
    kAtLeast,  // at least `count` of the children ("1 of x*" = 1; "all of x*" is kAnd)
    kPattern,  // unresolved "N of pattern" / "all of pattern" (count = 0 means all); text = pattern or "them"
    kName,     // unresolved identifier name
  };
  Op op = Op::kRef;
  uint32_t ref = 0;
  uint32_t count = 0;
  std::string text;
  std::vector<SigmaCondition> kids;
};

// Parses a condition. Errors name the position and what was expected.
Result<SigmaCondition> parse_sigma_condition(std::string_view text);

// Replaces names and patterns by references to `identifiers`. A name that is not defined, or a pattern that
// matches nothing, is an error (the rule cannot be evaluated as its author meant).
Status resolve_sigma_condition(SigmaCondition& c, const std::vector<std::string>& identifiers);

// True when `name` matches a condition pattern (`*` matches any run).
bool identifier_pattern_matches(std::string_view pattern, std::string_view name);

// Renders the tree (for messages and tests), e.g. "(a and (not b))".
std::string sigma_condition_to_string(const SigmaCondition& c, const std::vector<std::string>* identifiers = nullptr);

}  // namespace trawl

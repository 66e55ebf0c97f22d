// ReferenceEvaluator: the slow twin of the compiled Program. For every event it checks every rule's log sources
// directly against the event (no routing table) and walks every rule's condition tree (no literal prefilter).
// Tests compare its match sets with Scanner's on all shared data. Holds a pointer to the RuleSet, which must
// outlive it; one instance per thread (it is cheap).
#pragma once

#include <cstdint>
#include <vector>

#include "core/event.h"
#include "sigma/logsource_map.h"
#include "sigma/sigma_rule.h"

namespace trawl {

struct RuleMatch {
  uint32_t rule_index;  // index into the RuleSet / Program rule order
  bool operator==(const RuleMatch& o) const { return rule_index == o.rule_index; }
};

class ReferenceEvaluator {
 public:
  ReferenceEvaluator(const RuleSet& rules, const LogSourceMap& map);
  // Appends the matching rules in ascending rule_index.
  void scan(const Event& e, std::vector<RuleMatch>& out);

 private:
  const RuleSet* rules_;
  LogSourceMap map_;
  std::vector<std::vector<uint32_t>> entries_;  // per rule: the log-source entries it applies to
  std::vector<uint8_t> entry_ok_;                // per entry, for the current event
};

}  // namespace trawl

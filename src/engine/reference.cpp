#include "engine/reference.h"

#include "engine/rule_eval.h"

namespace trawl {

ReferenceEvaluator::ReferenceEvaluator(const RuleSet& rules, const LogSourceMap& map) : rules_(&rules), map_(map) {
  entries_.reserve(rules.size());
  for (size_t i = 0; i < rules.size(); ++i) entries_.push_back(map_.entries_for(rules.rule(i).logsource));
}

void ReferenceEvaluator::scan(const Event& e, std::vector<RuleMatch>& out) {
  const auto& ents = map_.entries();
  // Each log source is checked directly against the event once; then every rule is walked.
  entry_ok_.resize(ents.size());
  for (size_t ei = 0; ei < ents.size(); ++ei) entry_ok_[ei] = LogSourceMap::entry_matches(ents[ei], e) ? 1 : 0;
  for (size_t i = 0; i < rules_->size(); ++i) {
    const SigmaRule& r = rules_->rule(i);
    for (uint32_t ei : entries_[i]) {
      const LogSourceEntry& ent = ents[ei];
      if (!entry_ok_[ei]) continue;
      if (evaluate_rule(r, &ent.field_renames, e)) {
        out.push_back(RuleMatch{uint32_t(i)});
        break;
      }
    }
  }
}

}  // namespace trawl

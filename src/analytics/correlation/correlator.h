// Correlator: evaluates Sigma correlation rules (event_count, value_count, temporal, temporal_ordered, value_sum,
// value_avg, value_percentile; chaining; aliases; generate) over the Sigma detections of their base rules.
// Inputs come in input order, not time order (files are not globally ordered), so the state per (correlation,
// tenant, group) keeps its items and the sliding windows are evaluated on finish(); output is sorted by time, then
// rule, then group. Groups never mix tenants: the tenant is always part of the group key.
// Bounded state: at most kMaxItemsPerGroup items per group and kMaxGroups groups per correlation. A full group is
// evaluated at once (its matches kept), then the items older than (newest - timespan) are dropped.
// Not thread-safe: feed it from one thread. Owns everything it keeps (copies of the needed detection fields).
//
// Example:
//   Result<Correlator> c = Correlator::build(rules);
//   for (const Detection& d : sigma_hits) { c->add(d); if (!c->suppresses(d.rule_id)) emit(d); }
//   for (Detection& d : c->finish()) emit(d);
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "analytics/correlation/correlation_rule.h"
#include "core/detection.h"
#include "core/status.h"
#include "sigma/sigma_rule.h"

namespace trawl {

class Correlator {
 public:
  static constexpr size_t kMaxItemsPerGroup = 4096;
  static constexpr size_t kMaxGroups = 100000;
  static constexpr size_t kMaxEvidence = 64;  // evidence record ids listed per correlation detection

  // Parses the correlation rules (RuleSet::correlations()) and resolves their references against the rule set
  // (base rules by id, or by `name:` read from the rules' YAML files; correlations by id or name). Unusable
  // correlations (bad YAML, unknown reference, reference cycle) are listed with the reason in messages().
  static Result<Correlator> build(const RuleSet& rules);
  // As build(), with extra name -> rule id pairs (for rules loaded from text, whose files cannot be re-read).
  static Result<Correlator> build(const RuleSet& rules, const std::map<std::string, std::string>& base_names);

  // Every Sigma detection of any base rule, in input order (before level filters). Others are ignored cheaply.
  void add(const Detection& base);
  // Evaluates every open window; returns the correlation detections (kind correlation). Leaves the state empty.
  std::vector<Detection> finish();
  // True when base rule `rule_id` is referenced only by correlations with generate: false.
  bool suppresses(const std::string& rule_id) const { return suppressed_.count(rule_id) != 0; }
  const std::vector<std::string>& messages() const { return messages_; }
  size_t usable() const { return corrs_.size(); }
  uint64_t dropped_items() const { return dropped_items_; }

  Correlator();
  Correlator(Correlator&&) noexcept;
  Correlator& operator=(Correlator&&) noexcept;
  ~Correlator();

  struct Item;
  struct Group;
  struct Compiled;

 private:
  void add_item(size_t corr, size_t ref, const Detection& d);
  void evaluate_group(size_t corr, Group& g, bool final);

  std::vector<std::unique_ptr<Compiled>> corrs_;  // in dependency order: a correlation after those it references
  std::map<std::string, std::vector<std::pair<size_t, size_t>>> by_base_;  // base rule id -> (corr, ref)
  std::set<std::string> suppressed_;
  std::vector<std::string> messages_;
  uint64_t seq_ = 0;
  uint64_t dropped_items_ = 0;
};

}  // namespace trawl

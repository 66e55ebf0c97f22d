// Sigma rule model and loader: YAML files (single or multi-document, `action: global` merged) -> SigmaRule
// objects with compiled values and a resolved condition tree, collected in an immutable RuleSet, plus a
// RuleLoadReport that says, per file and per rule, whether it loaded or the exact reason it cannot be used.
// Loading never throws and never stops at a bad file. A RuleSet is immutable after load(): safe to read from
// any number of threads.
//
// Example:
//   RuleLoadOptions opt;                       // opt.placeholders["Workstations"] = {"ws*"};
//   RuleSet rules = RuleSet::load({"rules/"}, opt);
//   for (const auto& e : rules.report().entries) if (e.status != RuleLoadStatus::kLoaded) puts(e.reason.c_str());
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/detection.h"
#include "core/status.h"
#include "sigma/sigma_condition.h"
#include "sigma/sigma_value.h"

namespace trawl {

struct SigmaLogSource {
  std::string product, category, service;  // as written (empty when not given)
};

// One "Field|mod|mod: values" item. An empty field name is a keyword search over every field value.
struct SigmaPredicate {
  std::string field;
  std::string key;                 // the YAML key as written, for messages
  std::vector<SigmaValue> values;  // OR of values (AND with `all`)
  bool all = false;
  bool negate = false;             // `neq`: true when the present field matches none of the values
};

// A search identifier: OR of alternatives, each an AND of predicates.
struct SigmaSearch {
  std::string name;
  std::vector<std::vector<SigmaPredicate>> alternatives;
};

struct SigmaRule {
  std::string id, title, description, status, author, date, modified;
  std::string file;      // path of the YAML file
  size_t document = 0;   // 0-based YAML document index in the file
  Level level = Level::kMedium;
  std::vector<std::string> tags, falsepositives, references;
  SigmaLogSource logsource;
  std::vector<SigmaSearch> searches;
  std::vector<SigmaCondition> conditions;  // resolved; the rule matches when any of them is true
  std::vector<std::string> condition_text;
  std::string regression_tests_path;       // SigmaHQ regression test info.yml (relative), or empty
  bool correlation = false;                 // `correlation:` rule: kept, evaluated by the correlator
  std::string source_yaml;                  // the (merged) YAML document as text, for correlation rules
};

enum class RuleLoadStatus : uint8_t {
  kLoaded,       // usable
  kUnusable,     // valid YAML, but this rule cannot be evaluated (reason says why)
  kNeedsValues,  // a valid, supported rule whose `expand` placeholders have no values yet: kept out of the
                 // rule set (never evaluated, never silently matched) until --vars supplies them
  kCorrelation,  // a correlation rule: loaded into correlations(), evaluated by the correlator
  kInvalidFile,  // the file is not valid YAML / not a Sigma document at all
};
const char* rule_load_status_name(RuleLoadStatus s);

struct RuleLoadEntry {
  std::string file;
  size_t document = 0;
  std::string id, title;
  RuleLoadStatus status = RuleLoadStatus::kLoaded;
  std::string reason;  // empty when loaded
};

struct RuleLoadReport {
  std::vector<RuleLoadEntry> entries;  // one per rule document (or per file when the file is unreadable)
  size_t files = 0;
  size_t loaded = 0, unusable = 0, correlations = 0, invalid_files = 0;
  size_t needs_values = 0;  // supported rules waiting for placeholder values (see kNeedsValues)
};

struct RuleLoadOptions {
  // Values for `expand` placeholders, by name without the percent signs. A rule using a placeholder that is
  // not here is reported as needing values (kNeedsValues) and is not loaded.
  std::map<std::string, std::vector<std::string>> placeholders;
  // Path names (relative to a loaded folder) to skip, e.g. {"deprecated", "unsupported"}.
  std::vector<std::string> exclude_dirs;
};

// Reads a YAML or JSON file of placeholder values: {name: value | [values]} (names with or without %).
Status load_placeholder_file(const std::string& path, RuleLoadOptions& opt);

class RuleSet {
 public:
  // Loads files/folders (recursively *.yml/*.yaml). Bad files/rules are recorded in report(), never thrown.
  static RuleSet load(const std::vector<std::string>& paths, const RuleLoadOptions& opt);
  // Loads rules from YAML text (one file's content); `name` stands for the file path in the report.
  static RuleSet from_text(std::string_view yaml, const std::string& name, const RuleLoadOptions& opt);
  // Adds another set's rules and report (used to merge several load() calls).
  void merge(RuleSet&& other);

  size_t size() const { return rules_.size(); }
  const SigmaRule& rule(size_t i) const { return rules_[i]; }
  const std::vector<SigmaRule>& rules() const { return rules_; }
  const std::vector<SigmaRule>& correlations() const { return correlations_; }
  const RuleLoadReport& report() const { return report_; }

 private:
  void load_text(std::string_view yaml, const std::string& name, const RuleLoadOptions& opt);
  std::vector<SigmaRule> rules_;
  std::vector<SigmaRule> correlations_;
  RuleLoadReport report_;
};

}  // namespace trawl

// LogSourceMap: which events a Sigma `logsource` (product/category/service) applies to, and how the rule's
// field names are renamed for those events. Loaded from YAML data files (mappings/*.yml, plus any the user
// gives with --mapping FILE). Each source entry is one concrete kind of event:
//
//   sources:
//     - name: process_creation_security
//       logsource: {product: windows, category: process_creation}
//       conditions: {Channel: [Security], EventID: [4688]}      # AND over fields, OR over values
//       fieldmappings: {Image: NewProcessName, ParentImage: ParentProcessName}
//
// `zeek_log_type` in conditions matches FileInfo::zeek_log_type. Channel and other field conditions compare
// ASCII case-insensitively; EventID exactly. A rule applies to an entry when every logsource key the rule sets
// is equal (case-insensitive) to the entry's. Immutable after loading; safe to share between threads.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/event.h"
#include "core/status.h"
#include "sigma/sigma_rule.h"

namespace trawl {

struct LogSourceEntry {
  std::string name;
  std::string product, category, service;  // lower-cased
  // Conditions: field -> accepted values (OR); all fields must hold (AND). Channel/EventID/zeek_log_type are
  // also kept apart for the compiled routing table.
  std::vector<std::pair<std::string, std::vector<std::string>>> conditions;
  std::vector<std::string> channels;    // lower-cased; empty = any
  std::vector<std::string> event_ids;   // empty = any
  std::vector<std::string> zeek_types;  // lower-cased; empty = not a Zeek source
  // Rule field -> event field.
  std::map<std::string, std::string> field_renames;
  std::string origin;  // file it came from
};

class LogSourceMap {
 public:
  // The built-in mapping: every *.yml under the mappings folder found at run time (TRAWL_MAPPINGS_DIR env,
  // else <source dir>/mappings, else ../share/trawl/mappings beside the executable).
  static Result<LogSourceMap> builtin();
  static Result<LogSourceMap> from_file(const std::string& path);
  static Result<LogSourceMap> from_text(std::string_view yaml, const std::string& origin);
  // Adds entries of another map (a user's --mapping file); entries with the same name replace earlier ones.
  void add(const LogSourceMap& other);

  const std::vector<LogSourceEntry>& entries() const { return entries_; }
  // Indexes of the entries a rule's logsource applies to (empty: the rule has no source here).
  std::vector<uint32_t> entries_for(const SigmaLogSource& ls) const;
  // Slow, direct check of an entry's conditions against an event (the reference path).
  static bool entry_matches(const LogSourceEntry& e, const Event& ev);
  // Only the entry's extra field conditions (e.g. a Provider_Name), each matched case-insensitively.
  static bool conditions_hold(const LogSourceEntry& e, const Event& ev);

 private:
  std::vector<LogSourceEntry> entries_;
};

// The folder the built-in mapping files are read from ("" when none is found).
std::string builtin_mappings_dir();

}  // namespace trawl

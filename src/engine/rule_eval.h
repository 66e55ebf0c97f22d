// Exact evaluation of one Sigma rule against one event, for one log source (whose field renames apply).
// This is the final arbiter used by both the compiled Scanner (after routing and the literal prefilter) and
// the ReferenceEvaluator (on every rule). Pure functions over immutable rules: thread-safe.
//
// Field semantics (see src/sigma/README.md): a predicate on an absent field is false, except `null` (absent or
// empty) and `exists: false`; `neq` is true only for a present field that matches none of the values; a
// keyword (field-less) predicate is true when any field value of the event matches. Field names match exactly,
// or with the event name's spaces removed.
#pragma once

#include <map>
#include <string>

#include "core/event.h"
#include "sigma/sigma_rule.h"

namespace trawl {

using FieldRenames = std::map<std::string, std::string>;

// The field named `name`: exact name first, else a field whose name equals it once spaces are removed (Sigma's
// convention for log fields such as "Source Name" -> SourceName).
const std::string_view* find_event_field(const Event& e, std::string_view name);
bool field_name_equals_without_spaces(std::string_view event_name, std::string_view rule_name);

bool evaluate_predicate(const SigmaPredicate& p, const FieldRenames* renames, const Event& e);
bool evaluate_rule(const SigmaRule& r, const FieldRenames* renames, const Event& e);

}  // namespace trawl

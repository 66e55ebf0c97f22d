#include "engine/rule_eval.h"

#include "core/text.h"

namespace trawl {

bool field_name_equals_without_spaces(std::string_view event_name, std::string_view rule_name) {
  if (event_name.size() <= rule_name.size()) return false;
  size_t j = 0;
  for (char c : event_name) {
    if (c == ' ') continue;
    if (j >= rule_name.size() || c != rule_name[j]) return false;
    ++j;
  }
  return j == rule_name.size();
}

const std::string_view* find_event_field(const Event& e, std::string_view name) {
  if (const std::string_view* v = e.find(name)) return v;
  // Sigma names fields that contain spaces in the log ("Source Name") with the spaces stripped ("SourceName").
  for (const Field& f : e.fields())
    if (field_name_equals_without_spaces(f.name, name)) return &f.value;
  return nullptr;
}

namespace {

const std::string_view* lookup(const Event& e, const std::string& field, const FieldRenames* renames) {
  if (renames && !renames->empty()) {
    auto it = renames->find(field);
    if (it != renames->end()) return find_event_field(e, it->second);
  }
  return find_event_field(e, field);
}

bool fieldref_matches(const SigmaValue& v, std::string_view value, const Event& e, const FieldRenames* renames) {
  const std::string_view* other = lookup(e, v.text, renames);
  if (!other) return false;
  auto eq = [&](std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    return v.cased ? a == b : iequals(a, b);
  };
  switch (v.ref_mode) {
    case FieldRefMode::kEquals: return eq(value, *other);
    case FieldRefMode::kStartsWith: return value.size() >= other->size() && eq(value.substr(0, other->size()), *other);
    case FieldRefMode::kEndsWith:
      return value.size() >= other->size() && eq(value.substr(value.size() - other->size()), *other);
    case FieldRefMode::kContains: {
      if (other->size() > value.size()) return false;
      for (size_t i = 0; i + other->size() <= value.size(); ++i)
        if (eq(value.substr(i, other->size()), *other)) return true;
      return false;
    }
  }
  return false;
}

// One value against a present field value.
inline bool value_matches(const SigmaValue& v, std::string_view value, const Event& e, const FieldRenames* renames) {
  if (v.kind == ValueKind::kFieldRef) return fieldref_matches(v, value, e, renames);
  return v.matches(value);
}

// One value against an absent field.
inline bool value_matches_absent(const SigmaValue& v) {
  return v.kind == ValueKind::kNull || (v.kind == ValueKind::kExists && !v.expected);
}

bool keyword_value_matches(const SigmaValue& v, const Event& e, const FieldRenames* renames) {
  for (const Field& f : e.fields())
    if (value_matches(v, f.value, e, renames)) return true;
  return false;
}

bool evaluate_search(const SigmaSearch& s, const FieldRenames* renames, const Event& e) {
  for (const auto& alt : s.alternatives) {
    bool all = true;
    for (const auto& p : alt)
      if (!evaluate_predicate(p, renames, e)) {
        all = false;
        break;
      }
    if (all) return true;
  }
  return false;
}

bool evaluate_condition(const SigmaCondition& c, const SigmaRule& r, const FieldRenames* renames, const Event& e,
                        int8_t* memo) {
  using Op = SigmaCondition::Op;
  switch (c.op) {
    case Op::kRef: {
      if (c.ref >= r.searches.size()) return false;
      if (memo && memo[c.ref] >= 0) return memo[c.ref] != 0;
      bool v = evaluate_search(r.searches[c.ref], renames, e);
      if (memo) memo[c.ref] = v ? 1 : 0;
      return v;
    }
    case Op::kAnd:
      for (const auto& k : c.kids)
        if (!evaluate_condition(k, r, renames, e, memo)) return false;
      return true;
    case Op::kOr:
      for (const auto& k : c.kids)
        if (evaluate_condition(k, r, renames, e, memo)) return true;
      return false;
    case Op::kNot: return !c.kids.empty() && !evaluate_condition(c.kids[0], r, renames, e, memo);
    case Op::kAtLeast: {
      uint32_t n = 0;
      for (const auto& k : c.kids)
        if (evaluate_condition(k, r, renames, e, memo) && ++n >= c.count) return true;
      return false;
    }
    case Op::kPattern:
    case Op::kName: return false;  // never present in a loaded rule (resolved at load time)
  }
  return false;
}

}  // namespace

bool evaluate_predicate(const SigmaPredicate& p, const FieldRenames* renames, const Event& e) {
  if (p.field.empty()) {
    // Keyword search over every field value.
    if (p.all) {
      for (const auto& v : p.values)
        if (!keyword_value_matches(v, e, renames)) return false;
      return !p.values.empty();
    }
    for (const auto& v : p.values)
      if (keyword_value_matches(v, e, renames)) return true;
    return false;
  }
  const std::string_view* fv = lookup(e, p.field, renames);
  if (!fv) {
    if (p.negate) return false;
    if (p.all) {
      for (const auto& v : p.values)
        if (!value_matches_absent(v)) return false;
      return !p.values.empty();
    }
    for (const auto& v : p.values)
      if (value_matches_absent(v)) return true;
    return false;
  }
  if (p.negate) {
    for (const auto& v : p.values)
      if (value_matches(v, *fv, e, renames)) return false;
    return true;
  }
  if (p.all) {
    for (const auto& v : p.values)
      if (!value_matches(v, *fv, e, renames)) return false;
    return !p.values.empty();
  }
  for (const auto& v : p.values)
    if (value_matches(v, *fv, e, renames)) return true;
  return false;
}

bool evaluate_rule(const SigmaRule& r, const FieldRenames* renames, const Event& e) {
  int8_t memo_buf[64];
  int8_t* memo = nullptr;
  if (r.searches.size() <= sizeof(memo_buf)) {
    for (size_t i = 0; i < r.searches.size(); ++i) memo_buf[i] = -1;
    memo = memo_buf;
  }
  for (const auto& c : r.conditions)
    if (evaluate_condition(c, r, renames, e, memo)) return true;
  return false;
}

}  // namespace trawl

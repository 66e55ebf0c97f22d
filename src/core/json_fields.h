// Renders a list of (name, value) fields as one JSON object, in order; a name that occurs several times
// (unnamed EventData <Data> elements, Zeek sets) becomes one key whose value is an array of its values.
// Works for Event fields (string_views) and Detection fields (owned strings). Output is always valid JSON.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/text.h"

namespace trawl {

template <class Range, class NameOf, class ValueOf>
void append_fields_object(std::string& out, const Range& fields, NameOf name_of, ValueOf value_of) {
  out.push_back('{');
  const size_t n = fields.size();
  bool first = true;
  // Small n (tens of fields): a quadratic duplicate check is cheaper than any map.
  for (size_t i = 0; i < n; ++i) {
    std::string_view name = name_of(fields[i]);
    bool seen_before = false;
    for (size_t j = 0; j < i && !seen_before; ++j) seen_before = name_of(fields[j]) == name;
    if (seen_before) continue;
    if (!first) out.push_back(',');
    first = false;
    append_json_string(out, name);
    out.push_back(':');
    size_t repeats = 0;
    for (size_t j = i + 1; j < n; ++j) repeats += name_of(fields[j]) == name;
    if (repeats == 0) {
      append_json_string(out, value_of(fields[i]));
      continue;
    }
    out.push_back('[');
    append_json_string(out, value_of(fields[i]));
    for (size_t j = i + 1; j < n; ++j) {
      if (name_of(fields[j]) != name) continue;
      out.push_back(',');
      append_json_string(out, value_of(fields[j]));
    }
    out.push_back(']');
  }
  out.push_back('}');
}

}  // namespace trawl

// Small helpers over yaml-cpp nodes shared by the YAML readers (rules, log-source mappings, tenant maps).
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <string_view>
#include <vector>

namespace trawl {

// A scalar or a sequence of scalars as a list of strings (anything else, and non-scalar items, left out).
inline std::vector<std::string> yaml_string_list(const YAML::Node& n) {
  std::vector<std::string> out;
  if (!n) return out;
  if (n.IsScalar()) out.push_back(n.Scalar());
  else if (n.IsSequence())
    for (const auto& x : n)
      if (x.IsScalar()) out.push_back(x.Scalar());
  return out;
}

// Every document of a YAML stream, as YAML::LoadAll would return them, but safe on hostile input: yaml-cpp's
// LoadAll can loop forever, allocating without bound, on some malformed streams (an 80-byte rule file took
// 19 GB). The documents are split here at their `---` / `...` marker lines and each is loaded alone. A
// YAML::Exception thrown has its mark's line counted from the start of `text`.
std::vector<YAML::Node> yaml_load_all(std::string_view text);

// Something besides blanks, comments, directives and document markers.
bool yaml_has_content(std::string_view text);

}  // namespace trawl

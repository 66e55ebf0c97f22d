// Small helpers over yaml-cpp nodes shared by the YAML readers (rules, log-source mappings, tenant maps).
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
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

}  // namespace trawl

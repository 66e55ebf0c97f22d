// The data compiled into the binary (cmake/embed.cmake): the built-in Sigma rule pack (rules/cloudhopper) and the
// log-source mappings (mappings/*.yml), as (relative path, text) pairs.
#pragma once

#include <string_view>
#include <utility>
#include <vector>

namespace trawl {

struct EmbeddedFile {
  std::string_view name;
  std::string_view text;
};
const std::vector<EmbeddedFile>& builtin_rule_files();
const std::vector<EmbeddedFile>& builtin_mapping_files();

}  // namespace trawl

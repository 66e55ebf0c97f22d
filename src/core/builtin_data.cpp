#include "core/builtin_data.h"

namespace trawl {

const std::vector<EmbeddedFile>& builtin_rule_files() {
  static const std::vector<EmbeddedFile> files = {
#include "builtin_rules.inc"
  };
  return files;
}

const std::vector<EmbeddedFile>& builtin_mapping_files() {
  static const std::vector<EmbeddedFile> files = {
#include "builtin_mappings.inc"
  };
  return files;
}

}  // namespace trawl

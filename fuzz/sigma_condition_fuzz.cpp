// Fuzz target: the Sigma condition parser and resolver on arbitrary text (bounded nesting, no crash, no hang).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sigma/sigma_condition.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto r = trawl::parse_sigma_condition(text);
  if (!r.ok()) return 0;
  (void)trawl::sigma_condition_to_string(r.value());
  static const std::vector<std::string> ids = {"selection", "selection_1", "filter", "filter_main", "_x", "keywords"};
  trawl::SigmaCondition c = r.value();
  (void)trawl::resolve_sigma_condition(c, ids);
  (void)trawl::sigma_condition_to_string(c, &ids);
  return 0;
}

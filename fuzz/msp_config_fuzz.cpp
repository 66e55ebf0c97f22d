// Fuzz target: the parsers of the MSP layer's inputs on arbitrary bytes — the tenant map (YAML), a Sigma
// correlation rule (YAML), a timespan, and the simulator's answer key (JSON). Must never crash or hang.
#include <cstdint>
#include <string>
#include <string_view>

#include "analytics/correlation/correlation_rule.h"
#include "analytics/msp/tenant_map.h"
#include "simulate/answer_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  (void)trawl::TenantMap::parse(text);
  (void)trawl::parse_correlation_rule(text);
  (void)trawl::parse_timespan(std::string_view(text).substr(0, 64));
  (void)trawl::simulate::parse_answer_key(text);
  return 0;
}

// Fuzz target: the IOC plain-text loader on arbitrary bytes, then the matcher over the resulting set; small
// inputs also as a LOKI filename list (regexes compiled by Vectorscan; big inputs would only cost seconds).
#include "ioc_fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = trawl::fuzz::fuzz_text(data, size);
  trawl::fuzz::run_ioc_load_and_match(text, trawl::IocFormat::kText);
  if (size <= 4096) trawl::fuzz::run_ioc_load_and_match(text, trawl::IocFormat::kLokiFilename);
  return 0;
}

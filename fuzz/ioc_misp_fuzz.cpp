// Fuzz target: the IOC misp loader on arbitrary bytes, then the matcher over the resulting set.
#include "ioc_fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  trawl::fuzz::run_ioc_load_and_match(trawl::fuzz::fuzz_text(data, size), trawl::IocFormat::kMisp);
  return 0;
}

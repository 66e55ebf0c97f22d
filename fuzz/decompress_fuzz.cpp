// Fuzz target: the shared gzip/zstd decompressors (ingest/source.h) on arbitrary bytes, whole and with the
// "read up to the cut" mode, and with a gzip/zstd magic prepended so that inputs reach the inflaters. Checks
// the contract: never more than the limit; a whole stream gives the same bytes in both modes; a cut stream
// reports why; a damaged one is an error or a prefix plus a reason, never a crash.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "ingest/source.h"

namespace {
void check(const std::string& in) {
  using namespace trawl;
  constexpr uint64_t kLimit = 1 << 20;
  for (int z = 0; z < 2; ++z) {
    std::string cut;
    auto strict = z ? unzstd(in, kLimit) : gunzip(in, kLimit);
    auto lenient = z ? unzstd(in, kLimit, &cut) : gunzip(in, kLimit, &cut);
    if (strict.ok() && strict->size() > kLimit) std::abort();
    if (lenient.ok() && lenient->size() > kLimit) std::abort();
    if (strict.ok()) {
      // A stream the strict mode accepts is whole: the lenient mode gives the same bytes and no cut.
      if (!lenient.ok() || *lenient != *strict || !cut.empty()) std::abort();
    } else if (lenient.ok() && cut.empty()) {
      std::abort();  // the strict mode refused it, so the lenient one must say why it stopped
    }
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string in(reinterpret_cast<const char*>(data), size);
  check(in);
  check(std::string("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", 10) + in);  // a gzip header, then the input
  check(std::string("\x28\xb5\x2f\xfd", 4) + in);                          // a zstd frame magic
  return 0;
}

// Fuzz target: the JSON log decoder (document splitting, the three export shapes, flattening) on any bytes.
#include <cstdint>
#include <string>

#include "ingest/json/json_decoder.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto buf = trawl::Buffer::from_string(std::string(reinterpret_cast<const char*>(data), size));
  auto info = std::make_shared<trawl::FileInfo>();
  info->path = "fuzz.json";
  auto dec = trawl::open_json_log(buf, info, trawl::DecodeOptions{});
  if (!dec.ok()) return 0;
  trawl::EventBatch batch;
  for (size_t u = 0; u < dec.value()->unit_count(); ++u) {
    dec.value()->decode_unit(u, batch);
    for (size_t i = 0; i < batch.count; ++i)
      for (const trawl::Field& f : batch.events[i].fields())
        if (f.name.size() > (1u << 30) || f.value.size() > (1u << 30)) __builtin_trap();
  }
  return 0;
}

// Fuzz target: the Zeek decoder's JSON form on arbitrary bytes (a Zeek-looking first line is prepended when the
// input does not sniff as Zeek JSON), then the network analytics over whatever decodes.
#include <cstdint>
#include <string>

#include "analytics/net/net_analyzer.h"
#include "ingest/zeek/zeek_decoder.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace trawl;
  std::string text(reinterpret_cast<const char*>(data), size);
  InputFormat fmt;
  if (!looks_like_zeek(text, &fmt) || fmt != InputFormat::kZeekJson)
    text = "{\"_path\":\"dns\",\"ts\":1.0,\"uid\":\"C\",\"id.orig_h\":\"10.0.0.1\",\"query\":\"a.b.c\"}\n" + text;
  auto info = std::make_shared<FileInfo>();
  info->path = "fuzz.json";
  auto dec = open_zeek(Buffer::from_string(text), info, DecodeOptions{});
  if (!dec.ok()) return 0;
  NetOptions o;
  o.beacon_min_score = 0;
  o.dns_min_unique_subdomains = 1;
  NetAnalyzer an(o);
  EventBatch batch;
  for (size_t u = 0; u < dec.value()->unit_count(); ++u) {
    dec.value()->decode_unit(u, batch);
    for (size_t i = 0; i < batch.count; ++i) an.add(batch.events[i]);
  }
  (void)zeek_reference_decode(text);
  for (const NetFinding& f : an.finish()) (void)an.to_detection(f);
  return 0;
}

// Fuzz target: the Zeek decoder on arbitrary bytes presented as a TSV log (a "#separator" header is prepended
// when the input lacks one, so the mutator explores directives, escapes, column counts and cut lines), then the
// network analytics over whatever decodes. Also checks the fast decoder against the reference twin's counts.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "analytics/net/net_analyzer.h"
#include "ingest/zeek/zeek_decoder.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace trawl;
  std::string text(reinterpret_cast<const char*>(data), size);
  if (text.rfind("#separator", 0) != 0) text = "#separator \\x09\n#path\tconn\n" + text;
  auto info = std::make_shared<FileInfo>();
  info->path = "fuzz.log";
  info->tenant = size % 2 ? "a" : "";
  auto dec = open_zeek(Buffer::from_string(text), info, DecodeOptions{});
  ZeekReferenceResult ref = zeek_reference_decode(text);
  if (!dec.ok()) {
    if (ref.ok && !ref.records.empty()) std::abort();  // the reference found records in a file the fast path refused
    return 0;
  }
  NetOptions o;
  o.beacon_min_score = 0;
  o.long_connection_min_seconds = 0;
  o.dns_min_unique_subdomains = 1;
  NetAnalyzer an(o);
  EventBatch batch;
  size_t events = 0;
  for (size_t u = 0; u < dec.value()->unit_count(); ++u) {
    dec.value()->decode_unit(u, batch);
    for (size_t i = 0; i < batch.count; ++i) {
      const Event& e = batch.events[i];
      for (const Field& f : e.fields()) (void)f.value.size();
      an.add(e);
    }
    events += batch.count;
  }
  if (ref.ok && ref.records.size() != events) std::abort();  // fast path and reference twin disagree
  for (const NetFinding& f : an.finish()) (void)an.to_detection(f);
  return 0;
}

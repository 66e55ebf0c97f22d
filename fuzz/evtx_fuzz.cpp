// libFuzzer target for the EVTX decoder: any bytes become a Buffer, every unit is decoded with and without
// carving and XML rendering, and with the reference (uncached) template path. Must never crash, hang or leak.
#include <cstddef>
#include <cstdint>
#include <string>

#include "ingest/evtx/evtx_decoder.h"
#include "ingest/evtx/evtx_internal.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace trawl;
  auto buf = Buffer::from_string(std::string(reinterpret_cast<const char*>(data), size));
  auto info = std::make_shared<FileInfo>();
  info->path = "fuzz.evtx";
  EventBatch batch;
  for (int mode = 0; mode < 3; ++mode) {
    DecodeOptions opt;
    opt.carve = mode >= 1;
    opt.render_xml = mode >= 1;
    evtx::EvtxTuning tuning;
    tuning.use_template_cache = mode != 2;
    auto dec = evtx::open_evtx_with(buf, info, opt, tuning);
    if (!dec.ok()) return 0;
    for (size_t u = 0; u < (*dec)->unit_count(); ++u) {
      (*dec)->decode_unit(u, batch);
      for (size_t i = 0; i < batch.count; ++i) {
        // Touch every byte handed out, so sanitizers see any dangling view.
        volatile size_t sum = 0;
        for (const Field& f : batch.events[i].fields()) sum = sum + f.name.size() + f.value.size();
        for (char c : batch.events[i].raw) sum = sum + size_t(c);
      }
    }
  }
  return 0;
}

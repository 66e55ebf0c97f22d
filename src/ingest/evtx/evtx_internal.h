// Internal knobs of the EVTX decoder, for tests, the fuzzer and the benchmark (not for the pipeline).
// open_evtx_with(..., {.use_template_cache = false}) is the slow reference twin: every template instance
// recompiles its template definition instead of using the per-chunk program cache.
#pragma once

#include <memory>

#include "ingest/decoder.h"

namespace trawl::evtx {

struct EvtxTuning {
  bool use_template_cache = true;
};

Result<std::unique_ptr<Decoder>> open_evtx_with(std::shared_ptr<const Buffer> buf,
                                                std::shared_ptr<const FileInfo> info, const DecodeOptions& opt,
                                                const EvtxTuning& tuning);

}  // namespace trawl::evtx

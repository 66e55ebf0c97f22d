// EVTX decoder: Windows XML Event Log (.evtx) files decoded straight into trawl::Event field tables, without
// libevtx and without rendering XML on the matching path. One unit of work = one 64 KiB chunk; units are ordered
// by the chunk's first record id (ring buffers wrap), records of a chunk in file order.
//
// Thread-safety: the Decoder returned by open_evtx() is immutable; decode_unit() is const and may run on many
// threads at once (each thread keeps its own scratch: template programs, buffers). Ownership: events point into
// their EventBatch's arena (values are converted from UTF-16 there) and the batch keeps the file Buffer alive.
//
// Example:
//   auto dec = open_evtx(buf, info, DecodeOptions{});
//   if (!dec.ok()) return dec.status();
//   EventBatch batch;
//   for (size_t i = 0; i < (*dec)->unit_count(); ++i) { (*dec)->decode_unit(i, batch); use(batch); }
#pragma once

#include <memory>
#include <string_view>

#include "ingest/decoder.h"

namespace trawl {

// True when the first bytes are the EVTX file magic "ElfFile\0".
bool looks_like_evtx(std::string_view head);

// Scans the file (header, every 64 KiB block after the 4 KiB header); fails only when the file does not start
// with the EVTX magic. Damage (bad CRCs, garbage blocks, truncation) becomes Diagnostics.
Result<std::unique_ptr<Decoder>> open_evtx(std::shared_ptr<const Buffer> buf, std::shared_ptr<const FileInfo> info,
                                           const DecodeOptions& opt);

}  // namespace trawl

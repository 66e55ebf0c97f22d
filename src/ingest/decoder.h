// Decoder: turns the bytes of one input file into Events, in independent units of work (an EVTX chunk, a
// block of JSON or Zeek lines) so that units can be decoded on many threads and re-assembled in order.
//
// Contract for every format:
//  - open_*() looks at the whole file once (headers, unit boundaries) and fails only when the file is not of
//    that format at all; damage inside is reported as Diagnostics, never fatal.
//  - decode_unit(i, batch) is const and thread-safe for any i; it clears and fills `batch` (events in file
//    order, batch.errors counting records that could not be decoded, a diagnostic for each, up to a cap).
//  - Concatenating units 0..unit_count()-1 gives the file's events in their deterministic order.
#pragma once

#include <cstddef>
#include <memory>
#include <utility>
#include <vector>

#include "core/buffer.h"
#include "core/diagnostic.h"
#include "core/event.h"
#include "core/status.h"

namespace trawl {

struct DecodeOptions {
  bool carve = false;                   // EVTX: also emit stale records recovered from chunk slack
  size_t max_diagnostics_per_unit = 16; // beyond this, errors are only counted
  bool render_xml = false;              // EVTX: also render each record's XML into Event::raw (dump --format xml)
};

class Decoder {
 public:
  virtual ~Decoder() = default;
  virtual size_t unit_count() const = 0;
  virtual void decode_unit(size_t index, EventBatch& out) const = 0;
  // The byte range [first, second) of the file's buffer that unit `index` reads, so that a caller done with
  // the unit's events can release those pages (Buffer::release_pages). {0, 0} when the format cannot say.
  virtual std::pair<uint64_t, uint64_t> unit_span(size_t /*index*/) const { return {0, 0}; }
  // Problems with the file as a whole, found by open (bad file header checksum, truncation, ...).
  const std::vector<Diagnostic>& file_diagnostics() const { return file_diagnostics_; }

 protected:
  std::vector<Diagnostic> file_diagnostics_;
};

}  // namespace trawl

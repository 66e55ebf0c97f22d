// EVTX file and chunk layer: finds the chunks (every 64 KiB block after the 4 KiB header, whatever the header's
// chunk count says), checks CRCs (warnings only), walks each chunk's records up to its free-space offset and
// hands each record's binary XML to the BinXmlDecoder with a FieldSink (and an XmlSink when asked).
#include "ingest/evtx/evtx_decoder.h"

#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "core/time.h"
#include "ingest/evtx/evtx_binxml.h"
#include "ingest/evtx/evtx_internal.h"
#include "ingest/evtx/evtx_sinks.h"

namespace trawl {

bool looks_like_evtx(std::string_view head) {
  return head.size() >= 8 && std::memcmp(head.data(), "ElfFile\0", 8) == 0;
}

namespace evtx {
namespace {

constexpr uint32_t kRecordMagic = 0x00002a2a;
constexpr uint32_t kMinRecordSize = 28;  // 24-byte header + 4-byte size copy
constexpr uint32_t kFileFlagNoCrc = 0x4;

uint32_t crc32_of(const uint8_t* p, size_t n, uint32_t crc = 0) {
  return uint32_t(::crc32(crc, p, uInt(n)));
}

// memcmp against a zero block: libc's vectorised compare is the fastest scan there is.
bool all_zero(const uint8_t* p, size_t n) {
  static const uint8_t kZeros[kChunkSize] = {};
  return n <= kChunkSize && std::memcmp(p, kZeros, n) == 0;
}

struct Unit {
  uint64_t offset;     // file offset of the 64 KiB block
  uint32_t size;       // bytes present (less than 64 KiB for a truncated last block)
  bool chunk;          // has the chunk magic; otherwise a damaged block
  bool counted;        // damaged block inside the header's chunk count: one counted error
  uint64_t first_id;   // chunk header's first record id (unit order)
};

// Per-thread scratch reused across units: the template cache and the sinks keep their capacity.
struct Scratch {
  BinXmlDecoder binxml;
  FieldSink fields;
  XmlSink xml;
};

class EvtxDecoder final : public Decoder {
 public:
  EvtxDecoder(std::shared_ptr<const Buffer> buf, std::shared_ptr<const FileInfo> info, const DecodeOptions& opt,
              const EvtxTuning& tuning)
      : buf_(std::move(buf)), info_(std::move(info)), opt_(opt), tuning_(tuning) {}

  void scan();
  size_t unit_count() const override { return units_.size(); }
  void decode_unit(size_t index, EventBatch& out) const override;

 private:
  void diag(EventBatch& out, Severity sev, uint64_t offset, std::string msg) const {
    if (out.diagnostics.size() >= opt_.max_diagnostics_per_unit) return;
    Diagnostic d;
    d.severity = sev;
    d.path = info_ ? info_->path : std::string();
    d.offset = offset;
    d.message = std::move(msg);
    out.diagnostics.push_back(std::move(d));
  }
  void file_diag(Severity sev, uint64_t offset, std::string msg) {
    Diagnostic d;
    d.severity = sev;
    d.path = info_ ? info_->path : std::string();
    d.offset = offset;
    d.message = std::move(msg);
    file_diagnostics_.push_back(std::move(d));
  }
  // Decodes the record at chunk offset `off` into a new event; false (event dropped) when it does not decode.
  bool decode_record(Scratch& s, EventBatch& out, const Unit& u, const uint8_t* chunk, uint32_t off,
                     uint32_t rsize, bool recovered) const;

  std::shared_ptr<const Buffer> buf_;
  std::shared_ptr<const FileInfo> info_;
  DecodeOptions opt_;
  EvtxTuning tuning_;
  std::vector<Unit> units_;
  bool no_crc_flag_ = false;
};

void EvtxDecoder::scan() {
  const uint8_t* d = buf_->data();
  const size_t n = buf_->size();
  if (n < 128) {
    file_diag(Severity::kError, 0, "file header truncated (" + std::to_string(n) + " bytes)");
    return;
  }
  const uint32_t flags = rd32(d + 120);
  no_crc_flag_ = (flags & kFileFlagNoCrc) != 0;
  const uint16_t header_chunks = rd16(d + 42);
  if (crc32_of(d, 120) != rd32(d + 124)) {
    file_diag(no_crc_flag_ ? Severity::kInfo : Severity::kWarning, 124,
              no_crc_flag_ ? "file header has no CRC32 (flag 0x4)" : "file header CRC32 mismatch");
  }
  if (n < kFileHeaderSize) file_diag(Severity::kWarning, n, "file ends inside the 4 KiB header block");
  std::vector<Unit> chunks, damaged;
  size_t index = 0;
  for (uint64_t off = kFileHeaderSize; off < n; off += kChunkSize, ++index) {
    const uint32_t size = uint32_t(std::min<uint64_t>(kChunkSize, n - off));
    const uint8_t* b = d + off;
    if (size >= 8 && std::memcmp(b, "ElfChnk\0", 8) == 0) {
      uint64_t first = size >= 32 ? rd64(b + 24) : 0;
      chunks.push_back(Unit{off, size, true, false, first});
      continue;
    }
    if (all_zero(b, size)) continue;
    // A damaged block among the chunks the header counts is a lost chunk (one counted error); garbage past
    // them is the file's unused tail.
    damaged.push_back(Unit{off, size, false, index < header_chunks, 0});
  }
  if (n > kFileHeaderSize && (n - kFileHeaderSize) % kChunkSize)
    file_diag(Severity::kWarning, n, "file size is not a whole number of 64 KiB chunks (truncated?)");
  std::stable_sort(chunks.begin(), chunks.end(),
                   [](const Unit& a, const Unit& b) { return a.first_id < b.first_id; });
  units_ = std::move(chunks);
  units_.insert(units_.end(), damaged.begin(), damaged.end());
}

bool EvtxDecoder::decode_record(Scratch& s, EventBatch& out, const Unit& u, const uint8_t* chunk, uint32_t off,
                                uint32_t rsize, bool recovered) const {
  Event& ev = out.next();
  ev.record_id = rd64(chunk + off + 8);
  ev.offset = u.offset + off;
  ev.recovered = recovered;
  s.fields.begin(&ev, &out.arena);
  bool ok;
  if (opt_.render_xml) {
    s.xml.begin();
    TeeSink tee(s.fields, s.xml);
    ok = s.binxml.decode_record(off + 24, off + rsize - 4, tee);
  } else {
    ok = s.binxml.decode_record(off + 24, off + rsize - 4, s.fields);
  }
  if (ok && s.fields.elements() == 0) ok = s.binxml.set_error(off + 24, "record contains no XML element");
  if (!ok) {
    out.drop_last();
    return false;
  }
  if (opt_.render_xml) ev.raw = out.arena.copy(s.xml.xml());
  if (const std::string_view* tc = ev.find("TimeCreated")) {
    if (auto t = parse_time(*tc)) ev.time_us = *t;
  }
  if (ev.time_us == kNoTime) ev.time_us = filetime_to_us(rd64(chunk + off + 16));
  return true;
}

void EvtxDecoder::decode_unit(size_t index, EventBatch& out) const {
  out.clear();
  out.file = info_;
  out.keepalive = buf_;
  if (index >= units_.size()) return;
  const Unit& u = units_[index];
  out.bytes = u.size;
  if (!u.chunk) {
    if (u.counted) {
      ++out.errors;
      diag(out, Severity::kError, u.offset, "block is not a chunk (bad chunk magic); its records are lost");
    } else {
      diag(out, Severity::kWarning, u.offset, "non-empty block without chunk magic after the last chunk; skipped");
    }
    return;
  }
  const uint8_t* chunk = buf_->data() + u.offset;
  if (u.size < kChunkHeaderSize) {
    ++out.errors;
    diag(out, Severity::kError, u.offset, "chunk header truncated");
    return;
  }
  uint32_t free_end = rd32(chunk + 48);
  const uint64_t last_id = rd64(chunk + 32);
  if (!no_crc_flag_) {
    uint32_t hcrc = crc32_of(chunk + 128, 384, crc32_of(chunk, 120));
    if (hcrc != rd32(chunk + 124)) diag(out, Severity::kWarning, u.offset + 124, "chunk header CRC32 mismatch");
  }
  if (free_end < kChunkHeaderSize || free_end > u.size) {
    diag(out, Severity::kWarning, u.offset + 48,
         "chunk free-space offset " + std::to_string(free_end) + " out of range");
    free_end = free_end < kChunkHeaderSize ? uint32_t(kChunkHeaderSize) : u.size;
  } else if (!no_crc_flag_ &&
             crc32_of(chunk + kChunkHeaderSize, free_end - kChunkHeaderSize) != rd32(chunk + 52)) {
    diag(out, Severity::kWarning, u.offset + 52, "chunk records CRC32 mismatch");
  }

  thread_local Scratch s;
  s.binxml.reset(chunk, u.size, &out.arena, tuning_.use_template_cache);

  uint32_t off = kChunkHeaderSize;
  auto record_error = [&](uint32_t at, const std::string& msg) {
    ++out.errors;
    diag(out, Severity::kError, u.offset + at, msg);
  };
  while (off < free_end) {
    if (uint64_t(off) + 24 > u.size) {
      record_error(off, "record header truncated");
      break;
    }
    const uint32_t magic = rd32(chunk + off);
    if (magic != kRecordMagic) {
      // Zeros where the header says records are: a dirty chunk whose last records were never written.
      if (magic == 0) diag(out, Severity::kWarning, u.offset + off, "records end before the free-space offset");
      else record_error(off, "bad record magic; rest of chunk skipped");
      break;
    }
    const uint32_t rsize = rd32(chunk + off + 4);
    if (rsize < kMinRecordSize) {
      record_error(off, "invalid record size " + std::to_string(rsize) + " (must be >= 28); rest of chunk skipped");
      break;
    }
    if (uint64_t(off) + rsize > u.size) {
      record_error(off, "record of " + std::to_string(rsize) + " bytes runs past the chunk");
      break;
    }
    const uint64_t id = rd64(chunk + off + 8);
    if (rd32(chunk + off + rsize - 4) != rsize)
      diag(out, Severity::kWarning, u.offset + off, "record " + std::to_string(id) + ": size copy mismatch");
    if (!decode_record(s, out, u, chunk, off, rsize, false)) {
      record_error(off, "record " + std::to_string(id) + ": " + s.binxml.error());
    }
    off += rsize;
    if (id == last_id) break;
  }

  if (opt_.carve) {
    // Stale records in the slack after the live ones: best effort, never counted as errors.
    uint32_t c = std::max(off, free_end);
    c = (c + 7) & ~uint32_t(7);
    while (uint64_t(c) + kMinRecordSize <= u.size) {
      if (rd32(chunk + c) == kRecordMagic) {
        uint32_t rsize = rd32(chunk + c + 4);
        if (rsize >= kMinRecordSize && uint64_t(c) + rsize <= u.size && rd32(chunk + c + rsize - 4) == rsize) {
          if (decode_record(s, out, u, chunk, c, rsize, true)) {
            c += (rsize + 7) & ~uint32_t(7);
            continue;
          }
          diag(out, Severity::kInfo, u.offset + c, "stale record image does not decode: " + s.binxml.error());
        }
      }
      c += 8;
    }
  }
}

}  // namespace

Result<std::unique_ptr<Decoder>> open_evtx_with(std::shared_ptr<const Buffer> buf,
                                                std::shared_ptr<const FileInfo> info, const DecodeOptions& opt,
                                                const EvtxTuning& tuning) {
  if (!buf || !looks_like_evtx(buf->view()))
    return Status::Error((info ? info->path + ": " : std::string()) + "not an EVTX file (no ElfFile magic)");
  auto dec = std::make_unique<EvtxDecoder>(std::move(buf), std::move(info), opt, tuning);
  dec->scan();
  return std::unique_ptr<Decoder>(std::move(dec));
}

}  // namespace evtx

Result<std::unique_ptr<Decoder>> open_evtx(std::shared_ptr<const Buffer> buf, std::shared_ptr<const FileInfo> info,
                                           const DecodeOptions& opt) {
  return evtx::open_evtx_with(std::move(buf), std::move(info), opt, evtx::EvtxTuning{});
}

}  // namespace trawl

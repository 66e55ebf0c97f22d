// Zeek log decoder: conn/dns/http/ssl/... logs in Zeek's TSV form (#separator/#fields headers, possibly several
// header blocks in one rotated or concatenated file) and in Zeek's JSON form (one object per line, dotted keys
// "id.orig_h", or the underscore variant "id_orig_h" of Brim/zq exports, normalised to the dotted names).
// Field names are exactly Zeek's column names; values are Zeek's text: unset ("-") -> field absent, empty
// ("(empty)") -> "", \xHH escapes decoded, sets/vectors kept as their text joined by the log's set_separator
// (JSON arrays are joined with ","), JSON numbers and booleans as their JSON text. Event::time_us comes from
// "ts", Event::record_id is the 1-based line number, Event::raw the line (a view into the Buffer).
//
// A TSV line with more columns than #fields declares is skipped (an error diagnostic); a line with fewer
// columns (at least half of them) is kept with the trailing fields absent and a warning, as real logs with an
// extra header column exist (RITA's has_unknown_field sample). A file that ends mid-line is reported as cut.
// FileInfo::zeek_log_type comes from #path (over the caller's guess from the file name), except that a name
// saying "open_conn" keeps it when #path says "conn" (RITA's open-connection logs are written that way).
//
// Thread-safety: open_zeek() builds an immutable decoder; decode_unit() is const and may run on many threads.
// Ownership: events point into the Buffer and into the decoder's header tables; both are kept alive by the
// batch's keepalive, so events stay valid after the decoder is gone.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ingest/decoder.h"

namespace trawl {

// TSV when the text starts with "#separator"; JSON when the first object has Zeek keys (ts + uid or
// id.orig_h / id_orig_h, or _path).
bool looks_like_zeek(std::string_view head, InputFormat* format_out);

// Fails (with a message naming the file) when the buffer is not a Zeek log at all: plain text, a header-less
// TSV, JSON without Zeek keys. Sets nothing in `info`; the log type found in #path / _path is available from
// the returned decoder through zeek_log_type_of() and is also stamped on every batch's FileInfo copy.
Result<std::unique_ptr<Decoder>> open_zeek(std::shared_ptr<const Buffer> buf, std::shared_ptr<const FileInfo> info,
                                           const DecodeOptions& opt);

// The log type ("conn", "dns", ...) the decoder found in the file (#path of the first header block, or the
// first JSON object's _path / @stream), else the one the caller set in FileInfo. Empty when unknown.
std::string zeek_log_type_of(const Decoder& d);

// Units are blocks of about this many bytes, split at newlines.
constexpr size_t kZeekUnitBytes = 1 << 20;

// Pieces exposed for tests, the reference twin and the fuzzers.
// Decodes Zeek's \xHH escapes; other bytes are copied unchanged.
std::string zeek_unescape(std::string_view s);
// Epoch seconds with an optional fraction ("1517336042.090842"), or ISO 8601 text; nullopt when neither.
std::optional<int64_t> parse_zeek_time(std::string_view s);

// The slow reference twin: splits lines with plain std::string code, no units, no arena, no zero-copy.
// Produces the same records (line, time, fields) as the fast decoder; tests compare the two on real data.
struct ZeekReferenceRecord {
  uint64_t line = 0;
  int64_t time_us = kNoTime;
  std::vector<std::pair<std::string, std::string>> fields;
};
struct ZeekReferenceResult {
  bool ok = false;  // false when the text is not a Zeek log
  std::string log_type;
  std::vector<ZeekReferenceRecord> records;
  uint64_t errors = 0;  // lines skipped
};
ZeekReferenceResult zeek_reference_decode(std::string_view text);

}  // namespace trawl

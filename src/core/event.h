// Event: one decoded log record as a flat table of (name, value) text fields, in document order.
// Every decoder (EVTX, JSON logs, Zeek) produces Events; every later stage (Sigma, IOC, analytics, outputs)
// consumes them, so field names are the ones Sigma rules use: EventID, Channel, Computer, Provider_Name,
// EventRecordID, TimeCreated, EventData/UserData leaves by their own names (CommandLine, Image, ...), Zeek
// columns by their Zeek names (id.orig_h, query, ...). Values are text in Windows' own forms ("0x1a4").
// A field that is absent in the record is absent here (never an empty string stand-in).
//
// Ownership: names and values are views into memory owned by the EventBatch the event sits in (its arena,
// or buffers the batch keeps alive). An Event is only valid while its batch is. Not thread-safe to mutate;
// safe to read from many threads once filled.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/arena.h"
#include "core/diagnostic.h"

namespace trawl {

enum class InputFormat : uint8_t { kUnknown, kEvtx, kJsonLog, kZeekTsv, kZeekJson };
const char* input_format_name(InputFormat f);

// Where a file came from. Shared by every event decoded from it.
struct FileInfo {
  std::string path;          // display path: real path, or "archive.zip!inner/path" for archive members
  std::string tenant;        // from --tenant / --tenant-dirs; empty when not given
  InputFormat format = InputFormat::kUnknown;
  std::string zeek_log_type; // "conn", "dns", ... for Zeek logs (from #path or the file name)
};

struct Field {
  std::string_view name;
  std::string_view value;
};

constexpr int64_t kNoTime = std::numeric_limits<int64_t>::min();

class Event {
 public:
  void clear() {
    fields_.clear();
    time_us = kNoTime;
    record_id = 0;
    offset = 0;
    recovered = false;
    file = nullptr;
    raw = std::string_view();
  }
  // Appends a field; the views must outlive the event (use the batch arena to copy).
  void add(std::string_view name, std::string_view value) { fields_.push_back(Field{name, value}); }
  // First field with exactly this name, or nullptr when absent.
  const std::string_view* find(std::string_view name) const {
    for (const Field& f : fields_)
      if (f.name == name) return &f.value;
    return nullptr;
  }
  // Like find(), but falls back to an ASCII case-insensitive name comparison.
  const std::string_view* find_nocase(std::string_view name) const;
  const std::vector<Field>& fields() const { return fields_; }
  std::vector<Field>& mutable_fields() { return fields_; }
  size_t size() const { return fields_.size(); }

  int64_t time_us = kNoTime;   // event time, microseconds since the Unix epoch (UTC); kNoTime if unknown
  uint64_t record_id = 0;      // EVTX record number (header id), or 1-based line number for text logs
  uint64_t offset = 0;         // byte offset of the record in its (decompressed) file
  bool recovered = false;      // carved from slack space, not a live record
  const FileInfo* file = nullptr;
  // The record's original text when the decoder has it cheaply (the JSON or TSV line), or its rendered XML
  // when DecodeOptions::render_xml asked for it (EVTX). Empty otherwise.
  std::string_view raw;

 private:
  std::vector<Field> fields_;
};

// A unit of decoded work (an EVTX chunk, a block of JSON or Zeek lines): its events, their storage, and the
// problems found while decoding it. Batches are reused: clear() keeps capacity.
struct EventBatch {
  Arena arena;
  std::vector<Event> events;  // events[0, count) are live; the rest are kept for reuse
  size_t count = 0;
  std::vector<Diagnostic> diagnostics;
  std::shared_ptr<const void> keepalive;  // e.g. the file buffer that zero-copy values point into
  std::shared_ptr<const FileInfo> file;
  uint64_t errors = 0;   // records that could not be decoded (each also has a diagnostic, up to a cap)
  uint64_t bytes = 0;    // input bytes this unit covered

  void clear() {
    arena.reset();
    count = 0;
    diagnostics.clear();
    keepalive.reset();
    file.reset();
    errors = 0;
    bytes = 0;
  }
  Event& next() {
    if (count == events.size()) events.emplace_back();
    Event& e = events[count++];
    e.clear();
    e.file = file.get();
    return e;
  }
  void drop_last() { --count; }
  std::string_view copy(std::string_view s) { return arena.copy(s); }
};

}  // namespace trawl

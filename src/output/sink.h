// Outputs of `trawl hunt`: every sink renders the one Detection record (core/detection.h) — JSON lines, a
// Timesketch-ready CSV timeline, a terminal table, a SQLite case database and a self-contained HTML report —
// plus the run's statistics (RunStats) for --stats, the table footer, the database and the report.
//
// Protocol: begin(run) once, write(d) per detection, finish(stats) once. A sink is driven from ONE thread, in
// the pipeline's deterministic order; it is not thread-safe. Sinks copy what they keep (they never hold on to
// the Detection passed to write). Streams passed to a factory are borrowed and must outlive the sink.
// Example:
//   auto sink = make_jsonl_sink(std::cout);
//   if (Status s = sink->begin(run); !s.ok()) return fail(s.message());
//   for (const Detection& d : detections) if (Status s = sink->write(d); !s.ok()) ...;
//   Status s = sink->finish(stats);
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "core/detection.h"
#include "core/diagnostic.h"
#include "core/status.h"

namespace trawl {

// What was run: rendered in the database `runs` table and the HTML report header.
struct RunInfo {
  std::string command_line;
  int64_t started_us = kNoTime;  // wall-clock start, microseconds since the epoch (UTC)
  std::vector<std::string> inputs;
  size_t rule_count = 0;
  size_t ioc_count = 0;
  std::string trawl_version;
};

// Filled by the pipeline; rendered by --stats (write_stats), the table footer, the database and the report.
struct RunStats {
  uint64_t files_read = 0, files_skipped = 0, bytes = 0, events = 0, detections = 0, decode_errors = 0;
  std::map<std::string, uint64_t> events_per_file, events_per_channel, events_per_event_id;  // keys as text
  std::map<std::string, uint64_t> detections_per_rule;                     // rule_id -> count
  std::map<std::string, std::pair<int64_t, int64_t>> time_span_per_host;  // "tenant/host" -> first, last us
  std::vector<Diagnostic> diagnostics;  // every problem reported (path + offset)
  double seconds = 0;
};

class DetectionSink {
 public:
  virtual ~DetectionSink() = default;
  virtual Status begin(const RunInfo& run) = 0;
  virtual Status write(const Detection& d) = 0;
  virtual Status finish(const RunStats& stats) = 0;
};

struct TableOptions {
  bool colour = false;        // ANSI colours by level (only when writing to a terminal)
  size_t top = 20;            // how many detections to list after the summary
  size_t width = 120;         // terminal width in columns; 0 = no limit
};

// JSON lines: one append_detection_json() line per detection. Buffered; flushed at finish().
std::unique_ptr<DetectionSink> make_jsonl_sink(std::ostream& out);
// Timesketch timeline CSV (RFC 4180 quoting, spreadsheet-formula safe, CRLF line ends). Header:
//   datetime,timestamp_desc,message,timestamp,tenant,host,kind,level,rule_id,title,tags,source_path,record_id,fields
std::unique_ptr<DetectionSink> make_csv_sink(std::ostream& out);
// A terminal summary (counts per tenant/host and level) and the top detections; printed at finish().
// Every value from a log is escaped: no control characters reach the terminal.
std::unique_ptr<DetectionSink> make_table_sink(std::ostream& out, const TableOptions& opt);
// SQLite case database (schema and example queries in output/sqlite_sink.h). Opens/creates the file now.
Result<std::unique_ptr<DetectionSink>> make_sqlite_sink(const std::string& path);
// A self-contained HTML report (no external resources). `max_rows` bounds the detections listed (the most
// severe, then the earliest); counts always cover every detection. The file is written at finish().
Result<std::unique_ptr<DetectionSink>> make_html_sink(const std::string& path);
Result<std::unique_ptr<DetectionSink>> make_html_sink(const std::string& path, size_t max_rows);
// Fans every call out to several sinks (e.g. --format table plus --db plus --html); stops at the first error
// of begin()/write(), but finish() reaches every sink and returns the first error.
std::unique_ptr<DetectionSink> make_fanout_sink(std::vector<std::unique_ptr<DetectionSink>> sinks);

// The --stats text block (terminal-safe: values from logs are escaped).
void write_stats(std::ostream& out, const RunStats& s);
// The JSONL record of DESIGN.md, without a newline. Always valid UTF-8 JSON. Repeated field names become a
// JSON array of their values, in order, at the position of the first occurrence.
void append_detection_json(std::string& out, const Detection& d);
// Just the "fields" object of the record ({"Name":"value","Dup":["a","b"]}).
void append_fields_json(std::string& out, const std::vector<std::pair<std::string, std::string>>& fields);
// RunStats as one JSON object (used by the database `runs.stats` column and the HTML report).
void append_stats_json(std::string& out, const RunStats& s);

}  // namespace trawl

// The SQLite case database sink (schema and example queries in output/sqlite_sink.h).
#include "output/sqlite_sink.h"

#include <sqlite3.h>

#include <chrono>
#include <string>

#include "core/text.h"
#include "core/time.h"
#include "output/sink.h"
#include "output/text_render.h"

namespace trawl {
namespace {

constexpr int kSchemaVersion = 1;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS runs(
  id INTEGER PRIMARY KEY,
  started TEXT,
  finished TEXT,
  command_line TEXT NOT NULL,
  version TEXT NOT NULL,
  inputs TEXT NOT NULL,
  rule_count INTEGER NOT NULL,
  ioc_count INTEGER NOT NULL,
  detections INTEGER NOT NULL DEFAULT 0,
  stats TEXT
);
CREATE TABLE IF NOT EXISTS detections(
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs(id),
  timestamp TEXT,
  time_us INTEGER,
  tenant TEXT NOT NULL,
  host TEXT NOT NULL,
  kind TEXT NOT NULL,
  rule_id TEXT NOT NULL,
  title TEXT NOT NULL,
  level TEXT NOT NULL,
  level_rank INTEGER NOT NULL,
  tags TEXT NOT NULL,
  source_path TEXT NOT NULL,
  record_id INTEGER NOT NULL,
  fields TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS diagnostics(
  run_id INTEGER NOT NULL REFERENCES runs(id),
  severity TEXT NOT NULL,
  path TEXT NOT NULL,
  offset INTEGER NOT NULL,
  line_based INTEGER NOT NULL,
  message TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS detections_tenant_level ON detections(tenant, level_rank);
CREATE INDEX IF NOT EXISTS detections_host ON detections(host);
CREATE INDEX IF NOT EXISTS detections_rule_id ON detections(rule_id);
CREATE INDEX IF NOT EXISTS detections_timestamp ON detections(timestamp);
CREATE INDEX IF NOT EXISTS detections_level_rank ON detections(level_rank);
CREATE INDEX IF NOT EXISTS detections_run_id ON detections(run_id);
CREATE INDEX IF NOT EXISTS diagnostics_run_id ON diagnostics(run_id);
)sql";

constexpr const char* kInsertRun =
    "INSERT INTO runs(started, command_line, version, inputs, rule_count, ioc_count) VALUES(?,?,?,?,?,?)";
constexpr const char* kInsertDetection =
    "INSERT INTO detections(run_id, timestamp, time_us, tenant, host, kind, rule_id, title, level, level_rank, "
    "tags, source_path, record_id, fields) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
constexpr const char* kInsertDiagnostic =
    "INSERT INTO diagnostics(run_id, severity, path, offset, line_based, message) VALUES(?,?,?,?,?,?)";
constexpr const char* kFinishRun = "UPDATE runs SET finished = ?, detections = ?, stats = ? WHERE id = ?";

// Text handed to SQLite must be valid UTF-8 (the shell, json_extract and `trawl serve` rely on it): values
// from logs are cleaned the way the JSON record cleans them (invalid bytes -> U+FFFD).
void valid_utf8(std::string& out, std::string_view s) {
  out.clear();
  if (is_valid_utf8(s)) {
    out.assign(s);
    return;
  }
  for (size_t i = 0; i < s.size();) {
    uint32_t cp;
    size_t l = output::decode_utf8(s, i, cp);
    if (l == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(s.data() + i, l);
      i += l;
    }
  }
}

class SqliteSink final : public DetectionSink {
 public:
  explicit SqliteSink(std::string path) : path_(std::move(path)) {}
  ~SqliteSink() override {
    if (in_transaction_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    for (sqlite3_stmt* st : {insert_run_, insert_detection_, insert_diagnostic_, finish_run_}) sqlite3_finalize(st);
    sqlite3_close(db_);
  }

  Status open() {
    if (sqlite3_open_v2(path_.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK)
      return error("cannot open the case database");
    sqlite3_busy_timeout(db_, 5000);
    int version = 0;
    if (Status s = query_int("PRAGMA user_version", version); !s.ok()) return s;
    if (version > kSchemaVersion)
      return Status::Error(path_ + ": case database schema version " + std::to_string(version) +
                           " is newer than this trawl understands (" + std::to_string(kSchemaVersion) + ")");
    if (Status s = exec("PRAGMA cache_size = -65536"); !s.ok()) return s;
    if (Status s = exec(kSchema); !s.ok()) return s;
    if (Status s = exec("PRAGMA user_version = " + std::to_string(kSchemaVersion)); !s.ok()) return s;
    // Preparing against the real tables also proves that an existing file is a trawl case database.
    for (auto [sql, st] : {std::pair{kInsertRun, &insert_run_}, std::pair{kInsertDetection, &insert_detection_},
                           std::pair{kInsertDiagnostic, &insert_diagnostic_}, std::pair{kFinishRun, &finish_run_}})
      if (sqlite3_prepare_v2(db_, sql, -1, st, nullptr) != SQLITE_OK)
        return error("not a trawl case database (or an incompatible one)");
    return Status();
  }

  Status begin(const RunInfo& run) override {
    if (in_transaction_) return Status::Error(path_ + ": begin() called twice");
    if (Status s = exec("BEGIN IMMEDIATE"); !s.ok()) return s;
    in_transaction_ = true;
    std::string inputs = "[";
    for (size_t i = 0; i < run.inputs.size(); ++i) {
      if (i) inputs.push_back(',');
      output::append_json_text(inputs, run.inputs[i]);
    }
    inputs.push_back(']');
    sqlite3_stmt* st = insert_run_;
    if (run.started_us == kNoTime)
      sqlite3_bind_null(st, 1);
    else
      bind_text(st, 1, format_time_us(run.started_us));
    bind_text(st, 2, run.command_line);
    bind_text(st, 3, run.trawl_version);
    bind_text(st, 4, inputs);
    sqlite3_bind_int64(st, 5, int64_t(run.rule_count));
    sqlite3_bind_int64(st, 6, int64_t(run.ioc_count));
    if (Status s = step(st); !s.ok()) return s;
    run_id_ = sqlite3_last_insert_rowid(db_);
    return Status();
  }

  Status write(const Detection& d) override {
    if (!in_transaction_) return Status::Error(path_ + ": write() before begin()");
    sqlite3_stmt* st = insert_detection_;
    sqlite3_bind_int64(st, 1, run_id_);
    if (d.time_us == kNoTime) {
      sqlite3_bind_null(st, 2);
      sqlite3_bind_null(st, 3);
    } else {
      scratch_.clear();
      append_time_us(scratch_, d.time_us);
      bind_text(st, 2, scratch_);
      sqlite3_bind_int64(st, 3, d.time_us);
    }
    bind_text(st, 4, d.tenant);
    bind_text(st, 5, d.host);
    bind_static(st, 6, detection_kind_name(d.kind));
    bind_text(st, 7, d.rule_id);
    bind_text(st, 8, d.title);
    bind_static(st, 9, level_name(d.level));
    sqlite3_bind_int(st, 10, output::level_rank(d.level));
    tags_.clear();
    tags_.push_back('[');
    for (size_t i = 0; i < d.tags.size(); ++i) {
      if (i) tags_.push_back(',');
      output::append_json_text(tags_, d.tags[i]);
    }
    tags_.push_back(']');
    bind_transient(st, 11, tags_);
    bind_text(st, 12, d.source_path);
    sqlite3_bind_int64(st, 13, int64_t(d.record_id));
    fields_.clear();
    append_fields_json(fields_, d.fields);
    bind_transient(st, 14, fields_);
    Status s = step(st);
    if (s.ok()) ++written_;
    return s;
  }

  Status finish(const RunStats& stats) override {
    if (!in_transaction_) return Status::Error(path_ + ": finish() before begin()");
    for (const Diagnostic& g : stats.diagnostics) {
      sqlite3_stmt* st = insert_diagnostic_;
      sqlite3_bind_int64(st, 1, run_id_);
      bind_static(st, 2, severity_name(g.severity));
      bind_text(st, 3, g.path);
      sqlite3_bind_int64(st, 4, int64_t(g.offset));
      sqlite3_bind_int(st, 5, g.line_based ? 1 : 0);
      bind_text(st, 6, g.message);
      if (Status s = step(st); !s.ok()) return s;
    }
    const int64_t now = std::chrono::duration_cast<std::chrono::microseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    std::string stats_json;
    append_stats_json(stats_json, stats);
    sqlite3_stmt* st = finish_run_;
    bind_text(st, 1, format_time_us(now));
    sqlite3_bind_int64(st, 2, int64_t(written_));
    bind_transient(st, 3, stats_json);
    sqlite3_bind_int64(st, 4, run_id_);
    if (Status s = step(st); !s.ok()) return s;
    if (Status s = exec("COMMIT"); !s.ok()) return s;
    in_transaction_ = false;
    return Status();
  }

 private:
  Status error(const std::string& what) const {
    return Status::Error(path_ + ": " + what + ": " + (db_ ? sqlite3_errmsg(db_) : "out of memory"));
  }
  Status exec(const std::string& sql) {
    char* msg = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &msg) != SQLITE_OK) {
      std::string m = msg ? msg : sqlite3_errmsg(db_);
      sqlite3_free(msg);
      return Status::Error(path_ + ": " + m);
    }
    return Status();
  }
  Status query_int(const char* sql, int& v) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db_, sql, -1, &st, nullptr) != SQLITE_OK) return error("not a database");
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return error("not a database");
    return Status();
  }
  Status step(sqlite3_stmt* st) {
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE) return error("cannot write the case database");
    return Status();
  }
  // Values from logs: cleaned to valid UTF-8, copied by SQLite (the scratch buffer is reused).
  void bind_text(sqlite3_stmt* st, int i, std::string_view s) {
    valid_utf8(clean_, s);
    sqlite3_bind_text64(st, i, clean_.data(), clean_.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  }
  // Our own JSON (already valid UTF-8).
  void bind_transient(sqlite3_stmt* st, int i, const std::string& s) {
    sqlite3_bind_text64(st, i, s.data(), s.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  }
  void bind_static(sqlite3_stmt* st, int i, const char* s) { sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC); }

  std::string path_;
  sqlite3* db_ = nullptr;
  sqlite3_stmt* insert_run_ = nullptr;
  sqlite3_stmt* insert_detection_ = nullptr;
  sqlite3_stmt* insert_diagnostic_ = nullptr;
  sqlite3_stmt* finish_run_ = nullptr;
  bool in_transaction_ = false;
  int64_t run_id_ = 0;
  uint64_t written_ = 0;
  std::string scratch_, clean_, tags_, fields_;
};

}  // namespace

Result<std::unique_ptr<DetectionSink>> make_sqlite_sink(const std::string& path) {
  auto sink = std::make_unique<SqliteSink>(path);
  if (Status s = sink->open(); !s.ok()) return s;
  return std::unique_ptr<DetectionSink>(std::move(sink));
}

}  // namespace trawl

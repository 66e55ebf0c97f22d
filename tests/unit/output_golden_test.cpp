// Golden-file tests for every sink: a fixed set of detections (hostile values, unicode, repeated field names,
// a detection without a time) rendered by each sink and compared byte for byte with tests/golden/*.
// Volatile values (the HTML nonce, the database's finish time) are canonicalised before the comparison.
// TRAWL_UPDATE_GOLDEN=1 rewrites the golden files instead (scripts/update-golden.sh).
#include <gtest/gtest.h>
#include <re2/re2.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "core/text.h"
#include "core/time.h"
#include "output/sink.h"
#include "output/sqlite_sink.h"

namespace trawl::test_output {

// Shared with the other output_*_test.cpp files.
std::vector<Detection> golden_detections() {
  std::vector<Detection> v;
  {
    Detection d;
    d.time_us = *parse_time("2019-03-19T23:35:40.123456Z");
    d.tenant = "acme";
    d.host = "WS01.acme.local";
    d.kind = DetectionKind::kSigma;
    d.rule_id = "fb843269-508c-4b76-8b8d-88679db22ce7";
    d.title = "Suspicious Execution of Powershell with Base64";
    d.level = Level::kHigh;
    d.tags = {"attack.execution", "attack.t1059.001"};
    d.source_path = "acme/ws01/Microsoft-Windows-Sysmon%4Operational.evtx";
    d.record_id = 1234;
    d.fields = {{"EventID", "1"},
                {"Channel", "Microsoft-Windows-Sysmon/Operational"},
                {"Computer", "WS01.acme.local"},
                {"Image", "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe"},
                {"CommandLine", "powershell.exe -nop -w hidden -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoA"},
                {"User", "ACME\\jdoe"},
                {"ParentImage", "C:\\Windows\\explorer.exe"}};
    v.push_back(d);
  }
  {
    // Everything an attacker can put in a log, aimed at each medium.
    Detection d;
    d.time_us = *parse_time("2019-03-20T01:02:03Z");
    d.tenant = "globex";
    d.host = "\"><img src=x onerror=alert(1)>";
    d.kind = DetectionKind::kSigma;
    d.rule_id = "-2+3";
    d.title = "<script>alert(1)</script> & 'quoted' \"title\"";
    d.level = Level::kCritical;
    d.tags = {"@SUM(1)", "attack.t1003"};
    d.source_path = "globex/dc1/Security.evtx";
    d.record_id = 42;
    d.fields = {{"CommandLine", std::string("=cmd|' /C calc'!A0 </textarea><script>alert(1)</script>\x1b]0;pwned\x07"
                                            "\x1b[2J, line2\nline3\r\x7f end")},
                {"Image", std::string("C:\\evil\xff\xfe.exe \xc2\x9b" "31m \xe2\x80\xae" "fdp.exe")},
                {"we\"ird\tname", "+SUM(A1)"},
                {"Empty", ""},
                {"Nul", std::string("a\0b", 3)}};
    v.push_back(d);
  }
  {
    Detection d;
    d.time_us = *parse_time("2019-03-19T08:00:00.5Z");
    d.tenant = "日本支社";
    d.host = "ПК-01.corp";
    d.kind = DetectionKind::kIoc;
    d.rule_id = "ioc:domain:example-c2.jp";
    d.title = "Known menuPass C2 domain 🚀 (Ünïcödé)";
    d.level = Level::kMedium;
    d.tags = {"ioc.domain"};
    d.source_path = "日本支社/zeek/dns.log";
    d.record_id = 7;
    d.fields = {{"query", "example-c2.jp"}, {"answers", "203.0.113.7"}, {"note", "東京 e\xcc\x81t\xc3\xa9 ✓"}};
    v.push_back(d);
  }
  {
    // Repeated field names (unnamed EventData <Data> elements; a field listed twice).
    Detection d;
    d.time_us = *parse_time("2019-03-19T12:00:00Z");
    d.tenant = "acme";
    d.host = "WS02.acme.local";
    d.kind = DetectionKind::kIoc;
    d.rule_id = "ioc:ip:203.0.113.7";
    d.title = "Logon from a known bad address";
    d.level = Level::kLow;
    d.tags = {};
    d.source_path = "acme/ws02/Security.evtx";
    d.record_id = 99;
    d.fields = {{"EventID", "4624"}, {"Data", "first"}, {"IpAddress", "203.0.113.7"},
                {"Data", "second"},  {"Data", "third"},  {"IpAddress", "::1"}};
    v.push_back(d);
  }
  {
    // An analytic without a time.
    Detection d;
    d.tenant = "acme";
    d.host = "10.0.0.5";
    d.kind = DetectionKind::kAnalytic;
    d.rule_id = "beacon";
    d.title = "Regular beaconing to 198.51.100.9:443";
    d.level = Level::kInformational;
    d.source_path = "acme/zeek/conn.log";
    d.fields = {{"src", "10.0.0.5"}, {"dst", "198.51.100.9:443"}, {"score", "0.93"}, {"why", "interval 60s ±2s"}};
    v.push_back(d);
  }
  {
    Detection d;
    d.time_us = *parse_time("2019-03-19T23:35:40.123456Z");
    d.tenant = "acme";
    d.host = "WS01.acme.local";
    d.kind = DetectionKind::kCorrelation;
    d.rule_id = "cross_tenant_logon";
    d.title = "MSP admin account used in two tenants";
    d.level = Level::kHigh;
    d.tags = {"attack.lateral_movement", "attack.t1078"};
    d.source_path = "acme/ws01/Security.evtx";
    d.record_id = 5000;
    d.fields = {{"TargetUserName", "svc-msp"}, {"tenants", "acme, globex"}};
    v.push_back(d);
  }
  return v;
}

RunInfo golden_run() {
  RunInfo r;
  r.command_line = "trawl hunt evidence/ --tenant-dirs --html report.html";
  r.started_us = *parse_time("2026-01-02T03:04:05Z");
  r.inputs = {"evidence/"};
  r.rule_count = 3;
  r.ioc_count = 2;
  r.trawl_version = "0.0.0-test";
  return r;
}

RunStats golden_stats() {
  RunStats s;
  s.files_read = 5;
  s.files_skipped = 1;
  s.bytes = 3 * 1048576 + 12345;
  s.events = 12000;
  s.detections = 6;
  s.decode_errors = 2;
  s.events_per_file = {{"acme/ws01/Security.evtx", 7000}, {"acme/zeek/conn.log", 4000}, {"globex/dc1/Security.evtx", 1000}};
  s.events_per_channel = {{"Security", 8000}, {"Microsoft-Windows-Sysmon/Operational", 4000},
                          {std::string("Evil\x1b[31mChannel<b>"), 1}};
  s.events_per_event_id = {{"4624", 5000}, {"1", 4000}, {"4688", 3000}};
  s.detections_per_rule = {{"fb843269-508c-4b76-8b8d-88679db22ce7", 1}, {"beacon", 1}};
  s.time_span_per_host = {{"acme/WS01.acme.local", {*parse_time("2019-03-19T00:00:00Z"), *parse_time("2019-03-20T00:00:00Z")}},
                          {"acme/10.0.0.5", {kNoTime, kNoTime}}};
  Diagnostic d1;
  d1.path = "globex/dc1/Security.evtx";
  d1.offset = 0x11000;
  d1.message = "chunk checksum mismatch </script><script>alert(2)</script>";
  Diagnostic d2;
  d2.severity = Severity::kWarning;
  d2.path = "acme/ws01/app.json";
  d2.offset = 17;
  d2.line_based = true;
  d2.message = std::string("not JSON: \x1b[2J\"><img src=x>");
  s.diagnostics = {d1, d2};
  s.seconds = 1.5;
  return s;
}

void render(DetectionSink& sink) {
  EXPECT_TRUE(sink.begin(golden_run()).ok());
  for (const Detection& d : golden_detections()) EXPECT_TRUE(sink.write(d).ok());
  EXPECT_TRUE(sink.finish(golden_stats()).ok());
}

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("trawl_output_test_" + std::to_string(::getpid()) + "_" + name))
      .string();
}

// The rows of a query, one line each: values as JSON literals separated by " | ".
std::string query_dump(sqlite3* db, const std::string& sql) {
  std::string out = "-- " + sql + "\n";
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
    ADD_FAILURE() << sqlite3_errmsg(db) << " in " << sql;
    return out;
  }
  while (sqlite3_step(st) == SQLITE_ROW) {
    for (int c = 0; c < sqlite3_column_count(st); ++c) {
      if (c) out += " | ";
      switch (sqlite3_column_type(st, c)) {
        case SQLITE_NULL: out += "NULL"; break;
        case SQLITE_INTEGER: out += std::to_string(sqlite3_column_int64(st, c)); break;
        default: {
          const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st, c));
          append_json_string(out, std::string_view(p ? p : "", size_t(sqlite3_column_bytes(st, c))));
        }
      }
    }
    out += "\n";
  }
  sqlite3_finalize(st);
  return out;
}

namespace {

std::string golden_dir() { return std::string(TRAWL_FIXTURES_DIR) + "/../golden"; }

bool updating() {
  const char* u = std::getenv("TRAWL_UPDATE_GOLDEN");
  return u && std::string(u) == "1";
}

void check_golden(const std::string& name, const std::string& actual) {
  const std::string path = golden_dir() + "/" + name;
  if (updating()) {
    std::filesystem::create_directories(golden_dir());
    std::ofstream(path, std::ios::binary | std::ios::trunc) << actual;
    return;
  }
  ASSERT_TRUE(std::filesystem::exists(path)) << path << " is missing: run scripts/update-golden.sh";
  const std::string expected = read_file(path);
  if (expected != actual) {
    // Point at the first difference: the whole files are too big for a readable message.
    size_t i = 0;
    while (i < expected.size() && i < actual.size() && expected[i] == actual[i]) ++i;
    const size_t from = i > 80 ? i - 80 : 0;
    FAIL() << name << " differs from the golden file at byte " << i << "\n  expected: ..."
           << expected.substr(from, 160) << "\n  actual:   ..." << actual.substr(from, 160)
           << "\n(if the change is intended: scripts/update-golden.sh)";
  }
}

TEST(OutputGolden, Jsonl) {
  std::ostringstream out;
  auto sink = make_jsonl_sink(out);
  render(*sink);
  check_golden("detections.jsonl", out.str());
}

TEST(OutputGolden, Csv) {
  std::ostringstream out;
  auto sink = make_csv_sink(out);
  render(*sink);
  check_golden("detections.csv", out.str());
}

TEST(OutputGolden, Table) {
  std::ostringstream out;
  auto sink = make_table_sink(out, TableOptions{false, 20, 110});
  render(*sink);
  check_golden("table.txt", out.str());
}

TEST(OutputGolden, TableColourNarrowTop3) {
  std::ostringstream out;
  auto sink = make_table_sink(out, TableOptions{true, 3, 80});
  render(*sink);
  check_golden("table-colour.txt", out.str());
}

TEST(OutputGolden, Stats) {
  std::ostringstream out;
  write_stats(out, golden_stats());
  check_golden("stats.txt", out.str());
}

TEST(OutputGolden, Html) {
  const std::string path = temp_path("report.html");
  auto sink = make_html_sink(path);
  ASSERT_TRUE(sink.ok()) << sink.status().message();
  render(**sink);
  std::string html = read_file(path);
  std::filesystem::remove(path);
  RE2::GlobalReplace(&html, "nonce-[0-9a-f]{32}", "nonce-NONCE");
  RE2::GlobalReplace(&html, "nonce=\"[0-9a-f]{32}\"", "nonce=\"NONCE\"");
  check_golden("report.html", html);
}

TEST(OutputGolden, SqliteQueries) {
  const std::string path = temp_path("case.sqlite");
  std::filesystem::remove(path);
  {
    auto sink = make_sqlite_sink(path);
    ASSERT_TRUE(sink.ok()) << sink.status().message();
    render(**sink);
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  std::string dump;
  dump += query_dump(db, "PRAGMA user_version");
  dump += query_dump(db, "SELECT type, name, tbl_name FROM sqlite_master ORDER BY type, name");
  dump += query_dump(db,
                     "SELECT id, started, finished IS NOT NULL, command_line, version, inputs, rule_count, "
                     "ioc_count, detections, stats FROM runs ORDER BY id");
  dump += query_dump(db,
                     "SELECT id, run_id, timestamp, time_us, tenant, host, kind, rule_id, title, level, level_rank, "
                     "tags, source_path, record_id, fields FROM detections ORDER BY id");
  dump += query_dump(db, "SELECT * FROM diagnostics ORDER BY rowid");
  dump += query_dump(db, kDetectionsPerTenantAndLevel);
  dump += query_dump(db,
                     "SELECT host, json_extract(fields, '$.CommandLine') FROM detections "
                     "WHERE json_extract(fields, '$.CommandLine') IS NOT NULL ORDER BY id");
  dump += query_dump(db, "SELECT json_extract(fields, '$.Data[1]') FROM detections WHERE rule_id = 'ioc:ip:203.0.113.7'");
  dump += query_dump(db,
                     "SELECT d.tenant, t.value AS tag, count(*) FROM detections d, json_each(d.tags) t "
                     "GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2");
  sqlite3_close(db);
  std::filesystem::remove(path);
  check_golden("case.sql-dump", dump);
}

}  // namespace
}  // namespace trawl::test_output

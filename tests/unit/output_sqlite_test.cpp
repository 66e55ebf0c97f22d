// The SQLite case database and the HTML report: the documented query answers "detections per tenant and
// level", runs append, an unfinished run leaves nothing behind, foreign files are refused; the report escapes
// everything and embeds its data safely.
#include <gtest/gtest.h>
#include <re2/re2.h>
#include <simdjson.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "core/text.h"
#include "core/time.h"
#include "output/sink.h"
#include "output/sqlite_sink.h"

namespace trawl::test_output {
std::vector<Detection> golden_detections();
RunInfo golden_run();
RunStats golden_stats();
std::string query_dump(sqlite3* db, const std::string& sql);
std::string read_file(const std::string& path);
std::string temp_path(const std::string& name);
}  // namespace trawl::test_output

namespace trawl {
namespace {

using namespace test_output;

struct TempFile {
  explicit TempFile(const std::string& name) : path(temp_path(name)) { std::filesystem::remove(path); }
  ~TempFile() {
    std::filesystem::remove(path);
    std::filesystem::remove(path + "-journal");
  }
  std::string path;
};

void run_into(DetectionSink& sink, const std::vector<Detection>& ds) {
  ASSERT_TRUE(sink.begin(golden_run()).ok());
  for (const Detection& d : ds) ASSERT_TRUE(sink.write(d).ok());
  ASSERT_TRUE(sink.finish(golden_stats()).ok());
}

std::string query(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  std::string out = query_dump(db, sql);
  sqlite3_close(db);
  return out.substr(out.find('\n') + 1);  // without the "-- sql" line
}

TEST(OutputSqlite, DetectionsPerTenantAndLevelInOneQuery) {
  TempFile f("per_tenant.sqlite");
  {
    auto sink = make_sqlite_sink(f.path);
    ASSERT_TRUE(sink.ok()) << sink.status().message();
    run_into(**sink, golden_detections());
  }
  EXPECT_EQ(query(f.path, kDetectionsPerTenantAndLevel),
            "\"acme\" | \"high\" | 2\n\"acme\" | \"low\" | 1\n\"acme\" | \"informational\" | 1\n"
            "\"globex\" | \"critical\" | 1\n\"日本支社\" | \"medium\" | 1\n");
}

TEST(OutputSqlite, TheQueryWorksInTheSqlite3Shell) {
  if (!std::filesystem::exists("/usr/bin/sqlite3")) GTEST_SKIP() << "no sqlite3 shell installed";
  TempFile f("shell.sqlite");
  {
    auto sink = make_sqlite_sink(f.path);
    ASSERT_TRUE(sink.ok());
    run_into(**sink, golden_detections());
  }
  const std::string cmd = "/usr/bin/sqlite3 '" + f.path + "' \"" + kDetectionsPerTenantAndLevel + "\"";
  FILE* p = ::popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  char buf[256];
  while (size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  EXPECT_EQ(::pclose(p), 0);
  EXPECT_EQ(out, "acme|high|2\nacme|low|1\nacme|informational|1\nglobex|critical|1\n日本支社|medium|1\n");
}

TEST(OutputSqlite, SecondRunAppends) {
  TempFile f("append.sqlite");
  const auto ds = golden_detections();
  for (int run = 0; run < 2; ++run) {
    auto sink = make_sqlite_sink(f.path);
    ASSERT_TRUE(sink.ok()) << sink.status().message();
    run_into(**sink, ds);
  }
  EXPECT_EQ(query(f.path, "SELECT id, detections FROM runs ORDER BY id"), "1 | 6\n2 | 6\n");
  EXPECT_EQ(query(f.path, "SELECT run_id, count(*) FROM detections GROUP BY run_id"), "1 | 6\n2 | 6\n");
  EXPECT_EQ(query(f.path, "SELECT count(*) FROM diagnostics"), "4\n");
  EXPECT_EQ(query(f.path,
                  "SELECT level, count(*) FROM detections WHERE run_id = (SELECT max(id) FROM runs) "
                  "AND tenant = 'acme' GROUP BY level_rank, level ORDER BY level_rank DESC"),
            "\"high\" | 2\n\"low\" | 1\n\"informational\" | 1\n");
}

TEST(OutputSqlite, AnUnfinishedRunLeavesNothing) {
  TempFile f("unfinished.sqlite");
  {
    auto sink = make_sqlite_sink(f.path);
    ASSERT_TRUE(sink.ok());
    run_into(**sink, golden_detections());
  }
  {
    auto sink = make_sqlite_sink(f.path);
    ASSERT_TRUE(sink.ok());
    ASSERT_TRUE((*sink)->begin(golden_run()).ok());
    for (const Detection& d : golden_detections()) ASSERT_TRUE((*sink)->write(d).ok());
    // destroyed without finish(): the pipeline failed
  }
  EXPECT_EQ(query(f.path, "SELECT count(*) FROM runs"), "1\n");
  EXPECT_EQ(query(f.path, "SELECT count(*) FROM detections"), "6\n");
}

TEST(OutputSqlite, ValuesAreValidUtf8AndQueryable) {
  TempFile f("utf8.sqlite");
  Detection d;
  d.tenant = "t\xff";
  d.host = std::string("h\0x", 3);
  d.fields = {{"CommandLine", "cmd \xc3\x28 /c"}, {"Data", "1"}, {"Data", "2"}};
  {
    auto sink = make_sqlite_sink(f.path);
    ASSERT_TRUE(sink.ok());
    run_into(**sink, {d});
  }
  EXPECT_EQ(query(f.path, "SELECT tenant, length(host), json_extract(fields, '$.CommandLine'), "
                          "json_array_length(fields, '$.Data'), timestamp FROM detections"),
            "\"t\xEF\xBF\xBD\" | 1 | \"cmd \xEF\xBF\xBD( /c\" | 2 | NULL\n");
}

TEST(OutputSqlite, RefusesWhatIsNotACaseDatabase) {
  TempFile junk("junk.sqlite");
  std::ofstream(junk.path) << std::string(4096, 'x');
  auto a = make_sqlite_sink(junk.path);
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.status().message().find(junk.path), std::string::npos) << a.status().message();

  TempFile other("other.sqlite");
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(other.path.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE detections(x)", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  }
  EXPECT_FALSE(make_sqlite_sink(other.path).ok());

  TempFile newer("newer.sqlite");
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(newer.path.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version = 99", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  }
  auto c = make_sqlite_sink(newer.path);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("newer"), std::string::npos);

  EXPECT_FALSE(make_sqlite_sink("/nonexistent-dir/x/case.sqlite").ok());
}

// ---- HTML report ----

std::string html_report(const std::vector<Detection>& ds, size_t max_rows = 5000) {
  TempFile f("report.html");
  auto sink = make_html_sink(f.path, max_rows);
  EXPECT_TRUE(sink.ok());
  run_into(**sink, ds);
  return read_file(f.path);
}

TEST(OutputHtml, HostileValuesAreEscapedEverywhere) {
  std::vector<Detection> ds = golden_detections();
  Detection d = ds[1];
  // The same payloads in every text the report shows.
  const std::string payloads = "<script>alert(1)</script> \"><img src=x onerror=alert(1)> </textarea> 'x'";
  d.tenant = d.host = d.title = d.rule_id = d.source_path = payloads;
  d.tags = {payloads};
  d.fields = {{payloads, payloads}, {"CommandLine", payloads}};
  ds.push_back(d);
  RunStats st = golden_stats();
  const std::string html = html_report(ds);
  for (const char* bad : {"<script>alert", "<img", "</textarea>", "onerror=alert(1)>", "'x'", "\"><img"})
    EXPECT_EQ(html.find(bad), std::string::npos) << bad;
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(html.find("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"), std::string::npos);
  EXPECT_NE(html.find("&lt;/textarea&gt;"), std::string::npos);
  EXPECT_NE(html.find("&#39;x&#39;"), std::string::npos);
  // Exactly our two script elements; no external resource of any kind.
  auto count = [&](const std::string& needle) {
    size_t n = 0;
    for (size_t p = html.find(needle); p != std::string::npos; p = html.find(needle, p + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count("<script"), 2u);
  EXPECT_EQ(count("</script>"), 2u);
  for (const char* ext : {"src=\"", "href=\"", "url(", "@import", "http://", "https://"})
    EXPECT_EQ(html.find(ext), std::string::npos) << ext;
  EXPECT_TRUE(is_valid_utf8(html));
  EXPECT_EQ(html.find('\x1b'), std::string::npos);
}

TEST(OutputHtml, EmbeddedJsonIsSafeAndParses) {
  const std::string html = html_report(golden_detections());
  const std::string open = "<script type=\"application/json\" id=\"trawl-run\">";
  const size_t b = html.find(open);
  ASSERT_NE(b, std::string::npos);
  const size_t e = html.find("</script>", b);
  const std::string json = html.substr(b + open.size(), e - b - open.size());
  EXPECT_EQ(json.find('<'), std::string::npos);
  EXPECT_EQ(json.find('>'), std::string::npos);
  simdjson::dom::parser parser;
  simdjson::padded_string ps(json);
  simdjson::dom::element root;
  ASSERT_EQ(parser.parse(ps).get(root), simdjson::SUCCESS);
  std::string_view msg = root["stats"]["diagnostics"].at(0)["message"].get_string().value();
  EXPECT_EQ(msg, "chunk checksum mismatch </script><script>alert(2)</script>");  // intact once parsed
  EXPECT_EQ(uint64_t(root["stats"]["events"].get_uint64().value()), 12000u);
}

TEST(OutputHtml, ScriptRunsOnlyWithTheNonceOfTheReport) {
  const std::string html = html_report(golden_detections());
  std::string nonce;
  ASSERT_TRUE(RE2::PartialMatch(html, "script-src 'nonce-([0-9a-f]{32})'", &nonce));
  EXPECT_NE(html.find("<script nonce=\"" + nonce + "\">"), std::string::npos);
  EXPECT_NE(html.find("default-src 'none'"), std::string::npos);
  const std::string other = html_report(golden_detections());
  EXPECT_EQ(other.find(nonce), std::string::npos);  // a fresh nonce per report
}

TEST(OutputHtml, RowLimitKeepsTheMostSevere) {
  std::vector<Detection> ds;
  for (int i = 0; i < 40; ++i) {
    Detection d;
    d.tenant = "t";
    d.host = "h";
    d.level = i == 33 ? Level::kCritical : Level::kLow;
    d.title = "title-" + std::to_string(i);
    ds.push_back(d);
  }
  const std::string html = html_report(ds, 5);
  EXPECT_NE(html.find("The 5 most severe of 40 detections"), std::string::npos);
  EXPECT_NE(html.find("title-33"), std::string::npos);
  EXPECT_NE(html.find("title-0<"), std::string::npos);
  EXPECT_EQ(html.find("title-39<"), std::string::npos);
  // Counts cover all 40.
  EXPECT_NE(html.find("<td class=\"n\">40</td>"), std::string::npos);
}

TEST(OutputHtml, UnwritablePathIsAnError) {
  EXPECT_FALSE(make_html_sink("/nonexistent-dir/x/report.html").ok());
}

TEST(OutputFanout, EverySinkSeesEveryDetection) {
  std::ostringstream a, b;
  std::vector<std::unique_ptr<DetectionSink>> sinks;
  sinks.push_back(make_jsonl_sink(a));
  sinks.push_back(make_csv_sink(b));
  auto fan = make_fanout_sink(std::move(sinks));
  run_into(*fan, golden_detections());
  const std::string ja = a.str(), cb = b.str();
  EXPECT_EQ(std::count(ja.begin(), ja.end(), '\n'), 6);
  size_t records = 0;  // CRLF ends a CSV record; a lone LF may sit inside a quoted cell
  for (size_t p = cb.find("\r\n"); p != std::string::npos; p = cb.find("\r\n", p + 2)) ++records;
  EXPECT_EQ(records, 7u);
}

}  // namespace
}  // namespace trawl

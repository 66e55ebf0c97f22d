// trawl hunt end to end, in process: golden outputs (jsonl, csv, table) on the team's fixed fixtures, the
// same detections whatever the thread count and whether the inputs are zipped, a case database that answers
// "detections per tenant and level" in one query, and malformed inputs that change nothing else.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <zlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "core/time.h"
#include "hunt/hunt.h"
#include "output/sink.h"
#include "test_data.h"

using namespace trawl;
namespace fs = std::filesystem;

namespace {

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

HuntOptions fixture_options() {
  HuntOptions o;
  o.paths = {test::fixture_path("hunt/logs")};
  o.rule_paths = {test::fixture_path("hunt/rules")};
  o.ioc_paths = {test::fixture_path("hunt/iocs.txt")};
  o.builtin_rules = false;
  o.builtin_iocs = false;
  o.pipeline.source.tenant_dirs = true;
  o.pipeline.threads = 2;
  return o;
}

std::string hunt_to(const HuntOptions& o, const std::string& format, HuntReport* report = nullptr) {
  std::ostringstream out;
  std::unique_ptr<DetectionSink> sink;
  if (format == "jsonl") sink = make_jsonl_sink(out);
  if (format == "csv") sink = make_csv_sink(out);
  if (format == "table") sink = make_table_sink(out, TableOptions{});
  Result<HuntReport> r = run_hunt(o, *sink, nullptr);
  EXPECT_TRUE(r.ok()) << r.status().message();
  if (report && r.ok()) *report = r.value();
  std::string s = out.str();
  // Canonicalise what varies between machines: the fixtures' absolute folder, timings.
  std::string root = test::fixture_path("");
  for (size_t p; (p = s.find(root)) != std::string::npos;) s.replace(p, root.size(), "<fixtures>/");
  s = std::regex_replace(s, std::regex("[0-9]+\\.[0-9]+ s\\b"), "<secs> s");
  return s;
}

void check_golden(const std::string& name, const std::string& actual) {
  fs::path golden = fs::path(TRAWL_FIXTURES_DIR).parent_path() / "golden" / "hunt" / name;
  if (std::getenv("TRAWL_UPDATE_GOLDEN")) {
    fs::create_directories(golden.parent_path());
    std::ofstream(golden, std::ios::binary) << actual;
    return;
  }
  ASSERT_TRUE(fs::exists(golden)) << golden << " missing: run scripts/update-golden.sh";
  EXPECT_EQ(actual, read_file(golden)) << "output differs from " << golden
                                       << " (if intended, run scripts/update-golden.sh)";
}

}  // namespace

TEST(Hunt, GoldenOutputsOnTeamFixtures) {
  HuntReport rep;
  std::string jsonl = hunt_to(fixture_options(), "jsonl", &rep);
  check_golden("detections.jsonl", jsonl);
  check_golden("timeline.csv", hunt_to(fixture_options(), "csv"));
  check_golden("table.txt", hunt_to(fixture_options(), "table"));
  // What the fixtures hold, independently of the golden files: whoami x3 (one via Security 4688 with the
  // field renamed, one upper-case), net use x1, the DDNS query by rule and by two indicators (domain, IP).
  auto count = [&](const std::string& needle) {
    size_t n = 0;
    for (size_t p = 0; (p = jsonl.find(needle, p)) != std::string::npos; ++p) ++n;
    return n;
  };
  EXPECT_EQ(count("\"rule_id\":\"0b8f0e2a-7d4e-4d55-9a55-1f1f6c2b0001\""), 3u);
  EXPECT_EQ(count("\"rule_id\":\"0b8f0e2a-7d4e-4d55-9a55-1f1f6c2b0002\""), 1u);
  EXPECT_EQ(count("\"rule_id\":\"0b8f0e2a-7d4e-4d55-9a55-1f1f6c2b0003\""), 1u);
  EXPECT_EQ(count("\"kind\":\"ioc\""), 2u);
  EXPECT_EQ(count("\"tenant\":\"globex\""), 2u);
  EXPECT_EQ(rep.stats.decode_errors, 1u);  // the line that is not JSON
  EXPECT_EQ(rep.stats.events, 8u);
}

TEST(Hunt, SameDetectionsWhateverTheThreadCount) {
  HuntOptions one = fixture_options(), many = fixture_options();
  one.pipeline.threads = 1;
  many.pipeline.threads = 4;
  many.pipeline.window = 2;
  EXPECT_EQ(hunt_to(one, "jsonl"), hunt_to(many, "jsonl"));
}

TEST(Hunt, FiltersByLevelTimeAndRule) {
  HuntOptions o = fixture_options();
  o.min_level = Level::kHigh;
  std::string s = hunt_to(o, "jsonl");
  EXPECT_EQ(s.find("\"level\":\"medium\""), std::string::npos);
  EXPECT_NE(s.find("Net Use To An Admin Share"), std::string::npos);
  o = fixture_options();
  o.from_us = *parse_time("2019-03-20T00:00:00Z");
  s = hunt_to(o, "jsonl");
  EXPECT_EQ(s.find("\"tenant\":\"acme\""), std::string::npos);
  EXPECT_NE(s.find("\"tenant\":\"globex\""), std::string::npos);
  o = fixture_options();
  o.exclude_rules = {"0b8f0e2a-7d4e-4d55-9a55-1f1f6c2b0001"};
  EXPECT_EQ(hunt_to(o, "jsonl").find("Whoami Execution"), std::string::npos);
}

TEST(Hunt, CaseDatabaseAnswersDetectionsPerTenantAndLevelInOneQuery) {
  fs::path db = fs::temp_directory_path() / ("trawl_hunt_test_" + std::to_string(::getpid()) + ".sqlite");
  fs::remove(db);
  {
    auto sink = make_sqlite_sink(db.string());
    ASSERT_TRUE(sink.ok()) << sink.status().message();
    ASSERT_TRUE(run_hunt(fixture_options(), *sink.value(), nullptr).ok());
  }
  sqlite3* h = nullptr;
  ASSERT_EQ(sqlite3_open(db.string().c_str(), &h), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(h,
                               "SELECT tenant, level, COUNT(*) FROM detections GROUP BY tenant, level "
                               "ORDER BY tenant, level",
                               -1, &st, nullptr),
            SQLITE_OK);
  std::string rows;
  while (sqlite3_step(st) == SQLITE_ROW)
    rows += std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, 0))) + "|" +
            reinterpret_cast<const char*>(sqlite3_column_text(st, 1)) + "|" +
            std::to_string(sqlite3_column_int(st, 2)) + "\n";
  sqlite3_finalize(st);
  sqlite3_close(h);
  fs::remove(db);
  EXPECT_EQ(rows, "acme|high|3\nacme|medium|2\nglobex|high|1\nglobex|medium|1\n");
}

// Zipping and gzipping the shared attack samples changes nothing but the source paths.
TEST(Hunt, ZipAndGzGiveTheSameDetectionsAsPlainFiles) {
  REQUIRE_DATA("evtx/attack-samples/Lateral Movement");
  fs::path dir = fs::temp_directory_path() / ("trawl_hunt_zip_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path src = test::data_path("evtx/attack-samples/Lateral Movement");
  std::string cmd = "cd '" + src.string() + "' && zip -q -r '" + (dir / "lm.zip").string() + "' . && mkdir -p '" +
                    (dir / "gz").string() + "' && for f in *.evtx; do gzip -c \"$f\" > '" + (dir / "gz").string() +
                    "'/\"$f\".gz; done";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  auto strip_paths = [](std::string s) {
    // Every path (the detection's source, a correlation's evidence) down to the file name, without .gz.
    return std::regex_replace(s, std::regex("\"[^\"]*[/!]([^/!\"]+\\.evtx)(\\.gz)?"), "\"$1");
  };
  HuntOptions o;
  o.builtin_iocs = true;
  o.rule_paths = {test::fixture_path("hunt/rules")};
  o.paths = {src.string()};
  std::string plain = strip_paths(hunt_to(o, "jsonl"));
  o.paths = {(dir / "lm.zip").string()};
  std::string zipped = strip_paths(hunt_to(o, "jsonl"));
  o.paths = {(dir / "gz").string()};
  std::string gz = strip_paths(hunt_to(o, "jsonl"));
  fs::remove_all(dir);
  EXPECT_EQ(zipped, plain);
  EXPECT_EQ(gz, plain);
}

// A truncated EVTX, random bytes named .evtx, an invalid JSON line and a zip with a broken entry beside good
// files: each is reported, and the good files' detections are unchanged.
TEST(Hunt, MalformedInputsAreReportedAndChangeNothingElse) {
  fs::path dir = fs::temp_directory_path() / ("trawl_hunt_bad_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "logs");
  fs::copy(test::fixture_path("hunt/logs"), dir / "logs", fs::copy_options::recursive);
  HuntOptions o = fixture_options();
  o.paths = {(dir / "logs").string()};
  std::string before = hunt_to(o, "jsonl");
  std::string evtx_head = "ElfFile";
  evtx_head.push_back('\0');
  std::ofstream(dir / "logs/acme/ws01/truncated.evtx", std::ios::binary) << evtx_head << std::string(100, '\x01');
  std::ofstream(dir / "logs/acme/ws01/random.evtx", std::ios::binary) << std::string(70000, '\x5a');
  std::ofstream(dir / "logs/acme/ws01/zz-bad.jsonl", std::ios::binary) << "{\"EventID\": 4688, \"Chan\n";
  std::ofstream(dir / "logs/acme/ws01/zz-broken.zip", std::ios::binary) << "PK\x03\x04 this is not really a zip";
  HuntReport rep;
  std::string after = hunt_to(o, "jsonl", &rep);
  fs::remove_all(dir);
  EXPECT_EQ(after, before);
  std::string all;
  for (const Diagnostic& d : rep.stats.diagnostics) all += d.to_string() + "\n";
  EXPECT_NE(all.find("truncated.evtx"), std::string::npos) << all;
  EXPECT_NE(all.find("random.evtx"), std::string::npos) << all;
  EXPECT_NE(all.find("zz-bad.jsonl"), std::string::npos) << all;
  EXPECT_NE(all.find("zz-broken.zip"), std::string::npos) << all;
}

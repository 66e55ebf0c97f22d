#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "ingest/detect.h"
#include "ingest/json/json_decoder.h"
#include "test_data.h"

using namespace trawl;

namespace {

struct Decoded {
  std::vector<std::map<std::string, std::vector<std::string>>> events;
  std::vector<int64_t> times;
  std::vector<uint64_t> lines;
  uint64_t errors = 0;
  std::vector<Diagnostic> diags;
};

Decoded decode_file(const std::string& path) {
  Decoded d;
  auto buf = Buffer::map_file(path);
  EXPECT_TRUE(buf.ok()) << buf.status().message();
  auto info = std::make_shared<FileInfo>();
  info->path = path;
  auto dec = open_json_log(buf.value(), info, DecodeOptions{});
  EXPECT_TRUE(dec.ok()) << dec.status().message();
  if (!dec.ok()) return d;
  EventBatch b;
  for (size_t u = 0; u < dec.value()->unit_count(); ++u) {
    dec.value()->decode_unit(u, b);
    d.errors += b.errors;
    for (auto& x : b.diagnostics) d.diags.push_back(x);
    for (size_t i = 0; i < b.count; ++i) {
      std::map<std::string, std::vector<std::string>> m;
      for (const Field& f : b.events[i].fields()) m[std::string(f.name)].push_back(std::string(f.value));
      d.events.push_back(std::move(m));
      d.times.push_back(b.events[i].time_us);
      d.lines.push_back(b.events[i].record_id);
    }
  }
  return d;
}

std::string one(const std::map<std::string, std::vector<std::string>>& m, const std::string& k) {
  auto it = m.find(k);
  return it == m.end() || it->second.empty() ? "<absent>" : it->second[0];
}

}  // namespace

TEST(JsonDecoder, ThreeShapesGiveTheSameFieldNames) {
  Decoded d = decode_file(test::fixture_path("json/three_shapes.jsonl"));
  ASSERT_EQ(d.events.size(), 3u);
  EXPECT_EQ(d.errors, 0u);
  for (size_t i = 0; i < 3; ++i) {
    SCOPED_TRACE(i);
    const auto& e = d.events[i];
    EXPECT_EQ(one(e, "EventID"), "1");
    EXPECT_EQ(one(e, "Channel"), "Microsoft-Windows-Sysmon/Operational");
    EXPECT_EQ(one(e, "Computer"), "WS01.acme.local");
    EXPECT_EQ(one(e, "Provider_Name"), "Microsoft-Windows-Sysmon");
    EXPECT_EQ(one(e, "CommandLine"), "cmd.exe /c whoami");
    EXPECT_EQ(one(e, "Image"), "C:\\Windows\\System32\\cmd.exe");
    EXPECT_NE(d.times[i], kNoTime);
  }
  // evtx_dump shape: System attributes named as the EVTX decoder names them; null stays absent.
  EXPECT_EQ(one(d.events[0], "TimeCreated"), "2019-03-19T23:35:40.123456Z");
  EXPECT_EQ(one(d.events[0], "Execution_ProcessID"), "2244");
  EXPECT_EQ(one(d.events[0], "Security_UserID"), "S-1-5-18");
  EXPECT_EQ(one(d.events[0], "Provider_Guid"), "{5770385F-C22A-43E0-BF4C-06F5698FFBD9}");
  EXPECT_EQ(one(d.events[0], "ParentImage"), "<absent>");
  EXPECT_EQ(one(d.events[0], "Correlation"), "<absent>");
  EXPECT_EQ(one(d.events[1], "Execution_ThreadID"), "3100");
  EXPECT_EQ(one(d.events[1], "host.name"), "WS01.acme.local");
}

TEST(JsonDecoder, BrokenLinesAreCountedAndTheRestIsRead) {
  Decoded d = decode_file(test::fixture_path("json/damaged.jsonl"));
  ASSERT_EQ(d.events.size(), 3u);
  EXPECT_EQ(d.errors, 2u);
  EXPECT_EQ(one(d.events[0], "NewProcessName"), "C:\\a.exe");
  EXPECT_EQ(one(d.events[1], "EventID"), "4689");
  EXPECT_EQ(one(d.events[2], "TargetUserName"), "bob");
  EXPECT_EQ(d.lines, (std::vector<uint64_t>{1, 3, 5}));
  ASSERT_EQ(d.diags.size(), 2u);
  EXPECT_TRUE(d.diags[0].line_based);
  EXPECT_EQ(d.diags[0].offset, 2u);
  EXPECT_EQ(d.diags[1].offset, 4u);
}

TEST(JsonDecoder, TruncatedDocumentIsOneError) {
  Decoded d = decode_file(test::fixture_path("json/truncated.json"));
  EXPECT_EQ(d.events.size(), 0u);
  EXPECT_EQ(d.errors, 1u);
}

TEST(JsonDecoder, PrettyPrintedConcatenatedObjects) {
  Decoded d = decode_file(test::fixture_path("json/pretty.json"));
  ASSERT_EQ(d.events.size(), 2u);
  EXPECT_EQ(d.errors, 0u);
  EXPECT_EQ(one(d.events[0], "EventID"), "4688");
  EXPECT_EQ(one(d.events[0], "EventID_Qualifiers"), "0");
  EXPECT_EQ(one(d.events[0], "CommandLine"), "net use \\\\HOST\\c$ /user:x {brace} \"quoted\"");
  EXPECT_EQ(one(d.events[1], "SubjectUserName"), "admin");
  EXPECT_EQ(d.lines, (std::vector<uint64_t>{1, 14}));
}

TEST(JsonDecoder, TopLevelArrayAndRepeatedValues) {
  Decoded d = decode_file(test::fixture_path("json/array.json"));
  ASSERT_EQ(d.events.size(), 2u);
  EXPECT_EQ(d.events[0].at("Data"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(one(d.events[1], "Flag"), "true");
  EXPECT_EQ(one(d.events[1], "Ratio"), "0.5");
}

TEST(JsonDecoder, NotJsonIsRejectedOnOpen) {
  auto buf = Buffer::from_string("hello world\n");
  auto info = std::make_shared<FileInfo>();
  info->path = "x.txt";
  EXPECT_FALSE(open_json_log(buf, info, DecodeOptions{}).ok());
  EXPECT_FALSE(open_decoder(buf, info, DecodeOptions{}).ok());
}

// Every Mordor dataset decodes completely: the record count per file equals MANIFEST.csv's, every event
// has EventID, Channel and a time (the datasets use @timestamp, TimeCreated or EventTime).
TEST(JsonDecoder, MordorDatasetsMatchManifest) {
  REQUIRE_DATA("json/mordor/MANIFEST.csv");
  std::ifstream in(test::data_path("json/mordor/MANIFEST.csv"));
  std::string line;
  std::getline(in, line);
  size_t files = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::string rel = line.substr(0, line.find(','));
    // The events column is the 7th; titles/descriptions after it may contain commas.
    std::vector<std::string> cols;
    std::stringstream ss(line);
    std::string c;
    while (std::getline(ss, c, ',')) cols.push_back(c);
    ASSERT_GE(cols.size(), 7u);
    size_t expected = std::stoul(cols[6]);
    Decoded d = decode_file(test::data_path("json/mordor/" + rel));
    EXPECT_EQ(d.events.size(), expected) << rel;
    EXPECT_EQ(d.errors, 0u) << rel;
    for (size_t i = 0; i < d.events.size(); ++i) {
      ASSERT_NE(one(d.events[i], "EventID"), "<absent>") << rel << " event " << i;
      ASSERT_NE(one(d.events[i], "Channel"), "<absent>") << rel << " event " << i;
      ASSERT_NE(d.times[i], kNoTime) << rel << " event " << i;
    }
    ++files;
  }
  EXPECT_EQ(files, 18u);
}

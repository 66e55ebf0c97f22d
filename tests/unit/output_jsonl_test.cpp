// The JSONL record and the CSV timeline: parsed back (simdjson; a plain RFC 4180 reader) and compared with
// the detections they came from, including hostile and malformed values.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <map>
#include <random>
#include <sstream>
#include <string>

#include "core/text.h"
#include "core/time.h"
#include "output/sink.h"

namespace trawl::test_output {
std::vector<Detection> golden_detections();
RunInfo golden_run();
RunStats golden_stats();
}  // namespace trawl::test_output

namespace trawl {
namespace {

using test_output::golden_detections;
using test_output::golden_run;
using test_output::golden_stats;

std::string sink_output(std::unique_ptr<DetectionSink> (*make)(std::ostream&), const std::vector<Detection>& ds) {
  std::ostringstream out;
  auto sink = make(out);
  EXPECT_TRUE(sink->begin(golden_run()).ok());
  for (const Detection& d : ds) EXPECT_TRUE(sink->write(d).ok());
  EXPECT_TRUE(sink->finish(golden_stats()).ok());
  return out.str();
}

std::vector<std::string> split_lines(const std::string& s) {
  std::vector<std::string> lines;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

// What append_json_string would make of a raw value once parsed back: invalid bytes become U+FFFD.
std::string as_parsed(std::string_view raw) {
  std::string quoted;
  append_json_string(quoted, raw);
  simdjson::dom::parser p;
  simdjson::padded_string ps(quoted);
  std::string_view v = p.parse(ps).get_string().value();
  return std::string(v);
}

// The slow twin of the "fields" object: names in first-seen order, every value of a name in order.
std::vector<std::pair<std::string, std::vector<std::string>>> grouped(
    const std::vector<std::pair<std::string, std::string>>& fields) {
  std::vector<std::pair<std::string, std::vector<std::string>>> g;
  for (const auto& [n, v] : fields) {
    auto it = std::find_if(g.begin(), g.end(), [&](const auto& e) { return e.first == n; });
    if (it == g.end())
      g.push_back({n, {v}});
    else
      it->second.push_back(v);
  }
  return g;
}

void expect_fields_equal(simdjson::dom::object obj, const std::vector<std::pair<std::string, std::string>>& fields) {
  auto want = grouped(fields);
  size_t i = 0;
  for (auto [key, value] : obj) {
    ASSERT_LT(i, want.size());
    EXPECT_EQ(std::string(key), as_parsed(want[i].first));
    if (want[i].second.size() == 1) {
      ASSERT_TRUE(value.is_string()) << key;
      EXPECT_EQ(std::string(value.get_string().value()), as_parsed(want[i].second[0]));
    } else {
      ASSERT_TRUE(value.is_array()) << key;
      size_t k = 0;
      for (auto e : value.get_array()) {
        ASSERT_LT(k, want[i].second.size());
        EXPECT_EQ(std::string(e.get_string().value()), as_parsed(want[i].second[k++]));
      }
      EXPECT_EQ(k, want[i].second.size());
    }
    ++i;
  }
  EXPECT_EQ(i, want.size());
}

TEST(OutputJsonl, EveryLineIsTheDesignRecord) {
  const auto ds = golden_detections();
  const std::string out = sink_output(make_jsonl_sink, ds);
  ASSERT_TRUE(is_valid_utf8(out));
  const auto lines = split_lines(out);
  ASSERT_EQ(lines.size(), ds.size());
  simdjson::dom::parser parser;
  for (size_t i = 0; i < ds.size(); ++i) {
    const Detection& d = ds[i];
    simdjson::padded_string ps(lines[i]);
    simdjson::dom::element rec;
    ASSERT_EQ(parser.parse(ps).get(rec), simdjson::SUCCESS) << lines[i];
    // The keys, in the documented order.
    std::vector<std::string> keys;
    for (auto [k, v] : rec.get_object()) keys.emplace_back(k);
    EXPECT_EQ(keys, (std::vector<std::string>{"timestamp", "tenant", "host", "kind", "rule_id", "title", "level",
                                              "tags", "source", "fields"}));
    if (d.time_us == kNoTime)
      EXPECT_TRUE(rec["timestamp"].is_null());
    else
      EXPECT_EQ(std::string(rec["timestamp"].get_string().value()), format_time_us(d.time_us));
    EXPECT_EQ(std::string(rec["tenant"].get_string().value()), as_parsed(d.tenant));
    EXPECT_EQ(std::string(rec["host"].get_string().value()), as_parsed(d.host));
    EXPECT_EQ(std::string(rec["kind"].get_string().value()), detection_kind_name(d.kind));
    EXPECT_EQ(std::string(rec["rule_id"].get_string().value()), as_parsed(d.rule_id));
    EXPECT_EQ(std::string(rec["title"].get_string().value()), as_parsed(d.title));
    EXPECT_EQ(std::string(rec["level"].get_string().value()), level_name(d.level));
    std::vector<std::string> tags;
    for (auto t : rec["tags"].get_array()) tags.emplace_back(t.get_string().value());
    EXPECT_EQ(tags, d.tags);
    EXPECT_EQ(std::string(rec["source"]["path"].get_string().value()), as_parsed(d.source_path));
    EXPECT_EQ(uint64_t(rec["source"]["record_id"].get_uint64().value()), d.record_id);
    expect_fields_equal(rec["fields"].get_object().value(), d.fields);
  }
}

// The pairwise (small) and hashed (large) duplicate finders against the slow twin.
TEST(OutputJsonl, RepeatedNamesSmallAndLargeEvents) {
  std::mt19937 rng(1);
  for (size_t n : {0u, 1u, 2u, 10u, 47u, 48u, 49u, 200u, 3000u}) {
    std::vector<std::pair<std::string, std::string>> fields;
    for (size_t i = 0; i < n; ++i)
      fields.push_back({"f" + std::to_string(rng() % (n / 2 + 1)), std::to_string(i)});
    std::string json;
    append_fields_json(json, fields);
    simdjson::dom::parser parser;
    simdjson::padded_string ps(json);
    simdjson::dom::element e;
    ASSERT_EQ(parser.parse(ps).get(e), simdjson::SUCCESS) << json;
    expect_fields_equal(e.get_object().value(), fields);
  }
}

TEST(OutputJsonl, HostileBytesStayValidJson) {
  std::mt19937 rng(9);
  simdjson::dom::parser parser;
  for (int i = 0; i < 300; ++i) {
    Detection d;
    auto junk = [&] {
      std::string s(rng() % 20, '\0');
      for (char& c : s) c = char(rng() & 0xff);
      return s;
    };
    d.tenant = junk();
    d.host = junk();
    d.title = junk();
    d.rule_id = junk();
    d.tags = {junk(), junk()};
    d.source_path = junk();
    d.fields = {{junk(), junk()}, {junk(), junk()}};
    d.time_us = int64_t(rng());
    std::string line;
    append_detection_json(line, d);
    ASSERT_TRUE(is_valid_utf8(line));
    ASSERT_EQ(line.find('\n'), std::string::npos);
    simdjson::padded_string ps(line);
    simdjson::dom::element e;
    ASSERT_EQ(parser.parse(ps).get(e), simdjson::SUCCESS) << line;
  }
}

TEST(OutputJsonl, BigRunsFlushAndAWriteErrorIsReported) {
  std::ostringstream out;
  auto sink = make_jsonl_sink(out);
  ASSERT_TRUE(sink->begin(golden_run()).ok());
  const auto ds = golden_detections();
  size_t n = 0;
  while (out.str().size() < (1u << 20) && n < 100000) ASSERT_TRUE(sink->write(ds[n++ % ds.size()]).ok());
  EXPECT_GT(out.str().size(), 0u);  // flushed before finish
  ASSERT_TRUE(sink->finish(golden_stats()).ok());
  EXPECT_EQ(split_lines(out.str()).size(), n);

  std::ostringstream broken;
  broken.setstate(std::ios::badbit);
  auto bad = make_jsonl_sink(broken);
  ASSERT_TRUE(bad->begin(golden_run()).ok());
  ASSERT_TRUE(bad->write(ds[0]).ok());  // buffered
  EXPECT_FALSE(bad->finish(golden_stats()).ok());
}

// A plain RFC 4180 reader: the reference the CSV sink is checked against.
std::vector<std::vector<std::string>> parse_csv(const std::string& s) {
  std::vector<std::vector<std::string>> rows(1);
  std::string cell;
  bool quoted = false, in_quotes = false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (in_quotes) {
      if (c == '"' && i + 1 < s.size() && s[i + 1] == '"') {
        cell.push_back('"');
        ++i;
      } else if (c == '"') {
        in_quotes = false;
      } else {
        cell.push_back(c);
      }
      continue;
    }
    if (c == '"' && cell.empty() && !quoted) {
      in_quotes = quoted = true;
    } else if (c == ',') {
      rows.back().push_back(cell);
      cell.clear();
      quoted = false;
    } else if (c == '\r' && i + 1 < s.size() && s[i + 1] == '\n') {
      rows.back().push_back(cell);
      cell.clear();
      quoted = false;
      rows.emplace_back();
      ++i;
    } else {
      cell.push_back(c);
    }
  }
  if (rows.back().empty() && cell.empty()) rows.pop_back();
  return rows;
}

TEST(OutputCsv, TimesketchColumnsAndRoundTrip) {
  const auto ds = golden_detections();
  const std::string out = sink_output(make_csv_sink, ds);
  ASSERT_TRUE(is_valid_utf8(out));
  const auto rows = parse_csv(out);
  ASSERT_EQ(rows.size(), ds.size() + 1);
  const std::vector<std::string> header = {"datetime", "timestamp_desc", "message", "timestamp", "tenant",
                                           "host", "kind", "level", "rule_id", "title", "tags", "source_path",
                                           "record_id", "fields"};
  EXPECT_EQ(rows[0], header);
  simdjson::dom::parser parser;
  for (size_t i = 0; i < ds.size(); ++i) {
    const auto& r = rows[i + 1];
    const Detection& d = ds[i];
    ASSERT_EQ(r.size(), header.size()) << "row " << i;
    if (d.time_us == kNoTime) {
      EXPECT_EQ(r[0], "");
      EXPECT_EQ(r[3], "");
    } else {
      auto t = parse_time(r[0]);
      ASSERT_TRUE(t) << r[0];
      EXPECT_EQ(*t, d.time_us);
      EXPECT_EQ(r[3], std::to_string(d.time_us));
    }
    EXPECT_TRUE(r[2].starts_with(std::string("[") + level_name(d.level) + "] ")) << r[2];
    EXPECT_EQ(r[6], detection_kind_name(d.kind));
    EXPECT_EQ(r[7], level_name(d.level));
    EXPECT_EQ(r[12], std::to_string(d.record_id));
    // The fields cell is the JSON object of the record.
    simdjson::padded_string ps(r[13]);
    simdjson::dom::element e;
    ASSERT_EQ(parser.parse(ps).get(e), simdjson::SUCCESS) << r[13];
    expect_fields_equal(e.get_object().value(), d.fields);
    // No cell can start a formula.
    for (const std::string& cell : r)
      if (!cell.empty()) {
        EXPECT_EQ(std::string("=+-@\t\r").find(cell[0]), std::string::npos) << cell;
      }
  }
  // The hostile detection: guarded, not altered otherwise.
  EXPECT_EQ(rows[2][8], "'-2+3");
  EXPECT_EQ(rows[2][10], "'@SUM(1),attack.t1003");
  EXPECT_EQ(rows[2][5], "\"><img src=x onerror=alert(1)>");
  EXPECT_EQ(out.find('\x1b'), std::string::npos);  // ESC shown as U+241B, never raw
}

TEST(OutputCsv, FormulaInEveryTextColumnIsGuarded) {
  Detection d;
  d.tenant = "=1+1";
  d.host = "+cmd";
  d.rule_id = "-x";
  d.title = "@x";
  d.tags = {"=t"};
  d.source_path = "\t=p";
  d.fields = {{"=n", "=v"}};
  const auto rows = parse_csv(sink_output(make_csv_sink, {d}));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1][4], "'=1+1");
  EXPECT_EQ(rows[1][5], "'+cmd");
  EXPECT_EQ(rows[1][8], "'-x");
  EXPECT_EQ(rows[1][9], "'@x");
  EXPECT_EQ(rows[1][10], "'=t");
  EXPECT_EQ(rows[1][11], "'\t=p");
  EXPECT_EQ(rows[1][2], "[medium] @x on +cmd");
}

}  // namespace
}  // namespace trawl

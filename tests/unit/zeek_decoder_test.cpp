// Zeek decoder: TSV and JSON forms, header blocks, escapes, damaged input, units, and the fast decoder against
// its slow reference twin on every real Zeek log in ../shared/data/zeek.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "ingest/zeek/zeek_decoder.h"
#include "ingest/source.h"
#include "ingest/zeek/zeek_files.h"
#include "test_data.h"

namespace trawl {
namespace {

struct Decoded {
  std::vector<std::map<std::string, std::string>> events;
  std::vector<Event> raw_events;  // not kept: batches are reused
  std::vector<uint64_t> lines;
  std::vector<int64_t> times;
  std::vector<std::string> types;
  std::vector<Diagnostic> diags;
  uint64_t errors = 0;
  size_t units = 0;
};

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Result<Decoded> decode_text(std::string text, const std::string& name_type = "") {
  auto buf = Buffer::from_string(std::move(text));
  auto info = std::make_shared<FileInfo>();
  info->path = "test.log";
  info->zeek_log_type = name_type;
  auto d = open_zeek(buf, info, DecodeOptions{});
  if (!d.ok()) return d.status();
  Decoded out;
  out.units = d.value()->unit_count();
  out.diags = d.value()->file_diagnostics();
  EventBatch b;
  for (size_t u = 0; u < d.value()->unit_count(); ++u) {
    d.value()->decode_unit(u, b);
    out.errors += b.errors;
    out.diags.insert(out.diags.end(), b.diagnostics.begin(), b.diagnostics.end());
    for (size_t i = 0; i < b.count; ++i) {
      const Event& e = b.events[i];
      std::map<std::string, std::string> m;
      for (const Field& f : e.fields()) m[std::string(f.name)] = std::string(f.value);
      out.events.push_back(m);
      out.lines.push_back(e.record_id);
      out.times.push_back(e.time_us);
      out.types.push_back(e.file ? e.file->zeek_log_type : "");
    }
  }
  return out;
}

TEST(ZeekDecoder, SniffsTsvAndJson) {
  InputFormat f;
  EXPECT_TRUE(looks_like_zeek("#separator \\x09\n#fields\tts", &f));
  EXPECT_EQ(f, InputFormat::kZeekTsv);
  EXPECT_TRUE(looks_like_zeek("{\"ts\": 1.5, \"uid\": \"C1\"}\n", &f));
  EXPECT_EQ(f, InputFormat::kZeekJson);
  EXPECT_TRUE(looks_like_zeek("{\"ts\":1,\"id_orig_h\":\"1.2.3.4\"}", &f));
  EXPECT_TRUE(looks_like_zeek("{\"_path\":\"conn\"}", &f));
  EXPECT_FALSE(looks_like_zeek("{\"EventID\":4688,\"ts\":1}", &f));
  EXPECT_FALSE(looks_like_zeek("{\"uidx\":1,\"ts\":2}", &f));
  EXPECT_FALSE(looks_like_zeek("Lorem ipsum dolor sit amet", &f));
  EXPECT_FALSE(looks_like_zeek("1517336042.090842\tCi85\t10.55.182.100", &f));
  EXPECT_FALSE(looks_like_zeek("", &f));
}

TEST(ZeekDecoder, HelpersUnescapeAndTime) {
  EXPECT_EQ(zeek_unescape("a\\x09b\\x2c\\x5cc"), "a\tb,\\c");
  EXPECT_EQ(zeek_unescape("bad\\x4"), "bad\\x4");
  EXPECT_EQ(zeek_unescape("\\xzz"), "\\xzz");
  EXPECT_EQ(parse_zeek_time("1517336042.090842").value(), 1517336042090842LL);
  EXPECT_EQ(parse_zeek_time("1517336042").value(), 1517336042000000LL);
  EXPECT_EQ(parse_zeek_time("1517336042.1234567").value(), 1517336042123456LL);
  EXPECT_EQ(parse_zeek_time("2024-01-01T00:00:00.5Z").value(), 1704067200500000LL);
  EXPECT_FALSE(parse_zeek_time("x").has_value());
}

TEST(ZeekDecoder, TsvFieldsUnsetEmptyEscapesAndHeaderBlocks) {
  auto r = decode_text(read_all(test::fixture_path("zeek/rotated_conn_dns.log")), "guessed_from_name");
  ASSERT_TRUE(r.ok()) << r.status().message();
  const Decoded& d = r.value();
  ASSERT_EQ(d.events.size(), 5u);
  EXPECT_EQ(d.errors, 0u);
  // Line numbers are 1-based over the whole file.
  EXPECT_EQ(d.lines, (std::vector<uint64_t>{9, 10, 11, 21, 22}));
  EXPECT_EQ(d.times[0], 1704067200000001LL);
  EXPECT_EQ(d.times[1], 1704067260500000LL);
  EXPECT_EQ(d.events[0].at("id.orig_h"), "10.0.0.1");
  EXPECT_EQ(d.events[0].at("tunnel_parents"), "");  // (empty) -> ""
  EXPECT_EQ(d.events[1].count("service"), 0u);      // unset -> absent
  EXPECT_EQ(d.events[1].count("duration"), 0u);
  EXPECT_EQ(d.events[1].at("tunnel_parents"), "Cx,Cy");  // a set stays its text
  // #path wins over the name the caller guessed; the second block is a dns log with other columns.
  EXPECT_EQ(d.types[0], "conn");
  EXPECT_EQ(d.types[3], "dns");
  EXPECT_EQ(d.events[3].at("query"), "www\texample,com");
  EXPECT_EQ(d.events[4].at("query"), "-");  // an escaped dash is a value, not unset
  EXPECT_EQ(d.events[3].count("proto"), 0u);
  // No truncation diagnostics for a complete file.
  for (auto& dg : d.diags) EXPECT_NE(dg.severity, Severity::kError) << dg.to_string();
}

TEST(ZeekDecoder, TsvBadLinesAreSkippedWithLineNumbers) {
  std::string t =
      "#separator \\x09\n#fields\tts\tuid\ta\tb\n1.0\tC1\tx\ty\n2.0\tC2\tx\ty\textra\n3.0\tC3\tx\n4\n5.0\tC5\tx\ty\n";
  auto r = decode_text(t);
  ASSERT_TRUE(r.ok());
  const Decoded& d = r.value();
  // Line 4 has too many columns, line 6 too few (1 of 4): both skipped; line 5 (3 of 4) kept, b absent.
  ASSERT_EQ(d.lines, (std::vector<uint64_t>{3, 5, 7}));
  EXPECT_EQ(d.errors, 2u);
  EXPECT_EQ(d.events[1].count("b"), 0u);
  bool saw4 = false, saw6 = false, warn5 = false;
  for (auto& dg : d.diags) {
    if (dg.line_based && dg.offset == 4 && dg.severity == Severity::kError) saw4 = true;
    if (dg.line_based && dg.offset == 6 && dg.severity == Severity::kError) saw6 = true;
    if (dg.line_based && dg.offset == 5 && dg.severity == Severity::kWarning) warn5 = true;
  }
  EXPECT_TRUE(saw4 && saw6 && warn5);
}

TEST(ZeekDecoder, TsvTruncatedFileReadsUpToTheCut) {
  std::string t = "#separator \\x09\n#fields\tts\tuid\ta\tb\tc\tdd\n1.0\tC1\tx\ty\tz\tw\n2.0\tC2\tx\ty\tz\tw\n3.0\tC3\tx";
  auto r = decode_text(t);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value().events.size(), 2u);
  EXPECT_EQ(r.value().errors, 1u);
  bool cut = false, close = false;
  for (auto& dg : r.value().diags) {
    if (dg.message.find("ends in the middle of line 5") != std::string::npos) cut = true;
    if (dg.message.find("no #close") != std::string::npos) close = true;
  }
  EXPECT_TRUE(cut);
  EXPECT_TRUE(close);
}

TEST(ZeekDecoder, NotZeekIsAnError) {
  EXPECT_FALSE(decode_text("Lorem ipsum dolor sit amet\n").ok());
  EXPECT_FALSE(decode_text("").ok());
  EXPECT_FALSE(decode_text("1.0\tC1\t10.0.0.1\n").ok());
  EXPECT_FALSE(decode_text("{\"foo\":1}\n").ok());
  auto r = decode_text("#separator \\x09\n#path\tconn\n");  // no #fields at all
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("test.log"), std::string::npos);
}

TEST(ZeekDecoder, JsonKeysArraysNumbersAndBadLines) {
  auto r = decode_text(read_all(test::fixture_path("zeek/dns_json.log")));
  ASSERT_TRUE(r.ok()) << r.status().message();
  const Decoded& d = r.value();
  ASSERT_EQ(d.events.size(), 2u);
  EXPECT_EQ(d.errors, 2u);  // "not json at all" and the cut last line
  EXPECT_EQ(d.lines, (std::vector<uint64_t>{1, 2}));
  const auto& a = d.events[0];
  EXPECT_EQ(a.at("query"), "a\xC3\xA9\"b");
  EXPECT_EQ(a.at("answers"), "1.2.3.4,5.6.7.8");
  EXPECT_EQ(a.at("TTLs"), "60.0");  // null elements dropped, numbers as their text
  EXPECT_EQ(a.at("id.orig_p"), "5353");
  EXPECT_EQ(a.at("rejected"), "false");
  EXPECT_EQ(a.count("rcode"), 0u);  // null -> absent
  EXPECT_EQ(a.at("nested.x"), "1");
  EXPECT_EQ(a.at("nested.y.z"), "w");
  EXPECT_EQ(d.times[0], 1704067200500000LL);
  EXPECT_EQ(d.types[0], "dns");  // from _path
  const auto& b = d.events[1];
  EXPECT_EQ(b.at("id.orig_h"), "10.0.0.9");  // id_orig_h normalised
  EXPECT_EQ(b.at("id.resp_p"), "53");
  EXPECT_EQ(b.count("id_orig_h"), 0u);
  EXPECT_EQ(d.times[1], 1704067201250000LL);
}

TEST(ZeekDecoder, UnitsSplitAtNewlinesWithLineNumbers) {
  std::string t = "#separator \\x09\n#fields\tts\tuid\tid.orig_h\tpad\n";
  std::string pad(200, 'p');
  const int rows = 20000;  // ~4.5 MiB: several units
  for (int i = 0; i < rows; ++i) t += std::to_string(1700000000 + i) + "\tC" + std::to_string(i) + "\t10.0.0.1\t" + pad + "\n";
  t += "#close\t2024\n";
  auto r = decode_text(t);
  ASSERT_TRUE(r.ok());
  EXPECT_GT(r.value().units, 3u);
  ASSERT_EQ(r.value().events.size(), size_t(rows));
  for (int i = 0; i < rows; ++i) {
    ASSERT_EQ(r.value().lines[size_t(i)], uint64_t(i + 3));
    ASSERT_EQ(r.value().events[size_t(i)].at("uid"), "C" + std::to_string(i));
  }
  // The JSON form too.
  std::string j;
  for (int i = 0; i < rows; ++i)
    j += "{\"ts\":" + std::to_string(1700000000 + i) + ",\"uid\":\"C" + std::to_string(i) + "\",\"pad\":\"" + pad + "\"}\n";
  auto rj = decode_text(j);
  ASSERT_TRUE(rj.ok());
  EXPECT_GT(rj.value().units, 3u);
  ASSERT_EQ(rj.value().events.size(), size_t(rows));
  for (int i = 0; i < rows; i += 997) EXPECT_EQ(rj.value().lines[size_t(i)], uint64_t(i + 1));
}

TEST(ZeekDecoder, EventsOutliveTheDecoder) {
  auto buf = Buffer::from_string(read_all(test::fixture_path("zeek/rotated_conn_dns.log")));
  EventBatch b;
  {
    auto d = open_zeek(buf, std::make_shared<FileInfo>(), DecodeOptions{});
    ASSERT_TRUE(d.ok());
    d.value()->decode_unit(0, b);
  }
  buf.reset();
  ASSERT_EQ(b.count, 5u);
  EXPECT_EQ(*b.events[3].find("query"), "www\texample,com");
  EXPECT_EQ(b.events[3].file->zeek_log_type, "dns");
  EXPECT_EQ(b.events[0].raw.substr(0, 17), "1704067200.000001");
}

TEST(ZeekFiles, LogTypeFromNameAndGzip) {
  EXPECT_EQ(zeek_log_type_from_name("/x/conn.log"), "conn");
  EXPECT_EQ(zeek_log_type_from_name("conn.15:00:00-16:00:00.log.gz"), "conn");
  EXPECT_EQ(zeek_log_type_from_name("NASHUA_conn.log"), "conn");
  EXPECT_EQ(zeek_log_type_from_name("UTICA-ONE-DRIVE_ssl.log"), "ssl");
  EXPECT_EQ(zeek_log_type_from_name("open_conn.log"), "open_conn");
  EXPECT_EQ(zeek_log_type_from_name("open_http.17_37_03-18_00_00.log.gz"), "open_http");
  EXPECT_EQ(zeek_log_type_from_name("SCRANTON_smb_mapping.log"), "smb_mapping");
  EXPECT_EQ(zeek_log_type_from_name("README.md"), "");
  // A gzip bomb is refused by the size limit; garbage is an error; a cut stream says so.
  std::string zeros(1 << 20, '\0');
  auto bad = gunzip("\x1f\x8bgarbage", 1000);
  EXPECT_FALSE(bad.ok());
}

// ---- real data ----------------------------------------------------------------------------------------

Result<Decoded> decode_file(const std::string& path) {
  auto buf = read_zeek_file(path);
  if (!buf.ok()) return buf.status();
  return decode_text(std::string(buf.value()->view()), zeek_log_type_from_name(path));
}

TEST(ZeekRealData, RitaDamagedInputsBehaveAsExpected) {
  REQUIRE_DATA("zeek/rita");
  // Lorem-ipsum text named conn.log and a header-less TSV are rejected (RITA: unknown file type).
  auto text = decode_file(test::data_path("zeek/rita/text_file/conn.log"));
  ASSERT_FALSE(text.ok());
  EXPECT_NE(text.status().message().find("not a Zeek log"), std::string::npos);
  EXPECT_FALSE(decode_file(test::data_path("zeek/rita/truncated/conn_top.log")).ok());
  // Truncated TSV: every complete record, the cut line reported.
  auto tsv = decode_file(test::data_path("zeek/rita/truncated/conn.log"));
  ASSERT_TRUE(tsv.ok());
  EXPECT_EQ(tsv.value().events.size(), 58u);
  EXPECT_EQ(tsv.value().errors, 1u);
  bool cut = false;
  for (auto& d : tsv.value().diags) cut = cut || d.message.find("truncated") != std::string::npos;
  EXPECT_TRUE(cut);
  // Truncated JSON: 3 records and the cut one.
  auto js = decode_file(test::data_path("zeek/rita/truncated/conn_json.log"));
  ASSERT_TRUE(js.ok());
  EXPECT_EQ(js.value().events.size(), 3u);
  EXPECT_EQ(js.value().errors, 1u);
  // A header with a column the records do not have: all 5 records, no error (RITA reads 5 too).
  auto unk = decode_file(test::data_path("zeek/rita/has_unknown_field/http.log"));
  ASSERT_TRUE(unk.ok());
  EXPECT_EQ(unk.value().events.size(), 5u);
  EXPECT_EQ(unk.value().errors, 0u);
  EXPECT_EQ(unk.value().events[0].at("host"), "www.alexa.com");
  EXPECT_EQ(unk.value().types[0], "http");
}

TEST(ZeekRealData, MordorJsonUnderscoreKeys) {
  REQUIRE_DATA("zeek/mordor-apt29");
  auto r = decode_file(test::data_path("zeek/mordor-apt29/day2/zeek/individual_zeek_logs/UTICA-A_conn.log"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value().events.size(), 353u);  // GROUND_TRUTH.md
  EXPECT_EQ(r.value().errors, 0u);
  EXPECT_EQ(r.value().types[0], "conn");  // @stream
  size_t c2 = 0;
  for (auto& e : r.value().events)
    if (e.count("id.resp_h") && e.at("id.resp_h") == "192.168.0.4") ++c2;
  EXPECT_EQ(c2, 284u);
}

TEST(ZeekRealData, FastDecoderMatchesReferenceOnEveryLog) {
  REQUIRE_DATA("zeek/rita");
  size_t files = 0, records = 0;
  for (const std::string& path : list_zeek_files({test::data_path("zeek")})) {
    auto buf = read_zeek_file(path);
    ASSERT_TRUE(buf.ok()) << path;
    std::string text(buf.value()->view());
    ZeekReferenceResult ref = zeek_reference_decode(text);
    auto fast = decode_text(text);
    ASSERT_EQ(ref.ok, fast.ok()) << path;
    if (!ref.ok) continue;
    ++files;
    const Decoded& d = fast.value();
    ASSERT_EQ(ref.records.size(), d.events.size()) << path;
    EXPECT_EQ(ref.errors, d.errors) << path;
    for (size_t i = 0; i < d.events.size(); ++i) {
      const ZeekReferenceRecord& rr = ref.records[i];
      ASSERT_EQ(rr.line, d.lines[i]) << path;
      ASSERT_EQ(rr.time_us, d.times[i]) << path << " line " << rr.line;
      std::map<std::string, std::string> m(rr.fields.begin(), rr.fields.end());
      ASSERT_EQ(m, d.events[i]) << path << " line " << rr.line;
      ++records;
    }
  }
  EXPECT_GT(files, 80u);
  EXPECT_GT(records, 20000u);
}

}  // namespace
}  // namespace trawl

// EVTX decoder against real data with known answers: parser-samples exact ok/err counts and first-record
// snapshots (evtx-rs), attack-samples MANIFEST counts and EventID histograms, evtxexport (libevtx) cross-checks,
// single vs multi-thread decoding, and the slow reference twins (no template cache; rendered XML re-parsed and
// flattened by an independent implementation of the documented field rule).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "ingest/evtx/evtx_decoder.h"
#include "ingest/evtx/evtx_internal.h"
#include "test_data.h"

namespace trawl {
namespace {

namespace fs = std::filesystem;

struct OwnedEvent {
  uint64_t record_id = 0, offset = 0;
  int64_t time_us = 0;
  bool recovered = false;
  std::vector<std::pair<std::string, std::string>> fields;
  std::string raw;
  bool operator==(const OwnedEvent&) const = default;
  std::string get(const std::string& name) const {
    for (auto& f : fields)
      if (f.first == name) return f.second;
    return std::string();
  }
};

struct Decoded {
  std::vector<OwnedEvent> events;
  uint64_t errors = 0;
  std::vector<std::string> diagnostics;
};

OwnedEvent own(const Event& e) {
  OwnedEvent o;
  o.record_id = e.record_id;
  o.offset = e.offset;
  o.time_us = e.time_us;
  o.recovered = e.recovered;
  for (const Field& f : e.fields()) o.fields.emplace_back(std::string(f.name), std::string(f.value));
  o.raw = std::string(e.raw);
  return o;
}

void collect(const EventBatch& b, Decoded& d) {
  for (size_t i = 0; i < b.count; ++i) d.events.push_back(own(b.events[i]));
  d.errors += b.errors;
  for (auto& g : b.diagnostics) d.diagnostics.push_back(g.to_string());
}

Decoded decode_buffer(std::shared_ptr<const Buffer> buf, DecodeOptions opt = {}, evtx::EvtxTuning tuning = {}) {
  Decoded d;
  auto info = std::make_shared<FileInfo>();
  info->path = "test.evtx";
  auto dec = evtx::open_evtx_with(std::move(buf), info, opt, tuning);
  if (!dec.ok()) {
    d.diagnostics.push_back(dec.status().message());
    return d;
  }
  EventBatch batch;
  for (size_t u = 0; u < (*dec)->unit_count(); ++u) {
    (*dec)->decode_unit(u, batch);
    collect(batch, d);
  }
  return d;
}

std::shared_ptr<const Buffer> load(const std::string& path) {
  auto b = Buffer::map_file(path);
  EXPECT_TRUE(b.ok()) << path;
  return b.ok() ? *b : Buffer::from_string("");
}

Decoded decode_file(const std::string& path, DecodeOptions opt = {}, evtx::EvtxTuning tuning = {}) {
  return decode_buffer(load(path), opt, tuning);
}

std::vector<std::string> evtx_files_under(const std::string& rel) {
  std::vector<std::string> out;
  for (auto& e : fs::recursive_directory_iterator(test::data_path(rel)))
    if (e.is_regular_file() && e.path().extension() == ".evtx") out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

// CSV with double-quoted fields (enough for the data's own CSV files).
std::vector<std::vector<std::string>> read_csv(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::vector<std::string>> rows;
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> row;
    std::string cur;
    bool q = false;
    for (size_t i = 0; i < line.size(); ++i) {
      char c = line[i];
      if (q) {
        if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') cur.push_back('"'), ++i;
        else if (c == '"') q = false;
        else cur.push_back(c);
      } else if (c == '"') {
        q = true;
      } else if (c == ',') {
        row.push_back(cur), cur.clear();
      } else {
        cur.push_back(c);
      }
    }
    row.push_back(cur);
    rows.push_back(row);
  }
  return rows;
}

bool all_digits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// ---- a small XML reader and an independent implementation of the flattening rule (evtx_sinks.h) ----------

struct Node {
  std::string name;
  std::vector<std::pair<std::string, std::string>> attrs;
  std::string text;
  std::vector<Node> kids;
};

std::string unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out.push_back(s[i]);
      continue;
    }
    size_t semi = s.find(';', i);
    if (semi == std::string_view::npos) {
      out.push_back('&');
      continue;
    }
    std::string_view ent = s.substr(i + 1, semi - i - 1);
    if (ent == "amp") out.push_back('&');
    else if (ent == "lt") out.push_back('<');
    else if (ent == "gt") out.push_back('>');
    else if (ent == "quot") out.push_back('"');
    else if (ent == "apos") out.push_back('\'');
    else out.append(s.substr(i, semi - i + 1));
    i = semi;
  }
  return out;
}

class XmlReader {
 public:
  explicit XmlReader(std::string_view s) : s_(s) {}
  bool parse(Node& root) {
    skip_misc();
    return element(root);
  }

 private:
  void skip_misc() {
    for (;;) {
      while (p_ < s_.size() && isspace(static_cast<unsigned char>(s_[p_]))) ++p_;
      if (s_.compare(p_, 2, "<?") == 0) {
        size_t e = s_.find("?>", p_);
        p_ = e == std::string_view::npos ? s_.size() : e + 2;
      } else {
        return;
      }
    }
  }
  std::string name() {
    size_t b = p_;
    while (p_ < s_.size() && !isspace(static_cast<unsigned char>(s_[p_])) && s_[p_] != '>' && s_[p_] != '/' &&
           s_[p_] != '=')
      ++p_;
    return std::string(s_.substr(b, p_ - b));
  }
  bool element(Node& n) {
    if (p_ >= s_.size() || s_[p_] != '<') return false;
    ++p_;
    n.name = name();
    for (;;) {
      while (p_ < s_.size() && isspace(static_cast<unsigned char>(s_[p_]))) ++p_;
      if (p_ >= s_.size()) return false;
      if (s_.compare(p_, 2, "/>") == 0) {
        p_ += 2;
        return true;
      }
      if (s_[p_] == '>') {
        ++p_;
        break;
      }
      std::string an = name();
      if (p_ + 1 >= s_.size() || s_[p_] != '=' || s_[p_ + 1] != '"') return false;
      p_ += 2;
      size_t e = s_.find('"', p_);
      if (e == std::string_view::npos) return false;
      n.attrs.emplace_back(an, unescape(s_.substr(p_, e - p_)));
      p_ = e + 1;
    }
    for (;;) {
      size_t lt = s_.find('<', p_);
      if (lt == std::string_view::npos) return false;
      n.text += unescape(s_.substr(p_, lt - p_));
      p_ = lt;
      if (s_.compare(p_, 2, "</") == 0) {
        size_t e = s_.find('>', p_);
        if (e == std::string_view::npos) return false;
        p_ = e + 1;
        return true;
      }
      if (s_.compare(p_, 2, "<?") == 0) {
        size_t e = s_.find("?>", p_);
        if (e == std::string_view::npos) return false;
        p_ = e + 2;
        continue;
      }
      n.kids.emplace_back();
      if (!element(n.kids.back())) return false;
    }
  }
  std::string_view s_;
  size_t p_ = 0;
};

using Fields = std::vector<std::pair<std::string, std::string>>;

void flatten_leaf_text(const Node& n, const std::string& section, const std::string& name, Fields& out);

void flatten_leaf(const Node& n, const std::string& section, const std::string& prefix, Fields& out) {
  if (!n.kids.empty()) {
    for (auto& k : n.kids) flatten_leaf(k, section, prefix, out);
    return;
  }
  const std::string name = prefix + n.name;
  // Whitespace-only text is layout (evtx-rs puts a newline inside empty elements), not a value.
  Node n2 = n;
  if (n2.text.find_first_not_of(" \t\r\n") == std::string::npos) n2.text.clear();
  flatten_leaf_text(n2, section, name, out);
}

void flatten_leaf_text(const Node& n, const std::string& section, const std::string& name, Fields& out) {
  if (section == "System") {
    if (!n.text.empty()) out.emplace_back(name, n.text);
    for (auto& a : n.attrs)
      out.emplace_back(n.name == "TimeCreated" && a.first == "SystemTime" ? "TimeCreated" : name + "_" + a.first,
                       a.second);
    return;
  }
  if (section == "EventData" && n.name == "Data") {
    std::string field = "Data";
    for (auto& a : n.attrs)
      if (a.first == "Name" && !a.second.empty()) field = a.second;
    out.emplace_back(field, n.text);
    return;
  }
  if (!n.text.empty()) {
    out.emplace_back(name, n.text);
  } else {
    for (auto& a : n.attrs) out.emplace_back(name + "_" + a.first, a.second);
  }
}

Fields flatten(const Node& root) {
  Fields out;
  for (auto& sec : root.kids) {
    std::string prefix = sec.name == "RenderingInfo" ? "RenderingInfo_" : "";
    for (auto& k : sec.kids) flatten_leaf(k, sec.name, prefix, out);
  }
  return out;
}

bool looks_like_guid(const std::string& v) {
  std::string s = v;
  if (s.size() == 38 && s.front() == '{' && s.back() == '}') s = s.substr(1, 36);
  if (s.size() != 36) return false;
  for (size_t i = 0; i < 36; ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (s[i] != '-') return false;
    } else if (!isxdigit(static_cast<unsigned char>(s[i]))) {
      return false;
    }
  }
  return true;
}

// The XML text form cannot tell an empty value from an absent one (both render as <X></X> or no attribute),
// and evtx-rs prints GUID values without braces: compare modulo both.
Fields normalize(const Fields& in) {
  Fields out;
  for (auto [k, v] : in) {
    bool blank = v.find_first_not_of(" \t\r\n") == std::string::npos;
    if (blank && k != "Data") continue;
    if (blank) v.clear();
    if (looks_like_guid(v)) {
      if (v.front() == '{') v = v.substr(1, 36);
      for (auto& c : v) c = char(toupper(static_cast<unsigned char>(c)));
    }
    out.emplace_back(k, v);
  }
  return out;
}

std::string show(const Fields& f) {
  std::string s;
  for (auto& [k, v] : f) s += "  " + k + "=" + v + "\n";
  return s;
}

// ---------------------------------------------------------------------------------------------------------------

TEST(EvtxParserSamples, CountsMatchExpected) {
  REQUIRE_DATA("evtx/parser-samples/EXPECTED_COUNTS.csv");
  auto rows = read_csv(test::data_path("evtx/parser-samples/EXPECTED_COUNTS.csv"));
  ASSERT_GT(rows.size(), 10u);
  size_t checked = 0;
  for (size_t i = 1; i < rows.size(); ++i) {
    const auto& r = rows[i];
    if (r.size() < 3) continue;
    const std::string path = test::data_path("evtx/parser-samples/" + r[0]);
    if (!fs::exists(path)) {
      EXPECT_NE(r.back().find("NOT STAGED"), std::string::npos) << r[0] << " is missing but not marked NOT STAGED";
      continue;
    }
    SCOPED_TRACE(r[0]);
    Decoded d = decode_file(path);
    uint64_t ok = 0;
    for (auto& e : d.events) ok += !e.recovered;
    if (all_digits(r[1]) && all_digits(r[2])) {
      EXPECT_EQ(ok, std::stoull(r[1]));
      EXPECT_EQ(d.errors, std::stoull(r[2]));
    } else if (r[1].find("iterations") != std::string::npos) {
      // "336 iterations (errors allowed)": the zero-size record costs one error, decoding does not abort.
      EXPECT_EQ(ok + d.errors, std::stoull(r[1]));
      EXPECT_GT(ok, 300u);
    } else if (r[1].find("sequential") != std::string::npos) {
      ASSERT_FALSE(d.events.empty());
      for (size_t k = 0; k < d.events.size(); ++k) EXPECT_EQ(d.events[k].record_id, k + 1);
      EXPECT_EQ(d.errors, all_digits(r[2]) ? std::stoull(r[2]) : 0u);
    } else {
      ADD_FAILURE() << "unrecognised expectation: " << r[1];
    }
    ++checked;
  }
  EXPECT_GE(checked, 15u);
}

TEST(EvtxParserSamples, XmlSnapshotsMatchFirstRecords) {
  REQUIRE_DATA("evtx/parser-samples/expected-snapshots");
  auto files = evtx_files_under("evtx/parser-samples");
  std::map<std::string, Decoded> decoded;
  for (auto& f : files) decoded[f] = decode_file(f);
  size_t snaps = 0;
  for (auto& e : fs::directory_iterator(test::data_path("evtx/parser-samples/expected-snapshots"))) {
    std::ifstream in(e.path());
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    size_t x = text.find("<Event");
    if (x == std::string::npos) continue;  // JSON snapshots render the same records (see the XML ones)
    SCOPED_TRACE(e.path().filename().string());
    Node root;
    ASSERT_TRUE(XmlReader(std::string_view(text).substr(x)).parse(root));
    Fields expected = normalize(flatten(root));
    auto key = [](const Fields& f, const std::string& k) {
      for (auto& p : f)
        if (p.first == k) return p.second;
      return std::string();
    };
    const std::string rid = key(expected, "EventRecordID"), computer = key(expected, "Computer"),
                      tc = key(expected, "TimeCreated");
    ASSERT_FALSE(rid.empty());
    size_t matches = 0;
    for (auto& [path, d] : decoded) {
      for (auto& ev : d.events) {
        if (ev.get("EventRecordID") != rid || ev.get("Computer") != computer || ev.get("TimeCreated") != tc)
          continue;
        Fields got = normalize(ev.fields);
        EXPECT_EQ(show(got), show(expected)) << "in " << path;
        ++matches;
      }
    }
    // The 4688 sample comes from 2-system-Security-dirty.evtx, which is not staged (see NOTES.md).
    if (e.path().filename() != "test_record_samples__event_xml_sample_with_event_data.snap") {
      EXPECT_GE(matches, 1u) << "no record found for EventRecordID " << rid;
    }
    ++snaps;
  }
  EXPECT_GE(snaps, 6u);
}

TEST(EvtxParserSamples, FilteredExportKeepsBothIds) {
  REQUIRE_DATA("evtx/parser-samples/new-user-security.evtx");
  Decoded d = decode_file(test::data_path("evtx/parser-samples/new-user-security.evtx"));
  ASSERT_EQ(d.events.size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(d.events[i].record_id, i + 1);
    uint64_t xml_id = std::stoull(d.events[i].get("EventRecordID"));
    EXPECT_GE(xml_id, 111u);
    EXPECT_LE(xml_id, 116u);
  }
}

TEST(EvtxParserSamples, SpotValues) {
  REQUIRE_DATA("evtx/parser-samples/Security_with_size_t.evtx");
  Decoded d = decode_file(test::data_path("evtx/parser-samples/Security_with_size_t.evtx"));
  const OwnedEvent* ev = nullptr;
  for (auto& e : d.events)
    if (e.get("EventRecordID") == "196") ev = &e;
  ASSERT_NE(ev, nullptr);
  EXPECT_EQ(ev->get("EventID"), "4907");
  EXPECT_EQ(ev->get("HandleId"), "0x7eec");  // size_t rendered as hex, not zero-padded
  EXPECT_EQ(ev->get("SubjectUserSid"), "S-1-5-18");
  EXPECT_EQ(ev->get("Keywords"), "0x8020000000000000");
  EXPECT_EQ(ev->get("TimeCreated"), "2015-08-23T21:25:49.063125Z");
  EXPECT_EQ(ev->time_us, 1440365149063125LL);
  EXPECT_EQ(ev->get("Execution_ProcessID"), "632");
  // Empty string substitutions are present-but-empty; only null substitutions are absent.
  bool has_oldsd = false;
  for (auto& f : ev->fields) has_oldsd |= f.first == "OldSd";
  EXPECT_TRUE(has_oldsd);
  EXPECT_EQ(ev->get("OldSd"), "");

  REQUIRE_DATA("evtx/parser-samples/sample-with-irregular-bool-values.evtx");
  Decoded b = decode_file(test::data_path("evtx/parser-samples/sample-with-irregular-bool-values.evtx"));
  size_t bools = 0;
  for (auto& e : b.events)
    for (auto& f : e.fields)
      if (f.second == "true" || f.second == "false") ++bools;
  EXPECT_GT(bools, 100u);
}

TEST(EvtxParserSamples, BinXmlSubstitutionAndCarving) {
  REQUIRE_DATA("evtx/parser-samples/E_Windows_system32_winevt_logs_Microsoft-Windows-CAPI2%4Operational.evtx");
  const std::string path =
      test::data_path("evtx/parser-samples/E_Windows_system32_winevt_logs_Microsoft-Windows-CAPI2%4Operational.evtx");
  Decoded d = decode_file(path);
  ASSERT_EQ(d.events.size(), 340u);
  // Nested BinXml values put UserData leaves (with entity references resolved) into the flat table.
  const OwnedEvent* ev = nullptr;
  for (auto& e : d.events)
    if (e.get("EventRecordID") == "28") ev = &e;
  ASSERT_NE(ev, nullptr);
  EXPECT_EQ(ev->get("URL"), "http://crl.microsoft.com/pki/crl/products/microsoftrootcert.crl");
  EXPECT_EQ(ev->get("Header"), "GET /pki/crl/products/microsoftrootcert.crl HTTP/1.1");
  bool quoted = false;
  for (auto& f : ev->fields) quoted |= f.second == "If-None-Match: \"ea9ee7b1bc43d21:0\"";
  EXPECT_TRUE(quoted);

  // Carving adds only recovered events; live events are unchanged.
  REQUIRE_DATA("evtx/attack-samples/AutomatedTestingTools/Malware/DE_timestomp_and_dll_sideloading_and_RunPersist.evtx");
  const std::string a = test::data_path(
      "evtx/attack-samples/AutomatedTestingTools/Malware/DE_timestomp_and_dll_sideloading_and_RunPersist.evtx");
  DecodeOptions carve;
  carve.carve = true;
  Decoded live = decode_file(a), all = decode_file(a, carve);
  std::vector<OwnedEvent> live2;
  size_t recovered = 0;
  for (auto& e : all.events) {
    if (e.recovered) ++recovered;
    else live2.push_back(e);
  }
  EXPECT_EQ(live2, live.events);
  EXPECT_EQ(live.events.size(), 23u);
  EXPECT_GT(recovered, 0u);
  EXPECT_EQ(all.errors, 0u);
}

TEST(EvtxSharedData, AttackSamplesMatchManifest) {
  REQUIRE_DATA("evtx/attack-samples/MANIFEST.csv");
  auto rows = read_csv(test::data_path("evtx/attack-samples/MANIFEST.csv"));
  ASSERT_GT(rows.size(), 200u);
  uint64_t total = 0;
  for (size_t i = 1; i < rows.size(); ++i) {
    const auto& r = rows[i];
    ASSERT_GE(r.size(), 9u);
    SCOPED_TRACE(r[0]);
    Decoded d = decode_file(test::data_path("evtx/attack-samples/" + r[0]));
    EXPECT_EQ(d.errors, 0u);
    EXPECT_EQ(d.events.size(), std::stoull(r[3]));
    total += d.events.size();
    std::map<std::string, int> hist;
    uint64_t lo = UINT64_MAX, hi = 0;
    for (auto& e : d.events) {
      hist[e.get("EventID")]++;
      uint64_t id = std::stoull(e.get("EventRecordID"));
      lo = std::min(lo, id), hi = std::max(hi, id);
    }
    std::map<std::string, int> want;
    std::stringstream ss(r[4]);
    std::string item;
    while (std::getline(ss, item, ';')) {
      auto eq = item.find('=');
      if (eq != std::string::npos) want[item.substr(0, eq)] = std::stoi(item.substr(eq + 1));
    }
    EXPECT_EQ(hist, want);
    if (all_digits(r[7]) && !d.events.empty()) {
      EXPECT_EQ(lo, std::stoull(r[7]));
      EXPECT_EQ(hi, std::stoull(r[8]));
    }
  }
  EXPECT_EQ(total, 8255u);
}

TEST(EvtxSharedData, EveryFileDecodesWithoutErrors) {
  REQUIRE_DATA("evtx/attack-samples");
  REQUIRE_DATA("sigma/regression");
  REQUIRE_DATA("evtx/chainsaw-sample");
  std::vector<std::string> files = evtx_files_under("evtx/attack-samples");
  for (auto& f : evtx_files_under("sigma/regression")) files.push_back(f);
  for (auto& f : evtx_files_under("evtx/chainsaw-sample")) files.push_back(f);
  ASSERT_GT(files.size(), 450u);
  for (auto& f : files) {
    Decoded d = decode_file(f);
    EXPECT_EQ(d.errors, 0u) << f << (d.diagnostics.empty() ? "" : ": " + d.diagnostics[0]);
    EXPECT_FALSE(d.events.empty()) << f;
    for (auto& e : d.events) {
      ASSERT_FALSE(e.get("EventID").empty()) << f << " record " << e.record_id;
    }
  }
  Decoded chainsaw = decode_file(test::data_path("evtx/chainsaw-sample/tests/evtx/security_sample.evtx"));
  EXPECT_EQ(chainsaw.events.size(), 10u);
}

// libevtx (evtxexport) is an independent parser but not ground truth: it gives up on some records evtx-rs and
// trawl decode. Where it disagrees, the reason is recorded here and the disagreement itself is asserted.
TEST(EvtxSharedData, CrossCheckWithEvtxexport) {
  REQUIRE_DATA("evtx/parser-samples");
  if (!fs::exists("/usr/bin/evtxexport")) GTEST_SKIP() << "evtxexport (libevtx-utils) not installed";
  struct Case {
    std::string rel;
    const char* disagreement;  // nullptr: the two must agree exactly on record count and EventIDs
  };
  const std::vector<Case> cases = {
      {"evtx/parser-samples/security.evtx", nullptr},
      {"evtx/parser-samples/system.evtx", nullptr},
      {"evtx/parser-samples/2-vss_7-System.evtx", nullptr},
      {"evtx/parser-samples/2-vss_0-Microsoft-Windows-RemoteDesktopServices-RdpCoreTS%4Operational.evtx", nullptr},
      {"evtx/attack-samples/Lateral Movement/LM_WMI_4624_4688_TargetHost.evtx", nullptr},
      {"evtx/chainsaw-sample/tests/evtx/security_sample.evtx", nullptr},
      {"evtx/parser-samples/E_Windows_system32_winevt_logs_Microsoft-Windows-CAPI2%4Operational.evtx",
       "libevtx stops exporting at the first record whose BinXml substitution holds a PI/entity reference"},
      {"evtx/parser-samples/Microsoft-Windows-HelloForBusiness%4Operational.evtx",
       "libevtx drops the last record of the dirty chunk (incomplete SID token at its end); evtx-rs and trawl "
       "decode it"},
  };
  for (const Case& c : cases) {
    const std::string path = test::data_path(c.rel);
    if (!fs::exists(path)) continue;
    SCOPED_TRACE(c.rel);
    std::string cmd = "/usr/bin/evtxexport '" + path + "' 2>/dev/null";
    FILE* p = popen(cmd.c_str(), "r");
    ASSERT_NE(p, nullptr);
    std::vector<std::string> theirs;
    char line[4096];
    while (fgets(line, sizeof line, p)) {
      std::string s(line);
      if (s.rfind("Event identifier", 0) == 0) {
        auto lp = s.rfind('('), rp = s.rfind(')');
        if (lp != std::string::npos && rp != std::string::npos)
          theirs.push_back(std::to_string(std::stoull(s.substr(lp + 1, rp - lp - 1)) & 0xffff));
      }
    }
    pclose(p);
    Decoded d = decode_file(path);
    std::vector<std::string> ours;
    for (auto& e : d.events) ours.push_back(e.get("EventID"));
    if (!c.disagreement) {
      // Same records, same EventIDs. Order differs for wrapped ring buffers: libevtx lists chunks in file
      // order, trawl by record id.
      std::sort(ours.begin(), ours.end());
      std::sort(theirs.begin(), theirs.end());
      EXPECT_EQ(ours, theirs);
    } else {
      // libevtx sees a strict prefix/subset of what we decode.
      EXPECT_LT(theirs.size(), ours.size()) << c.disagreement;
      EXPECT_TRUE(std::equal(theirs.begin(), theirs.end(), ours.begin())) << c.disagreement;
    }
  }
}

TEST(EvtxTwins, MultiThreadEqualsSingleThread) {
  REQUIRE_DATA("evtx/parser-samples/security.evtx");
  for (const char* rel : {"evtx/parser-samples/security.evtx", "evtx/parser-samples/sample-with-irregular-bool-values.evtx",
                          "evtx/parser-samples/2-vss_0-Microsoft-Windows-RemoteDesktopServices-RdpCoreTS%4Operational.evtx"}) {
    auto buf = load(test::data_path(rel));
    DecodeOptions opt;
    opt.render_xml = true;
    auto dec = open_evtx(buf, std::make_shared<FileInfo>(), opt);
    ASSERT_TRUE(dec.ok());
    const size_t n = (*dec)->unit_count();
    std::vector<Decoded> per_unit(n);
    auto worker = [&](size_t start) {
      EventBatch batch;
      for (size_t u = start; u < n; u += 2) {
        (*dec)->decode_unit(u, batch);
        collect(batch, per_unit[u]);
      }
    };
    std::thread t1(worker, 0), t2(worker, 1);
    t1.join();
    t2.join();
    Decoded multi;
    for (auto& d : per_unit) {
      multi.events.insert(multi.events.end(), d.events.begin(), d.events.end());
      multi.errors += d.errors;
    }
    Decoded single = decode_buffer(buf, opt);
    EXPECT_EQ(multi.errors, single.errors) << rel;
    EXPECT_TRUE(multi.events == single.events) << rel;
    EXPECT_GT(single.events.size(), 1000u);
  }
}

// The slow twins, on every shared EVTX file: (1) no template cache (every instance recompiles its template)
// must give identical events; (2) the rendered XML, re-parsed and flattened by the independent rule above,
// must give the same field table.
TEST(EvtxTwins, UncachedAndXmlRenderingAgreeWithFastPath) {
  REQUIRE_DATA("evtx/parser-samples");
  std::vector<std::string> files = evtx_files_under("evtx");
  if (fs::exists(test::data_path("sigma/regression")))
    for (auto& f : evtx_files_under("sigma/regression")) files.push_back(f);
  size_t records = 0;
  for (auto& f : files) {
    auto buf = load(f);
    DecodeOptions xml;
    xml.render_xml = true;
    Decoded fast = decode_buffer(buf, xml);
    Decoded slow = decode_buffer(buf, xml, evtx::EvtxTuning{false});
    EXPECT_EQ(fast.errors, slow.errors) << f;
    EXPECT_TRUE(fast.events == slow.events) << f;
    for (auto& e : fast.events) {
      Node root;
      ASSERT_TRUE(XmlReader(e.raw).parse(root)) << f << " record " << e.record_id << "\n" << e.raw;
      Fields from_xml = normalize(flatten(root)), direct = normalize(e.fields);
      ASSERT_EQ(show(direct), show(from_xml)) << f << " record " << e.record_id << "\n" << e.raw;
      ++records;
    }
  }
  EXPECT_GT(records, 20000u);
}

}  // namespace
}  // namespace trawl

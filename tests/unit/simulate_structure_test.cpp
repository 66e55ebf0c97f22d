// trawl simulate: the dataset's shape. Tenant/host folders, every Windows line a valid evtx_dump-shaped JSON
// object with increasing record ids, Zeek logs with complete headers and rows that fit them, and an answer key
// whose evidence really is in the files, inside each step's window.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <simdjson.h>

#include "core/time.h"
#include "simulate/answer_check.h"
#include "simulate/simulator.h"

namespace fs = std::filesystem;
using namespace trawl::simulate;

namespace {

std::vector<std::string> read_lines(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::vector<std::string> out;
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

std::vector<std::string> split_tabs(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t tab = s.find('\t', start);
    out.push_back(s.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
    if (tab == std::string::npos) break;
    start = tab + 1;
  }
  return out;
}

// A JSON scalar as text ("3" for 3, "true", "" for null).
std::string scalar_text(simdjson::dom::element e) {
  switch (e.type()) {
    case simdjson::dom::element_type::STRING: return std::string(std::string_view(e));
    case simdjson::dom::element_type::INT64: return std::to_string(int64_t(e));
    case simdjson::dom::element_type::UINT64: return std::to_string(uint64_t(e));
    case simdjson::dom::element_type::BOOL: return bool(e) ? "true" : "false";
    case simdjson::dom::element_type::NULL_VALUE: return "";
    default: return "<composite>";
  }
}

struct WinRecord {
  uint64_t event_id = 0, record_id = 0;
  int64_t time = 0;
  std::string channel, computer;
  std::map<std::string, std::string> data;
};

// Parses every line of a Windows JSONL file; fails the test on the first malformed one.
std::vector<WinRecord> parse_windows_file(const fs::path& p) {
  std::vector<WinRecord> out;
  simdjson::dom::parser parser;
  size_t n = 0;
  for (const std::string& line : read_lines(p)) {
    ++n;
    simdjson::dom::element doc;
    if (parser.parse(line).get(doc) != simdjson::SUCCESS) {
      ADD_FAILURE() << p << ":" << n << " is not JSON";
      break;
    }
    WinRecord r;
    simdjson::dom::element sys = doc["Event"]["System"];
    EXPECT_EQ(sys["EventID"].get_uint64().get(r.event_id), simdjson::SUCCESS) << p << ":" << n;
    EXPECT_EQ(sys["EventRecordID"].get_uint64().get(r.record_id), simdjson::SUCCESS) << p << ":" << n;
    std::string_view sv;
    EXPECT_EQ(sys["Channel"].get_string().get(sv), simdjson::SUCCESS);
    r.channel = sv;
    EXPECT_EQ(sys["Computer"].get_string().get(sv), simdjson::SUCCESS);
    r.computer = sv;
    EXPECT_EQ(sys["TimeCreated"]["#attributes"]["SystemTime"].get_string().get(sv), simdjson::SUCCESS);
    auto t = trawl::parse_time(sv);
    EXPECT_TRUE(t.has_value()) << sv;
    r.time = t.value_or(0);
    simdjson::dom::object data;
    EXPECT_EQ(doc["Event"]["EventData"].get_object().get(data), simdjson::SUCCESS) << p << ":" << n;
    for (auto [k, v] : data) r.data[std::string(k)] = scalar_text(v);
    out.push_back(std::move(r));
  }
  return out;
}

struct ZeekFile {
  std::vector<std::string> fields;
  std::vector<std::vector<std::string>> rows;
};

ZeekFile check_zeek_file(const fs::path& p, const std::string& path_name) {
  ZeekFile z;
  std::vector<std::string> lines = read_lines(p);
  EXPECT_GE(lines.size(), 9u) << p;
  if (lines.size() < 9) return z;
  EXPECT_EQ(lines[0], "#separator \\x09");
  EXPECT_EQ(lines[1], "#set_separator\t,");
  EXPECT_EQ(lines[2], "#empty_field\t(empty)");
  EXPECT_EQ(lines[3], "#unset_field\t-");
  EXPECT_EQ(lines[4], "#path\t" + path_name);
  EXPECT_EQ(lines[5].rfind("#open\t", 0), 0u);
  EXPECT_EQ(lines[6].rfind("#fields\tts\tuid\t", 0), 0u);
  EXPECT_EQ(lines[7].rfind("#types\ttime\tstring\t", 0), 0u);
  EXPECT_EQ(lines.back().rfind("#close\t", 0), 0u);
  std::vector<std::string> f = split_tabs(lines[6]), ty = split_tabs(lines[7]);
  EXPECT_EQ(f.size(), ty.size());
  z.fields.assign(f.begin() + 1, f.end());
  double last_ts = 0;
  for (size_t i = 8; i + 1 < lines.size(); ++i) {
    std::vector<std::string> cols = split_tabs(lines[i]);
    EXPECT_EQ(cols.size(), z.fields.size()) << p << " line " << i + 1;
    const double ts = std::stod(cols[0]);
    EXPECT_GE(ts, last_ts) << p << " line " << i + 1;
    last_ts = ts;
    z.rows.push_back(std::move(cols));
  }
  return z;
}

class SimulateStructure : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = (fs::temp_directory_path() / ("trawl_sim_" + std::to_string(::getpid()) + "_structure")).string();
    fs::remove_all(dir_);
    SimulateOptions o;
    o.out_dir = dir_;
    o.tenants = 3;
    o.hosts = 5;
    o.days = 3;
    o.seed = 2019;
    o.activity = 0.4;
    auto r = simulate(o);
    ASSERT_TRUE(r.ok()) << r.status().message();
    summary_ = *r;
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }
  static std::string dir_;
  static SimulateSummary summary_;
};
std::string SimulateStructure::dir_;
SimulateSummary SimulateStructure::summary_;

}  // namespace

TEST_F(SimulateStructure, TenantAndHostFolders) {
  std::set<std::string> tenants;
  for (auto& e : fs::directory_iterator(dir_))
    if (e.is_directory()) tenants.insert(e.path().filename().string());
  EXPECT_EQ(tenants, (std::set<std::string>{"msp", "client01", "client02", "client03"}));
  for (const std::string& t : tenants) {
    size_t hosts = 0;
    for (auto& e : fs::directory_iterator(fs::path(dir_) / t)) {
      if (!e.is_directory()) continue;
      const std::string name = e.path().filename().string();
      if (name == "zeek") {
        for (const char* f : {"conn.log", "dns.log", "http.log"}) EXPECT_TRUE(fs::exists(e.path() / f)) << t << "/" << f;
        continue;
      }
      ++hosts;
      for (const char* f : {"Security.jsonl", "System.jsonl", "Sysmon.jsonl"})
        EXPECT_TRUE(fs::exists(e.path() / f)) << t << "/" << name << "/" << f;
    }
    EXPECT_EQ(hosts, 5u) << t;
  }
  EXPECT_TRUE(fs::exists(fs::path(dir_) / "msp" / "jump01"));
  EXPECT_TRUE(fs::exists(fs::path(dir_) / "client01" / "fs01"));
  uint64_t total = 0;
  for (const std::string& f : summary_.files) {
    total += fs::file_size(fs::path(dir_) / f);
    EXPECT_GT(fs::file_size(fs::path(dir_) / f), 0u) << f;
  }
  EXPECT_EQ(total, summary_.bytes);
}

TEST_F(SimulateStructure, WindowsLinesAreEvtxDumpShaped) {
  std::set<uint64_t> security_ids, sysmon_ids, system_ids;
  uint64_t events = 0;
  for (auto& e : fs::recursive_directory_iterator(dir_)) {
    if (e.path().extension() != ".jsonl") continue;
    const std::string host_dir = e.path().parent_path().filename().string();
    const std::string file = e.path().filename().string();
    std::vector<WinRecord> recs = parse_windows_file(e.path());
    events += recs.size();
    for (size_t i = 0; i < recs.size(); ++i) {
      const WinRecord& r = recs[i];
      if (i) {
        EXPECT_EQ(r.record_id, recs[i - 1].record_id + 1) << e.path();
        EXPECT_GE(r.time, recs[i - 1].time) << e.path();
      }
      // Computer is the host folder's machine.
      std::string lower;
      for (char c : r.computer.substr(0, r.computer.find('.'))) lower += char(std::tolower(static_cast<unsigned char>(c)));
      EXPECT_EQ(lower, host_dir);
      if (file == "Security.jsonl") {
        EXPECT_EQ(r.channel, "Security");
        security_ids.insert(r.event_id);
        if (r.event_id == 4624) {
          for (const char* k : {"TargetUserName", "TargetDomainName", "LogonType", "IpAddress", "WorkstationName"})
            EXPECT_TRUE(r.data.count(k)) << k;
        }
      } else if (file == "Sysmon.jsonl") {
        EXPECT_EQ(r.channel, "Microsoft-Windows-Sysmon/Operational");
        sysmon_ids.insert(r.event_id);
        if (r.event_id == 1) {
          for (const char* k : {"Image", "CommandLine", "OriginalFileName", "Hashes", "ParentImage", "User"})
            EXPECT_TRUE(r.data.count(k)) << k;
          EXPECT_NE(r.data.at("Hashes").find("SHA256="), std::string::npos);
          EXPECT_NE(r.data.at("Hashes").find("IMPHASH="), std::string::npos);
        }
      } else {
        EXPECT_EQ(r.channel, "System");
        EXPECT_TRUE(r.event_id == 7045u || r.event_id == 7036u) << r.event_id;
        system_ids.insert(r.event_id);
      }
    }
  }
  EXPECT_EQ(events, summary_.windows_events);
  for (uint64_t id : {4624, 4625, 4648, 4672, 4688, 4698, 4699}) EXPECT_TRUE(security_ids.count(id)) << id;
  for (uint64_t id : {1, 3, 7, 10, 11, 22}) EXPECT_TRUE(sysmon_ids.count(id)) << id;
  for (uint64_t id : {7036, 7045}) EXPECT_TRUE(system_ids.count(id)) << id;
}

TEST_F(SimulateStructure, ZeekLogsHaveHeadersAndFittingRows) {
  uint64_t rows = 0;
  for (const char* t : {"msp", "client01", "client02", "client03"}) {
    for (const char* log : {"conn", "dns", "http"}) {
      ZeekFile z = check_zeek_file(fs::path(dir_) / t / "zeek" / (std::string(log) + ".log"), log);
      rows += z.rows.size();
      EXPECT_FALSE(z.rows.empty()) << t << " " << log;
    }
  }
  EXPECT_EQ(rows, summary_.zeek_rows);
}

TEST_F(SimulateStructure, AnswerKeyEvidenceIsInTheFilesInsideEachWindow) {
  auto key = load_answer_key(dir_ + "/answers.json");
  ASSERT_TRUE(key.ok()) << key.status().message();
  ASSERT_EQ(key->steps.size(), 16u);
  EXPECT_FALSE(key->benign.empty());
  // The raw key again, for the evidence entries the typed key does not carry.
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  ASSERT_EQ(parser.load(dir_ + "/answers.json").get(root), simdjson::SUCCESS);
  std::map<std::string, std::vector<WinRecord>> win_cache;
  std::map<std::string, ZeekFile> zeek_cache;
  std::set<std::string> client_tenants_entered;
  int64_t previous_start = 0;
  size_t i = 0;
  for (simdjson::dom::element step : root.at_key("steps").get_array()) {
    const AnswerStep& s = key->steps[i++];
    EXPECT_GE(s.window.start, previous_start) << s.id << " out of order";
    previous_start = s.window.start;
    EXPECT_TRUE(std::find(s.tenants.begin(), s.tenants.end(), s.tenant) != s.tenants.end()) << s.id;
    EXPECT_GE(s.window.start, key->span.start);
    EXPECT_LE(s.window.end, key->span.end);
    if (s.name == "msp_account_lateral_movement") client_tenants_entered.insert(s.tenant);
    size_t evidence = 0;
    for (simdjson::dom::element ev : step.at_key("evidence").get_array()) {
      ++evidence;
      const std::string file(std::string_view(ev.at_key("file")));
      const int64_t first = *trawl::parse_time(std::string_view(ev.at_key("first")));
      const int64_t last = *trawl::parse_time(std::string_view(ev.at_key("last")));
      const uint64_t count = uint64_t(ev.at_key("count"));
      EXPECT_GE(first, s.window.start) << s.id << " " << file;
      EXPECT_LE(last, s.window.end) << s.id << " " << file;
      std::vector<std::pair<std::string, std::string>> want;
      for (auto [k, v] : ev.at_key("fields").get_object()) want.emplace_back(std::string(k), std::string(std::string_view(v)));
      ASSERT_FALSE(want.empty());
      if (file.size() > 6 && file.substr(file.size() - 6) == ".jsonl") {
        auto it = win_cache.find(file);
        if (it == win_cache.end()) it = win_cache.emplace(file, parse_windows_file(fs::path(dir_) / file)).first;
        const uint64_t event_id = uint64_t(ev.at_key("event_id")), record_id = uint64_t(ev.at_key("record_id"));
        uint64_t matching = 0;
        bool found_first = false;
        for (const WinRecord& r : it->second) {
          if (r.event_id != event_id || r.time < first || r.time > last) continue;
          bool all = true;
          for (auto& [k, v] : want) all = all && r.data.count(k) && r.data.at(k) == v;
          if (!all) continue;
          ++matching;
          if (r.record_id == record_id && r.time == first) found_first = true;
        }
        EXPECT_TRUE(found_first) << s.id << " " << file << " record " << record_id;
        EXPECT_GE(matching, count) << s.id << " " << file;
      } else {
        auto it = zeek_cache.find(file);
        if (it == zeek_cache.end()) {
          const std::string log = fs::path(file).stem().string();
          it = zeek_cache.emplace(file, check_zeek_file(fs::path(dir_) / file, log)).first;
        }
        const ZeekFile& z = it->second;
        const uint64_t row = uint64_t(ev.at_key("row"));
        ASSERT_GE(row, 1u);
        ASSERT_LE(row, z.rows.size()) << file;
        const std::vector<std::string>& cols = z.rows[row - 1];
        EXPECT_EQ(trawl::parse_time(cols[0]).value_or(0), first) << file << " row " << row;
        for (auto& [k, v] : want) {
          auto col = std::find(z.fields.begin(), z.fields.end(), k);
          ASSERT_NE(col, z.fields.end()) << k;
          EXPECT_EQ(cols[size_t(col - z.fields.begin())], v) << s.id << " " << file << " " << k;
        }
        uint64_t matching = 0;
        for (const auto& r : z.rows) {
          const int64_t t = trawl::parse_time(r[0]).value_or(0);
          if (t < first || t > last) continue;
          bool all = true;
          for (auto& [k, v] : want) all = all && r[size_t(std::find(z.fields.begin(), z.fields.end(), k) - z.fields.begin())] == v;
          matching += all;
        }
        EXPECT_GE(matching, count) << s.id << " " << file;
      }
    }
    EXPECT_GT(evidence, 0u) << s.id;
  }
  // The MSP admin account enters two different client tenants.
  EXPECT_EQ(client_tenants_entered.size(), 2u);
  for (const AnswerBenign& b : key->benign) {
    EXPECT_FALSE(b.windows.empty()) << b.id;
    for (const AnswerWindow& w : b.windows) {
      EXPECT_LE(w.start, w.end) << b.id;
      EXPECT_GE(w.start, key->span.start) << b.id;
    }
  }
}

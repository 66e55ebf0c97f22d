// `trawl net` analytics on the real Zeek data in ../shared/data/zeek: RITA's test datasets (see their
// EXPECTED.md) and the Mordor APT29 / LSASS captures (GROUND_TRUTH.md), plus the CLI end to end.
#include <gtest/gtest.h>

#include <unistd.h>

#include <array>
#include <cstdlib>
#include <filesystem>
#include <cstdio>
#include <memory>

#include "analytics/net/net_run.h"
#include "test_data.h"

namespace trawl {
namespace {

std::vector<NetFinding> analyse(const std::vector<std::string>& rel, NetOptions o = NetOptions{}) {
  std::vector<std::string> paths;
  for (auto& r : rel) paths.push_back(test::data_path(r));
  auto r = run_net_analysis(paths, o, "");
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? r.value().findings : std::vector<NetFinding>{};
}

long rank_of(const std::vector<NetFinding>& f, const std::string& analytic, const std::string& src,
             const std::string& dst) {
  for (size_t i = 0; i < f.size(); ++i)
    if ((analytic.empty() || f[i].analytic == analytic) && f[i].src == src && f[i].dst == dst) return long(i);
  return -1;
}

std::string evidence(const NetFinding& f, const std::string& key) {
  for (auto& [k, v] : f.evidence)
    if (k == key) return v;
  return "";
}

TEST(NetRealData, RitaProxiedBeaconFoundThroughFqdnPairing) {
  REQUIRE_DATA("zeek/rita/proxy");
  auto f = analyse({"zeek/rita/proxy"});
  long honest = rank_of(f, "beacon", "10.136.0.18", "www.honestimnotevil.com");
  long google = rank_of(f, "beacon", "10.136.0.18", "www.google.com");
  ASSERT_GE(honest, 0);
  ASSERT_GE(google, 0);
  EXPECT_LT(honest, google);
  const NetFinding& h = f[size_t(honest)];
  EXPECT_GT(h.score, 0.9);  // RITA: 0.979
  EXPECT_EQ(evidence(h, "proxy"), "10.136.0.16");
  EXPECT_EQ(evidence(h, "connections"), "397");  // 397 CONNECT lines (README)
  EXPECT_NEAR(std::stod(evidence(h, "median_gap_s")), 249, 10);
  EXPECT_LT(f[size_t(google)].score, 0.7);  // RITA: 0.586
}

// The same folder packed as one .tar.gz gives the same findings (trawl net reads through the shared source walker:
// archives, .gz/.zst, nested).
TEST(NetRealData, ArchiveGivesTheSameFindingsAsTheFolder) {
  REQUIRE_DATA("zeek/rita/proxy");
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("trawl_net_tar_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string tgz = (dir / "proxy.tar.gz").string();
  const std::string cmd = "tar -czf '" + tgz + "' -C '" + test::data_path("zeek/rita") + "' proxy";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  auto folder = run_net_analysis({test::data_path("zeek/rita/proxy")}, NetOptions{}, "");
  auto packed = run_net_analysis({tgz}, NetOptions{}, "");
  fs::remove_all(dir);
  ASSERT_TRUE(folder.ok() && packed.ok());
  ASSERT_EQ(folder->findings.size(), packed->findings.size());
  ASSERT_FALSE(folder->findings.empty());
  for (size_t i = 0; i < folder->findings.size(); ++i) {
    EXPECT_EQ(folder->findings[i].analytic, packed->findings[i].analytic);
    EXPECT_EQ(folder->findings[i].src, packed->findings[i].src);
    EXPECT_EQ(folder->findings[i].dst, packed->findings[i].dst);
    EXPECT_DOUBLE_EQ(folder->findings[i].score, packed->findings[i].score);
  }
  EXPECT_EQ(folder->events, packed->events);
}

TEST(NetRealData, RitaRollingProxyPairs) {
  REQUIRE_DATA("zeek/rita/proxy_rolling");
  NetOptions all;
  all.beacon_min_score = 0;
  auto f = analyse({"zeek/rita/proxy_rolling"}, all);
  long dns = rank_of(f, "beacon", "10.0.0.238", "75.75.75.75");
  ASSERT_GE(dns, 0);
  EXPECT_EQ(evidence(f[size_t(dns)], "connections"), "1160");  // RITA: count 1160
  long sb = rank_of(f, "beacon", "10.0.0.111", "safebrowsing.googleapis.com");
  ASSERT_GE(sb, 0);
  EXPECT_EQ(evidence(f[size_t(sb)], "connections"), "46");  // RITA: count 46, proxy_count 46
  EXPECT_EQ(evidence(f[size_t(sb)], "proxy"), "10.0.0.238");
  // With the default threshold the DNS pair is reported.
  EXPECT_GE(rank_of(analyse({"zeek/rita/proxy_rolling"}), "beacon", "10.0.0.238", "75.75.75.75"), 0);
}

TEST(NetRealData, RitaOpenConnectionsAreLongConnections) {
  REQUIRE_DATA("zeek/rita/open_sni");
  auto f = analyse({"zeek/rita/open_sni"});
  for (const char* dst : {"ce7.stearns.org", "34.222.122.143", "52.33.59.39", "104.131.28.214"}) {
    long r = rank_of(f, "long_connection", "10.0.0.238", dst);
    ASSERT_GE(r, 0) << dst;
    EXPECT_NE(f[size_t(r)].why.find("still open"), std::string::npos) << dst << ": " << f[size_t(r)].why;
  }
  long sni = rank_of(f, "long_connection", "10.0.0.238", "ce7.stearns.org");
  EXPECT_GE(std::stoi(evidence(f[size_t(sni)], "open_connections")), 2);  // RITA: open_count 2
  // open_conns/: the same connections, open in one set and closed in the other (all under 5 minutes).
  NetOptions minute;
  minute.long_connection_min_seconds = 60;
  auto open = analyse({"zeek/rita/open_conns/open"}, minute);
  auto closed = analyse({"zeek/rita/open_conns/closed"}, minute);
  size_t open_long = 0;
  for (auto& x : open)
    if (x.why.find("still open") != std::string::npos) ++open_long;
  EXPECT_GT(open_long, 0u);
  for (auto& x : closed) EXPECT_EQ(x.why.find("still open"), std::string::npos);
}

TEST(NetRealData, RitaDnscat2DomainIsTunnelling) {
  REQUIRE_DATA("zeek/rita/json_with_all_fields");
  auto f = analyse({"zeek/rita/json_with_all_fields"});
  long r = rank_of(f, "dns_tunnel", "192.168.88.2", "r-1x.com");
  ASSERT_EQ(r, 0);
  EXPECT_GE(std::stoi(evidence(f[0], "unique_subdomains")), 20);
  for (auto& x : f) EXPECT_EQ(x.dst.find("microsoft"), std::string::npos);
}

TEST(NetRealData, RitaDamagedFilesAreSkippedNotFatal) {
  REQUIRE_DATA("zeek/rita/truncated");
  auto r = run_net_analysis({test::data_path("zeek/rita/truncated"), test::data_path("zeek/rita/text_file")},
                            NetOptions{}, "");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value().files_read, 2u);     // conn.log and conn_json.log
  EXPECT_EQ(r.value().files_skipped, 2u);  // conn_top.log (no header) and text_file/conn.log
  EXPECT_EQ(r.value().events, 58u + 3u);
}

TEST(NetRealData, MordorApt29C2InTopResults) {
  REQUIRE_DATA("zeek/mordor-apt29");
  auto f = analyse({"zeek/mordor-apt29"});
  // Day 2: UTICA's PoshC2 polling (jittered ~2 s) is the top beacon; day 1: NASHUA's Meterpreter loop is a
  // burst of 376 connections in 4 minutes (a 1.6/s strobe), too short for any hourly beacon histogram.
  long d2 = rank_of(f, "beacon", "10.0.1.5", "192.168.0.4");
  long d1 = rank_of(f, "", "10.0.1.6", "192.168.0.4");
  ASSERT_GE(d2, 0);
  ASSERT_GE(d1, 0);
  EXPECT_EQ(d2, 0);
  EXPECT_LT(d1, 5);
  // Day 1 alone: the two top findings are both into the red team's 192.168.0.x: SCRANTON's 31-minute sessions
  // to 192.168.0.5 (ports 1234 and 443, the first-stage reverse shell) and NASHUA's Meterpreter burst.
  auto day1 = analyse({"zeek/mordor-apt29/day1"});
  ASSERT_GE(day1.size(), 2u);
  EXPECT_EQ(day1[0].dst.rfind("192.168.0.", 0), 0u) << day1[0].dst;
  EXPECT_EQ(day1[1].dst, "192.168.0.4");
}

TEST(NetRealData, MordorLsassC2InTopResults) {
  REQUIRE_DATA("zeek/mordor-lsass");
  struct Case {
    const char* dir;
    const char* c2;
  };
  for (Case c : {Case{"01", "10.0.5.13"}, Case{"02", "10.0.5.13"}, Case{"03", "10.0.5.13"}, Case{"04", "10.0.5.13"},
                 Case{"05", "10.0.5.14"}, Case{"06", "10.0.5.14"}, Case{"07", "10.0.5.14"}}) {
    auto f = analyse({std::string("zeek/mordor-lsass/LSASS_campaign_") + c.dir});
    long best = -1;
    for (size_t i = 0; i < f.size() && best < 0; ++i)
      if (f[i].dst == c.c2) best = long(i);
    EXPECT_GE(best, 0) << "campaign " << c.dir;
    EXPECT_LT(best, 5) << "campaign " << c.dir;
  }
}

std::string run_cli(const std::string& args, int* status) {
  std::string cmd = std::string(TRAWL_BINARY) + " " + args + " 2>/dev/null";
  std::unique_ptr<FILE, int (*)(FILE*)> p(popen(cmd.c_str(), "r"), &pclose);
  std::string out;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p.get())) > 0) out.append(buf.data(), n);
  *status = pclose(p.release());
  return out;
}

TEST(NetCli, TableJsonlCsv) {
  REQUIRE_DATA("zeek/rita/proxy");
  int st;
  std::string csv = run_cli("net --format csv --top 3 " + test::data_path("zeek/rita/proxy"), &st);
  EXPECT_EQ(st, 0);
  EXPECT_EQ(csv.rfind("score,level,analytic,tenant,src,dst,first_seen,last_seen,why\n", 0), 0u) << csv;
  EXPECT_NE(csv.find("www.honestimnotevil.com"), std::string::npos);
  std::string jl = run_cli("net --format jsonl --tenant acme " + test::data_path("zeek/rita/proxy"), &st);
  EXPECT_EQ(st, 0);
  EXPECT_NE(jl.find("\"tenant\":\"acme\""), std::string::npos);
  EXPECT_NE(jl.find("\"analytic\":\"beacon\""), std::string::npos);
  std::string table = run_cli("net " + test::data_path("zeek/rita/proxy"), &st);
  EXPECT_EQ(st, 0);
  EXPECT_EQ(table.rfind("SCORE", 0), 0u);
  run_cli("net --format xml " + test::data_path("zeek/rita/proxy"), &st);
  EXPECT_NE(st, 0);
  run_cli("net /nonexistent/path/x.log", &st);
  EXPECT_NE(st, 0);
}

}  // namespace
}  // namespace trawl

// NetAnalyzer on synthetic Zeek logs: each analytic fires on what it should and not on background, tenants stay
// apart, merge() equals one analyzer, allow-lists drop findings, and the helpers (registrable domain, entropy,
// CSV cells, detections) behave.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>

#include "analytics/net/conn_generator.h"
#include "analytics/net/net_analyzer.h"
#include "analytics/net/net_run.h"
#include "ingest/zeek/zeek_decoder.h"

namespace trawl {
namespace {

const char* kConnHeader =
    "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n"
    "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\n"
    "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\n";

struct Conn {
  double ts;
  std::string uid, src, dst;
  int port;
  double duration;
  uint64_t out, in;
};

std::string conn_log(const std::vector<Conn>& rows) {
  std::string t = kConnHeader;
  char b[512];
  for (const Conn& c : rows) {
    std::snprintf(b, sizeof b, "%.6f\t%s\t%s\t40000\t%s\t%d\ttcp\t-\t%.3f\t%llu\t%llu\n", c.ts, c.uid.c_str(),
                  c.src.c_str(), c.dst.c_str(), c.port, c.duration, static_cast<unsigned long long>(c.out),
                  static_cast<unsigned long long>(c.in));
    t += b;
  }
  return t;
}

// Decodes `text` as one file of `tenant` and feeds every event to `an`.
void feed(NetAnalyzer& an, const std::string& text, const std::string& tenant = "") {
  auto info = std::make_shared<FileInfo>();
  info->path = "mem.log";
  info->tenant = tenant;
  auto d = open_zeek(Buffer::from_string(text), info, DecodeOptions{});
  ASSERT_TRUE(d.ok()) << d.status().message();
  EventBatch b;
  for (size_t u = 0; u < d.value()->unit_count(); ++u) {
    d.value()->decode_unit(u, b);
    ASSERT_EQ(b.errors, 0u);
    for (size_t i = 0; i < b.count; ++i) an.add(b.events[i]);
  }
}

// A day of one planted beacon (every 300 s +-10 %) among random background connections.
std::vector<Conn> day_with_beacon(uint32_t seed, const std::string& beacon_src = "10.0.0.5") {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<Conn> rows;
  int n = 0;
  for (double t = 0; t < 86400; t += 300 * (0.9 + 0.2 * u(rng)))
    rows.push_back({1700000000 + t, "B" + std::to_string(n++), beacon_src, "203.0.113.7", 443, 0.3, 512, 4000});
  for (int i = 0; i < 3000; ++i) {
    std::string src = "10.0.0." + std::to_string(10 + rng() % 40);
    std::string dst = "198.51.100." + std::to_string(1 + rng() % 60);
    rows.push_back({1700000000 + u(rng) * 86400, "N" + std::to_string(i), src, dst, 443, u(rng) * 20,
                    uint64_t(200 + rng() % 5000), uint64_t(1000 + rng() % 100000)});
  }
  std::sort(rows.begin(), rows.end(), [](const Conn& a, const Conn& b) { return a.ts < b.ts; });
  return rows;
}

const NetFinding* find(const std::vector<NetFinding>& f, const std::string& analytic, const std::string& src,
                       const std::string& dst, const std::string& tenant = "") {
  for (const NetFinding& x : f)
    if (x.analytic == analytic && x.src == src && x.dst == dst && x.tenant == tenant) return &x;
  return nullptr;
}

TEST(NetAnalyzer, PlantedBeaconRanksFirst) {
  NetAnalyzer an(NetOptions{});
  feed(an, conn_log(day_with_beacon(1)));
  auto f = an.finish();
  ASSERT_FALSE(f.empty());
  EXPECT_EQ(f[0].analytic, "beacon");
  EXPECT_EQ(f[0].src, "10.0.0.5");
  EXPECT_EQ(f[0].dst, "203.0.113.7");
  EXPECT_GT(f[0].score, 0.9);
  for (size_t i = 1; i < f.size(); ++i) EXPECT_LT(f[i].score, f[0].score);
  // Background pairs (random times, random sizes) do not score as beacons above the threshold... or low.
  for (const NetFinding& x : f) {
    if (x.analytic == "beacon" && x.dst != "203.0.113.7") {
      EXPECT_LT(x.score, 0.8) << x.src << " " << x.dst;
    }
  }
}

TEST(NetAnalyzer, TenantsNeverShareAPair) {
  NetAnalyzer an(NetOptions{});
  auto rows = day_with_beacon(2);
  feed(an, conn_log(rows), "acme");
  // The other tenant has the same private addresses but only 3 connections of that pair.
  feed(an, conn_log({rows[0], rows[1], rows[2]}), "globex");
  auto f = an.finish();
  const NetFinding* a = find(f, "beacon", "10.0.0.5", "203.0.113.7", "acme");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(find(f, "beacon", "10.0.0.5", "203.0.113.7", "globex"), nullptr);
  // acme's counts are its own, not acme + globex.
  const auto n = std::count_if(rows.begin(), rows.end(), [](const Conn& c) { return c.dst == "203.0.113.7"; });
  for (auto& [k, v] : a->evidence) {
    if (k == "connections") {
      EXPECT_EQ(v, std::to_string(n));
    }
  }
}

TEST(NetAnalyzer, MergeEqualsOneAnalyzer) {
  auto rows = day_with_beacon(3);
  NetAnalyzer one(NetOptions{});
  feed(one, conn_log(rows), "t1");
  auto expected = one.finish();
  NetAnalyzer a(NetOptions{}), b(NetOptions{});
  std::vector<Conn> even, odd;
  for (size_t i = 0; i < rows.size(); ++i) (i % 2 ? odd : even).push_back(rows[i]);
  feed(a, conn_log(even), "t1");
  feed(b, conn_log(odd), "t1");
  a.merge(std::move(b));
  auto got = a.finish();
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].analytic, expected[i].analytic);
    EXPECT_EQ(got[i].src, expected[i].src);
    EXPECT_EQ(got[i].dst, expected[i].dst);
    EXPECT_NEAR(got[i].score, expected[i].score, 1e-9);
    EXPECT_EQ(got[i].first_us, expected[i].first_us);
  }
}

TEST(NetAnalyzer, AllowListDropsFindings) {
  auto rows = day_with_beacon(4);
  NetOptions o;
  auto l = NetAllowList::parse("# allowed\nallow:\n  - 203.0.113.0/24\n  - \"*.example.org\"\n");
  ASSERT_TRUE(l.ok()) << l.status().message();
  o.allow = l.value();
  NetAnalyzer an(o);
  feed(an, conn_log(rows));
  for (const NetFinding& f : an.finish()) EXPECT_NE(f.dst, "203.0.113.7");
  EXPECT_TRUE(o.allow.allows("a.b.example.org"));
  EXPECT_TRUE(o.allow.allows("example.org"));
  EXPECT_FALSE(o.allow.allows("badexample.org"));
  EXPECT_TRUE(o.allow.allows("203.0.113.200"));
  EXPECT_FALSE(o.allow.allows("203.0.114.1"));
  auto v6 = NetAllowList::parse("fe80::/10\n2001:db8::1\n");
  ASSERT_TRUE(v6.ok());
  EXPECT_TRUE(v6.value().allows_ip("fe80::1"));
  EXPECT_TRUE(v6.value().allows_ip("2001:db8::1"));
  EXPECT_FALSE(v6.value().allows_ip("2001:db8::2"));
  EXPECT_FALSE(NetAllowList::parse("10.0.0.0/40\n").ok());
  EXPECT_FALSE(NetAllowList::parse("not a domain!\n").ok());
}

TEST(NetAnalyzer, LongConnectionsAndOpenConnections) {
  NetAnalyzer an(NetOptions{});
  std::string open_log = std::string(kConnHeader);
  open_log.replace(open_log.find("#path\tconn"), 10, "#path\topen_conn");
  // Still open (seen in two hourly open_conn logs: the later, longer duration wins) and never closed.
  open_log += "1700000000.0\tO1\t10.0.0.8\t40000\t192.0.2.50\t8443\ttcp\tssl\t3600.0\t100\t200\n";
  open_log += "1700000000.0\tO1\t10.0.0.8\t40000\t192.0.2.50\t8443\ttcp\tssl\t7200.0\t150\t300\n";
  // Open at first, then closed: counted once, as closed.
  open_log += "1700000000.0\tO2\t10.0.0.9\t40000\t192.0.2.60\t22\ttcp\tssh\t3600.0\t100\t200\n";
  feed(an, open_log);
  feed(an, conn_log({{1700000000, "O2", "10.0.0.9", "192.0.2.60", 22, 9000, 500, 900},
                     {1700000100, "S1", "10.0.0.9", "192.0.2.61", 80, 1.0, 10, 10}}));
  auto f = an.finish();
  const NetFinding* open = find(f, "long_connection", "10.0.0.8", "192.0.2.50");
  ASSERT_NE(open, nullptr);
  EXPECT_NE(open->why.find("1 still open"), std::string::npos) << open->why;
  EXPECT_NE(open->why.find("2.0 h"), std::string::npos) << open->why;
  const NetFinding* closed = find(f, "long_connection", "10.0.0.9", "192.0.2.60");
  ASSERT_NE(closed, nullptr);
  EXPECT_EQ(closed->why.find("still open"), std::string::npos) << closed->why;
  EXPECT_NE(closed->why.find("2.5 h in 1 connection"), std::string::npos) << closed->why;
  EXPECT_EQ(find(f, "long_connection", "10.0.0.9", "192.0.2.61"), nullptr);
}

TEST(NetAnalyzer, StrobeAndBurstStrobe) {
  NetOptions o;
  o.strobe_min_connections = 2000;
  NetAnalyzer an(o);
  std::vector<Conn> rows;
  for (int i = 0; i < 2500; ++i) rows.push_back({1700000000 + i * 30.0, "S" + std::to_string(i), "10.0.0.3", "192.0.2.9", 80, 0.01, 10, 10});
  for (int i = 0; i < 400; ++i) rows.push_back({1700000000 + i * 0.5, "T" + std::to_string(i), "10.0.0.4", "192.0.2.10", 8443, 0.01, 10, 10});
  std::sort(rows.begin(), rows.end(), [](const Conn& a, const Conn& b) { return a.ts < b.ts; });
  feed(an, conn_log(rows));
  auto f = an.finish();
  ASSERT_NE(find(f, "strobe", "10.0.0.3", "192.0.2.9"), nullptr);
  EXPECT_EQ(find(f, "beacon", "10.0.0.3", "192.0.2.9"), nullptr);  // a strobe is not a beacon
  const NetFinding* burst = find(f, "strobe", "10.0.0.4", "192.0.2.10");
  ASSERT_NE(burst, nullptr);
  bool rate = false;
  for (auto& [k, v] : burst->evidence)
    if (k == "connections_per_second") rate = std::fabs(std::stod(v) - 2.0) < 0.02;
  EXPECT_TRUE(rate) << burst->why;
}

TEST(NetAnalyzer, DnsTunnelAndRegistrableDomains) {
  EXPECT_EQ(registrable_domain("a.b.example.com."), "example.com");
  EXPECT_EQ(registrable_domain("WWW.Example.CO.UK"), "example.co.uk");
  EXPECT_EQ(registrable_domain("x.y.shop.com.au"), "shop.com.au");
  EXPECT_EQ(registrable_domain("co.uk"), "co.uk");
  EXPECT_EQ(registrable_domain("localhost"), "");
  EXPECT_EQ(registrable_domain("4.3.2.1.in-addr.arpa"), "");
  EXPECT_EQ(registrable_domain("10.0.0.1"), "");
  EXPECT_NEAR(shannon_entropy("aaaa"), 0.0, 1e-9);
  EXPECT_NEAR(shannon_entropy("abcd"), 2.0, 1e-9);
  std::string dns =
      "#separator \\x09\n#path\tdns\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tquery\n";
  std::mt19937 rng(5);
  const char* hex = "0123456789abcdef";
  for (int i = 0; i < 300; ++i) {
    std::string label;
    for (int k = 0; k < 30; ++k) label += hex[rng() % 16];
    dns += std::to_string(1700000000 + i) + "\tD" + std::to_string(i) + "\t10.0.0.7\t5353\t10.0.0.53\t53\t" + label +
           ".t.tunnel.example.net\n";
  }
  for (int i = 0; i < 300; ++i)  // an ordinary site: a handful of names, asked often
    dns += std::to_string(1700000000 + i) + "\tE" + std::to_string(i) + "\t10.0.0.7\t5353\t10.0.0.53\t53\t" +
           std::string(i % 3 ? "www" : "mail") + ".normal.co.uk\n";
  NetAnalyzer an(NetOptions{});
  feed(an, dns);
  auto f = an.finish();
  const NetFinding* t = find(f, "dns_tunnel", "10.0.0.7", "example.net");
  ASSERT_NE(t, nullptr);
  EXPECT_GT(t->score, 0.7);
  for (const NetFinding& x : f) EXPECT_NE(x.dst, "normal.co.uk");
}

TEST(NetAnalyzer, ExfiltrationAgainstTheHostBaseline) {
  std::vector<Conn> rows;
  for (int i = 0; i < 50; ++i)  // the host's usual traffic: small requests to many sites
    rows.push_back({1700000000 + i * 60.0, "W" + std::to_string(i), "10.0.0.6", "198.51.100." + std::to_string(i + 1),
                    443, 2, 2000, 50000});
  for (int j = 0; j < 5; ++j)  // other hosts use the popular site too
    rows.push_back({1700000000 + j * 7.0, "P" + std::to_string(j), "10.0.0." + std::to_string(20 + j), "198.51.100.1", 443, 2, 2000, 50000});
  rows.push_back({1700003000, "X1", "10.0.0.6", "192.0.2.66", 443, 600, 300ull << 20, 1ull << 20});
  std::sort(rows.begin(), rows.end(), [](const Conn& a, const Conn& b) { return a.ts < b.ts; });
  NetAnalyzer an(NetOptions{});
  feed(an, conn_log(rows));
  auto f = an.finish();
  const NetFinding* x = find(f, "exfiltration", "10.0.0.6", "192.0.2.66");
  ASSERT_NE(x, nullptr);
  EXPECT_GT(x->score, 0.6);
  EXPECT_EQ(std::count_if(f.begin(), f.end(), [](const NetFinding& n) { return n.analytic == "exfiltration"; }), 1);
}

TEST(NetAnalyzer, ProxiedFqdnPairingJoinsConnByUid) {
  // The client only talks to the proxy; the http CONNECT records name the real destination.
  std::string http =
      "#separator \\x09\n#path\thttp\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tmethod\thost\turi\n";
  std::vector<Conn> conns;
  for (int i = 0; i < 200; ++i) {
    double t = 1700000000 + i * 400.0 + (i % 7) * 3;
    std::string uid = "H" + std::to_string(i);
    http += std::to_string(t) + "\t" + uid + "\t10.1.1.1\t40000\t10.1.1.254\t3128\tCONNECT\tevil.example.com\tevil.example.com:443\n";
    conns.push_back({t, uid, "10.1.1.1", "10.1.1.254", 3128, 0.2, 900, 5000});
    std::string uid2 = "G" + std::to_string(i);
    double t2 = 1700000000 + (i * 7919 % 80000);
    http += std::to_string(t2) + "\t" + uid2 + "\t10.1.1.1\t40001\t10.1.1.254\t3128\tCONNECT\tnews.example.org\tnews.example.org:443\n";
    conns.push_back({t2, uid2, "10.1.1.1", "10.1.1.254", 3128, 3, 700 + uint64_t(i * 37 % 3000), 90000});
  }
  std::sort(conns.begin(), conns.end(), [](const Conn& a, const Conn& b) { return a.ts < b.ts; });
  // Conn first this time: the pending table joins them in finish().
  NetAnalyzer an(NetOptions{});
  feed(an, conn_log(conns));
  feed(an, http);
  auto f = an.finish();
  const NetFinding* evil = find(f, "beacon", "10.1.1.1", "evil.example.com");
  ASSERT_NE(evil, nullptr);
  bool proxied = false, sizes = false;
  for (auto& [k, v] : evil->evidence) {
    if (k == "proxy") proxied = v == "10.1.1.254";
    if (k == "ds_score") sizes = v == "1.000";
  }
  EXPECT_TRUE(proxied);
  EXPECT_TRUE(sizes);  // sizes came from the joined conn records
  const NetFinding* news = find(f, "beacon", "10.1.1.1", "news.example.org");
  if (news) {
    EXPECT_LT(news->score, evil->score);
  }
}

TEST(NetAnalyzer, IgnoresOtherLogsAndHelpers) {
  NetAnalyzer an(NetOptions{});
  feed(an, "#separator \\x09\n#path\tx509\n#fields\tts\tid\n1700000000\tF1\n");
  EXPECT_EQ(an.stats().ignored, 1u);
  EXPECT_TRUE(an.finish().empty());
  EXPECT_EQ(net_csv_cell("=cmd|' /C calc'!A0"), "'=cmd|' /C calc'!A0");
  EXPECT_EQ(net_csv_cell("-2+3"), "'-2+3");
  EXPECT_EQ(net_csv_cell("@SUM(1)"), "'@SUM(1)");
  EXPECT_EQ(net_csv_cell("a,\"b\""), "\"a,\"\"b\"\"\"");
  EXPECT_EQ(net_csv_cell("plain"), "plain");
  EXPECT_EQ(net_level_for_score(0.95), Level::kCritical);
  EXPECT_EQ(net_level_for_score(0.5), Level::kLow);
  NetFinding f;
  f.analytic = "beacon";
  f.score = 0.8;
  f.src = "10.0.0.1";
  f.dst = "evil.example";
  f.tenant = "acme";
  f.first_us = 1700000000000000;
  Detection d = an.to_detection(f);
  EXPECT_EQ(d.kind, DetectionKind::kAnalytic);
  EXPECT_EQ(d.rule_id, "beacon");
  EXPECT_EQ(d.level, Level::kHigh);
  EXPECT_EQ(d.tenant, "acme");
  EXPECT_EQ(d.host, "10.0.0.1");
}

TEST(NetGenerator, DeterministicAndEveryPlantedBeaconInTop20) {
  namespace fs = std::filesystem;
  std::string dir = (fs::temp_directory_path() / ("trawl_net_gen_" + std::to_string(::getpid()))).string();
  fs::create_directories(dir);
  ConnGeneratorOptions g;
  g.rows = 60000;
  g.seed = 11;
  g.beacons = 6;
  g.hosts = 300;
  g.destinations = 3000;
  auto p1 = generate_conn_log(dir + "/a.conn.log", g);
  auto p2 = generate_conn_log(dir + "/b.conn.log", g);
  ASSERT_TRUE(p1.ok() && p2.ok());
  auto slurp = [](const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  };
  std::string a = slurp(dir + "/a.conn.log");
  EXPECT_EQ(a, slurp(dir + "/b.conn.log"));
  size_t lines = size_t(std::count(a.begin(), a.end(), '\n'));
  EXPECT_NEAR(double(lines - 10), double(g.rows), g.rows * 0.01);
  NetOptions o;
  o.top_n = 20;
  auto r = run_net_analysis({dir + "/a.conn.log"}, o, "");
  ASSERT_TRUE(r.ok());
  for (const PlantedBeacon& b : p1.value()) {
    bool found = false;
    for (const NetFinding& f : r.value().findings) found = found || (f.analytic == "beacon" && f.src == b.src && f.dst == b.dst);
    EXPECT_TRUE(found) << b.src << " -> " << b.dst;
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace trawl

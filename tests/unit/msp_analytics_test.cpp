// MSP layer: the tenant map, the logon graph's source resolution (same tenant only; twin private ranges not
// confused; twin host names told apart by name + address), and every cross-tenant analytic over hand-built
// multi-tenant event sequences, with the negative cases (benign MSP admin work in usual hours raises nothing high).
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>

#include "analytics/msp/msp_analytics.h"
#include "core/time.h"
#include "test_data.h"

namespace trawl {
namespace {

constexpr int64_t kDay0 = 1551657600LL * 1000000;  // 2019-03-04T00:00:00Z
constexpr int64_t kMin = 60LL * 1000000;
int64_t T(int day, int h, int m, int s = 0) { return kDay0 + ((day * 24LL + h) * 60 + m) * kMin + s * 1000000LL; }

using Fields = std::vector<std::pair<std::string, std::string>>;

// Events grouped per file, each file with its tenant, fed to the analyzer file by file (input order is not time
// order, as in a real hunt).
class Logs {
 public:
  size_t file(const std::string& tenant, const std::string& path, InputFormat f = InputFormat::kJsonLog,
              const std::string& zeek = "") {
    auto b = std::make_unique<EventBatch>();
    auto fi = std::make_shared<FileInfo>();
    fi->tenant = tenant;
    fi->path = tenant + "/" + path;
    fi->format = f;
    fi->zeek_log_type = zeek;
    b->file = fi;
    batches_.push_back(std::move(b));
    return batches_.size() - 1;
  }
  void add(size_t file, int64_t t, const Fields& fields) {
    EventBatch& b = *batches_[file];
    Event& e = b.next();
    e.time_us = t;
    e.record_id = b.count;
    for (const auto& [k, v] : fields) e.add(b.copy(k), b.copy(v));
  }
  void win(size_t file, int64_t t, const std::string& computer, const std::string& channel, int eid, Fields extra) {
    Fields f = {{"EventID", std::to_string(eid)}, {"Channel", channel}, {"Computer", computer}};
    f.insert(f.end(), extra.begin(), extra.end());
    add(file, t, f);
  }
  void logon(size_t file, int64_t t, const std::string& computer, int type, const std::string& domain,
             const std::string& user, const std::string& ws, const std::string& ip) {
    win(file, t, computer, "Security", 4624,
        {{"SubjectUserName", "-"}, {"TargetUserName", user}, {"TargetDomainName", domain},
         {"LogonType", std::to_string(type)}, {"WorkstationName", ws}, {"IpAddress", ip}});
  }
  void sysmon3(size_t file, int64_t t, const std::string& computer, const std::string& src, const std::string& dst,
               int port) {
    win(file, t, computer, "Microsoft-Windows-Sysmon/Operational", 3,
        {{"User", "NT AUTHORITY\\SYSTEM"}, {"Initiated", "true"}, {"SourceIp", src}, {"DestinationIp", dst},
         {"DestinationPort", std::to_string(port)}});
  }
  void conn(size_t file, int64_t t, const std::string& orig, const std::string& resp, int port, uint64_t ob,
            uint64_t rb) {
    add(file, t, {{"id.orig_h", orig}, {"id.orig_p", "50000"}, {"id.resp_h", resp}, {"id.resp_p", std::to_string(port)},
                  {"orig_bytes", std::to_string(ob)}, {"resp_bytes", std::to_string(rb)}});
  }
  void feed(MspAnalyzer& a, bool reverse = false) const {
    std::vector<size_t> order(batches_.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = reverse ? order.size() - 1 - i : i;
    for (size_t i : order)
      for (size_t k = 0; k < batches_[i]->count; ++k) a.add(batches_[i]->events[k]);
  }

 private:
  std::vector<std::unique_ptr<EventBatch>> batches_;
};

MspAnalyzer make_analyzer(size_t mature_logons = MspOptions().mature_logons,
                          uint32_t mature_days = MspOptions().mature_days) {
  MspOptions o;
  o.msp_tenant = "msp";
  o.mature_logons = mature_logons;
  o.mature_days = mature_days;
  o.tenant_map_file = test::fixture_path("msp/tenants.yml");
  Result<MspAnalyzer> a = MspAnalyzer::create(o);
  EXPECT_TRUE(a.ok()) << a.status().message();
  return std::move(a).value();
}

std::string get(const Detection& d, const std::string& name) {
  for (const auto& [k, v] : d.fields)
    if (k == name) return v;
  return "<absent>";
}

std::vector<const Detection*> find(const std::vector<Detection>& out, const std::string& rule,
                                   const std::string& tenant = "") {
  std::vector<const Detection*> r;
  for (const Detection& d : out)
    if (d.rule_id == rule && (tenant.empty() || d.tenant == tenant)) r.push_back(&d);
  return r;
}

std::string dump(const std::vector<Detection>& out) {
  std::string s;
  for (const Detection& d : out)
    s += format_time_us(d.time_us) + " " + d.tenant + " " + d.host + " " + d.rule_id + " " + level_name(d.level) +
         " " + get(d, "account") + " " + get(d, "artifact") + "\n";
  return s;
}

// Learns host addresses (Sysmon 3) and a baseline of office-hours logons for two MSP admins.
void baseline(Logs& L, size_t mj_sys, size_t ma_sec, size_t c1fs_sys, size_t c1dc_sys, size_t c2fs_sys,
              size_t c2dc_sys) {
  L.sysmon3(mj_sys, T(0, 8, 0), "JUMP01.msp.local", "10.1.0.20", "10.1.0.2", 53);
  L.sysmon3(c1fs_sys, T(0, 8, 0), "FS01.client01.local", "10.10.0.9", "10.10.0.5", 53);
  L.sysmon3(c1dc_sys, T(0, 8, 0), "DC01.client01.local", "10.10.0.5", "10.10.0.9", 445);
  L.sysmon3(c2fs_sys, T(0, 8, 0), "FS01.client02.local", "10.10.0.6", "10.10.0.5", 53);
  L.sysmon3(c2dc_sys, T(0, 8, 0), "DC01.client02.local", "10.10.0.5", "10.10.0.6", 445);
  for (int day = 0; day < 2; ++day)
    for (int h = 9; h <= 17; ++h) {
      L.logon(ma_sec, T(day, h, 5), "ADM01.msp.local", 2, "MSP", "admin.jdoe", "ADM01", "127.0.0.1");
      L.logon(ma_sec, T(day, h, 7), "ADM01.msp.local", 2, "MSP", "admin.bob", "ADM01", "127.0.0.1");
    }
}

TEST(MspTenantMap, ParsesAndMatches) {
  Result<TenantMap> m = TenantMap::load_file(test::fixture_path("msp/tenants.yml"));
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(m->msp(), "msp");
  EXPECT_EQ(m->tenants().size(), 3u);
  EXPECT_EQ(m->tenant_of_domain("msp"), "msp");
  EXPECT_EQ(m->tenant_of_domain("CLIENT02"), "client02");
  EXPECT_EQ(m->tenant_of_domain("fs01.client01.local"), "client01");
  EXPECT_EQ(m->tenant_of_domain("OTHER"), "");
  EXPECT_EQ(m->tenant_of_host("jump01"), "msp");
  EXPECT_EQ(m->tenant_of_host("bkp01.MSP.local"), "msp");
  EXPECT_EQ(m->tenant_of_host("FS01.client01.local"), "client01");
  EXPECT_EQ(m->tenant_of_host("FS01"), "");
  EXPECT_TRUE(m->is_msp_address("10.1.0.200"));
  EXPECT_FALSE(m->is_msp_address("10.1.1.1"));
  EXPECT_FALSE(m->is_msp_address("not an ip"));
  EXPECT_TRUE(m->is_msp_account("MSP", "admin.jdoe"));
  EXPECT_FALSE(m->is_msp_account("CLIENT01", "admin.jdoe"));
  EXPECT_FALSE(TenantMap::parse("tenants: {a: {ip_ranges: [10.0.0.0/33]}}").ok());
  EXPECT_FALSE(TenantMap::parse("tenants: [1, 2").ok());
  EXPECT_FALSE(TenantMap::load_file("/nonexistent/tenants.yml").ok());
  EXPECT_TRUE(glob_match_nocase("*.msp.local", "JUMP01.MSP.LOCAL"));
  EXPECT_TRUE(glob_match_nocase("j?mp*", "JUMP01"));
  EXPECT_FALSE(glob_match_nocase("jump", "JUMP01"));
  EXPECT_TRUE(glob_match_nocase("*a*a*a*b", std::string(2000, 'a') + "b"));
  auto v6 = parse_ip_range("fd00::/8");
  ASSERT_TRUE(v6);
  EXPECT_TRUE(v6->contains(*parse_ip("fd12::1")));
  EXPECT_FALSE(v6->contains(*parse_ip("10.0.0.1")));
}

TEST(MspAnalyzer, CreateNeedsAnMspTenant) {
  MspOptions o;
  EXPECT_FALSE(MspAnalyzer::create(o).ok());
  o.tenant_map_text = "msp: acme-msp\n";
  EXPECT_TRUE(MspAnalyzer::create(o).ok());
  o.tenant_map_file = "/nonexistent.yml";
  EXPECT_FALSE(MspAnalyzer::create(o).ok());
}

TEST(MspLogonGraph, SourcesResolveWithinTheTenantAndTwinRangesAreNotConfused) {
  Logs L;
  const size_t c1dc_sys = L.file("client01", "dc01/Sysmon.jsonl"), c2dc_sys = L.file("client02", "dc01/Sysmon.jsonl");
  const size_t c2fs_sys = L.file("client02", "fs01/Sysmon.jsonl"), c2fs_sec = L.file("client02", "fs01/Security.jsonl");
  const size_t c1fs_sys = L.file("client01", "fs01/Sysmon.jsonl");
  L.sysmon3(c1dc_sys, T(0, 8, 0), "DC01.client01.local", "10.10.0.5", "10.10.0.9", 445);
  L.sysmon3(c2dc_sys, T(0, 8, 0), "DC01.client02.local", "10.10.0.5", "10.10.0.6", 445);
  L.sysmon3(c2fs_sys, T(0, 8, 0), "FS01.client02.local", "10.10.0.6", "10.10.0.5", 53);
  L.sysmon3(c1fs_sys, T(0, 8, 0), "FS01.client01.local", "10.10.0.9", "10.10.0.5", 53);
  // Address only: 10.10.0.5 is DC01 in client02 (and also DC01 in client01: must not matter).
  L.logon(c2fs_sec, T(0, 9, 0), "FS01.client02.local", 3, "CLIENT02", "svc_app", "-", "10.10.0.5");
  L.logon(c2fs_sec, T(0, 9, 30), "FS01.client02.local", 3, "CLIENT02", "svc_app", "-", "10.10.0.5");
  // Unknown name with a known address: not placed anywhere.
  L.logon(c2fs_sec, T(0, 10, 0), "FS01.client02.local", 3, "CLIENT02", "svc_app", "LAPTOP9", "10.10.0.5");
  // Twin name FS01: the address is client01's FS01, not client02's own FS01.
  L.logon(c2fs_sec, T(0, 11, 0), "FS01.client02.local", 3, "MSP", "admin.jdoe", "FS01", "10.10.0.9");
  MspAnalyzer a = make_analyzer();
  L.feed(a);
  std::vector<Detection> out = a.finish();
  const LogonGraph& g = a.graph();
  const auto& hosts = g.hosts();
  int svc_edges = 0, hop_edges = 0, unresolved = 0;
  for (const LogonGraph::Edge& e : g.edges()) {
    if (e.account == LogonGraph::kNone) continue;  // Sysmon 3 as SYSTEM
    const auto& acc = g.accounts()[e.account];
    if (acc.user == "svc_app" && hosts[e.src].resolved) {
      ++svc_edges;
      EXPECT_EQ(hosts[e.src].tenant, "client02");
      EXPECT_EQ(hosts[e.src].name, "DC01");
      EXPECT_EQ(e.count, 2u);
      EXPECT_EQ(e.first_us, T(0, 9, 0));
      EXPECT_EQ(e.last_us, T(0, 9, 30));
      EXPECT_EQ(e.method, LogonMethod::kNetwork);
    } else if (acc.user == "svc_app") {
      ++unresolved;
      EXPECT_EQ(hosts[e.src].tenant, "");
    } else if (acc.user == "admin.jdoe") {
      ++hop_edges;
      EXPECT_EQ(hosts[e.src].tenant, "client01");
      EXPECT_EQ(hosts[e.src].name, "FS01");
      EXPECT_EQ(hosts[e.dst].tenant, "client02");
      EXPECT_EQ(acc.tenant, "msp");
    }
  }
  EXPECT_EQ(svc_edges, 1);
  EXPECT_EQ(unresolved, 1);
  EXPECT_EQ(hop_edges, 1);
  // Only the FS01 -> FS01 hop crosses tenants.
  auto cross = find(out, "cross_tenant_logon");
  ASSERT_EQ(cross.size(), 1u) << dump(out);
  EXPECT_EQ(cross[0]->level, Level::kCritical);
  EXPECT_EQ(get(*cross[0], "src_tenant"), "client01");
  EXPECT_EQ(g.host_of_ip("client02", "10.10.0.5"), "DC01");
  EXPECT_EQ(g.host_of_ip("client01", "10.10.0.5"), "DC01");
  EXPECT_EQ(g.host_of_ip("client01", "10.10.0.6"), "");
}

TEST(MspLogonGraph, OtherAuthenticationSources) {
  Logs L;
  const size_t sec = L.file("client01", "dc01/Security.jsonl"), rdp = L.file("client01", "fs01/RCM.jsonl");
  const size_t lsm = L.file("client01", "fs01/LSM.jsonl"), sys = L.file("client01", "fs01/Sysmon.jsonl");
  const size_t jsys = L.file("msp", "jump01/Sysmon.jsonl");
  L.sysmon3(sys, T(0, 8, 0), "FS01.client01.local", "10.10.0.9", "10.10.0.5", 53);
  L.sysmon3(jsys, T(0, 8, 0), "JUMP01.msp.local", "10.1.0.20", "10.1.0.2", 53);
  L.win(sec, T(0, 9, 0), "DC01.client01.local", "Security", 4768,
        {{"TargetUserName", "alice"}, {"TargetDomainName", "CLIENT01"}, {"IpAddress", "::ffff:10.10.0.9"}});
  L.win(sec, T(0, 9, 1), "DC01.client01.local", "Security", 4769,
        {{"TargetUserName", "alice@CLIENT01.LOCAL"}, {"TargetDomainName", "CLIENT01.LOCAL"}, {"ServiceName", "DC01$"},
         {"IpAddress", "::ffff:10.10.0.9"}});
  L.win(sec, T(0, 9, 2), "DC01.client01.local", "Security", 4672,
        {{"SubjectUserName", "alice"}, {"SubjectDomainName", "CLIENT01"}});
  L.win(rdp, T(0, 10, 0), "FS01.client01.local", "Microsoft-Windows-TerminalServices-RemoteConnectionManager/Operational",
        1149, {{"Param1", "admin.jdoe"}, {"Param2", "MSP"}, {"Param3", "10.1.0.20"}});
  L.win(lsm, T(0, 10, 0), "FS01.client01.local", "Microsoft-Windows-TerminalServices-LocalSessionManager/Operational",
        21, {{"User", "MSP\\admin.jdoe"}, {"SessionID", "2"}, {"Address", "10.1.0.20"}});
  L.win(lsm, T(0, 10, 1), "FS01.client01.local", "Microsoft-Windows-TerminalServices-LocalSessionManager/Operational",
        21, {{"User", "CLIENT01\\bob"}, {"SessionID", "1"}, {"Address", "LOCAL"}});
  L.win(sys, T(0, 10, 5), "FS01.client01.local", "Microsoft-Windows-Sysmon/Operational", 3,
        {{"User", "CLIENT01\\alice"}, {"Initiated", "true"}, {"SourceIp", "10.10.0.9"}, {"DestinationIp", "10.10.0.5"},
         {"DestinationHostname", "DC01.client01.local"}, {"DestinationPort", "5985"}});
  L.win(sec, T(0, 10, 6), "DC01.client01.local", "Security", 4648,
        {{"TargetUserName", "alice"}, {"TargetDomainName", "CLIENT01"}, {"TargetServerName", "FS01.client01.local"},
         {"IpAddress", "10.10.0.9"}});
  L.win(sec, T(0, 10, 7), "DC01.client01.local", "Application", 4624, {{"TargetUserName", "x"}});  // wrong channel
  MspAnalyzer a = make_analyzer();
  L.feed(a);
  (void)a.finish();
  const LogonGraph& g = a.graph();
  std::map<std::string, int> methods;
  for (const LogonGraph::Edge& e : g.edges()) {
    methods[logon_method_name(e.method)] += int(e.count);
    // The MSP jump host's address alone (1149 / 21 carry no name) never places it in another tenant.
    EXPECT_EQ(g.hosts()[e.src].resolved, g.hosts()[e.src].name != "IP:10.1.0.20") << g.hosts()[e.src].name;
  }
  EXPECT_EQ(methods["kerberos"], 2);
  EXPECT_EQ(methods["remote_interactive"], 2);  // 1149 and 21 with an address; the console session is skipped
  EXPECT_EQ(methods["winrm"], 1);
  EXPECT_EQ(methods["explicit_credentials"], 1);
  EXPECT_EQ(g.logons().size(), 6u);
  bool alice_priv = false;
  for (const auto& acc : g.accounts())
    if (acc.user == "alice" && acc.domain == "CLIENT01") alice_priv = acc.privileged == 1 && acc.tenant == "client01";
  EXPECT_TRUE(alice_priv);
  for (const LogonGraph::Edge& e : g.edges())
    if (e.account != LogonGraph::kNone && g.accounts()[e.account].user == "admin.jdoe") {
      EXPECT_EQ(g.hosts()[e.src].tenant, "");
    }
}

struct Scenario {
  Logs L;
  size_t mj_sec, mj_sys, ma_sec, c1fs_sec, c1fs_sys, c1fs_system, c1dc_sec, c1dc_sys, c2fs_sec, c2fs_sys, c2dc_sec,
      c2dc_sys, c2dc_system, z1, z2, zm;
  Scenario() {
    mj_sec = L.file("msp", "jump01/Security.jsonl");
    mj_sys = L.file("msp", "jump01/Sysmon.jsonl");
    ma_sec = L.file("msp", "adm01/Security.jsonl");
    c1fs_sec = L.file("client01", "fs01/Security.jsonl");
    c1fs_sys = L.file("client01", "fs01/Sysmon.jsonl");
    c1fs_system = L.file("client01", "fs01/System.jsonl");
    c1dc_sec = L.file("client01", "dc01/Security.jsonl");
    c1dc_sys = L.file("client01", "dc01/Sysmon.jsonl");
    c2fs_sec = L.file("client02", "fs01/Security.jsonl");
    c2fs_sys = L.file("client02", "fs01/Sysmon.jsonl");
    c2dc_sec = L.file("client02", "dc01/Security.jsonl");
    c2dc_sys = L.file("client02", "dc01/Sysmon.jsonl");
    c2dc_system = L.file("client02", "dc01/System.jsonl");
    z1 = L.file("client01", "zeek/conn.log", InputFormat::kZeekTsv, "conn");
    z2 = L.file("client02", "zeek/conn.log", InputFormat::kZeekTsv, "conn");
    zm = L.file("msp", "zeek/conn.log", InputFormat::kZeekTsv, "conn");
    baseline(L, mj_sys, ma_sec, c1fs_sys, c1dc_sys, c2fs_sys, c2dc_sys);
  }
  // Benign: MSP admins RDP from the jump host into client01 in office hours, every day.
  void benign() {
    for (int day = 0; day < 3; ++day) {
      L.logon(c1dc_sec, T(day, 10, 0), "DC01.client01.local", 10, "MSP", "admin.jdoe", "JUMP01", "10.1.0.20");
      L.logon(c1fs_sec, T(day, 11, 0), "FS01.client01.local", 10, "MSP", "admin.bob", "JUMP01", "10.1.0.20");
      L.logon(c1fs_sec, T(day, 14, 30), "FS01.client01.local", 3, "MSP", "admin.bob", "JUMP01", "10.1.0.20");
      L.sysmon3(mj_sys, T(day, 11, 0), "JUMP01.msp.local", "10.1.0.20", "10.10.0.9", 3389);
      // Nightly backups pulled by the MSP backup server from both clients' file servers.
      L.conn(z1, T(day, 1, 10), "10.10.0.9", "10.1.0.30", 10000, 2000000000ULL, 400000);
      L.conn(z2, T(day, 2, 10), "10.10.0.6", "10.1.0.30", 10000, 2500000000ULL, 400000);
      // Common domain everywhere; a rare one inside one tenant only.
      const std::pair<size_t, const char*> everywhere[] = {{mj_sys, "JUMP01.msp.local"}, {c1fs_sys, "FS01.client01.local"},
                                                           {c2fs_sys, "FS01.client02.local"}, {c2dc_sys, "DC01.client02.local"}};
      for (const auto& [f, host] : everywhere)
        L.win(f, T(day, 12, 0), host, "Microsoft-Windows-Sysmon/Operational", 22, {{"QueryName", "www.windowsupdate.com"}});
      L.win(c2fs_sys, T(day, 12, 1), "FS01.client02.local", "Microsoft-Windows-Sysmon/Operational", 22,
            {{"QueryName", "intranet-partner.example"}});
      L.win(c2dc_sys, T(day, 12, 1), "DC01.client02.local", "Microsoft-Windows-Sysmon/Operational", 22,
            {{"QueryName", "intranet-partner.example"}});
      // Internal client traffic, large, no MSP involved.
      L.conn(z2, T(day, 3, 0), "10.10.0.5", "10.10.0.6", 445, 3000000000ULL, 1000);
    }
  }
  void attack() {
    // Night of day 2: MSP admin account from the jump host into both clients.
    L.logon(c1fs_sec, T(2, 0, 12), "FS01.client01.local", 3, "MSP", "admin.jdoe", "JUMP01", "10.1.0.20");
    L.win(c1fs_system, T(2, 0, 13), "FS01.client01.local", "System", 7045,
          {{"ServiceName", "WinSvcUpd"}, {"ImagePath", "%SystemRoot%\\rsvc.exe"}});
    L.logon(c2dc_sec, T(2, 0, 40), "DC01.client02.local", 3, "MSP", "admin.jdoe", "JUMP01", "10.1.0.20");
    L.win(c2dc_system, T(2, 0, 41), "DC01.client02.local", "System", 7045,
          {{"ServiceName", "WinSvcUpd"}, {"ImagePath", "%SystemRoot%\\rsvc.exe"}});
    // C2 domain from the MSP jump host and the client file server; the implant's hash on both file servers.
    L.win(mj_sys, T(1, 22, 0), "JUMP01.msp.local", "Microsoft-Windows-Sysmon/Operational", 22,
          {{"QueryName", "update.evil-dyn.example."}});
    L.win(c1fs_sys, T(2, 0, 59), "FS01.client01.local", "Microsoft-Windows-Sysmon/Operational", 22,
          {{"QueryName", "UPDATE.evil-dyn.example"}});
    for (size_t f : {c1fs_sys, c2fs_sys})
      L.win(f, T(2, 1, 50), f == c1fs_sys ? "FS01.client01.local" : "FS01.client02.local",
            "Microsoft-Windows-Sysmon/Operational", 1,
            {{"Image", "C:\\Windows\\Vss\\vsmon.exe"},
             {"Hashes", "SHA1=AAAA,MD5=BBBB,SHA256=cc11dd22ee33,IMPHASH=DDDD"}});
    // Client -> client hop with the MSP account, explicit credentials first.
    L.win(c1fs_sec, T(2, 1, 29, 59), "FS01.client01.local", "Security", 4648,
          {{"SubjectUserName", "FS01$"}, {"SubjectDomainName", "CLIENT01"}, {"TargetUserName", "admin.jdoe"},
           {"TargetDomainName", "MSP"}, {"TargetServerName", "FS01.client02.local"}, {"IpAddress", "10.10.0.6"}});
    L.logon(c2fs_sec, T(2, 1, 30), "FS01.client02.local", 3, "MSP", "admin.jdoe", "FS01", "10.10.0.9");
    // Exfiltration: the client file server pushes 1.9 GB to the MSP jump host; the MSP sensor's copy is ignored.
    L.conn(z1, T(2, 2, 40), "10.10.0.9", "10.1.0.20", 445, 1980000000ULL, 2100000);
    L.conn(zm, T(2, 2, 40), "10.10.0.9", "10.1.0.20", 445, 1980000000ULL, 2100000);
  }
};

TEST(MspAnalyzer, YoungBaselineGivesMediumHours) {
  Scenario s;
  s.benign();
  s.attack();
  MspAnalyzer a = make_analyzer();  // default maturity: more logons than the scenario's history holds
  s.L.feed(a);
  std::vector<Detection> out = a.finish();
  auto hours = find(out, "msp_account_unusual_hour");
  ASSERT_EQ(hours.size(), 2u) << dump(out);
  for (const Detection* d : hours) {
    EXPECT_EQ(d->level, Level::kMedium) << dump(out);
    EXPECT_NE(get(*d, "baseline").find("young"), std::string::npos) << get(*d, "baseline");
  }
  // The crossings that do not rest on the hour stay as they were: client -> client is critical.
  bool critical_hop = false;
  for (const Detection* d : find(out, "cross_tenant_logon", "client02"))
    critical_hop = critical_hop || (d->level == Level::kCritical && get(*d, "src_tenant") == "client01");
  EXPECT_TRUE(critical_hop) << dump(out);
}

TEST(MspAnalyzer, BenignMspAdminWorkRaisesNothingHigh) {
  Scenario s;
  s.benign();
  MspAnalyzer a = make_analyzer();
  s.L.feed(a);
  std::vector<Detection> out = a.finish();
  for (const Detection& d : out) EXPECT_LT(d.level, Level::kHigh) << dump(out);
  // The MSP -> client01 crossings are noted (low), per account, once.
  auto cross = find(out, "cross_tenant_logon");
  ASSERT_EQ(cross.size(), 2u) << dump(out);
  for (const Detection* d : cross) EXPECT_EQ(d->level, Level::kLow);
  EXPECT_TRUE(find(out, "msp_account_unusual_hour").empty()) << dump(out);
  EXPECT_TRUE(find(out, "shared_rare_artifact").empty()) << dump(out);
  EXPECT_TRUE(find(out, "msp_remote_chain").empty()) << dump(out);
  // Backups: large, but recurring and from every client to the same MSP server: medium.
  auto tr = find(out, "msp_large_transfer");
  EXPECT_EQ(tr.size(), 6u) << dump(out);  // one per night and client
  for (const Detection* d : tr) EXPECT_EQ(d->level, Level::kMedium);
  EXPECT_EQ(find(out, "tenant_risk").size(), 3u);
}

TEST(MspAnalyzer, IntrusionAcrossTenantsIsFound) {
  Scenario s;
  s.benign();
  s.attack();
  // The scenario's history is short (about a dozen logons per account on two days before the attack): count it
  // as a mature baseline here; YoungBaselineGivesMediumHours checks the default.
  MspAnalyzer a = make_analyzer(10, 2);
  s.L.feed(a);
  std::vector<Detection> out = a.finish();
  const std::string all = dump(out);

  // Unusual hour for the MSP admin in both clients (deduplicated per day and tenant).
  auto hours = find(out, "msp_account_unusual_hour");
  ASSERT_EQ(hours.size(), 2u) << all;
  for (const Detection* d : hours) {
    EXPECT_EQ(d->level, Level::kHigh);
    EXPECT_EQ(get(*d, "account"), "MSP\\admin.jdoe");
  }
  EXPECT_EQ(hours[0]->tenant, "client01");
  EXPECT_EQ(hours[0]->host, "FS01");
  EXPECT_EQ(hours[1]->tenant, "client02");

  // First MSP -> client02 logon, at night: high. Client01 -> client02: critical.
  auto c2 = find(out, "cross_tenant_logon", "client02");
  ASSERT_EQ(c2.size(), 2u) << all;
  EXPECT_EQ(c2[0]->level, Level::kHigh);
  EXPECT_EQ(get(*c2[0], "src_tenant"), "msp");
  EXPECT_EQ(c2[1]->level, Level::kCritical);
  EXPECT_EQ(get(*c2[1], "src_tenant"), "client01");
  EXPECT_EQ(get(*c2[1], "src_host"), "FS01");
  EXPECT_EQ(get(*c2[1], "method"), "explicit_credentials");
  EXPECT_EQ(c2[1]->time_us, T(2, 1, 29, 59));

  // The remote chain JUMP01 -> client01 FS01 -> client02 FS01.
  auto chain = find(out, "msp_remote_chain");
  ASSERT_EQ(chain.size(), 1u) << all;
  EXPECT_EQ(chain[0]->level, Level::kCritical);
  EXPECT_EQ(get(*chain[0], "hop1_src_host"), "JUMP01");
  EXPECT_EQ(get(*chain[0], "via_tenant"), "client01");
  EXPECT_EQ(chain[0]->tenant, "client02");

  // Rare artefacts shared by tenants: the service (medium), the C2 domain and the implant hash (high).
  auto rare = find(out, "shared_rare_artifact");
  std::map<std::string, std::vector<const Detection*>> by_value;
  for (const Detection* d : rare) by_value[get(*d, "artifact")].push_back(d);
  ASSERT_EQ(by_value.size(), 3u) << all;
  ASSERT_EQ(by_value["winsvcupd"].size(), 2u);
  EXPECT_EQ(by_value["winsvcupd"][0]->level, Level::kHigh);  // on hosts with high logon analytics
  ASSERT_EQ(by_value["update.evil-dyn.example"].size(), 2u);
  EXPECT_EQ(by_value["update.evil-dyn.example"][0]->level, Level::kHigh);
  EXPECT_EQ(by_value["update.evil-dyn.example"][0]->tenant, "msp");
  EXPECT_EQ(by_value["update.evil-dyn.example"][1]->tenant, "client01");
  ASSERT_EQ(by_value["CC11DD22EE33"].size(), 2u);
  EXPECT_EQ(get(*by_value["CC11DD22EE33"][0], "artifact_kind"), "file_hash");

  // The 1.98 GB push to the jump host: high; the backups stay medium.
  auto tr = find(out, "msp_large_transfer");
  const Detection* exfil = nullptr;
  for (const Detection* d : tr)
    if (get(*d, "msp_ip") == "10.1.0.20") exfil = d;
  ASSERT_NE(exfil, nullptr) << all;
  EXPECT_EQ(exfil->level, Level::kHigh);
  EXPECT_EQ(exfil->tenant, "client01");
  EXPECT_EQ(exfil->host, "FS01");
  EXPECT_EQ(get(*exfil, "msp_host"), "JUMP01");
  EXPECT_EQ(get(*exfil, "bytes"), "1980000000");
  for (const Detection* d : tr)
    if (d != exfil) {
      EXPECT_EQ(d->level, Level::kMedium);
    }

  // Risk: client02 critical, every tenant summarised once, last in the output.
  auto risk = find(out, "tenant_risk");
  ASSERT_EQ(risk.size(), 3u);
  for (const Detection* r : risk) {
    if (r->tenant == "client02") {
      EXPECT_EQ(r->level, Level::kCritical) << get(*r, "score");
    }
    if (r->tenant == "client01") {
      EXPECT_GE(r->level, Level::kHigh) << get(*r, "score");
    }
  }
  EXPECT_EQ(out.back().rule_id, "tenant_risk");
}

TEST(MspAnalyzer, InputOrderDoesNotChangeTheResult) {
  Scenario s;
  s.benign();
  s.attack();
  MspAnalyzer a = make_analyzer(), b = make_analyzer();
  s.L.feed(a);
  s.L.feed(b, /*reverse=*/true);
  std::vector<Detection> oa = a.finish(), ob = b.finish();
  ASSERT_EQ(oa.size(), ob.size());
  for (size_t i = 0; i < oa.size(); ++i) {
    EXPECT_EQ(oa[i].rule_id, ob[i].rule_id);
    EXPECT_EQ(oa[i].time_us, ob[i].time_us);
    EXPECT_EQ(oa[i].tenant, ob[i].tenant);
    EXPECT_EQ(oa[i].host, ob[i].host);
    EXPECT_EQ(oa[i].level, ob[i].level);
  }
}

TEST(MspAnalyzer, ManyTenantsAndHostileInput) {
  MspOptions o;
  o.msp_tenant = "msp";
  o.tenant_map_text = "tenants: {msp: {domains: [MSP], hosts: ['JUMP*']}}";
  o.many_tenants_threshold = 3;
  Result<MspAnalyzer> r = MspAnalyzer::create(o);
  ASSERT_TRUE(r.ok());
  MspAnalyzer a = std::move(r).value();
  Logs L;
  for (int c = 1; c <= 4; ++c) {
    const std::string t = "client0" + std::to_string(c);
    const size_t f = L.file(t, "dc01/Security.jsonl");
    L.logon(f, T(0, 9, c), "DC01." + t + ".local", 3, "MSP", "rmm", "JUMP01", "10.1.0.20");
    // Garbage that must be skipped without harm.
    L.win(f, T(0, 9, 30), "DC01", "Security", 4624, {{"LogonType", "99999999999999"}, {"TargetUserName", "-"}});
    L.add(f, T(0, 9, 31), {{"EventID", "notanumber"}});
    L.add(f, kNoTime, {{"EventID", "4624"}, {"Channel", "Security"}, {"TargetUserName", "x"}});
    L.win(f, T(0, 9, 32), std::string(300, 'A'), "Security", 4624,
          {{"TargetUserName", "u"}, {"TargetDomainName", std::string(5000, 'D')}, {"IpAddress", "999.1.1.1"},
           {"WorkstationName", "\\\\\\\\"}});
  }
  L.feed(a);
  std::vector<Detection> out = a.finish();
  auto many = find(out, "msp_account_many_tenants");
  ASSERT_EQ(many.size(), 1u) << dump(out);
  EXPECT_EQ(get(*many[0], "tenant_count"), "3");
  EXPECT_EQ(many[0]->tenant, "client03");
  EXPECT_TRUE(a.finish().empty());  // finish() is one-shot
}

}  // namespace
}  // namespace trawl

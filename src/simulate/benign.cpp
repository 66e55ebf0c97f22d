// The normal life of an MSP and its clients, one hour at a time: office users, the MSP's remote monitoring and
// administration of its clients, nightly backups to the MSP, Windows updates, short-lived maintenance tasks.
// Several of these look like parts of the intrusion on purpose (remote admin logons from the MSP jump host,
// 7-Zip archives, `net use` to admin shares, large transfers, scheduled tasks deleted after an hour).
#include <algorithm>

#include "core/time.h"
#include "simulate/scenario.h"

namespace trawl::simulate {

namespace {

const std::vector<std::string>& common_domains() {
  static const std::vector<std::string> d = {
      "www.google.com",        "outlook.office365.com",   "login.microsoftonline.com", "teams.microsoft.com",
      "www.bing.com",          "update.googleapis.com",   "clients2.google.com",       "www.linkedin.com",
      "en.wikipedia.org",      "github.com",              "cdn.jsdelivr.net",          "ajax.googleapis.com",
      "www.bbc.co.uk",         "www.reuters.com",         "slack.com",                 "zoom.us",
      "s3.amazonaws.com",      "docs.google.com",         "www.youtube.com",           "accounts.google.com",
      "settings-win.data.microsoft.com", "v10.events.data.microsoft.com", "nexus.officeapps.live.com",
      "onedrive.live.com",     "www.nytimes.com",         "stackoverflow.com"};
  return d;
}
const std::vector<std::string>& http_domains() {
  static const std::vector<std::string> d = {"ocsp.digicert.com", "crl.microsoft.com", "ctldl.windowsupdate.com",
                                             "www.msftconnecttest.com", "ocsp.pki.goog", "crl3.digicert.com"};
  return d;
}

const char* kChromeUa =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/72.0.3626.121 "
    "Safari/537.36";

struct UserApp {
  const char* image;
  const char* args;
  const char* dll;
};
const std::vector<UserApp>& user_apps() {
  static const std::vector<UserApp> a = {
      {"C:\\Program Files (x86)\\Google\\Chrome\\Application\\chrome.exe", " --type=renderer --field-trial-handle=1520",
       "C:\\Windows\\System32\\dwrite.dll"},
      {"C:\\Program Files (x86)\\Google\\Chrome\\Application\\chrome.exe", "", "C:\\Windows\\System32\\winhttp.dll"},
      {"C:\\Program Files\\Microsoft Office\\root\\Office16\\EXCEL.EXE", " /dde", "C:\\Windows\\System32\\oleacc.dll"},
      {"C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE", " /n", "C:\\Windows\\System32\\msi.dll"},
      {"C:\\Windows\\System32\\notepad.exe", "", "C:\\Windows\\System32\\comdlg32.dll"},
      {"C:\\Program Files (x86)\\Adobe\\Acrobat Reader DC\\Reader\\AcroRd32.exe", "", "C:\\Windows\\System32\\uxtheme.dll"},
      {"C:\\Windows\\System32\\cmd.exe", " /c ipconfig /flushdns", "C:\\Windows\\System32\\winbrand.dll"},
  };
  return a;
}

const std::vector<std::string>& common_dlls() {
  static const std::vector<std::string> d = {
      "C:\\Windows\\System32\\ntdll.dll",    "C:\\Windows\\System32\\kernel32.dll", "C:\\Windows\\System32\\KernelBase.dll",
      "C:\\Windows\\System32\\advapi32.dll", "C:\\Windows\\System32\\user32.dll",   "C:\\Windows\\System32\\combase.dll",
      "C:\\Windows\\System32\\crypt32.dll",  "C:\\Windows\\System32\\ws2_32.dll",   "C:\\Windows\\System32\\sechost.dll"};
  return d;
}

class HourScript {
 public:
  HourScript(SimWorld& w, BenignCatalogue& c, int64_t t0, double activity)
      : w_(w), c_(c), r_(w.rng()), t0_(t0), a_(activity) {
    const int64_t day = t0 / 86400000000LL;
    hour_ = int((t0 / 3600000000LL) % 24);
    dow_ = int((day + 4) % 7);  // 0 = Sunday (1970-01-01 was a Thursday)
    business_ = dow_ >= 1 && dow_ <= 5 && hour_ >= 8 && hour_ < 18;
  }

  void run() {
    for (size_t hi = 0; hi < w_.hosts.size(); ++hi) host_hour(int(hi));
    if (business_) msp_admin_hour();
    if (hour_ >= 1 && hour_ < 4) backups_hour();
  }

 private:
  int64_t at(int64_t lo_s = 0, int64_t hi_s = 3599) { return t0_ + r_.range(lo_s * 1000000, hi_s * 1000000 + 999999); }
  int count(double mean) {
    const double m = mean * a_;
    int n = int(m);
    if (r_.unit() < m - n) ++n;
    return n;
  }
  const Tenant& tenant_of(int h) { return w_.tenants[size_t(w_.hosts[size_t(h)].tenant)]; }
  Account system_account(int h) {
    const Host& host = w_.hosts[size_t(h)];
    return Account{tenant_of(h).domain, host.name + "$", "S-1-5-18", false};
  }
  SimProcess system_proc(int h, const std::string& image, const std::string& cmd) {
    return w_.make_process(h, image, cmd, "NT AUTHORITY\\SYSTEM", "S-1-5-18", "0x3e7", "System", nullptr);
  }
  SimProcess user_proc(int h, const Account& u, const std::string& image, const std::string& cmd,
                       const SimProcess* parent, bool elevated = false) {
    return w_.make_process(h, image, cmd, u.qualified(), u.sid, "0x" + hex_upper(stable_hash(u.name, uint64_t(h)) & 0xFFFFFF, 6),
                           elevated ? "High" : "Medium", parent);
  }
  void loads(int64_t t, const SimProcess& p, int n) {
    for (int i = 0; i < n; ++i)
      w_.image_load(t + 1000 * (i + 1), p, r_.pick(common_dlls()), true, "Microsoft Windows");
  }
  // A lookup through the tenant's DC as Zeek and (optionally) Sysmon see it.
  std::string resolve(int64_t t, const SimProcess& p, const std::string& domain, bool sysmon) {
    const Host& h = w_.hosts[size_t(p.host)];
    const Tenant& tn = tenant_of(p.host);
    // Large services answer from several front ends; a host does not talk to one address all day.
    const std::string ip = w_.external_ip(domain, r_.below(4));
    if (sysmon) w_.dns_query(t, p, domain, ip);
    const Host& dc = w_.hosts[size_t(tn.dc)];
    w_.zeek_dns(t, h.tenant, h.ip, w_.ephemeral_port(), dc.ip, domain, ip, double(r_.range(60, 3600)), w_.zeek_uid());
    return ip;
  }
  void outbound(int64_t t, const SimProcess& p, const std::string& domain, int port, uint64_t up, uint64_t down,
                const char* ua = kChromeUa) {
    const Host& h = w_.hosts[size_t(p.host)];
    const std::string ip = resolve(t, p, domain, r_.chance(0.5));
    const int sport = w_.ephemeral_port();
    w_.network_connection(t + 20000, p, h.ip, sport, ip, "-", port);
    ConnSpec c;
    c.orig_h = h.ip;
    c.orig_p = sport;
    c.resp_h = ip;
    c.resp_p = port;
    c.service = port == 443 ? "ssl" : "http";
    c.duration = 0.05 + r_.unit() * 30;
    c.orig_bytes = up;
    c.resp_bytes = down;
    const std::string uid = w_.zeek_uid();
    w_.zeek_conn(t + 20000, h.tenant, c, uid);
    if (port == 80)
      w_.zeek_http(t + 40000, h.tenant, h.ip, sport, ip, 80, "GET", domain,
                   domain.find("ocsp") != std::string::npos ? "/MFEwTzBNMEswSTAJBgUrDgMCGgUABBQ" : "/connecttest.txt",
                   ua, 0, down > 2000 ? 2000 : down, 200, uid);
  }
  void internal_conn(int64_t t, int src, int dst, int port, const char* service, uint64_t up, uint64_t down,
                     double duration) {
    const Host& s = w_.hosts[size_t(src)];
    const Host& d = w_.hosts[size_t(dst)];
    ConnSpec c;
    c.orig_h = s.ip;
    c.orig_p = w_.ephemeral_port();
    c.resp_h = d.ip;
    c.resp_p = port;
    c.service = service;
    c.duration = duration;
    c.orig_bytes = up;
    c.resp_bytes = down;
    c.local_resp = s.tenant == d.tenant;
    const std::string uid = w_.zeek_uid();
    w_.zeek_conn(t, s.tenant, c, uid);
    if (d.tenant != s.tenant) {
      c.local_orig = false;
      c.local_resp = true;
      w_.zeek_conn(t, d.tenant, c, uid);
    }
  }

  void host_hour(int h) {
    const Host& host = w_.hosts[size_t(h)];
    const Tenant& tn = tenant_of(h);
    // Background on every host: service host chatter, Defender signature updates.
    for (int i = count(2.0); i > 0; --i) {
      const int64_t t = at();
      SimProcess p = system_proc(h, "C:\\Windows\\System32\\svchost.exe", "C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s Schedule");
      if (r_.chance(0.5)) {
        p = system_proc(h, "C:\\Windows\\System32\\taskhostw.exe", "taskhostw.exe SYSTEM");
        w_.process_start(t, p);
        loads(t, p, 2);
      }
      outbound(t + 500000, p, r_.chance(0.5) ? "settings-win.data.microsoft.com" : "v10.events.data.microsoft.com",
               443, r_.range(800, 9000), r_.range(400, 6000), "-");
    }
    if (r_.chance(0.3 * a_)) {
      const int64_t t = at();
      SimProcess p = system_proc(h, "C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.1902.2-0\\MpCmdRun.exe",
                                 "\"C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.1902.2-0\\MpCmdRun.exe\" SignatureUpdate -ScheduleJob -RestrictPrivileges");
      w_.process_start(t, p);
      loads(t, p, 3);
      outbound(t + 2000000, p, "definitionupdates.microsoft.com", 443, r_.range(2000, 5000), r_.range(200000, 3000000));
    }
    c_.note("B09", tn.name, host.fqdn, "NT AUTHORITY\\SYSTEM", t0_, t0_ + 3600000000LL - 1);
    // One Windows update run per host per day, at a host-specific hour.
    if (int(stable_hash(host.fqdn) % 24) == hour_) windows_update(h);
    if (host.role == "dc" && business_) dc_hour(h);
    if (host.role == "fileserver" && business_) fileserver_hour(h);
    if (host.user >= 0 && business_) office_hour(h, tn.users[size_t(host.user)]);
    if (host.role == "jump" && business_) jump_hour(h);
  }

  void windows_update(int h) {
    const Host& host = w_.hosts[size_t(h)];
    const int64_t t = at(0, 1800);
    SimProcess wu = system_proc(h, "C:\\Windows\\System32\\wuauclt.exe", "\"C:\\Windows\\system32\\wuauclt.exe\" /RunHandlerComServer");
    w_.service_state(t - 2000000, h, "Windows Update", "wuauserv", true);
    w_.service_state(t + 25000000, h, "Windows Modules Installer", "TrustedInstaller", true);
    w_.process_start(t, wu);
    loads(t, wu, 4);
    SimProcess ti = system_proc(h, "C:\\Windows\\WinSxS\\amd64_microsoft-windows-servicingstack_31bf3856ad364e35_10.0.17763.345_none_e1f3ef3b8f53b96b\\TiWorker.exe",
                                "C:\\Windows\\winsxs\\amd64_microsoft-windows-servicingstack_31bf3856ad364e35_10.0.17763.345_none_e1f3ef3b8f53b96b\\TiWorker.exe -Embedding");
    w_.process_start(t + 30000000, ti);
    loads(t + 30000000, ti, 3);
    const uint64_t size = uint64_t(r_.range(20, 400)) * 1000000;
    outbound(t + 5000000, wu, "download.windowsupdate.com", 443, r_.range(20000, 90000), size);
    outbound(t + 6000000, wu, "ctldl.windowsupdate.com", 80, 400, r_.range(2000, 60000), "Microsoft-CryptoAPI/10.0");
    for (int i = count(4); i > 0; --i)
      w_.file_create(t + 40000000 + i * 1000000, ti,
                     "C:\\Windows\\SoftwareDistribution\\Download\\" + hex_upper(r_.next(), 16) + "\\" +
                         hex_upper(r_.next(), 8) + ".cab");
    w_.service_state(t + 900000000, h, "Windows Modules Installer", "TrustedInstaller", false);
    c_.note("B05", w_.tenants[size_t(host.tenant)].name, host.fqdn, "NT AUTHORITY\\SYSTEM", t, t + 3600000000LL - 1);
  }

  void office_hour(int h, const Account& u) {
    const Host& host = w_.hosts[size_t(h)];
    const Tenant& tn = tenant_of(h);
    const int64_t start = t0_;
    SimProcess shell = user_proc(h, u, "C:\\Windows\\explorer.exe", "C:\\Windows\\Explorer.EXE", nullptr);
    if (hour_ == 8) {
      const int64_t t = at(0, 1200);
      if (r_.chance(0.15)) w_.logon_failed(t - 20000000, h, 2, u, "127.0.0.1", host.name);
      w_.logon(t, h, 2, u, "127.0.0.1", host.name);
      w_.logon(t + 400000, tn.dc, 3, u, host.ip, "");
      SimProcess ui = user_proc(h, u, "C:\\Windows\\System32\\userinit.exe", "C:\\Windows\\system32\\userinit.exe", nullptr);
      ui.parent_image = "C:\\Windows\\System32\\winlogon.exe";
      ui.parent_command_line = "winlogon.exe";
      w_.process_start(t + 2000000, ui);
      w_.process_start(t + 3000000, shell);
      loads(t + 3000000, shell, 4);
      SimProcess ol = user_proc(h, u, "C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE",
                                "\"C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE\" ", &shell);
      w_.process_start(t + 30000000, ol);
      loads(t + 30000000, ol, 4);
      outbound(t + 32000000, ol, "outlook.office365.com", 443, r_.range(5000, 50000), r_.range(50000, 5000000));
      if (tn.fileserver >= 0) {
        w_.logon(t + 40000000, tn.fileserver, 3, u, host.ip, "");
        internal_conn(t + 40000000, h, tn.fileserver, 445, "smb", r_.range(2000, 90000), r_.range(20000, 9000000), 600);
      }
    }
    for (int i = count(10); i > 0; --i) {
      const int64_t t = at();
      const UserApp& app = r_.pick(user_apps());
      SimProcess p = user_proc(h, u, app.image, std::string("\"") + app.image + "\"" + app.args, &shell);
      w_.process_start(t, p);
      loads(t, p, 2);
      w_.image_load(t + 5000, p, app.dll, true, "Microsoft Windows");
      if (r_.chance(0.4))
        w_.file_create(t + 3000000, p,
                       "C:\\Users\\" + u.name + (r_.chance(0.5) ? "\\Downloads\\" : "\\Documents\\") + "report_" +
                           std::to_string(r_.range(1, 999)) + (r_.chance(0.5) ? ".xlsx" : ".pdf"));
    }
    SimProcess browser = user_proc(h, u, "C:\\Program Files (x86)\\Google\\Chrome\\Application\\chrome.exe",
                                   "\"C:\\Program Files (x86)\\Google\\Chrome\\Application\\chrome.exe\" ", &shell);
    for (int i = count(18); i > 0; --i)
      outbound(at(), browser, r_.pick(common_domains()), 443, r_.range(500, 20000), r_.range(2000, 900000));
    for (int i = count(2); i > 0; --i)
      outbound(at(), browser, r_.pick(http_domains()), 80, r_.range(300, 600), r_.range(500, 3000), "Microsoft-CryptoAPI/10.0");
    c_.note("B01", tn.name, host.fqdn, u.qualified(), start, start + 3600000000LL - 1);
  }

  void dc_hour(int h) {
    const Tenant& tn = tenant_of(h);
    // Kerberos service-ticket logons from every machine of the tenant.
    for (int i = count(6); i > 0; --i) {
      const int src = tn.hosts[size_t(r_.below(tn.hosts.size()))];
      Account machine = system_account(src);
      machine.sid = tn.domain_sid + "-" + std::to_string(1000 + src);
      w_.logon(at(), h, 3, machine, w_.hosts[size_t(src)].ip, "");
    }
  }

  void fileserver_hour(int h) {
    const Tenant& tn = tenant_of(h);
    for (int i = count(3); i > 0; --i) {
      const Account& u = tn.users[size_t(r_.below(tn.users.size()))];
      if (u.admin) continue;
      const int src = tn.hosts[size_t(r_.below(tn.hosts.size()))];
      const int64_t t = at();
      w_.logon(t, h, 3, u, w_.hosts[size_t(src)].ip, "");
      if (src != h) internal_conn(t, src, h, 445, "smb", r_.range(1000, 50000), r_.range(10000, 4000000), r_.unit() * 300);
    }
  }

  void jump_hour(int h) {
    const Host& host = w_.hosts[size_t(h)];
    const Tenant& tn = tenant_of(h);
    if (hour_ == 8) {
      for (int a = 0; a < 2; ++a) {
        const int64_t t = at(600, 2400);
        const Host& from = w_.hosts[size_t(tn.hosts[size_t(3 + a < int(tn.hosts.size()) ? 3 + a : 3)])];
        w_.logon(t, h, 10, tn.users[size_t(a)], from.ip, from.name);
        c_.note("B03", tn.name, host.fqdn, tn.users[size_t(a)].qualified(), t, t + 60000000);
      }
    }
    // Admins verify installer downloads on the jump host.
    if (r_.chance(0.1 * a_)) {
      const Account& admin = tn.users[size_t(r_.below(2))];
      const int64_t t = at();
      SimProcess shell = user_proc(h, admin, "C:\\Windows\\explorer.exe", "C:\\Windows\\Explorer.EXE", nullptr, true);
      SimProcess cu = user_proc(h, admin, "C:\\Windows\\System32\\certutil.exe",
                                "certutil.exe -hashfile C:\\Users\\" + admin.name + "\\Downloads\\SimRMM-setup-9.4.2.msi SHA256",
                                &shell, true);
      w_.process_start(t, cu);
      loads(t, cu, 2);
      c_.note("B08", tn.name, host.fqdn, admin.qualified(), t, t + 1000000);
    }
  }

  // The MSP's remote monitoring and administration of its clients, from its jump host.
  void msp_admin_hour() {
    const Tenant& msp = w_.tenants[size_t(w_.msp)];
    int jump = -1;
    for (int h : msp.hosts)
      if (w_.hosts[size_t(h)].role == "jump") jump = h;
    if (jump < 0) return;
    const Host& jh = w_.hosts[size_t(jump)];
    const Account& rmm = msp.users[2];
    for (size_t ti = 1; ti < w_.tenants.size(); ++ti) {
      const Tenant& tn = w_.tenants[ti];
      // RMM health checks: a network logon and a few commands on each server.
      for (int h : tn.hosts) {
        if (!w_.hosts[size_t(h)].is_server() && !r_.chance(0.3)) continue;
        const Host& target = w_.hosts[size_t(h)];
        const int64_t t = at(0, 3000);
        w_.logon(t, h, 3, rmm, jh.ip, jh.name, "NTLM");
        internal_conn(t, jump, h, 445, "smb,dce_rpc", r_.range(3000, 20000), r_.range(3000, 40000), 2 + r_.unit() * 10);
        SimProcess agent = system_proc(h, "C:\\Program Files\\SimRMM\\rmmagent.exe", "\"C:\\Program Files\\SimRMM\\rmmagent.exe\" --check health");
        w_.process_start(t + 2000000, agent);
        SimProcess cmd = system_proc(h, "C:\\Windows\\System32\\cmd.exe", "cmd.exe /c ipconfig /all");
        cmd.parent_guid = agent.guid;
        cmd.parent_pid = agent.pid;
        cmd.parent_image = agent.image;
        cmd.parent_command_line = agent.command_line;
        w_.process_start(t + 3000000, cmd);
        if (r_.chance(0.5)) {
          SimProcess ps = system_proc(h, "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
                                      "powershell.exe -NoProfile -Command \"Get-Service | Where-Object {$_.Status -eq 'Stopped'}\"");
          ps.parent_guid = agent.guid;
          ps.parent_pid = agent.pid;
          ps.parent_image = agent.image;
          ps.parent_command_line = agent.command_line;
          w_.process_start(t + 4000000, ps);
          loads(t + 4000000, ps, 3);
        }
        // Checks run all business hours: note the hour, not the few seconds, so the key stays small.
        c_.note("B02", tn.name, target.fqdn, rmm.qualified(), t0_, t0_ + 3600000000LL - 1);
        c_.note("B02", msp.name, jh.fqdn, rmm.qualified(), t0_, t0_ + 3600000000LL - 1);
      }
      // An MSP admin's interactive session on a client server, some hours.
      if (r_.chance(0.25 * a_)) {
        const Account& admin = msp.users[r_.below(2)];
        const int target_h = r_.chance(0.5) && tn.fileserver >= 0 ? tn.fileserver : tn.dc;
        const Host& target = w_.hosts[size_t(target_h)];
        const int64_t t = at(0, 2400);
        SimProcess mstsc = user_proc(jump, admin, "C:\\Windows\\System32\\mstsc.exe", "\"C:\\Windows\\system32\\mstsc.exe\" /v:" + target.fqdn, nullptr, true);
        w_.process_start(t, mstsc);
        w_.network_connection(t + 500000, mstsc, jh.ip, w_.ephemeral_port(), target.ip, target.fqdn, 3389);
        internal_conn(t + 500000, jump, target_h, 3389, "ssl", r_.range(200000, 3000000), r_.range(2000000, 30000000), 600 + r_.unit() * 1200);
        w_.logon(t + 3000000, target_h, 10, admin, jh.ip, jh.name);
        SimProcess shell = user_proc(target_h, admin, "C:\\Windows\\explorer.exe", "C:\\Windows\\Explorer.EXE", nullptr, true);
        w_.process_start(t + 6000000, shell);
        SimProcess mmc = user_proc(target_h, admin, "C:\\Windows\\System32\\mmc.exe", "\"C:\\Windows\\system32\\mmc.exe\" \"C:\\Windows\\system32\\eventvwr.msc\" ", &shell, true);
        w_.process_start(t + 60000000, mmc);
        loads(t + 60000000, mmc, 3);
        // Implicit-credential admin share mapping (no /user:), and log archiving with a genuine 7-Zip.
        SimProcess cmd = user_proc(target_h, admin, "C:\\Windows\\System32\\cmd.exe", "\"C:\\Windows\\system32\\cmd.exe\" ", &shell, true);
        w_.process_start(t + 120000000, cmd);
        const Host& other = w_.hosts[size_t(tn.dc == target_h ? (tn.fileserver >= 0 ? tn.fileserver : tn.dc) : tn.dc)];
        SimProcess net = user_proc(target_h, admin, "C:\\Windows\\System32\\net.exe", "net  use \\\\" + other.name + "\\c$", &cmd, true);
        w_.process_start(t + 150000000, net);
        SimProcess zip = user_proc(target_h, admin, "C:\\Program Files\\7-Zip\\7z.exe",
                                   "\"C:\\Program Files\\7-Zip\\7z.exe\" a -t7z D:\\Support\\eventlogs_" + tn.name + ".7z C:\\Windows\\System32\\winevt\\Logs\\Application.evtx",
                                   &cmd, true);
        w_.process_start(t + 200000000, zip);
        w_.file_create(t + 203000000, zip, "D:\\Support\\eventlogs_" + tn.name + ".7z");
        c_.note("B03", tn.name, target.fqdn, admin.qualified(), t, t + 210000000);
        c_.note("B03", msp.name, jh.fqdn, admin.qualified(), t, t + 210000000);
      }
      // Patch scans: a task registered for the run and removed an hour or two later.
      if (hour_ == 10 && r_.chance(0.5)) {
        const int target_h = tn.hosts[size_t(r_.below(tn.hosts.size()))];
        const Host& target = w_.hosts[size_t(target_h)];
        const int64_t t = at(0, 1200);
        const std::string task = "\\SimRMM\\PatchScan-" + format_time_us(t).substr(0, 10);
        w_.task_created(t, target_h, rmm, task, "\"C:\\Program Files\\SimRMM\\rmmagent.exe\" --patch-scan");
        const int64_t del = t + r_.range(60, 150) * 60000000LL;
        w_.task_deleted(del, target_h, rmm, task);
        c_.note("B06", tn.name, target.fqdn, rmm.qualified(), t, del);
      }
      // Agent upgrades re-register the RMM service, Mondays at 11.
      if (dow_ == 1 && hour_ == 11) {
        const int target_h = tn.hosts[size_t(r_.below(tn.hosts.size()))];
        const Host& target = w_.hosts[size_t(target_h)];
        const int64_t t = at(0, 1800);
        w_.logon(t, target_h, 3, rmm, jh.ip, jh.name, "NTLM");
        w_.service_installed(t + 4000000, target_h, "SimRMMAgent", "\"C:\\Program Files\\SimRMM\\rmmagent.exe\" --service",
                             "LocalSystem", rmm.sid);
        c_.note("B07", tn.name, target.fqdn, rmm.qualified(), t, t + 5000000);
      }
    }
  }

  // Nightly backups: the MSP's backup server pulls each client's file server; gigabytes, every night.
  void backups_hour() {
    const Tenant& msp = w_.tenants[size_t(w_.msp)];
    int bkp = -1;
    for (int h : msp.hosts)
      if (w_.hosts[size_t(h)].role == "backup") bkp = h;
    if (bkp < 0) return;
    const Host& bh = w_.hosts[size_t(bkp)];
    const Account& svc = msp.users[3];
    for (size_t ti = 1; ti < w_.tenants.size(); ++ti) {
      const Tenant& tn = w_.tenants[ti];
      if (tn.fileserver < 0 || int(ti % 3) != hour_ - 1) continue;  // spread the clients over 01:00-03:59
      const Host& fs = w_.hosts[size_t(tn.fileserver)];
      const int64_t t = at(0, 900);
      w_.logon(t, tn.fileserver, 3, svc, bh.ip, bh.name, "NTLM");
      SimProcess agent = system_proc(tn.fileserver, "C:\\Program Files\\SimBackup\\bkagent.exe",
                                     "\"C:\\Program Files\\SimBackup\\bkagent.exe\" --job nightly --target " + bh.fqdn);
      w_.process_start(t + 3000000, agent);
      loads(t + 3000000, agent, 3);
      const int port = w_.ephemeral_port();
      w_.network_connection(t + 4000000, agent, fs.ip, port, bh.ip, bh.fqdn, 10000);
      ConnSpec c;
      c.orig_h = fs.ip;
      c.orig_p = port;
      c.resp_h = bh.ip;
      c.resp_p = 10000;
      c.duration = 1200 + r_.unit() * 1500;
      c.orig_bytes = uint64_t(r_.range(800, 6000)) * 1000000;
      c.resp_bytes = uint64_t(r_.range(200, 900)) * 1000;
      const std::string uid = w_.zeek_uid();
      w_.zeek_conn(t + 4000000, int(ti), c, uid);
      c.local_orig = false;
      c.local_resp = true;
      w_.zeek_conn(t + 4000000, w_.msp, c, uid);
      const int64_t end = t + 4000000 + int64_t(c.duration * 1e6);
      c_.note("B04", tn.name, fs.fqdn, svc.qualified(), t, end);
      c_.note("B04", msp.name, bh.fqdn, svc.qualified(), t, end);
    }
  }

  SimWorld& w_;
  BenignCatalogue& c_;
  SimRandom& r_;
  int64_t t0_;
  double a_;
  int hour_ = 0, dow_ = 0;
  bool business_ = false;
};

}  // namespace

BenignCatalogue::BenignCatalogue() {
  auto add = [&](const char* id, const char* name, const char* description, std::vector<std::string> looks_like) {
    BenignActivity a;
    a.id = id;
    a.name = name;
    a.description = description;
    a.looks_like = std::move(looks_like);
    index_[a.id] = list_.size();
    list_.push_back(std::move(a));
  };
  add("B01", "office_user_activity",
      "Office users log on in the morning, run Office, Chrome and Acrobat, browse common sites and map the file server.",
      {});
  add("B02", "msp_rmm_health_checks",
      "The MSP's RMM service account (MSP\\svc_rmm) logs on from the MSP jump host to client servers every business "
      "hour (type 3, NTLM) and runs ipconfig / Get-Service through the RMM agent.",
      {"attack.t1021.002", "attack.t1078"});
  add("B03", "msp_admin_remote_sessions",
      "MSP admins RDP (type 10) from the jump host into client servers, open Event Viewer, map an admin share with "
      "their own logon (no /user:) and archive event logs with a genuine 7-Zip from Program Files.",
      {"attack.t1021.001", "attack.t1560.001"});
  add("B04", "nightly_backups",
      "The MSP backup server (BKP01, MSP\\svc_backup) pulls each client's file server every night: gigabytes from "
      "the client to the MSP over 10000/tcp.",
      {"attack.t1048", "attack.t1020"});
  add("B05", "windows_update",
      "Windows Update on every host once a day: wuauclt, TiWorker, hundreds of megabytes downloaded from "
      "download.windowsupdate.com, cab files written.",
      {});
  add("B06", "rmm_patch_scan_tasks",
      "The RMM registers a one-off scheduled task for a patch scan and deletes it 60-150 minutes later.",
      {"attack.t1053.005"});
  add("B07", "rmm_agent_service_reinstall",
      "Weekly RMM agent upgrade re-registers its service (System 7045) from Program Files.", {"attack.t1543.003"});
  add("B08", "admin_certutil_hashfile",
      "Admins verify installer downloads with certutil -hashfile on the jump host.", {"attack.t1140"});
  add("B09", "windows_background_services",
      "Every host, all day: service hosts and task hosts sending telemetry to Microsoft (settings-win / "
      "v10.events.data.microsoft.com) about twice an hour, Defender signature updates a few times a day; "
      "recurring HTTPS to the same services from every host.",
      {"attack.t1071.001"});
}

void BenignCatalogue::note(const std::string& id, const std::string& tenant, const std::string& host,
                           const std::string& account, int64_t start, int64_t end) {
  auto it = index_.find(id);
  if (it == index_.end()) return;
  BenignActivity& a = list_[it->second];
  a.tenants.insert(tenant);
  a.hosts.insert(host);
  a.accounts.insert(account);
  // Activities arrive roughly in time order; merge with the last window when they overlap or touch.
  if (!a.windows.empty() && start <= a.windows.back().end + 60000000LL && start >= a.windows.back().start) {
    a.windows.back().end = std::max(a.windows.back().end, end);
    return;
  }
  a.windows.push_back(ActivityWindow{start, end});
}

void generate_benign_hour(SimWorld& w, BenignCatalogue& catalogue, int64_t hour_start, double activity) {
  HourScript(w, catalogue, hour_start, activity).run();
}

}  // namespace trawl::simulate

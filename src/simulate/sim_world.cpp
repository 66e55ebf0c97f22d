// SimWorld: the simulated tenants and hosts, the emitters that turn activities into Windows/Sysmon/Zeek records,
// and the hour-by-hour sort-render-write of those records into buffered files.
#include "simulate/sim_world.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "core/text.h"
#include "core/time.h"

namespace trawl::simulate {

namespace {

constexpr size_t kFlushBytes = 256 * 1024;

// Builds the inside of a JSON object ("a":1,"b":"x") in the order fields are added.
class JsonFields {
 public:
  JsonFields& str(std::string_view k, std::string_view v) {
    key(k);
    append_json_string(s_, v);
    return *this;
  }
  JsonFields& num(std::string_view k, int64_t v) {
    key(k);
    s_ += std::to_string(v);
    return *this;
  }
  JsonFields& boolean(std::string_view k, bool v) {
    key(k);
    s_ += v ? "true" : "false";
    return *this;
  }
  JsonFields& null(std::string_view k) {
    key(k);
    s_ += "null";
    return *this;
  }
  // Empty text renders as null, as evtx_dump renders an empty <Data/> element.
  JsonFields& str_or_null(std::string_view k, std::string_view v) { return v.empty() ? null(k) : str(k, v); }
  std::string take() { return std::move(s_); }

 private:
  void key(std::string_view k) {
    if (!s_.empty()) s_ += ',';
    s_ += '"';
    s_.append(k);
    s_ += "\":";
  }
  std::string s_;
};

std::string lower_hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string base_name(std::string_view path) {
  size_t p = path.find_last_of("\\/");
  return std::string(p == std::string_view::npos ? path : path.substr(p + 1));
}

struct ImageInfo {
  const char* original;
  const char* description;
  const char* product;
  const char* company;
  const char* version;
};

// Version-info resources of the executables the simulation runs, by lower-case file name.
const std::map<std::string, ImageInfo>& image_catalogue() {
  static const std::map<std::string, ImageInfo> m = {
      {"cmd.exe", {"Cmd.Exe", "Windows Command Processor", "Microsoft® Windows® Operating System", "Microsoft Corporation", "10.0.17763.1 (WinBuild.160101.0800)"}},
      {"powershell.exe", {"PowerShell.EXE", "Windows PowerShell", "Microsoft® Windows® Operating System", "Microsoft Corporation", "10.0.17763.1 (WinBuild.160101.0800)"}},
      {"explorer.exe", {"EXPLORER.EXE", "Windows Explorer", "Microsoft® Windows® Operating System", "Microsoft Corporation", "10.0.17763.348 (WinBuild.160101.0800)"}},
      {"userinit.exe", {"USERINIT.EXE", "Userinit Logon Application", "Microsoft® Windows® Operating System", "Microsoft Corporation", "10.0.17763.1 (WinBuild.160101.0800)"}},
      {"svchost.exe", {"svchost.exe", "Host Process for Windows Services", "Microsoft® Windows® Operating System", "Microsoft Corporation", "10.0.17763.1 (WinBuild.160101.0800)"}},
      {"taskhostw.exe", {"taskhostw.exe", "Host Process for Windows Tasks", "Microsoft® Windows® Operating System", "Microsoft Corporation", "10.0.17763.1 (WinBuild.160101.0800)"}},
      {"services.exe", {"services.exe", "Services and Controller app", "Microsoft® Windows® Operating System", "Microsoft Corporation", "10.0.17763.1 (WinBuild.160101.0800)"}},
      {"lsass.exe", {"lsass.exe", "Local Security Authority Process", "Microsoft® Windows® Operating System", "Microsoft Corporation", "10.0.17763.1 (WinBuild.160101.0800)"}},
      {"net.exe", {"net.exe", "Net Command", "Microsoft® Windows® Operating System", "Microsoft Corporation", "10.0.17763.1 (WinBuild.160101.0800)"}},
      {"net1.exe", {"net1.exe", "Net Command", "Microsoft® Windows® Operating System", "Microsoft Corporation", "10.0.17763.1 (WinBuild.160101.0800)"}},
      {"ipconfig.exe", {"ipconfig.exe", "IP Configuration Utility", "Microsoft® Windows® Operating System", "Microsoft Corporation", "10.0.17763.1 (WinBuild.160101.0800)"}},
      {"whoami.exe", {"whoami.exe", "whoami - displays logged on user information", "Microsoft® Windows® Operating System", "Microsoft Corporation", "10.0.17763.1 (WinBuild.160101.0800)"}},
      {"nltest.exe", {"nltestrk.exe", "Microsoft® Logon Server Test Utility", "Microsoft® Windows® Operating System", "Microsoft Corporation", "10.0.17763.1 (WinBuild.160101.0800)"}},
      {"tasklist.exe", {"tasklist.exe", "Lists the current running tasks", "Microsoft® Windows® Operating System", "Microsoft Corporation", "10.0.17763.1 (WinBuild.160101.0800)"}},
      {"schtasks.exe", {"schtasks.exe", "Task Scheduler Configuration Tool", "Microsoft® Windows® Operating System", "Microsoft Corporation", "10.0.17763.1 (WinBuild.160101.0800)"}},
      {"certutil.exe", {"CertUtil.exe", "CertUtil.exe", "Microsoft® Windows® Operating System", "Microsoft Corporation", "10.0.17763.1 (WinBuild.160101.0800)"}},
      {"mstsc.exe", {"mstsc.exe", "Remote Desktop Connection", "Microsoft® Windows® Operating System", "Microsoft Corporation", "10.0.17763.1 (WinBuild.160101.0800)"}},
      {"mmc.exe", {"mmc.exe", "Microsoft Management Console", "Microsoft® Windows® Operating System", "Microsoft Corporation", "10.0.17763.1 (WinBuild.160101.0800)"}},
      {"eventvwr.exe", {"eventvwr.exe", "Event Viewer Snapin Launcher", "Microsoft® Windows® Operating System", "Microsoft Corporation", "10.0.17763.1 (WinBuild.160101.0800)"}},
      {"notepad.exe", {"NOTEPAD.EXE", "Notepad", "Microsoft® Windows® Operating System", "Microsoft Corporation", "10.0.17763.348 (WinBuild.160101.0800)"}},
      {"rdpclip.exe", {"rdpclip.exe", "RDP Clipboard Monitor", "Microsoft® Windows® Operating System", "Microsoft Corporation", "10.0.17763.1 (WinBuild.160101.0800)"}},
      {"wuauclt.exe", {"wuauclt.exe", "Windows Update", "Microsoft® Windows® Operating System", "Microsoft Corporation", "10.0.17763.1 (WinBuild.160101.0800)"}},
      {"trustedinstaller.exe", {"TrustedInstaller.exe", "Windows Modules Installer", "Microsoft® Windows® Operating System", "Microsoft Corporation", "10.0.17763.1 (WinBuild.160101.0800)"}},
      {"tiworker.exe", {"TiWorker.exe", "Windows Modules Installer Worker", "Microsoft® Windows® Operating System", "Microsoft Corporation", "10.0.17763.348 (WinBuild.160101.0800)"}},
      {"msmpeng.exe", {"MsMpEng.exe", "Antimalware Service Executable", "Microsoft® Windows® Operating System", "Microsoft Corporation", "4.18.1902.2"}},
      {"mpcmdrun.exe", {"MpCmdRun.exe", "Microsoft Malware Protection Command Line Utility", "Microsoft® Windows® Operating System", "Microsoft Corporation", "4.18.1902.2"}},
      {"outlook.exe", {"Outlook.exe", "Microsoft Outlook", "Microsoft Office", "Microsoft Corporation", "16.0.11328.20158"}},
      {"winword.exe", {"WinWord.exe", "Microsoft Word", "Microsoft Office", "Microsoft Corporation", "16.0.11328.20158"}},
      {"excel.exe", {"Excel.exe", "Microsoft Excel", "Microsoft Office", "Microsoft Corporation", "16.0.11328.20158"}},
      {"teams.exe", {"Teams.exe", "Microsoft Teams", "Microsoft Teams", "Microsoft Corporation", "1.2.0.3608"}},
      {"onedrive.exe", {"OneDrive.exe", "Microsoft OneDrive", "Microsoft OneDrive", "Microsoft Corporation", "19.012.0121.0011"}},
      {"chrome.exe", {"chrome.exe", "Google Chrome", "Google Chrome", "Google LLC", "72.0.3626.121"}},
      {"acrord32.exe", {"AcroRd32.exe", "Adobe Acrobat Reader DC", "Adobe Acrobat Reader DC", "Adobe Systems Incorporated", "19.10.20098.2574"}},
      {"7z.exe", {"7z.exe", "7-Zip Console", "7-Zip", "Igor Pavlov", "18.06"}},
      {"rar.exe", {"Rar.exe", "Command line RAR", "WinRAR", "Alexander Roshal", "5.61.0"}},
      {"rmmagent.exe", {"rmmagent.exe", "Remote Monitoring Agent (simulated)", "SimRMM", "SimRMM Ltd", "9.4.2.0"}},
      {"bkagent.exe", {"bkagent.exe", "Backup Agent (simulated)", "SimBackup", "SimBackup Inc", "11.2.0.5"}},
      {"mc.exe", {"Mc.exe", "McAfee Common Framework", "McAfee Common Framework", "McAfee, Inc.", "4.5.0.1810"}},
      {"sqlservr.exe", {"sqlservr.exe", "SQL Server Windows NT - 64 Bit", "Microsoft SQL Server", "Microsoft Corporation", "2017.140.3048.4"}},
      {"dfsrs.exe", {"dfsrs.exe", "Distributed File System Replication", "Microsoft® Windows® Operating System", "Microsoft Corporation", "10.0.17763.1 (WinBuild.160101.0800)"}},
  };
  return m;
}

const char* sysmon_version(uint16_t id) {
  switch (id) {
    case 1: case 3: case 22: return "5";
    case 7: case 10: return "3";
    case 11: return "2";
    default: return "2";
  }
}

}  // namespace

std::string hex_upper(uint64_t v, int digits) {
  static const char* k = "0123456789ABCDEF";
  std::string s(static_cast<size_t>(digits), '0');
  for (int i = digits - 1; i >= 0; --i) {
    s[static_cast<size_t>(i)] = k[v & 15];
    v >>= 4;
  }
  return s;
}

static std::string hex_digits(uint64_t seed, int n) {
  std::string s;
  s.reserve(static_cast<size_t>(n));
  uint64_t st = seed;
  while (static_cast<int>(s.size()) < n) s += hex_upper(splitmix64(st), 16);
  s.resize(static_cast<size_t>(n));
  return s;
}

std::string sim_hashes(const std::string& key, bool with_sha1) {
  const std::string k = to_lower(base_name(key));
  std::string out;
  if (with_sha1) out += "SHA1=" + hex_digits(stable_hash(k, 1), 40) + ",";
  out += "MD5=" + hex_digits(stable_hash(k, 2), 32);
  out += ",SHA256=" + hex_digits(stable_hash(k, 3), 64);
  out += ",IMPHASH=" + hex_digits(stable_hash(k, 4), 32);
  return out;
}

std::string sysmon_utc(int64_t t) {
  std::string s = format_time_us(t);  // 2019-03-19T23:35:40.123456Z
  s[10] = ' ';
  s.resize(23);
  return s;
}

// ----- world -----

void SimWorld::build(int clients, int hosts_per_tenant) {
  static const std::vector<std::string> first = {"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi",
                                                 "ivan", "judy", "mallory", "niaj", "olivia", "peggy", "rupert",
                                                 "sybil", "trent", "victor", "walter", "yuki", "zoe", "kenji",
                                                 "priya", "li", "omar", "fatima", "lars", "ines"};
  static const std::vector<std::string> last = {"ng", "smith", "khan", "tanaka", "muller", "rossi", "garcia",
                                                "dubois", "kim", "silva", "novak", "berg", "okafor", "chen"};
  auto sid_base = [&]() {
    return "S-1-5-21-" + std::to_string(rng_.range(1000000000, 3999999999)) + "-" +
           std::to_string(rng_.range(1000000000, 3999999999)) + "-" +
           std::to_string(rng_.range(1000000000, 3999999999));
  };
  for (int ti = 0; ti <= clients; ++ti) {
    Tenant t;
    if (ti == 0) {
      t.name = "msp";
    } else {
      char b[32];
      std::snprintf(b, sizeof b, "client%02d", ti);
      t.name = b;
    }
    t.domain = to_lower(t.name);
    for (auto& c : t.domain) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    t.dns = t.name + ".local";
    t.net = ti == 0 ? "10.1.0." : "10." + std::to_string(20 + ti) + ".1.";
    t.domain_sid = sid_base();
    uint64_t rid = 1104;
    auto add_user = [&](const std::string& name, bool admin) {
      t.users.push_back(Account{t.domain, name, t.domain_sid + "-" + std::to_string(rid++), admin});
    };
    if (ti == 0) {
      add_user("admin.jdoe", true);
      add_user("admin.asmith", true);
      add_user("svc_rmm", true);
      add_user("svc_backup", true);
    } else {
      add_user("it.admin", true);
    }
    for (int u = 0; u < hosts_per_tenant; ++u) add_user(rng_.pick(first) + "." + rng_.pick(last), false);
    // Names must be unique in a domain.
    for (size_t a = 0; a < t.users.size(); ++a)
      for (size_t b = a + 1; b < t.users.size(); ++b)
        if (t.users[b].name == t.users[a].name) t.users[b].name += std::to_string(b);
    int office = ti == 0 ? 4 : 1;  // index of the first office user
    for (int hi = 0; hi < hosts_per_tenant; ++hi) {
      Host h;
      h.tenant = ti;
      if (ti == 0) {
        static const char* msp_names[] = {"DC01", "JUMP01", "BKP01", "ADM01", "ADM02"};
        static const char* msp_roles[] = {"dc", "jump", "backup", "admin", "admin"};
        if (hi < 5) {
          h.name = msp_names[hi];
          h.role = msp_roles[hi];
        } else {
          char b[32];
          std::snprintf(b, sizeof b, "WS%02d", hi - 4);
          h.name = b;
          h.role = "workstation";
        }
        if (hi == 3) h.user = 0;
        if (hi == 4) h.user = 1;
      } else if (hi == 0) {
        h.name = "DC01";
        h.role = "dc";
      } else if (hi == 1) {
        h.name = "FS01";
        h.role = "fileserver";
      } else {
        char b[32];
        std::snprintf(b, sizeof b, "WS%02d", hi - 1);
        h.name = b;
        h.role = "workstation";
      }
      if (h.role == "workstation") h.user = office++;
      h.fqdn = h.name + "." + t.dns;
      h.dir = to_lower(h.name);
      h.ip = t.net + std::to_string(10 + hi);
      h.sysmon_pid = static_cast<uint32_t>(rng_.range(1500, 3500) & ~3);
      h.lsass_pid = static_cast<uint32_t>(rng_.range(560, 720) & ~3);
      h.services_pid = static_cast<uint32_t>(h.lsass_pid - 12);
      h.scm_pid = h.services_pid;
      h.guid_prefix = rng_.next() & 0xFFFFFFFFULL;
      const int idx = static_cast<int>(hosts.size());
      const std::string base = t.name + "/" + h.dir + "/";
      h.files[0] = add_file(base + "Security.jsonl");
      h.files[1] = add_file(base + "System.jsonl");
      h.files[2] = add_file(base + "Sysmon.jsonl");
      for (int l = 0; l < 3; ++l) {
        files_[static_cast<size_t>(h.files[l])].host = idx;
        files_[static_cast<size_t>(h.files[l])].log = static_cast<WinLog>(l);
        files_[static_cast<size_t>(h.files[l])].next_record = static_cast<uint64_t>(rng_.range(1000, 90000));
      }
      if (h.role == "dc") t.dc = idx;
      if (h.role == "fileserver") t.fileserver = idx;
      t.hosts.push_back(idx);
      hosts.push_back(std::move(h));
    }
    t.zeek_dir = "zeek";
    static const char* zeek_names[] = {"conn.log", "dns.log", "http.log"};
    for (int l = 0; l < 3; ++l) {
      t.zeek_files[l] = add_file(t.name + "/zeek/" + zeek_names[l]);
      files_[static_cast<size_t>(t.zeek_files[l])].tenant = ti;
      files_[static_cast<size_t>(t.zeek_files[l])].zeek = static_cast<ZeekLog>(l);
    }
    tenants.push_back(std::move(t));
  }
}

const Host* SimWorld::host_by_ip(const std::string& ip) const {
  for (const Host& h : hosts)
    if (h.ip == ip) return &h;
  return nullptr;
}

std::string SimWorld::external_ip(const std::string& domain, uint64_t variant) const {
  static const char* prefixes[] = {"13.107", "20.190", "40.126", "52.96", "104.16", "142.250",
                                   "151.101", "172.217", "23.55", "204.79", "52.114", "35.186"};
  uint64_t h = stable_hash(to_lower(domain), 77 + (variant & 3));
  return std::string(prefixes[h % 12]) + "." + std::to_string((h >> 8) % 254 + 1) + "." +
         std::to_string((h >> 16) % 253 + 2);
}

int SimWorld::begin_evidence(std::vector<std::pair<std::string, std::string>> key_fields) {
  Evidence e;
  e.fields = std::move(key_fields);
  evidence.push_back(std::move(e));
  current_evidence = static_cast<int>(evidence.size()) - 1;
  return current_evidence;
}

int SimWorld::add_file(std::string rel) {
  OutputFile f;
  f.rel_path = std::move(rel);
  files_.push_back(std::move(f));
  return static_cast<int>(files_.size()) - 1;
}

// ----- Windows emitters -----

void SimWorld::push_win(int64_t t, int host, WinLog log, uint16_t event_id, std::string data, std::string user_sid) {
  PendingWin p;
  p.t = t;
  p.seq = seq_++;
  p.file = hosts[static_cast<size_t>(host)].files[static_cast<int>(log)];
  p.evidence = current_evidence;
  p.event_id = event_id;
  p.user_sid = std::move(user_sid);
  p.data = std::move(data);
  win_.push_back(std::move(p));
}

SimProcess SimWorld::make_process(int host, const std::string& image, const std::string& command_line,
                                  const std::string& user, const std::string& user_sid,
                                  const std::string& logon_id, const std::string& integrity,
                                  const SimProcess* parent) {
  const Host& h = hosts[static_cast<size_t>(host)];
  SimProcess p;
  p.host = host;
  p.guid = hex_upper(h.guid_prefix, 8) + "-" + hex_upper(rng_.below(0x10000), 4) + "-" +
           hex_upper(rng_.below(0x10000), 4) + "-" + hex_upper(rng_.below(0x10000), 4) + "-" +
           hex_upper(rng_.below(0x1000000), 12);
  p.pid = static_cast<uint32_t>(rng_.range(1000, 12000) & ~3);
  p.image = image;
  p.command_line = command_line;
  const size_t slash = image.find_last_of('\\');
  p.current_dir = slash == std::string::npos ? "C:\\Windows\\system32\\" : image.substr(0, slash + 1);
  p.user = user;
  p.user_sid = user_sid;
  p.logon_id = logon_id;
  p.integrity = integrity;
  auto it = image_catalogue().find(to_lower(base_name(image)));
  if (it != image_catalogue().end()) {
    p.original_file_name = it->second.original;
    p.description = it->second.description;
    p.product = it->second.product;
    p.company = it->second.company;
    p.file_version = it->second.version;
  } else {
    p.original_file_name = "-";
    p.description = "-";
    p.product = "-";
    p.company = "-";
    p.file_version = "-";
  }
  if (parent) {
    p.parent_guid = parent->guid;
    p.parent_pid = parent->pid;
    p.parent_image = parent->image;
    p.parent_command_line = parent->command_line;
  } else {
    p.parent_guid = hex_upper(h.guid_prefix, 8) + "-0001-0000-0010-000000000000";
    p.parent_pid = h.services_pid;
    p.parent_image = "C:\\Windows\\System32\\services.exe";
    p.parent_command_line = "C:\\Windows\\system32\\services.exe";
  }
  return p;
}

void SimWorld::process_start(int64_t t, const SimProcess& p, const std::string& hashes_of) {
  const Host& h = hosts[static_cast<size_t>(p.host)];
  const std::string logon_guid = hex_upper(h.guid_prefix, 8) + "-" + hex_upper(stable_hash(p.logon_id), 4) +
                                 "-0000-0000-" + hex_upper(stable_hash(p.logon_id, 9), 12);
  JsonFields s;
  s.str("RuleName", "-")
      .str("UtcTime", sysmon_utc(t))
      .str("ProcessGuid", p.guid)
      .num("ProcessId", p.pid)
      .str("Image", p.image)
      .str("FileVersion", p.file_version)
      .str("Description", p.description)
      .str("Product", p.product)
      .str("Company", p.company)
      .str("OriginalFileName", p.original_file_name)
      .str("CommandLine", p.command_line)
      .str("CurrentDirectory", p.current_dir)
      .str("User", p.user)
      .str("LogonGuid", logon_guid)
      .str("LogonId", p.logon_id)
      .num("TerminalSessionId", p.integrity == "System" ? 0 : 1)
      .str("IntegrityLevel", p.integrity)
      .str("Hashes", sim_hashes(hashes_of.empty() ? p.image : hashes_of))
      .str("ParentProcessGuid", p.parent_guid)
      .num("ParentProcessId", p.parent_pid)
      .str("ParentImage", p.parent_image)
      .str("ParentCommandLine", p.parent_command_line);
  push_win(t, p.host, WinLog::kSysmon, 1, s.take(), "S-1-5-18");

  // Security 4688 (version 2) for the same process creation.
  std::string dom = "NT AUTHORITY", name = "SYSTEM";
  if (size_t bs = p.user.find('\\'); bs != std::string::npos) {
    dom = p.user.substr(0, bs);
    name = p.user.substr(bs + 1);
  }
  const bool system = p.integrity == "System";
  JsonFields q;
  q.str("SubjectUserSid", p.user_sid)
      .str("SubjectUserName", system ? h.name + "$" : name)
      .str("SubjectDomainName", system ? tenants[static_cast<size_t>(h.tenant)].domain : dom)
      .str("SubjectLogonId", p.logon_id)
      .str("NewProcessId", lower_hex(p.pid))
      .str("NewProcessName", p.image)
      .str("TokenElevationType", p.integrity == "Medium" ? "%%1938" : "%%1936")
      .str("ProcessId", lower_hex(p.parent_pid))
      .str("CommandLine", p.command_line)
      .str("TargetUserSid", "S-1-0-0")
      .str("TargetUserName", "-")
      .str("TargetDomainName", "-")
      .str("TargetLogonId", "0x0")
      .str("ParentProcessName", p.parent_image)
      .str("MandatoryLabel", system ? "S-1-16-16384" : p.integrity == "High" ? "S-1-16-12288" : "S-1-16-8192");
  const int saved = current_evidence;
  current_evidence = secondary_evidence;
  push_win(t + 200, p.host, WinLog::kSecurity, 4688, q.take());
  current_evidence = saved;
}

void SimWorld::logon(int64_t t, int host, int logon_type, const Account& who, const std::string& src_ip,
                     const std::string& src_workstation, const std::string& auth) {
  const Host& h = hosts[static_cast<size_t>(host)];
  const bool network = logon_type == 3;
  const std::string package = !auth.empty() ? auth : (network ? "Kerberos" : "Negotiate");
  const uint64_t logon_id = rng_.range(0x100000, 0x7fffffff);
  JsonFields s;
  s.str("SubjectUserSid", network ? "S-1-0-0" : "S-1-5-18")
      .str("SubjectUserName", network ? "-" : h.name + "$")
      .str("SubjectDomainName", network ? "-" : tenants[static_cast<size_t>(h.tenant)].domain)
      .str("SubjectLogonId", network ? "0x0" : "0x3e7")
      .str("TargetUserSid", who.sid)
      .str("TargetUserName", who.name)
      .str("TargetDomainName", who.domain)
      .str("TargetLogonId", lower_hex(logon_id))
      .num("LogonType", logon_type)
      .str("LogonProcessName", network ? (package == "NTLM" ? "NtLmSsp " : "Kerberos") : "User32 ")
      .str("AuthenticationPackageName", package)
      .str_or_null("WorkstationName", src_workstation)
      .str("LogonGuid", "{" + hex_upper(rng_.next() & 0xFFFFFFFF, 8) + "-" + hex_upper(rng_.below(0x10000), 4) +
                            "-" + hex_upper(rng_.below(0x10000), 4) + "-" + hex_upper(rng_.below(0x10000), 4) +
                            "-" + hex_upper(rng_.next() & 0xFFFFFFFFFFFFULL, 12) + "}")
      .str("TransmittedServices", "-")
      .str("LmPackageName", package == "NTLM" ? "NTLM V2" : "-")
      .num("KeyLength", package == "NTLM" ? 128 : 0)
      .str("ProcessId", network ? "0x0" : lower_hex(h.lsass_pid + 88))
      .str("ProcessName", network ? "-" : "C:\\Windows\\System32\\svchost.exe")
      .str("IpAddress", src_ip.empty() ? "-" : src_ip)
      .str("IpPort", src_ip.empty() || src_ip == "127.0.0.1" ? "0" : std::to_string(ephemeral_port()))
      .str("ImpersonationLevel", "%%1833")
      .str("RestrictedAdminMode", logon_type == 10 ? "%%1843" : "-")
      .str("TargetOutboundUserName", "-")
      .str("TargetOutboundDomainName", "-")
      .str("VirtualAccount", "%%1843")
      .str("TargetLinkedLogonId", "0x0")
      .str("ElevatedToken", who.admin ? "%%1842" : "%%1843");
  push_win(t, host, WinLog::kSecurity, 4624, s.take());
  if (who.admin) {
    const int saved = current_evidence;
    current_evidence = secondary_evidence;
    special_privileges(t + 15, host, who);
    current_evidence = saved;
  }
}

void SimWorld::logon_failed(int64_t t, int host, int logon_type, const Account& who, const std::string& src_ip,
                            const std::string& src_workstation) {
  const Host& h = hosts[static_cast<size_t>(host)];
  JsonFields s;
  s.str("SubjectUserSid", "S-1-5-18")
      .str("SubjectUserName", h.name + "$")
      .str("SubjectDomainName", tenants[static_cast<size_t>(h.tenant)].domain)
      .str("SubjectLogonId", "0x3e7")
      .str("TargetUserSid", "S-1-0-0")
      .str("TargetUserName", who.name)
      .str("TargetDomainName", who.domain)
      .str("Status", "0xc000006d")
      .str("FailureReason", "%%2313")
      .str("SubStatus", "0xc000006a")
      .num("LogonType", logon_type)
      .str("LogonProcessName", "User32 ")
      .str("AuthenticationPackageName", "Negotiate")
      .str_or_null("WorkstationName", src_workstation)
      .str("TransmittedServices", "-")
      .str("LmPackageName", "-")
      .num("KeyLength", 0)
      .str("ProcessId", lower_hex(h.lsass_pid + 88))
      .str("ProcessName", "C:\\Windows\\System32\\svchost.exe")
      .str("IpAddress", src_ip.empty() ? "-" : src_ip)
      .str("IpPort", "0");
  push_win(t, host, WinLog::kSecurity, 4625, s.take());
}

void SimWorld::explicit_credentials(int64_t t, int host, const SimProcess& p, const Account& subject,
                                    const Account& target, const std::string& target_server,
                                    const std::string& target_ip) {
  JsonFields s;
  s.str("SubjectUserSid", subject.sid)
      .str("SubjectUserName", subject.name)
      .str("SubjectDomainName", subject.domain)
      .str("SubjectLogonId", p.logon_id)
      .str("LogonGuid", "{00000000-0000-0000-0000-000000000000}")
      .str("TargetUserName", target.name)
      .str("TargetDomainName", target.domain)
      .str("TargetLogonGuid", "{00000000-0000-0000-0000-000000000000}")
      .str("TargetServerName", target_server)
      .str("TargetInfo", target_server)
      .str("ProcessId", lower_hex(p.pid))
      .str("ProcessName", p.image)
      .str("IpAddress", target_ip)
      .str("IpPort", "445");
  push_win(t, host, WinLog::kSecurity, 4648, s.take());
}

void SimWorld::special_privileges(int64_t t, int host, const Account& who) {
  JsonFields s;
  s.str("SubjectUserSid", who.sid)
      .str("SubjectUserName", who.name)
      .str("SubjectDomainName", who.domain)
      .str("SubjectLogonId", lower_hex(rng_.range(0x100000, 0x7fffffff)))
      .str("PrivilegeList",
           "SeSecurityPrivilege\r\n\t\t\tSeBackupPrivilege\r\n\t\t\tSeRestorePrivilege\r\n\t\t\t"
           "SeTakeOwnershipPrivilege\r\n\t\t\tSeDebugPrivilege\r\n\t\t\tSeSystemEnvironmentPrivilege\r\n\t\t\t"
           "SeLoadDriverPrivilege\r\n\t\t\tSeImpersonatePrivilege\r\n\t\t\tSeDelegateSessionUserImpersonatePrivilege");
  push_win(t, host, WinLog::kSecurity, 4672, s.take());
}

void SimWorld::image_load(int64_t t, const SimProcess& p, const std::string& dll, bool signed_ok,
                          const std::string& signature, const std::string& company) {
  auto it = image_catalogue().find(to_lower(base_name(dll)));
  JsonFields s;
  s.str("RuleName", "-")
      .str("UtcTime", sysmon_utc(t))
      .str("ProcessGuid", p.guid)
      .num("ProcessId", p.pid)
      .str("Image", p.image)
      .str("ImageLoaded", dll)
      .str("FileVersion", it != image_catalogue().end() ? it->second.version : (signed_ok ? "10.0.17763.1 (WinBuild.160101.0800)" : "-"))
      .str("Description", signed_ok ? base_name(dll) : "-")
      .str("Product", signed_ok ? "Microsoft® Windows® Operating System" : "-")
      .str("Company", signed_ok ? company : "-")
      .str("OriginalFileName", signed_ok ? base_name(dll) : "-")
      .str("Hashes", sim_hashes(dll))
      .str("Signed", signed_ok ? "true" : "false")
      .str("Signature", signed_ok ? signature : "-")
      .str("SignatureStatus", signed_ok ? "Valid" : "Unavailable");
  push_win(t, p.host, WinLog::kSysmon, 7, s.take(), "S-1-5-18");
}

void SimWorld::network_connection(int64_t t, const SimProcess& p, const std::string& src_ip, int src_port,
                                  const std::string& dst_ip, const std::string& dst_host, int dst_port) {
  const Host& h = hosts[static_cast<size_t>(p.host)];
  const char* port_name = dst_port == 443 ? "https" : dst_port == 80 ? "http" : dst_port == 445 ? "microsoft-ds"
                          : dst_port == 3389 ? "ms-wbt-server" : dst_port == 53 ? "domain" : "-";
  JsonFields s;
  s.str("RuleName", "-")
      .str("UtcTime", sysmon_utc(t))
      .str("ProcessGuid", p.guid)
      .num("ProcessId", p.pid)
      .str("Image", p.image)
      .str("User", p.user)
      .str("Protocol", "tcp")
      .boolean("Initiated", true)
      .boolean("SourceIsIpv6", false)
      .str("SourceIp", src_ip)
      .str("SourceHostname", h.fqdn)
      .num("SourcePort", src_port)
      .str("SourcePortName", "-")
      .boolean("DestinationIsIpv6", false)
      .str("DestinationIp", dst_ip)
      .str("DestinationHostname", dst_host.empty() ? "-" : dst_host)
      .num("DestinationPort", dst_port)
      .str("DestinationPortName", port_name);
  push_win(t, p.host, WinLog::kSysmon, 3, s.take(), "S-1-5-18");
}

void SimWorld::dns_query(int64_t t, const SimProcess& p, const std::string& query, const std::string& results) {
  JsonFields s;
  s.str("RuleName", "-")
      .str("UtcTime", sysmon_utc(t))
      .str("ProcessGuid", p.guid)
      .num("ProcessId", p.pid)
      .str("QueryName", query)
      .str("QueryStatus", "0")
      .str("QueryResults", "::ffff:" + results + ";")
      .str("Image", p.image)
      .str("User", p.user);
  push_win(t, p.host, WinLog::kSysmon, 22, s.take(), "S-1-5-18");
}

void SimWorld::file_create(int64_t t, const SimProcess& p, const std::string& target) {
  JsonFields s;
  s.str("RuleName", "-")
      .str("UtcTime", sysmon_utc(t))
      .str("ProcessGuid", p.guid)
      .num("ProcessId", p.pid)
      .str("Image", p.image)
      .str("TargetFilename", target)
      .str("CreationUtcTime", sysmon_utc(t))
      .str("User", p.user);
  push_win(t, p.host, WinLog::kSysmon, 11, s.take(), "S-1-5-18");
}

void SimWorld::process_access(int64_t t, const SimProcess& src, const SimProcess& target, const std::string& access) {
  JsonFields s;
  s.str("RuleName", "-")
      .str("UtcTime", sysmon_utc(t))
      .str("SourceProcessGUID", src.guid)
      .num("SourceProcessId", src.pid)
      .num("SourceThreadId", static_cast<int64_t>(rng_.range(1000, 9000)))
      .str("SourceImage", src.image)
      .str("TargetProcessGUID", target.guid)
      .num("TargetProcessId", target.pid)
      .str("TargetImage", target.image)
      .str("GrantedAccess", access)
      .str("CallTrace",
           "C:\\Windows\\SYSTEM32\\ntdll.dll+9fc24|C:\\Windows\\System32\\KERNELBASE.dll+2160d|UNKNOWN(00000000004A1C5E)")
      .str("SourceUser", src.user)
      .str("TargetUser", "NT AUTHORITY\\SYSTEM");
  push_win(t, src.host, WinLog::kSysmon, 10, s.take(), "S-1-5-18");
}

void SimWorld::service_installed(int64_t t, int host, const std::string& name, const std::string& image_path,
                                 const std::string& account, const std::string& installer_sid) {
  JsonFields s;
  s.str("ServiceName", name)
      .str("ImagePath", image_path)
      .str("ServiceType", "user mode service")
      .str("StartType", "demand start")
      .str("AccountName", account);
  push_win(t, host, WinLog::kSystem, 7045, s.take(), installer_sid);
}

void SimWorld::service_state(int64_t t, int host, const std::string& display_name, const std::string& key_name,
                             bool running) {
  // Binary holds the service key name as UTF-16LE hex followed by "/" and the state digit, as SCM writes it.
  std::string binary;
  const std::string tail = key_name + (running ? "/4" : "/1");
  for (unsigned char c : tail) binary += hex_upper(c, 2) + "00";
  binary += "0000";  // UTF-16 terminator
  JsonFields s;
  s.str("param1", display_name).str("param2", running ? "running" : "stopped").str("Binary", binary);
  push_win(t, host, WinLog::kSystem, 7036, s.take());
}

void SimWorld::task_created(int64_t t, int host, const Account& who, const std::string& task,
                            const std::string& command) {
  std::string exe = command, args;
  if (size_t sp = command.find(' '); sp != std::string::npos) {
    exe = command.substr(0, sp);
    args = command.substr(sp + 1);
  }
  std::string content =
      "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\r\n<Task version=\"1.2\" "
      "xmlns=\"http://schemas.microsoft.com/windows/2004/02/mit/task\">\r\n  <RegistrationInfo>\r\n    <Date>" +
      format_time_us(t).substr(0, 19) + "</Date>\r\n    <Author>" + who.qualified() + "</Author>\r\n    <URI>" +
      task + "</URI>\r\n  </RegistrationInfo>\r\n  <Principals>\r\n    <Principal id=\"Author\">\r\n      "
      "<UserId>S-1-5-18</UserId>\r\n      <RunLevel>HighestAvailable</RunLevel>\r\n    </Principal>\r\n  "
      "</Principals>\r\n  <Actions Context=\"Author\">\r\n    <Exec>\r\n      <Command>" + exe +
      "</Command>\r\n" + (args.empty() ? "" : "      <Arguments>" + args + "</Arguments>\r\n") +
      "    </Exec>\r\n  </Actions>\r\n</Task>";
  JsonFields s;
  s.str("SubjectUserSid", who.sid)
      .str("SubjectUserName", who.name)
      .str("SubjectDomainName", who.domain)
      .str("SubjectLogonId", lower_hex(rng_.range(0x100000, 0x7fffffff)))
      .str("TaskName", task)
      .str("TaskContent", content);
  push_win(t, host, WinLog::kSecurity, 4698, s.take());
}

void SimWorld::task_deleted(int64_t t, int host, const Account& who, const std::string& task) {
  JsonFields s;
  s.str("SubjectUserSid", who.sid)
      .str("SubjectUserName", who.name)
      .str("SubjectDomainName", who.domain)
      .str("SubjectLogonId", lower_hex(rng_.range(0x100000, 0x7fffffff)))
      .str("TaskName", task)
      .null("TaskContent");
  push_win(t, host, WinLog::kSecurity, 4699, s.take());
}

// ----- Zeek emitters -----

std::string SimWorld::zeek_uid() {
  static const char* k = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::string s = "C";
  for (int i = 0; i < 17; ++i) s += k[rng_.below(62)];
  return s;
}

void SimWorld::push_zeek(int64_t t, int tenant, ZeekLog log, std::string row) {
  PendingZeek z;
  z.t = t;
  z.seq = seq_++;
  z.file = tenants[static_cast<size_t>(tenant)].zeek_files[static_cast<int>(log)];
  z.evidence = current_evidence;
  z.row = std::move(row);
  zeek_.push_back(std::move(z));
}

void SimWorld::zeek_conn(int64_t t, int tenant, const ConnSpec& c, const std::string& uid) {
  const uint64_t opk = c.orig_bytes / 1400 + 3, rpk = c.resp_bytes / 1400 + 2;
  char buf[512];
  std::snprintf(buf, sizeof buf, "%s\t%s\t%d\t%s\t%d\t%s\t%s\t%.6f\t%llu\t%llu\t%s\t%s\t%s\t0\t%s\t%llu\t%llu\t%llu\t%llu\t(empty)",
                uid.c_str(), c.orig_h.c_str(), c.orig_p, c.resp_h.c_str(), c.resp_p, c.proto.c_str(),
                c.service.c_str(), c.duration, static_cast<unsigned long long>(c.orig_bytes),
                static_cast<unsigned long long>(c.resp_bytes), c.conn_state.c_str(), c.local_orig ? "T" : "F",
                c.local_resp ? "T" : "F", c.conn_state == "SF" ? "ShADadFf" : "ShADad",
                static_cast<unsigned long long>(opk), static_cast<unsigned long long>(c.orig_bytes + opk * 40),
                static_cast<unsigned long long>(rpk), static_cast<unsigned long long>(c.resp_bytes + rpk * 40));
  push_zeek(t, tenant, ZeekLog::kConn, buf);
}

void SimWorld::zeek_dns(int64_t t, int tenant, const std::string& orig, int orig_p, const std::string& resp,
                        const std::string& query, const std::string& answer, double ttl, const std::string& uid) {
  char buf[768];
  std::snprintf(buf, sizeof buf, "%s\t%s\t%d\t%s\t53\tudp\t%llu\t%.6f\t%s\t1\tC_INTERNET\t1\tA\t0\tNOERROR\tF\tF\tT\tT\t0\t%s\t%.6f\tF",
                uid.c_str(), orig.c_str(), orig_p, resp.c_str(), static_cast<unsigned long long>(rng_.below(65536)),
                0.001 + rng_.unit() * 0.05, query.c_str(), answer.c_str(), ttl);
  push_zeek(t, tenant, ZeekLog::kDns, buf);
}

void SimWorld::zeek_http(int64_t t, int tenant, const std::string& orig, int orig_p, const std::string& resp,
                         int resp_p, const std::string& method, const std::string& host, const std::string& uri,
                         const std::string& user_agent, uint64_t req_len, uint64_t resp_len, int status,
                         const std::string& uid) {
  std::string row = uid + "\t" + orig + "\t" + std::to_string(orig_p) + "\t" + resp + "\t" + std::to_string(resp_p) +
                    "\t1\t" + method + "\t" + host + "\t" + uri + "\t-\t1.1\t" + user_agent + "\t" +
                    std::to_string(req_len) + "\t" + std::to_string(resp_len) + "\t" + std::to_string(status) + "\t" +
                    (status == 200 ? "OK" : status == 304 ? "Not Modified" : "Not Found") +
                    "\t-\t-\t(empty)\t-\t-\t-\t-\t-\t-\t" + "F" + zeek_uid().substr(1) +
                    "\t-\t" + (resp_len > 0 ? "text/html" : "-");
  push_zeek(t, tenant, ZeekLog::kHttp, std::move(row));
}

// ----- output -----

void SimWorld::render_win(const PendingWin& p, std::string& out) {
  OutputFile& f = files_[static_cast<size_t>(p.file)];
  const Host& h = hosts[static_cast<size_t>(f.host)];
  const uint64_t record = f.next_record++;
  uint64_t ts = p.seq * 0x9E3779B97F4A7C15ULL;
  const uint64_t thread = (splitmix64(ts) % 7000 + 200) & ~3ULL;
  out += "{\"Event\":{\"System\":{\"Provider\":{\"#attributes\":{";
  uint32_t exec_pid = h.lsass_pid;
  switch (f.log) {
    case WinLog::kSecurity:
      out += "\"Name\":\"Microsoft-Windows-Security-Auditing\",\"Guid\":\"54849625-5478-4994-A5BA-3E3B0328C30D\"}},";
      out += "\"EventID\":" + std::to_string(p.event_id);
      out += p.event_id == 4624 || p.event_id == 4688 ? ",\"Version\":2" : ",\"Version\":0";
      out += ",\"Level\":0,\"Task\":";
      out += p.event_id == 4672 ? "12548" : p.event_id == 4688 ? "13312" : (p.event_id == 4698 || p.event_id == 4699) ? "12804" : "12544";
      out += ",\"Opcode\":0,\"Keywords\":";
      out += p.event_id == 4625 ? "\"0x8010000000000000\"" : "\"0x8020000000000000\"";
      break;
    case WinLog::kSystem:
      out += "\"Name\":\"Service Control Manager\",\"Guid\":\"555908D1-A6D7-4695-8E1E-26931D2012F4\","
             "\"EventSourceName\":\"Service Control Manager\"}},";
      out += "\"EventID\":" + std::to_string(p.event_id);
      out += ",\"Version\":0,\"Level\":4,\"Task\":0,\"Opcode\":0,\"Keywords\":\"0x8080000000000000\"";
      exec_pid = h.services_pid;
      break;
    case WinLog::kSysmon:
      out += "\"Name\":\"Microsoft-Windows-Sysmon\",\"Guid\":\"5770385F-C22A-43E0-BF4C-06F5698FFBD9\"}},";
      out += "\"EventID\":" + std::to_string(p.event_id);
      out += ",\"Version\":";
      out += sysmon_version(p.event_id);
      out += ",\"Level\":4,\"Task\":" + std::to_string(p.event_id);
      out += ",\"Opcode\":0,\"Keywords\":\"0x8000000000000000\"";
      exec_pid = h.sysmon_pid;
      break;
  }
  out += ",\"TimeCreated\":{\"#attributes\":{\"SystemTime\":\"";
  append_time_us(out, p.t);
  out += "\"}},\"EventRecordID\":" + std::to_string(record);
  out += ",\"Correlation\":null,\"Execution\":{\"#attributes\":{\"ProcessID\":" + std::to_string(exec_pid) +
         ",\"ThreadID\":" + std::to_string(thread) + "}},\"Channel\":";
  out += f.log == WinLog::kSecurity ? "\"Security\"" : f.log == WinLog::kSystem ? "\"System\""
                                                                                : "\"Microsoft-Windows-Sysmon/Operational\"";
  out += ",\"Computer\":";
  append_json_string(out, h.fqdn);
  if (p.user_sid.empty()) {
    out += ",\"Security\":null}";
  } else {
    out += ",\"Security\":{\"#attributes\":{\"UserID\":\"" + p.user_sid + "\"}}}";
  }
  out += ",\"EventData\":{";
  out += p.data;
  out += "}}}\n";
  if (p.evidence >= 0) {
    Evidence& e = evidence[static_cast<size_t>(p.evidence)];
    if (e.count == 0) {
      e.record_id = record;
      e.first = p.t;
      e.file = f.rel_path;
      e.event_id = p.event_id;
      e.source = f.log == WinLog::kSecurity ? "Security" : f.log == WinLog::kSystem ? "System"
                                                                                  : "Microsoft-Windows-Sysmon/Operational";
    }
    e.last = std::max(e.last, p.t);
    ++e.count;
  }
}

static const char* zeek_header_fields(ZeekLog l) {
  switch (l) {
    case ZeekLog::kConn:
      return "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\t"
             "resp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\t"
             "resp_pkts\tresp_ip_bytes\ttunnel_parents\n"
             "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\t"
             "bool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]\n";
    case ZeekLog::kDns:
      return "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\ttrans_id\trtt\tquery\tqclass\t"
             "qclass_name\tqtype\tqtype_name\trcode\trcode_name\tAA\tTC\tRD\tRA\tZ\tanswers\tTTLs\trejected\n"
             "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tcount\tinterval\tstring\tcount\tstring\tcount\t"
             "string\tcount\tstring\tbool\tbool\tbool\tbool\tcount\tvector[string]\tvector[interval]\tbool\n";
    case ZeekLog::kHttp:
      return "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\ttrans_depth\tmethod\thost\turi\t"
             "referrer\tversion\tuser_agent\trequest_body_len\tresponse_body_len\tstatus_code\tstatus_msg\t"
             "info_code\tinfo_msg\ttags\tusername\tpassword\tproxied\torig_fuids\torig_filenames\torig_mime_types\t"
             "resp_fuids\tresp_filenames\tresp_mime_types\n"
             "#types\ttime\tstring\taddr\tport\taddr\tport\tcount\tstring\tstring\tstring\tstring\tstring\tstring\t"
             "count\tcount\tcount\tstring\tcount\tstring\tset[enum]\tstring\tstring\tset[string]\tvector[string]\t"
             "vector[string]\tvector[string]\tvector[string]\tvector[string]\tvector[string]\n";
  }
  return "";
}

static std::string zeek_stamp(int64_t us) {
  std::string s = format_time_us(us);  // 2019-03-01T00:00:00.000000Z
  std::string r = s.substr(0, 10) + "-" + s.substr(11, 2) + "-" + s.substr(14, 2) + "-" + s.substr(17, 2);
  return r;
}

void SimWorld::write_file(OutputFile& f, bool force) {
  if (f.buffer.empty() && f.created) return;
  if (!force && f.buffer.size() < kFlushBytes) return;
  const std::filesystem::path path = std::filesystem::path(out_dir_) / f.rel_path;
  if (!f.created) {
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
  }
  FILE* fp = std::fopen(path.c_str(), f.created ? "ab" : "wb");
  if (!fp) {
    if (io_error.empty()) io_error = "cannot write " + path.string() + ": " + std::strerror(errno);
    f.buffer.clear();
    return;
  }
  if (!f.buffer.empty() && std::fwrite(f.buffer.data(), 1, f.buffer.size(), fp) != f.buffer.size() &&
      io_error.empty())
    io_error = "short write to " + path.string();
  if (std::fclose(fp) != 0 && io_error.empty()) io_error = "cannot close " + path.string();
  f.created = true;
  f.buffer.clear();
}

uint64_t SimWorld::flush_until(int64_t until_us) {
  const uint64_t before = bytes_;
  auto split_win = std::partition(win_.begin(), win_.end(), [&](const PendingWin& p) { return p.t < until_us; });
  std::vector<PendingWin> now(std::make_move_iterator(win_.begin()), std::make_move_iterator(split_win));
  win_.erase(win_.begin(), split_win);
  std::sort(now.begin(), now.end(), [](const PendingWin& a, const PendingWin& b) {
    if (a.file != b.file) return a.file < b.file;
    if (a.t != b.t) return a.t < b.t;
    return a.seq < b.seq;
  });
  for (const PendingWin& p : now) {
    OutputFile& f = files_[static_cast<size_t>(p.file)];
    const size_t n = f.buffer.size();
    render_win(p, f.buffer);
    f.bytes += f.buffer.size() - n;
    bytes_ += f.buffer.size() - n;
    ++win_count_;
    write_file(f, false);
  }
  auto split_z = std::partition(zeek_.begin(), zeek_.end(), [&](const PendingZeek& p) { return p.t < until_us; });
  std::vector<PendingZeek> znow(std::make_move_iterator(zeek_.begin()), std::make_move_iterator(split_z));
  zeek_.erase(zeek_.begin(), split_z);
  std::sort(znow.begin(), znow.end(), [](const PendingZeek& a, const PendingZeek& b) {
    if (a.file != b.file) return a.file < b.file;
    if (a.t != b.t) return a.t < b.t;
    return a.seq < b.seq;
  });
  for (const PendingZeek& z : znow) {
    OutputFile& f = files_[static_cast<size_t>(z.file)];
    const size_t n = f.buffer.size();
    if (!f.created && f.next_record == 1 && f.buffer.empty()) {
      static const char* names[] = {"conn", "dns", "http"};
      f.buffer += "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\t";
      f.buffer += names[static_cast<int>(f.zeek)];
      f.buffer += "\n#open\t" + zeek_stamp(open_time_us) + "\n";
      f.buffer += zeek_header_fields(f.zeek);
    }
    char ts[40];
    std::snprintf(ts, sizeof ts, "%lld.%06lld\t", static_cast<long long>(z.t / 1000000),
                  static_cast<long long>(z.t % 1000000));
    f.buffer += ts;
    f.buffer += z.row;
    f.buffer += '\n';
    const uint64_t row = f.next_record++;
    if (z.evidence >= 0) {
      Evidence& e = evidence[static_cast<size_t>(z.evidence)];
      if (e.count == 0) {
        e.record_id = row;
        e.first = z.t;
        e.file = f.rel_path;
        static const char* names[] = {"conn", "dns", "http"};
        e.source = names[static_cast<int>(f.zeek)];
      }
      e.last = std::max(e.last, z.t);
      ++e.count;
    }
    f.bytes += f.buffer.size() - n;
    bytes_ += f.buffer.size() - n;
    ++zeek_count_;
    write_file(f, false);
  }
  return bytes_ - before;
}

void SimWorld::finish(int64_t end_us) {
  win_.clear();
  zeek_.clear();
  for (OutputFile& f : files_) {
    if (f.tenant >= 0) {
      if (!f.created && f.buffer.empty()) {
        static const char* names[] = {"conn", "dns", "http"};
        f.buffer += "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\t";
        f.buffer += names[static_cast<int>(f.zeek)];
        f.buffer += "\n#open\t" + zeek_stamp(open_time_us) + "\n";
        f.buffer += zeek_header_fields(f.zeek);
      }
      const size_t n = f.buffer.size();
      f.buffer += "#close\t" + zeek_stamp(end_us) + "\n";
      f.bytes += f.buffer.size() - n;
      bytes_ += f.buffer.size() - n;
    }
    write_file(f, true);
  }
}

}  // namespace trawl::simulate

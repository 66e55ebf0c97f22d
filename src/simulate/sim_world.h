// Internal to src/simulate: the simulated world (tenants, hosts, accounts), the pending-event queue and the
// SimWorld emitters that turn one activity (a logon, a process start, a DNS lookup, a connection) into the
// events real Windows / Sysmon / Zeek would log for it. Benign activity (benign.cpp) and the intrusion
// (intrusion.cpp) only call these emitters; rendering to evtx_dump JSON and Zeek TSV and the buffered file
// output live in sim_world.cpp. Single-threaded; owned by one simulate() call.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "simulate/sim_random.h"

namespace trawl::simulate {

enum class WinLog : uint8_t { kSecurity = 0, kSystem = 1, kSysmon = 2 };
enum class ZeekLog : uint8_t { kConn = 0, kDns = 1, kHttp = 2 };

struct Account {
  std::string domain;  // NetBIOS domain, "CLIENT01"
  std::string name;    // "alice.ng", "svc_rmm"
  std::string sid;
  bool admin = false;
  std::string qualified() const { return domain + "\\" + name; }
};

struct Host {
  int tenant = 0;
  std::string name;  // "FS01"
  std::string fqdn;  // "FS01.client01.local"
  std::string dir;   // "fs01"
  std::string ip;
  std::string role;  // "dc", "fileserver", "workstation", "jump", "admin", "backup"
  int user = -1;     // index in the tenant's users of the workstation's owner
  int files[3] = {-1, -1, -1};  // OutputFile index per WinLog
  uint32_t sysmon_pid = 0, lsass_pid = 0, services_pid = 0, scm_pid = 0;
  uint64_t guid_prefix = 0;  // first 8 hex digits of this host's Sysmon process GUIDs
  bool is_server() const { return role == "dc" || role == "fileserver" || role == "jump" || role == "backup"; }
};

struct Tenant {
  std::string name;    // "msp", "client01"
  std::string domain;  // "MSP", "CLIENT01"
  std::string dns;     // "msp.local"
  std::string net;     // "10.1.0." (hosts get .10 .. )
  std::string domain_sid;
  std::vector<int> hosts;  // indices in SimWorld::hosts
  std::vector<Account> users;
  int dc = -1, fileserver = -1;
  int zeek_files[3] = {-1, -1, -1};
  std::string zeek_dir;  // "zeek"
};

// A process as Sysmon sees it: enough to render event 1 and to be the parent/subject of later events.
struct SimProcess {
  int host = -1;
  std::string guid;
  uint32_t pid = 0;
  std::string image;
  std::string command_line;
  std::string current_dir;
  std::string user;  // "CLIENT01\alice.ng" or "NT AUTHORITY\SYSTEM"
  std::string user_sid;
  std::string logon_id;  // "0x3e7"
  std::string integrity;  // "Medium", "High", "System"
  std::string original_file_name, description, product, company, file_version;
  std::string parent_guid, parent_image, parent_command_line;
  uint32_t parent_pid = 0;
};

// One Windows event waiting for its hour to be sorted and rendered. `data` is the rendered EventData object body.
struct PendingWin {
  int64_t t = 0;
  uint64_t seq = 0;
  int file = -1;
  int evidence = -1;
  uint16_t event_id = 0;
  std::string user_sid;  // System/Security/UserID ("" renders "Security":null)
  std::string data;
};

struct PendingZeek {
  int64_t t = 0;
  uint64_t seq = 0;
  int file = -1;
  int evidence = -1;
  std::string row;  // the columns after ts, tab-separated, no newline
};

// What one intrusion step left in the logs; aggregated when an activity repeats (beacons).
struct Evidence {
  std::string file;      // relative to out_dir
  std::string source;    // channel ("Security", "Microsoft-Windows-Sysmon/Operational") or Zeek log ("conn")
  int event_id = 0;      // 0 for Zeek rows
  uint64_t record_id = 0;  // EventRecordID of the first event (Windows), 1-based data row of the first (Zeek)
  int64_t first = 0, last = 0;
  uint64_t count = 0;
  std::vector<std::pair<std::string, std::string>> fields;  // key field values every counted event carries
};

struct OutputFile {
  std::string rel_path;
  std::string buffer;
  bool created = false;
  uint64_t bytes = 0;
  uint64_t next_record = 1;  // EventRecordID (Windows) or data row number (Zeek)
  int host = -1;             // Windows logs
  WinLog log = WinLog::kSecurity;
  int tenant = -1;           // Zeek logs
  ZeekLog zeek = ZeekLog::kConn;
};

struct ConnSpec {
  std::string orig_h, resp_h;
  int orig_p = 0, resp_p = 0;
  std::string proto = "tcp", service = "-";
  double duration = 0.1;
  uint64_t orig_bytes = 0, resp_bytes = 0;
  std::string conn_state = "SF";
  bool local_orig = true, local_resp = false;
};

class SimWorld {
 public:
  SimWorld(std::string out_dir, uint64_t seed) : out_dir_(std::move(out_dir)), rng_(seed) {}

  // ----- the world -----
  std::vector<Tenant> tenants;
  std::vector<Host> hosts;
  int msp = 0;  // tenant index of the MSP
  SimRandom& rng() { return rng_; }
  void build(int clients, int hosts_per_tenant);
  const Host* host_by_ip(const std::string& ip) const;
  // Stable public-looking address for a domain; `variant` (0..3) picks one of its CDN front ends.
  std::string external_ip(const std::string& domain, uint64_t variant = 0) const;

  // ----- evidence capture: while set, every emitted record is attributed to that evidence entry -----
  std::vector<Evidence> evidence;
  int begin_evidence(std::vector<std::pair<std::string, std::string>> key_fields);
  int current_evidence = -1;
  // The evidence entry of the secondary record an emitter writes (4688 beside Sysmon 1, 4672 beside 4624);
  // -1 leaves those records unattributed.
  int secondary_evidence = -1;

  // ----- Windows emitters (each returns nothing; records go to the pending queue) -----
  SimProcess make_process(int host, const std::string& image, const std::string& command_line,
                          const std::string& user, const std::string& user_sid, const std::string& logon_id,
                          const std::string& integrity, const SimProcess* parent);
  // Sysmon 1 + Security 4688 for `p`.
  void process_start(int64_t t, const SimProcess& p, const std::string& hashes_of = "");
  void logon(int64_t t, int host, int logon_type, const Account& who, const std::string& src_ip,
             const std::string& src_workstation, const std::string& auth = "");
  void logon_failed(int64_t t, int host, int logon_type, const Account& who, const std::string& src_ip,
                    const std::string& src_workstation);
  void explicit_credentials(int64_t t, int host, const SimProcess& p, const Account& subject, const Account& target,
                            const std::string& target_server, const std::string& target_ip);
  void special_privileges(int64_t t, int host, const Account& who);
  void image_load(int64_t t, const SimProcess& p, const std::string& dll, bool signed_ok,
                  const std::string& signature, const std::string& company = "Microsoft Corporation");
  void network_connection(int64_t t, const SimProcess& p, const std::string& src_ip, int src_port,
                          const std::string& dst_ip, const std::string& dst_host, int dst_port);
  void dns_query(int64_t t, const SimProcess& p, const std::string& query, const std::string& results);
  void file_create(int64_t t, const SimProcess& p, const std::string& target);
  void process_access(int64_t t, const SimProcess& src, const SimProcess& target, const std::string& access);
  void service_installed(int64_t t, int host, const std::string& name, const std::string& image_path,
                         const std::string& account, const std::string& installer_sid);
  // System 7036: a service entered the running / stopped state.
  void service_state(int64_t t, int host, const std::string& display_name, const std::string& key_name, bool running);
  void task_created(int64_t t, int host, const Account& who, const std::string& task, const std::string& command);
  void task_deleted(int64_t t, int host, const Account& who, const std::string& task);

  // ----- Zeek emitters: to the sensor of `tenant` -----
  std::string zeek_uid();
  void zeek_conn(int64_t t, int tenant, const ConnSpec& c, const std::string& uid);
  void zeek_dns(int64_t t, int tenant, const std::string& orig, int orig_p, const std::string& resp,
                const std::string& query, const std::string& answer, double ttl, const std::string& uid);
  void zeek_http(int64_t t, int tenant, const std::string& orig, int orig_p, const std::string& resp, int resp_p,
                 const std::string& method, const std::string& host, const std::string& uri,
                 const std::string& user_agent, uint64_t req_len, uint64_t resp_len, int status,
                 const std::string& uid);
  // One outbound lookup + connection as the network sees it (DNS to the tenant's DC, conn, optional HTTP).
  int ephemeral_port() { return int(rng_.range(49152, 65535)); }

  // ----- output -----
  // Renders and writes every pending record with time < until_us; returns the bytes added.
  uint64_t flush_until(int64_t until_us);
  void finish(int64_t end_us);  // writes Zeek #close lines and all buffers
  uint64_t bytes_written() const { return bytes_; }
  uint64_t windows_events() const { return win_count_; }
  uint64_t zeek_rows() const { return zeek_count_; }
  const std::vector<OutputFile>& files() const { return files_; }
  std::string io_error;  // first I/O failure, if any
  int64_t open_time_us = 0;  // Zeek #open

 private:
  void push_win(int64_t t, int host, WinLog log, uint16_t event_id, std::string data,
                std::string user_sid = "");
  void push_zeek(int64_t t, int tenant, ZeekLog log, std::string row);
  void render_win(const PendingWin& p, std::string& out);
  void write_file(OutputFile& f, bool force);
  int add_file(std::string rel);

  std::string out_dir_;
  SimRandom rng_;
  std::vector<OutputFile> files_;
  std::vector<PendingWin> win_;
  std::vector<PendingZeek> zeek_;
  uint64_t seq_ = 0;
  uint64_t bytes_ = 0, win_count_ = 0, zeek_count_ = 0;
};

// Shared helpers.
std::string hex_upper(uint64_t v, int digits);
std::string sim_hashes(const std::string& image, bool with_sha1 = false);  // "SHA256=...,MD5=...,IMPHASH=..."
std::string sysmon_utc(int64_t t);  // "2019-03-19 23:35:40.123"

}  // namespace trawl::simulate

// LogonGraph: who logged on from where to where, per tenant, from Windows authentication events (4624/4625
// logons, 4648 explicit credentials, 4672 special privileges, 4768/4769 Kerberos, RDP 1149 and
// LocalSessionManager 21/25), Sysmon 3 connections and Zeek conn records to admin ports (445, 3389, 5985, 5986).
// Nodes are hosts (tenant, short host name) and accounts (DOMAIN\user); edges are "account logs on from source
// host to destination host" with first/last time and counts.
// A source given by name and/or IP is resolved to a host of the SAME tenant (IPs learnt from that tenant's own
// logs: Sysmon 3 local addresses, own-host logons); a host of another tenant is chosen only when both its name and
// its address match that tenant's own records (or the tenant map's host patterns say so), never by IP alone —
// two clients may both use 10.10.0.0/16.
// Usage: observe() every event (cheap reject), then build() once; the accessors are valid after build().
// Not thread-safe. Strings are interned (StringPool) so that per-entity state stays small.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "analytics/msp/tenant_map.h"
#include "core/event.h"

namespace trawl {

// Interned strings: id 0 is the empty string. Views returned by str() stay valid for the pool's lifetime.
class StringPool {
 public:
  StringPool() { intern(std::string_view()); }
  uint32_t intern(std::string_view s);
  uint32_t find(std::string_view s) const;  // 0 when absent (or empty)
  std::string_view str(uint32_t id) const { return id < store_.size() ? std::string_view(store_[id]) : std::string_view(); }
  size_t size() const { return store_.size(); }

 private:
  std::deque<std::string> store_;
  std::unordered_map<std::string_view, uint32_t> index_;
};

enum class LogonMethod : uint8_t {
  kInteractive,        // 4624 type 2 / 11
  kNetwork,            // 4624 type 3 / 8
  kRemoteInteractive,  // 4624 type 10, RDP 1149, LocalSessionManager 21/25
  kOther,              // 4624 other types (batch, service, unlock, new credentials)
  kExplicit,           // 4648 explicit credentials (recorded on the source host)
  kKerberos,           // 4768 / 4769 (recorded on the domain controller)
  kSmb,                // Sysmon 3 / Zeek conn to 445
  kRdp,                // ... to 3389
  kWinRm,              // ... to 5985 / 5986
};
const char* logon_method_name(LogonMethod m);
// "\\FS01.client01.local" -> "FS01" (upper-case short name); addresses, "-", "localhost" -> "".
std::string short_host_name(std::string_view host);

class LogonGraph {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;
  static constexpr size_t kMaxObservations = 20'000'000;  // beyond this, further logons are counted, not kept

  struct Host {
    std::string tenant;  // "" when the source could not be placed in any tenant
    std::string name;    // upper-case short name, or "IP:<address>" when only an address is known
    std::vector<std::string> ips;
    bool resolved = true;  // false: an unresolved source (name/address that matches no host of any tenant)
  };
  struct Account {
    std::string tenant;  // tenant of its domain (tenant map, or learnt from the tenant's machine accounts), or ""
    std::string domain, user;
    uint64_t privileged = 0;  // 4672 special-privilege logons seen
  };
  struct Edge {
    uint32_t account = kNone;  // kNone for network-only edges (Zeek)
    uint32_t src = 0, dst = 0;
    LogonMethod method = LogonMethod::kNetwork;
    int64_t first_us = 0, last_us = 0;
    uint64_t count = 0, failures = 0;
  };
  // One resolved authentication, in time order after build().
  struct Logon {
    int64_t time_us = 0;
    uint64_t record_id = 0;
    uint32_t account = kNone, src = kNone, dst = 0;
    uint32_t path = 0;  // pool id of the source file path
    uint16_t event_id = 0;
    uint8_t logon_type = 0;
    LogonMethod method = LogonMethod::kNetwork;
    bool failed = false;
    uint32_t src_ip = 0;  // pool id of the source address as logged
  };

  // Looks at one event; returns true when it used it. Events without a tenant-bearing file use tenant "".
  bool observe(const Event& e);
  // Resolves sources and builds nodes and edges. Call once, after the last observe().
  void build(const TenantMap& map);

  const std::vector<Host>& hosts() const { return hosts_; }
  const std::vector<Account>& accounts() const { return accounts_; }
  const std::vector<Edge>& edges() const { return edges_; }
  const std::vector<Logon>& logons() const { return logons_; }
  std::string_view text(uint32_t pool_id) const { return pool_.str(pool_id); }
  uint32_t find_host(std::string_view tenant, std::string_view name) const;  // kNone when absent
  // Short name of the host of `tenant` that owns address `ip` according to that tenant's own logs, or "".
  std::string host_of_ip(std::string_view tenant, std::string_view ip) const;
  uint64_t dropped() const { return dropped_; }

  StringPool& pool() { return pool_; }
  const StringPool& pool() const { return pool_; }

 private:
  struct Raw {
    int64_t time_us;
    uint64_t record_id;
    uint32_t tenant, path;
    uint32_t src_name, src_full, src_ip;  // short upper-case name, name as logged, address
    uint32_t dst_name, dst_full, dst_ip;
    uint32_t domain, user;
    uint16_t event_id;
    uint8_t logon_type;
    LogonMethod method;
    bool failed;
    bool src_own, dst_own;  // that end is the logging host itself
  };
  uint32_t tenant_of_event(const Event& e);
  void note_own_host(uint32_t tenant, uint32_t name);
  void note_own_ip(uint32_t tenant, uint32_t name, std::string_view ip);
  uint32_t host_node(uint32_t tenant, uint32_t name, uint32_t ip, bool resolved);
  uint32_t resolve(const TenantMap& map, uint32_t tenant, uint32_t name, uint32_t full, uint32_t ip);

  StringPool pool_;
  std::vector<Raw> raw_;
  // Own-host knowledge per tenant: key (tenant << 32 | name) -> IPs (pool ids); and (tenant, ip) -> name.
  std::unordered_map<uint64_t, std::vector<uint32_t>> own_hosts_;
  std::unordered_map<uint64_t, uint32_t> own_ip_;       // (tenant, ip) -> name (the first one seen)
  std::unordered_map<uint32_t, std::vector<uint32_t>> name_tenants_;  // short name -> tenants owning such a host
  std::unordered_map<uint64_t, uint32_t> domain_votes_;  // (tenant, domain) -> machine-account evidence
  std::unordered_map<uint64_t, uint64_t> privileged_;    // (domain, user) -> 4672 count
  const FileInfo* last_file_ = nullptr;
  uint32_t last_tenant_ = 0;
  uint32_t last_host_ = 0;

  std::vector<Host> hosts_;
  std::unordered_map<uint64_t, uint32_t> host_index_;  // (tenant, name) -> hosts_ index
  std::vector<Account> accounts_;
  std::unordered_map<uint64_t, uint32_t> account_index_;
  std::vector<Edge> edges_;
  std::vector<Logon> logons_;
  uint64_t dropped_ = 0;
  bool built_ = false;
};

}  // namespace trawl

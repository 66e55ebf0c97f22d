#include "analytics/msp/logon_graph.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "core/detection.h"
#include "core/text.h"

namespace trawl {

uint32_t StringPool::intern(std::string_view s) {
  auto it = index_.find(s);
  if (it != index_.end()) return it->second;
  store_.emplace_back(s);
  const uint32_t id = uint32_t(store_.size() - 1);
  index_.emplace(std::string_view(store_.back()), id);
  return id;
}

uint32_t StringPool::find(std::string_view s) const {
  auto it = index_.find(s);
  return it == index_.end() ? 0 : it->second;
}

const char* logon_method_name(LogonMethod m) {
  switch (m) {
    case LogonMethod::kInteractive: return "interactive";
    case LogonMethod::kNetwork: return "network";
    case LogonMethod::kRemoteInteractive: return "remote_interactive";
    case LogonMethod::kOther: return "other";
    case LogonMethod::kExplicit: return "explicit_credentials";
    case LogonMethod::kKerberos: return "kerberos";
    case LogonMethod::kSmb: return "smb";
    case LogonMethod::kRdp: return "rdp";
    case LogonMethod::kWinRm: return "winrm";
  }
  return "other";
}

namespace {

inline uint64_t key2(uint32_t a, uint32_t b) { return (uint64_t(a) << 32) | b; }

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = char(c - 32);
  return out;
}

bool parse_uint(std::string_view s, uint32_t& out) {
  s = trim(s);
  if (s.empty() || s.size() > 9) return false;
  uint32_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + uint32_t(c - '0');
  }
  out = v;
  return true;
}

std::string_view field(const Event& e, std::string_view name) {
  const std::string_view* v = e.find(name);
  return v ? trim(*v) : std::string_view();
}

}  // namespace

std::string short_host_name(std::string_view s) {
  s = trim(s);
  while (!s.empty() && (s.front() == '\\' || s.front() == '/')) s.remove_prefix(1);
  if (s.empty() || s == "-" || iequals(s, "localhost") || iequals(s, "LOCAL")) return {};
  if (parse_ip(s)) return {};
  if (size_t dot = s.find('.'); dot != std::string_view::npos) s = s.substr(0, dot);
  if (s.empty() || s.size() > 255) return {};
  return upper(s);
}

namespace {

// Address as logged, normalised: "::ffff:10.1.0.5" -> "10.1.0.5"; loopback/unspecified/"-" -> "".
std::string norm_ip(std::string_view s) {
  s = trim(s);
  if (istarts_with(s, "::ffff:")) s.remove_prefix(7);
  if (s.empty() || s == "-" || s == "::1" || s == "0.0.0.0" || s == "::" || s.substr(0, 4) == "127.") return {};
  if (!parse_ip(s)) return {};
  return std::string(s);
}

bool admin_port(uint32_t port, LogonMethod& m) {
  switch (port) {
    case 445: m = LogonMethod::kSmb; return true;
    case 3389: m = LogonMethod::kRdp; return true;
    case 5985:
    case 5986: m = LogonMethod::kWinRm; return true;
    default: return false;
  }
}

// Accounts that are the system talking to itself, not a person or a service account.
bool skip_account(std::string_view domain, std::string_view user) {
  if (user.empty() || user == "-" || user.back() == '$') return true;
  static constexpr std::string_view kUsers[] = {"SYSTEM", "LOCAL SERVICE", "NETWORK SERVICE", "ANONYMOUS LOGON",
                                                "IUSR", "DefaultAccount", "Guest"};
  for (std::string_view u : kUsers)
    if (iequals(user, u)) return true;
  if (istarts_with(user, "DWM-") || istarts_with(user, "UMFD-")) return true;
  return iequals(domain, "NT AUTHORITY") || iequals(domain, "Window Manager") || iequals(domain, "Font Driver Host") ||
         iequals(domain, "NT SERVICE");
}

}  // namespace

uint32_t LogonGraph::tenant_of_event(const Event& e) {
  if (e.file == last_file_ && last_file_ != nullptr) return last_tenant_;
  last_file_ = e.file;
  last_tenant_ = e.file ? pool_.intern(e.file->tenant) : 0;
  last_host_ = UINT32_MAX;
  return last_tenant_;
}

void LogonGraph::note_own_host(uint32_t tenant, uint32_t name) {
  if (name == 0) return;
  auto [it, inserted] = own_hosts_.try_emplace(key2(tenant, name));
  if (inserted) {
    auto& ts = name_tenants_[name];
    if (std::find(ts.begin(), ts.end(), tenant) == ts.end()) ts.push_back(tenant);
  }
}

void LogonGraph::note_own_ip(uint32_t tenant, uint32_t name, std::string_view ip) {
  const std::string n = norm_ip(ip);
  if (name == 0 || n.empty()) return;
  const uint32_t id = pool_.intern(n);
  note_own_host(tenant, name);
  auto& ips = own_hosts_[key2(tenant, name)];
  if (ips.size() < 16 && std::find(ips.begin(), ips.end(), id) == ips.end()) ips.push_back(id);
  own_ip_.emplace(key2(tenant, id), name);
}

bool LogonGraph::observe(const Event& e) {
  const uint32_t tenant = tenant_of_event(e);
  const std::string_view computer = event_host(e);
  uint32_t host = 0;
  if (!computer.empty()) {
    host = pool_.intern(short_host_name(computer));
    if (host != last_host_) {
      note_own_host(tenant, host);
      last_host_ = host;
    }
  }
  Raw r{};
  r.time_us = e.time_us;
  r.record_id = e.record_id;
  r.tenant = tenant;
  r.path = 0;
  auto keep = [&]() {
    if (r.time_us == kNoTime) return;
    if (raw_.size() >= kMaxObservations) {
      ++dropped_;
      return;
    }
    r.path = e.file ? pool_.intern(e.file->path) : 0;
    raw_.push_back(r);
  };
  auto set_src = [&](std::string_view name, std::string_view ip) {
    const std::string s = short_host_name(name);
    r.src_name = s.empty() ? 0 : pool_.intern(s);
    r.src_full = s.empty() ? 0 : pool_.intern(trim(name));
    const std::string i = norm_ip(ip);
    r.src_ip = i.empty() ? 0 : pool_.intern(i);
  };
  auto set_dst = [&](std::string_view name, std::string_view ip) {
    const std::string s = short_host_name(name);
    r.dst_name = s.empty() ? 0 : pool_.intern(s);
    r.dst_full = s.empty() ? 0 : pool_.intern(trim(name));
    const std::string i = norm_ip(ip);
    r.dst_ip = i.empty() ? 0 : pool_.intern(i);
  };
  auto set_account = [&](std::string_view domain, std::string_view user) -> bool {
    if (skip_account(domain, user)) return false;
    r.domain = pool_.intern(upper(domain));
    r.user = pool_.intern(user);
    return true;
  };

  if (e.file && (e.file->format == InputFormat::kZeekTsv || e.file->format == InputFormat::kZeekJson)) {
    if (e.file->zeek_log_type != "conn") return false;
    uint32_t port = 0;
    if (!parse_uint(field(e, "id.resp_p"), port) || !admin_port(port, r.method)) return false;
    set_src({}, field(e, "id.orig_h"));
    set_dst({}, field(e, "id.resp_h"));
    if (r.src_ip == 0 || r.dst_ip == 0) return false;
    keep();
    return true;
  }

  uint32_t eid = 0;
  if (!parse_uint(field(e, "EventID"), eid)) return false;
  const std::string_view channel = field(e, "Channel");
  const bool security = channel.empty() || iequals(channel, "Security");
  r.event_id = uint16_t(eid);
  switch (eid) {
    case 4624:
    case 4625: {
      if (!security) return false;
      const std::string_view subj = field(e, "SubjectUserName");
      if (!subj.empty() && subj.back() == '$') {
        const std::string_view sd = field(e, "SubjectDomainName");
        if (!sd.empty() && sd != "-") domain_votes_[key2(tenant, pool_.intern(upper(sd)))]++;
      }
      uint32_t type = 0;
      (void)parse_uint(field(e, "LogonType"), type);
      r.logon_type = uint8_t(type > 255 ? 0 : type);
      r.failed = eid == 4625;
      r.method = type == 2 || type == 11   ? LogonMethod::kInteractive
                 : type == 3 || type == 8  ? LogonMethod::kNetwork
                 : type == 10              ? LogonMethod::kRemoteInteractive
                                           : LogonMethod::kOther;
      if (!set_account(field(e, "TargetDomainName"), field(e, "TargetUserName"))) return true;
      set_src(field(e, "WorkstationName"), field(e, "IpAddress"));
      r.dst_name = host;
      r.dst_own = true;
      // A host logging on to itself (same name, no remote address). Same name WITH an address may be a twin-named
      // host of another tenant (FS01 in two clients): resolved in build().
      if (r.src_name == host && r.src_name != 0 && r.src_ip == 0) r.src_own = true;
      keep();
      return true;
    }
    case 4648: {
      if (!security) return false;
      r.method = LogonMethod::kExplicit;
      if (!set_account(field(e, "TargetDomainName"), field(e, "TargetUserName"))) return true;
      set_dst(field(e, "TargetServerName"), field(e, "IpAddress"));
      if (r.dst_name == 0 && r.dst_ip == 0) return true;
      r.src_name = host;
      r.src_own = true;
      keep();
      return true;
    }
    case 4672: {
      if (!security) return false;
      const std::string_view d = field(e, "SubjectDomainName"), u = field(e, "SubjectUserName");
      if (!skip_account(d, u)) privileged_[key2(pool_.intern(upper(d)), pool_.intern(u))]++;
      return true;
    }
    case 4768:
    case 4769: {
      if (!security) return false;
      r.method = LogonMethod::kKerberos;
      std::string_view user = field(e, "TargetUserName");
      std::string_view domain = field(e, "TargetDomainName");
      if (size_t at = user.find('@'); at != std::string_view::npos) {
        if (domain.empty()) domain = user.substr(at + 1);
        user = user.substr(0, at);
      }
      if (!set_account(domain, user)) return true;
      set_src({}, field(e, "IpAddress"));
      if (r.src_ip == 0) return true;
      std::string_view svc = field(e, "ServiceName");
      if (eid == 4769 && svc.size() > 1 && svc.back() == '$') {
        set_dst(svc.substr(0, svc.size() - 1), {});
      } else {
        r.dst_name = host;
        r.dst_own = true;
      }
      keep();
      return true;
    }
    case 1149: {
      if (channel.find("RemoteConnectionManager") == std::string_view::npos) return false;
      r.method = LogonMethod::kRemoteInteractive;
      r.logon_type = 10;
      if (!set_account(field(e, "Param2"), field(e, "Param1"))) return true;
      set_src({}, field(e, "Param3"));
      if (r.src_ip == 0) return true;
      r.dst_name = host;
      r.dst_own = true;
      keep();
      return true;
    }
    case 21:
    case 25: {
      if (channel.find("LocalSessionManager") == std::string_view::npos) return false;
      r.method = LogonMethod::kRemoteInteractive;
      r.logon_type = 10;
      std::string_view who = field(e, "User");
      std::string_view domain, user = who;
      if (size_t bs = who.find('\\'); bs != std::string_view::npos) {
        domain = who.substr(0, bs);
        user = who.substr(bs + 1);
      }
      if (!set_account(domain, user)) return true;
      set_src({}, field(e, "Address"));
      if (r.src_ip == 0) return true;  // console session
      r.dst_name = host;
      r.dst_own = true;
      keep();
      return true;
    }
    case 3: {
      if (channel.find("Sysmon") == std::string_view::npos) return false;
      const bool initiated = iequals(field(e, "Initiated"), "true");
      note_own_ip(tenant, host, field(e, initiated ? "SourceIp" : "DestinationIp"));
      uint32_t port = 0;
      if (!initiated || !parse_uint(field(e, "DestinationPort"), port) || !admin_port(port, r.method)) return true;
      std::string_view who = field(e, "User");
      std::string_view domain, user = who;
      if (size_t bs = who.find('\\'); bs != std::string_view::npos) {
        domain = who.substr(0, bs);
        user = who.substr(bs + 1);
      }
      if (!set_account(domain, user)) {
        r.domain = r.user = 0;
      }
      set_dst(field(e, "DestinationHostname"), field(e, "DestinationIp"));
      if (r.dst_ip == 0 && r.dst_name == 0) return true;
      r.src_name = host;
      r.src_own = true;
      keep();
      return true;
    }
    default:
      return false;
  }
}

uint32_t LogonGraph::host_node(uint32_t tenant, uint32_t name, uint32_t ip, bool resolved) {
  uint32_t label = name;
  if (label == 0) label = pool_.intern("IP:" + std::string(pool_.str(ip)));
  const uint64_t k = key2(tenant, label);
  auto it = host_index_.find(k);
  uint32_t idx;
  if (it == host_index_.end()) {
    idx = uint32_t(hosts_.size());
    Host h;
    h.tenant = std::string(pool_.str(tenant));
    h.name = std::string(pool_.str(label));
    h.resolved = resolved;
    hosts_.push_back(std::move(h));
    host_index_.emplace(k, idx);
    if (auto own = own_hosts_.find(key2(tenant, name)); own != own_hosts_.end() && name != 0)
      for (uint32_t a : own->second) hosts_[idx].ips.emplace_back(pool_.str(a));
  } else {
    idx = it->second;
  }
  if (ip != 0) {
    auto& ips = hosts_[idx].ips;
    const std::string_view a = pool_.str(ip);
    if (ips.size() < 16 && std::find(ips.begin(), ips.end(), a) == ips.end()) ips.emplace_back(a);
  }
  return idx;
}

uint32_t LogonGraph::resolve(const TenantMap& map, uint32_t tenant, uint32_t name, uint32_t full, uint32_t ip) {
  if (name == 0 && ip == 0) return kNone;
  auto own = name ? own_hosts_.find(key2(tenant, name)) : own_hosts_.end();
  const bool own_name = own != own_hosts_.end();
  auto has_ip = [&](const std::vector<uint32_t>& ips) { return std::find(ips.begin(), ips.end(), ip) != ips.end(); };
  // 1. A host of this tenant with this name and (when both are known) this address.
  // (Without a known address for it, step 2 gets the first say: a same-named host of another tenant may own the
  // address — the client-to-client case with twin names such as FS01.)
  if (own_name && (ip == 0 || has_ip(own->second))) return host_node(tenant, name, 0, true);
  // 2. A host of another tenant whose own logs show both this name and this address.
  if (name != 0 && ip != 0) {
    uint32_t found = kNone;
    bool ambiguous = false;
    if (auto nt = name_tenants_.find(name); nt != name_tenants_.end()) {
      for (uint32_t u : nt->second) {
        if (u == tenant) continue;
        auto o = own_hosts_.find(key2(u, name));
        if (o != own_hosts_.end() && has_ip(o->second)) {
          if (found != kNone && found != u) ambiguous = true;
          found = u;
        }
      }
    }
    if (found != kNone && !ambiguous) return host_node(found, name, ip, true);
  }
  // 3. Own name whose address we have no contradiction-proof record of (DHCP changes, no Sysmon).
  if (own_name) return host_node(tenant, name, 0, true);
  // 4. The tenant map's host patterns / DNS domains.
  if (name != 0) {
    std::string t = map.tenant_of_host(pool_.str(full));
    if (t.empty()) t = map.tenant_of_host(pool_.str(name));
    if (!t.empty()) return host_node(pool_.intern(t), name, ip, true);
  }
  // 5. No name: an address this tenant's own logs attribute to one of its hosts.
  if (name == 0 && ip != 0) {
    auto o = own_ip_.find(key2(tenant, ip));
    if (o != own_ip_.end()) return host_node(tenant, o->second, 0, true);
  }
  // 6. A name that exactly one tenant has among its log-producing hosts.
  if (name != 0) {
    if (auto nt = name_tenants_.find(name); nt != name_tenants_.end() && nt->second.size() == 1)
      return host_node(nt->second.front(), name, ip, true);
  }
  // 7. Unresolved: a node outside every tenant.
  return host_node(0, name, ip, false);
}

void LogonGraph::build(const TenantMap& map) {
  if (built_) return;
  built_ = true;
  // Domain -> tenant: the map first, else the tenant whose machine accounts carry that domain most often.
  std::unordered_map<uint32_t, std::pair<uint32_t, uint32_t>> best;  // domain -> (tenant, votes)
  std::unordered_map<uint32_t, bool> tie;
  std::vector<std::pair<uint64_t, uint32_t>> votes(domain_votes_.begin(), domain_votes_.end());
  std::sort(votes.begin(), votes.end());
  for (const auto& [k, n] : votes) {
    const uint32_t t = uint32_t(k >> 32), d = uint32_t(k);
    auto& b = best[d];
    if (n > b.second) {
      b = {t, n};
      tie[d] = false;
    } else if (n == b.second) {
      tie[d] = true;
    }
  }
  auto domain_tenant = [&](uint32_t domain, uint32_t logging_tenant, uint32_t dst_host) -> std::string {
    std::string t = map.tenant_of_domain(pool_.str(domain));
    if (!t.empty()) return t;
    if (domain == 0 || domain == dst_host) return std::string(pool_.str(logging_tenant));  // local account
    auto b = best.find(domain);
    if (b != best.end() && !tie[domain]) return std::string(pool_.str(b->second.first));
    return {};
  };

  std::map<std::tuple<uint32_t, uint32_t, uint32_t, uint8_t>, uint32_t> edge_index;
  logons_.reserve(raw_.size());
  for (const Raw& r : raw_) {
    Logon l;
    l.time_us = r.time_us;
    l.record_id = r.record_id;
    l.path = r.path;
    l.event_id = r.event_id;
    l.logon_type = r.logon_type;
    l.method = r.method;
    l.failed = r.failed;
    l.src_ip = r.src_ip;
    if ((r.dst_own && r.dst_name == 0) || (r.src_own && r.src_name == 0)) continue;
    l.dst = r.dst_own ? host_node(r.tenant, r.dst_name, 0, true) : resolve(map, r.tenant, r.dst_name, r.dst_full, r.dst_ip);
    if (l.dst == kNone) continue;
    l.src = r.src_own ? host_node(r.tenant, r.src_name, 0, true)
                      : resolve(map, r.tenant, r.src_name, r.src_full, r.src_ip);
    if (r.user != 0) {
      const uint64_t ak = key2(r.domain, r.user);
      auto it = account_index_.find(ak);
      if (it == account_index_.end()) {
        Account a;
        a.domain = std::string(pool_.str(r.domain));
        a.user = std::string(pool_.str(r.user));
        a.tenant = domain_tenant(r.domain, r.tenant, r.dst_own ? r.dst_name : r.src_name);
        if (auto p = privileged_.find(ak); p != privileged_.end()) a.privileged = p->second;
        it = account_index_.emplace(ak, uint32_t(accounts_.size())).first;
        accounts_.push_back(std::move(a));
      }
      l.account = it->second;
    }
    if (l.src != kNone) {
      auto [ei, inserted] = edge_index.try_emplace({l.account, l.src, l.dst, uint8_t(l.method)}, uint32_t(edges_.size()));
      if (inserted) {
        Edge ed;
        ed.account = l.account;
        ed.src = l.src;
        ed.dst = l.dst;
        ed.method = l.method;
        ed.first_us = ed.last_us = l.time_us;
        edges_.push_back(ed);
      }
      Edge& ed = edges_[ei->second];
      ed.first_us = std::min(ed.first_us, l.time_us);
      ed.last_us = std::max(ed.last_us, l.time_us);
      ed.count++;
      if (l.failed) ed.failures++;
    }
    logons_.push_back(l);
  }
  std::vector<Raw>().swap(raw_);
  std::stable_sort(logons_.begin(), logons_.end(), [](const Logon& a, const Logon& b) { return a.time_us < b.time_us; });
}

uint32_t LogonGraph::find_host(std::string_view tenant, std::string_view name) const {
  const uint32_t t = pool_.find(tenant);
  if (t == 0 && !tenant.empty()) return kNone;
  const uint32_t n = pool_.find(short_host_name(name));
  if (n == 0) return kNone;
  auto it = host_index_.find(key2(t, n));
  return it == host_index_.end() ? kNone : it->second;
}

std::string LogonGraph::host_of_ip(std::string_view tenant, std::string_view ip) const {
  const uint32_t t = pool_.find(tenant);
  const uint32_t i = pool_.find(norm_ip(ip));
  if (i == 0 || (t == 0 && !tenant.empty())) return {};
  auto it = own_ip_.find(key2(t, i));
  return it == own_ip_.end() ? std::string() : std::string(pool_.str(it->second));
}

}  // namespace trawl

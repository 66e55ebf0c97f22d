#include "analytics/msp/tenant_map.h"

#include <arpa/inet.h>
#include <yaml-cpp/yaml.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include "core/text.h"
#include "core/yaml_util.h"

namespace trawl {

bool IpRange::contains(const std::array<uint8_t, 16>& ip) const {
  int bits = prefix;
  for (size_t i = 0; i < 16 && bits > 0; ++i, bits -= 8) {
    const uint8_t mask = bits >= 8 ? 0xff : uint8_t(0xff << (8 - bits));
    if ((ip[i] & mask) != (addr[i] & mask)) return false;
  }
  return true;
}

std::optional<std::array<uint8_t, 16>> parse_ip(std::string_view s) {
  s = trim(s);
  if (s.empty() || s.size() > 63) return std::nullopt;
  if (size_t pct = s.find('%'); pct != std::string_view::npos) s = s.substr(0, pct);
  if (s.size() > 2 && s.front() == '[' && s.back() == ']') s = s.substr(1, s.size() - 2);
  char buf[64];
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = 0;
  std::array<uint8_t, 16> out{};
  in_addr v4;
  if (inet_pton(AF_INET, buf, &v4) == 1) {
    out[10] = out[11] = 0xff;
    std::memcpy(out.data() + 12, &v4, 4);
    return out;
  }
  in6_addr v6;
  if (inet_pton(AF_INET6, buf, &v6) == 1) {
    std::memcpy(out.data(), &v6, 16);
    return out;
  }
  return std::nullopt;
}

std::optional<IpRange> parse_ip_range(std::string_view s) {
  s = trim(s);
  IpRange r;
  std::string_view addr = s;
  int prefix = -1;
  if (size_t slash = s.find('/'); slash != std::string_view::npos) {
    addr = s.substr(0, slash);
    std::string_view p = s.substr(slash + 1);
    if (p.empty() || p.size() > 3) return std::nullopt;
    prefix = 0;
    for (char c : p) {
      if (c < '0' || c > '9') return std::nullopt;
      prefix = prefix * 10 + (c - '0');
    }
  }
  auto ip = parse_ip(addr);
  if (!ip) return std::nullopt;
  const bool v4 = addr.find(':') == std::string_view::npos;
  if (prefix < 0) prefix = v4 ? 32 : 128;
  if ((v4 && prefix > 32) || prefix > 128) return std::nullopt;
  r.addr = *ip;
  r.prefix = v4 ? prefix + 96 : prefix;
  return r;
}

bool glob_match_nocase(std::string_view p, std::string_view t) {
  size_t pi = 0, ti = 0, star = std::string_view::npos, mark = 0;
  while (ti < t.size()) {
    if (pi < p.size() && (p[pi] == '?' || ascii_lower(p[pi]) == ascii_lower(t[ti]))) {
      ++pi;
      ++ti;
    } else if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      mark = ti;
    } else if (star != std::string_view::npos) {
      pi = star + 1;
      ti = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

Result<TenantMap> TenantMap::parse(std::string_view yaml_text) {
  TenantMap m;
  try {
    const YAML::Node doc = YAML::Load(std::string(yaml_text));
    if (!doc || doc.IsNull()) return m;
    if (!doc.IsMap()) return Status::Error("tenant map: the document is not a YAML map");
    if (doc["msp"] && doc["msp"].IsScalar()) m.msp_ = doc["msp"].Scalar();
    const YAML::Node ts = doc["tenants"];
    if (!ts) return m;
    auto add = [&](const std::string& name, const YAML::Node& v) -> Status {
      if (name.empty()) return Status::Error("tenant map: a tenant has no name");
      TenantSpec t;
      t.name = name;
      if (v && v.IsMap()) {
        t.domains = yaml_string_list(v["domains"]);
        t.host_patterns = yaml_string_list(v["hosts"]);
        t.accounts = yaml_string_list(v["accounts"]);
        for (const std::string& r : yaml_string_list(v["ip_ranges"])) {
          auto range = parse_ip_range(r);
          if (!range) return Status::Error("tenant map: tenant '" + name + "': bad IP range '" + r + "'");
          t.ip_ranges.push_back(*range);
        }
        if (v["msp"] && v["msp"].IsScalar() && to_lower(v["msp"].Scalar()) == "true") m.msp_ = name;
      } else if (v && !v.IsNull()) {
        return Status::Error("tenant map: tenant '" + name + "' must be a map");
      }
      m.tenants_.push_back(std::move(t));
      return Status();
    };
    if (ts.IsMap()) {
      for (const auto& kv : ts) {
        Status st = add(kv.first.IsScalar() ? kv.first.Scalar() : std::string(), kv.second);
        if (!st.ok()) return st;
      }
    } else if (ts.IsSequence()) {
      for (const auto& v : ts) {
        Status st = add(v.IsMap() && v["name"] && v["name"].IsScalar() ? v["name"].Scalar() : std::string(), v);
        if (!st.ok()) return st;
      }
    } else {
      return Status::Error("tenant map: 'tenants' must be a map or a list");
    }
  } catch (const std::exception& ex) {
    return Status::Error(std::string("tenant map: ") + ex.what());
  }
  return m;
}

Result<TenantMap> TenantMap::load_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Error(path + ": cannot open the tenant map");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (ss.str().size() > (8u << 20)) return Status::Error(path + ": tenant map larger than 8 MiB");
  Result<TenantMap> r = parse(ss.str());
  if (!r.ok()) return Status::Error(path + ": " + r.status().message());
  return r;
}

const TenantSpec* TenantMap::find(std::string_view tenant) const {
  for (const TenantSpec& t : tenants_)
    if (t.name == tenant) return &t;
  return nullptr;
}

std::string TenantMap::tenant_of_domain(std::string_view domain) const {
  domain = trim(domain);
  if (domain.empty()) return {};
  for (const TenantSpec& t : tenants_)
    for (const std::string& d : t.domains) {
      if (iequals(d, domain)) return t.name;
      // FQDN host or sub-domain of a DNS domain.
      if (domain.size() > d.size() + 1 && domain[domain.size() - d.size() - 1] == '.' && iends_with(domain, d))
        return t.name;
    }
  return {};
}

std::string TenantMap::tenant_of_host(std::string_view host) const {
  host = trim(host);
  if (host.empty()) return {};
  std::string found;
  for (const TenantSpec& t : tenants_) {
    bool hit = false;
    for (const std::string& p : t.host_patterns) hit = hit || glob_match_nocase(p, host);
    if (!hit) {
      // An FQDN whose DNS suffix is one of the tenant's domains.
      if (size_t dot = host.find('.'); dot != std::string_view::npos)
        for (const std::string& d : t.domains) hit = hit || iequals(host.substr(dot + 1), d);
    }
    if (!hit) continue;
    if (!found.empty() && found != t.name) return {};  // ambiguous: say nothing
    found = t.name;
  }
  return found;
}

bool TenantMap::is_msp_address(std::string_view ip) const {
  const TenantSpec* m = find(msp_);
  if (!m || m->ip_ranges.empty()) return false;
  auto a = parse_ip(ip);
  if (!a) return false;
  for (const IpRange& r : m->ip_ranges)
    if (r.contains(*a)) return true;
  return false;
}

bool TenantMap::is_msp_account(std::string_view domain, std::string_view user) const {
  const TenantSpec* m = find(msp_);
  if (!m || user.empty()) return false;
  const std::string qualified = std::string(domain) + "\\" + std::string(user);
  for (const std::string& p : m->accounts) {
    if (p.find('\\') != std::string::npos) {
      if (glob_match_nocase(p, qualified)) return true;
    } else if (glob_match_nocase(p, user)) {
      return true;
    }
  }
  return false;
}

}  // namespace trawl

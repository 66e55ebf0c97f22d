// TenantMap: the MSP analyst's description of who is who — which tenant is the MSP, and per tenant its account
// domains, host name patterns, known accounts and (for the MSP) the IP ranges of its infrastructure. Tenants of
// events always come from where the logs come from (FileInfo::tenant); the map only names the domains, hosts and
// addresses that such logs mention. IP ranges are honoured for the MSP tenant only, to tell that a connection goes
// to the MSP: clients often share private ranges (two clients may both use 10.10.0.0/16).
// YAML form (all keys optional except the tenant names):
//   msp: msp
//   tenants:
//     msp:      {domains: [MSP, msp.local], hosts: ["JUMP*", "*.msp.local"], ip_ranges: [10.1.0.0/24],
//                accounts: ["MSP\\admin.*", "svc_backup"]}
//     client01: {domains: [CLIENT01, client01.local], hosts: ["*.client01.local"]}
// Immutable after load; thread-safe to read.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace trawl {

// An IPv4 or IPv6 network (IPv4 stored as ::ffff:a.b.c.d), prefix length counted on the 128-bit form.
struct IpRange {
  std::array<uint8_t, 16> addr{};
  int prefix = 128;
  bool contains(const std::array<uint8_t, 16>& ip) const;
};
// "10.1.0.5" / "fe80::1" (an IPv6 zone suffix is ignored) -> 16 bytes; nullopt when not an address.
std::optional<std::array<uint8_t, 16>> parse_ip(std::string_view s);
// "10.1.0.0/24", "10.1.0.5", "fd00::/8".
std::optional<IpRange> parse_ip_range(std::string_view s);
// Case-insensitive glob with * and ?; linear-time in practice (no backtracking blow-up: one star resume point).
bool glob_match_nocase(std::string_view pattern, std::string_view text);

struct TenantSpec {
  std::string name;
  std::vector<std::string> domains;        // NetBIOS and/or DNS domain names, compared case-insensitively
  std::vector<std::string> host_patterns;  // globs over short names or FQDNs
  std::vector<std::string> accounts;       // globs over "DOMAIN\\user" or "user"
  std::vector<IpRange> ip_ranges;          // used for the MSP tenant only
};

class TenantMap {
 public:
  static Result<TenantMap> parse(std::string_view yaml_text);
  static Result<TenantMap> load_file(const std::string& path);

  // The MSP tenant: set_msp() (from --msp-tenant) wins over the file's `msp:`.
  void set_msp(const std::string& name) { msp_ = name; }
  const std::string& msp() const { return msp_; }
  const std::vector<TenantSpec>& tenants() const { return tenants_; }
  const TenantSpec* find(std::string_view tenant) const;

  // Tenant whose domains contain `domain` (NetBIOS or DNS, or the DNS suffix of an FQDN), or "".
  std::string tenant_of_domain(std::string_view domain) const;
  // Tenant whose host patterns match the name (short or FQDN), or "" (also when several tenants match).
  std::string tenant_of_host(std::string_view host) const;
  // True when the address is inside one of the MSP tenant's ranges.
  bool is_msp_address(std::string_view ip) const;
  // True when DOMAIN\user (either may be empty) is a listed account of the MSP tenant.
  bool is_msp_account(std::string_view domain, std::string_view user) const;

 private:
  std::string msp_;
  std::vector<TenantSpec> tenants_;
};

}  // namespace trawl

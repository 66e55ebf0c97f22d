// Indicator values: refanging ("hxxp://evil[.]com" -> "http://evil.com"), type inference for untyped lists,
// per-type normalisation (lower-case hashes and names, canonical IPs and CIDRs), and the parsers the matcher
// uses on event values (IP addresses with ports/brackets/zones, DNS names with trailing dots).
// Pure functions, thread-safe. Internal to src/ioc, exposed for tests.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ioc/ioc.h"

namespace trawl::ioc {

// Undoes the usual defanging: hxxp/hxxps/fxp schemes, [.] (.) {.} [dot] (dot), [:] [://] [/], [at] (at) [@].
std::string refang(std::string_view s);

// An address in IPv6 space; IPv4 a.b.c.d is ::ffff:a.b.c.d (so v4-mapped IPv6 values match IPv4 indicators).
struct IpAddr {
  uint64_t hi = 0, lo = 0;
  bool is_v4() const { return hi == 0 && (lo >> 32) == 0xffff; }
  bool operator==(const IpAddr& o) const { return hi == o.hi && lo == o.lo; }
};
// Keeps the first `bits` (0..128) bits of `a`.
IpAddr mask_ip(IpAddr a, int bits);

// Strict: dotted-quad IPv4 (no leading zeros beyond "0") or any RFC 4291 IPv6 text form. No port, no brackets.
bool parse_ip(std::string_view s, IpAddr* out);
// Event values: trims, accepts "[v6]", "[v6]:port", "a.b.c.d:port", a "%zone" suffix.
bool parse_ip_loose(std::string_view s, IpAddr* out);
// "net/len" (len 0..32 for IPv4, 0..128 for IPv6). `bits` is the prefix in IPv6 space (IPv4 /n -> 96+n).
// Host bits set below the prefix are cleared (10.1.2.3/8 -> 10.0.0.0/8).
bool parse_cidr(std::string_view s, IpAddr* net, int* bits);
std::string format_ip(IpAddr a);
std::string format_cidr(IpAddr net, int bits);

// Lower-cases, drops one trailing dot, and checks the DNS shape: labels of [A-Za-z0-9_-] (1..63 chars, not
// starting or ending with '-'), at least two labels, a last label that is not all digits, 253 chars at most.
bool normalise_domain(std::string_view s, std::string* out);
// The base name of a Windows or POSIX path (after the last '\\' or '/').
std::string_view path_basename(std::string_view path);
bool is_hex(std::string_view s);
// True when the last label of a dotted name is a common file extension (exe, dll, dat, ...) rather than a
// TLD: "jli.dll" is a file name, "evil.com" a domain.
bool has_file_extension_tld(std::string_view name);

// Normalises `raw` (already trimmed) as an indicator of type *type. May change *type: an "ip" with a prefix
// becomes a cidr, a glob without wildcards or separators becomes a file name. False + why when invalid.
bool normalise_typed(IocType* type, std::string_view raw, std::string* out, std::string* why);
// Infers the type of an untyped value (refanged first). Domains come back as kDomain.
bool classify(std::string_view raw, IocType* type, std::string* out, std::string* why);

// Glob ('*' any run, '?' one char, '\\' and '/' both separators) -> Vectorscan/RE2 regex, anchored.
std::string glob_to_regex(std::string_view glob);
bool glob_has_separator(std::string_view glob);
// Plain recursive-free glob matcher (the reference twin of the compiled globs). Case-insensitive.
bool glob_match(std::string_view glob, std::string_view text);

// For URL indicators: the part after "scheme://" (lower-case host, rest as given) and its host (no port).
std::string_view url_rest(std::string_view url);
std::string_view url_host(std::string_view rest);
// True when `text` continues a URL match that ended just before `next` (so "http://evil.com" does not match
// inside "http://evil.community").
bool url_boundary_ok(std::string_view indicator_rest, const char* next, const char* end);

// Hash of an (address, prefix bits) key of the IP table.
inline uint64_t ip_key_hash(IpAddr a, int bits) {
  uint64_t x = a.hi * 0x9e3779b97f4a7c15ULL ^ (a.lo + uint64_t(bits)) * 0xc2b2ae3d27d4eb4fULL;
  x ^= x >> 29;
  x *= 0xbf58476d1ce4e5b9ULL;
  return x ^ (x >> 32);
}
// 64-bit hash of bytes (not cryptographic; for the index tables).
uint64_t hash_bytes(const void* p, size_t n, uint64_t seed = 0);

}  // namespace trawl::ioc

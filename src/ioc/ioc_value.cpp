#include "ioc/ioc_value.h"

#include <arpa/inet.h>

#include <cstring>

#include "core/text.h"

namespace trawl::ioc {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_alnum(char c) { return is_digit(c) || is_alpha(c); }

// Defanged spellings and what they stand for; matched case-insensitively, longest first where they overlap.
struct Fang {
  std::string_view from, to;
};
constexpr Fang kFangs[] = {
    {"[://]", "://"}, {"[:]//", "://"}, {"[.]", "."},  {"(.)", "."},  {"{.}", "."},   {"[dot]", "."},
    {"(dot)", "."},   {"{dot}", "."},   {"[:]", ":"},  {"[/]", "/"},  {"[at]", "@"},  {"(at)", "@"},
    {"[@]", "@"},     {"\\.", "."},
};

}  // namespace

std::string refang(std::string_view s) {
  // Most values are not defanged: one scan for the characters that start a defanged form.
  if (s.find_first_of("[({\\") == std::string_view::npos && !(s.size() > 2 && (s[1] == 'x' || s[1] == 'X')))
    return std::string(s);
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  // Schemes: hxxp, hxxps, hXXp, fxp, meow (seen in some feeds) only at the start.
  if (istarts_with(s, "hxxps://") || istarts_with(s, "hxxps[:]//") || istarts_with(s, "hxxps[://]")) {
    out += "https";
    i = 5;
  } else if (istarts_with(s, "hxxp://") || istarts_with(s, "hxxp[:]//") || istarts_with(s, "hxxp[://]")) {
    out += "http";
    i = 4;
  } else if (istarts_with(s, "fxp://") || istarts_with(s, "fxp[:]//")) {
    out += "ftp";
    i = 3;
  }
  while (i < s.size()) {
    char c = s[i];
    if (c == '[' || c == '(' || c == '{' || c == '\\') {
      bool done = false;
      for (const Fang& f : kFangs) {
        if (s.size() - i >= f.from.size() && iequals(s.substr(i, f.from.size()), f.from)) {
          // "\." only in a name context (between name characters), never inside a Windows path.
          if (f.from == "\\." && !(i > 0 && is_alnum(s[i - 1]) && i + 2 < s.size() && is_alnum(s[i + 2]))) break;
          out += f.to;
          i += f.from.size();
          done = true;
          break;
        }
      }
      if (done) continue;
    }
    out += c;
    ++i;
  }
  return out;
}

IpAddr mask_ip(IpAddr a, int bits) {
  if (bits <= 0) return IpAddr{};
  if (bits >= 128) return a;
  if (bits <= 64) {
    a.hi = bits == 64 ? a.hi : (a.hi & ~((~uint64_t(0)) >> bits));
    a.lo = 0;
  } else {
    int b = bits - 64;
    a.lo &= ~((~uint64_t(0)) >> b);
  }
  return a;
}

namespace {
bool parse_v4(std::string_view s, uint32_t* out) {
  uint32_t v = 0;
  int parts = 0;
  size_t i = 0;
  while (parts < 4) {
    if (i >= s.size() || !is_digit(s[i])) return false;
    size_t start = i;
    uint32_t n = 0;
    while (i < s.size() && is_digit(s[i]) && i - start < 4) n = n * 10 + uint32_t(s[i++] - '0');
    if (i - start > 3 || n > 255) return false;
    if (i - start > 1 && s[start] == '0') return false;  // "010" is octal to some tools: ambiguous, refuse
    v = (v << 8) | n;
    ++parts;
    if (parts < 4) {
      if (i >= s.size() || s[i] != '.') return false;
      ++i;
    }
  }
  if (i != s.size()) return false;
  *out = v;
  return true;
}
}  // namespace

bool parse_ip(std::string_view s, IpAddr* out) {
  if (s.empty() || s.size() > 45) return false;
  uint32_t v4;
  if (parse_v4(s, &v4)) {
    out->hi = 0;
    out->lo = (uint64_t(0xffff) << 32) | v4;
    return true;
  }
  if (s.find(':') == std::string_view::npos) return false;
  char buf[64];
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = 0;
  unsigned char b[16];
  if (inet_pton(AF_INET6, buf, b) != 1) return false;
  uint64_t hi = 0, lo = 0;
  for (int k = 0; k < 8; ++k) hi = (hi << 8) | b[k];
  for (int k = 8; k < 16; ++k) lo = (lo << 8) | b[k];
  out->hi = hi;
  out->lo = lo;
  return true;
}

bool parse_ip_loose(std::string_view s, IpAddr* out) {
  s = trim(s);
  if (s.empty() || s.size() > 64) return false;
  if (s.front() == '[') {
    size_t close = s.find(']');
    if (close == std::string_view::npos) return false;
    std::string_view rest = s.substr(close + 1);
    if (!rest.empty()) {
      if (rest[0] != ':' || rest.size() < 2) return false;
      for (char c : rest.substr(1))
        if (!is_digit(c)) return false;
    }
    s = s.substr(1, close - 1);
  }
  size_t pct = s.find('%');
  if (pct != std::string_view::npos) s = s.substr(0, pct);
  if (parse_ip(s, out)) return true;
  // a.b.c.d:port
  size_t colon = s.rfind(':');
  if (colon != std::string_view::npos && s.find(':') == colon) {
    std::string_view port = s.substr(colon + 1);
    if (port.empty() || port.size() > 5) return false;
    for (char c : port)
      if (!is_digit(c)) return false;
    uint32_t v4;
    if (parse_v4(s.substr(0, colon), &v4)) {
      out->hi = 0;
      out->lo = (uint64_t(0xffff) << 32) | v4;
      return true;
    }
  }
  return false;
}

bool parse_cidr(std::string_view s, IpAddr* net, int* bits) {
  size_t slash = s.find('/');
  if (slash == std::string_view::npos) return false;
  std::string_view len = s.substr(slash + 1);
  if (len.empty() || len.size() > 3) return false;
  int n = 0;
  for (char c : len) {
    if (!is_digit(c)) return false;
    n = n * 10 + (c - '0');
  }
  IpAddr a;
  std::string_view addr = s.substr(0, slash);
  if (!parse_ip(addr, &a)) return false;
  // An IPv4 text address takes an IPv4 prefix; "::ffff:a.b.c.d/n" is an IPv6 prefix.
  bool v4_text = addr.find(':') == std::string_view::npos;
  if (v4_text) {
    if (n > 32) return false;
    n += 96;
  } else if (n > 128) {
    return false;
  }
  *net = mask_ip(a, n);
  *bits = n;
  return true;
}

std::string format_ip(IpAddr a) {
  char buf[64];
  if (a.is_v4()) {
    uint32_t v = uint32_t(a.lo);
    std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", v >> 24, (v >> 16) & 255, (v >> 8) & 255, v & 255);
    return buf;
  }
  unsigned char b[16];
  for (int k = 0; k < 8; ++k) b[k] = uint8_t(a.hi >> (56 - 8 * k));
  for (int k = 0; k < 8; ++k) b[8 + k] = uint8_t(a.lo >> (56 - 8 * k));
  if (!inet_ntop(AF_INET6, b, buf, sizeof buf)) return std::string();
  return buf;
}

std::string format_cidr(IpAddr net, int bits) {
  // IPv4 networks print as IPv4 (only when the prefix covers the ::ffff:0:0/96 part).
  if (bits >= 96 && net.is_v4()) return format_ip(net) + "/" + std::to_string(bits - 96);
  return format_ip(net) + "/" + std::to_string(bits);
}

bool normalise_domain(std::string_view s, std::string* out) {
  if (!s.empty() && s.back() == '.') s.remove_suffix(1);
  if (s.empty() || s.size() > 253) return false;
  size_t labels = 0, label_len = 0;
  bool last_all_digits = true;
  out->clear();
  out->reserve(s.size());
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == '.') {
      if (label_len == 0 || label_len > 63) return false;
      if (s[i - 1] == '-' || s[i - label_len] == '-') return false;
      ++labels;
      if (i < s.size()) {
        out->push_back('.');
        last_all_digits = true;
      }
      label_len = 0;
      continue;
    }
    char c = s[i];
    if (!(is_alnum(c) || c == '-' || c == '_')) return false;
    if (!is_digit(c)) last_all_digits = false;
    out->push_back(ascii_lower(c));
    ++label_len;
  }
  return labels >= 2 && !last_all_digits;
}

std::string_view path_basename(std::string_view path) {
  size_t p = path.find_last_of("\\/");
  return p == std::string_view::npos ? path : path.substr(p + 1);
}

bool is_hex(std::string_view s) {
  for (char c : s)
    if (!(is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
  return !s.empty();
}

bool has_file_extension_tld(std::string_view name) {
  // Extensions of files attackers drop; none of them is a TLD in use. (.zip and .mov are real TLDs: left out.)
  static constexpr std::string_view kExt[] = {
      "exe", "dll", "sys", "bat", "cmd", "ps1", "psm1", "vbs", "vbe", "js",   "jse", "wsf", "hta", "scr",
      "cpl", "ocx", "msi", "lnk", "dat", "bin", "tmp",  "log", "ini", "cfg",  "chm", "hlp", "doc", "docx",
      "docm", "xls", "xlsx", "xlsm", "ppt", "pptx", "rtf", "pdf", "jar", "cab", "rar", "7z",  "iso", "img",
      "txt", "py",  "sh",  "elf", "so",  "tar",  "gz",  "db",  "sql", "asm",  "dmp", "aym", "its", "bak"};
  size_t dot = name.rfind('.');
  if (dot == std::string_view::npos) return false;
  std::string_view ext = name.substr(dot + 1);
  for (std::string_view e : kExt)
    if (iequals(ext, e)) return true;
  return false;
}

namespace {

bool bad_path_char(char c) { return c == '<' || c == '>' || c == '"' || c == '|' || (unsigned char)c < 0x20; }

// A Windows path or glob: starts with a drive ("C:\"), a separator, "%VAR%\", or a wildcard, and has no
// characters Windows forbids in names. Spaces are allowed ("C:\Program Files\x.exe").
bool looks_like_path(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (bad_path_char(c)) return false;
  bool starts = false;
  if (s.size() >= 3 && is_alpha(s[0]) && s[1] == ':' && (s[2] == '\\' || s[2] == '/')) starts = true;
  else if (s[0] == '\\' || s[0] == '*' || s[0] == '?') starts = true;
  else if (s[0] == '/' && s.find(' ') == std::string_view::npos) starts = true;
  else if (s[0] == '%') {
    size_t close = s.find('%', 1);
    if (close != std::string_view::npos && close + 1 < s.size() && (s[close + 1] == '\\' || s[close + 1] == '/')) {
      starts = true;
      for (size_t k = 1; k < close; ++k)
        if (!(is_alnum(s[k]) || s[k] == '_')) starts = false;
    }
  }
  if (!starts) return false;
  // After the drive, no more ':' (that would be a URL or an NTFS stream; refuse to guess).
  size_t from = (s.size() >= 2 && s[1] == ':') ? 2 : 0;
  return s.find(':', from) == std::string_view::npos;
}

bool normalise_url(std::string_view s, std::string* out, std::string* why) {
  size_t sep = s.find("://");
  if (sep == std::string_view::npos || sep == 0) {
    *why = "URL without a scheme";
    return false;
  }
  for (size_t k = 0; k < sep; ++k)
    if (!(is_alnum(s[k]) || s[k] == '+' || s[k] == '-' || s[k] == '.')) {
      *why = "URL scheme has invalid characters";
      return false;
    }
  std::string_view rest = s.substr(sep + 3);
  size_t host_end = rest.find_first_of("/?#");
  std::string_view hostport = rest.substr(0, host_end);
  // Drop user info.
  size_t at = hostport.rfind('@');
  if (at != std::string_view::npos) hostport = hostport.substr(at + 1);
  std::string_view host = hostport;
  if (!host.empty() && host.front() == '[') {
    size_t close = host.find(']');
    if (close == std::string_view::npos) {
      *why = "URL host has an unclosed '['";
      return false;
    }
    host = host.substr(0, close + 1);
  } else {
    size_t colon = host.find(':');
    if (colon != std::string_view::npos) host = host.substr(0, colon);
  }
  std::string dom;
  IpAddr ip;
  std::string_view bare = host;
  if (!bare.empty() && bare.front() == '[') bare = bare.substr(1, bare.size() - 2);
  if (!parse_ip(bare, &ip) && !normalise_domain(host, &dom)) {
    *why = "URL host is neither a DNS name nor an IP address";
    return false;
  }
  for (char c : s)
    if ((unsigned char)c <= 0x20 || c == 0x7f) {
      *why = "URL contains spaces or control characters";
      return false;
    }
  out->clear();
  for (size_t k = 0; k < sep; ++k) out->push_back(ascii_lower(s[k]));
  out->append("://");
  for (char c : hostport) out->push_back(ascii_lower(c));
  if (host_end != std::string_view::npos) out->append(rest.substr(host_end));
  return true;
}

bool normalise_hash(IocType t, std::string_view s, std::string* out, std::string* why) {
  size_t want = t == IocType::kSha1 ? 40 : t == IocType::kSha256 ? 64 : 32;
  if (s.size() != want || !is_hex(s)) {
    *why = std::string("not a ") + ioc_type_name(t) + " (expected " + std::to_string(want) + " hex digits)";
    return false;
  }
  *out = to_lower(s);
  return true;
}

}  // namespace

bool normalise_typed(IocType* type, std::string_view raw, std::string* out, std::string* why) {
  std::string fixed = refang(trim(raw));
  std::string_view s = fixed;
  if (s.empty()) {
    *why = "empty value";
    return false;
  }
  switch (*type) {
    case IocType::kIp:
    case IocType::kCidr: {
      IpAddr a;
      int bits;
      if (s.find('/') != std::string_view::npos) {
        if (!parse_cidr(s, &a, &bits)) {
          *why = "not an IP network (expected address/prefix)";
          return false;
        }
        *type = IocType::kCidr;
        *out = format_cidr(a, bits);
        return true;
      }
      if (!parse_ip_loose(s, &a)) {
        *why = "not an IP address";
        return false;
      }
      *type = IocType::kIp;
      *out = format_ip(a);
      return true;
    }
    case IocType::kDomain:
    case IocType::kDomainTree: {
      if (s.size() > 2 && s[0] == '*' && s[1] == '.') {
        s.remove_prefix(2);
        *type = IocType::kDomainTree;
      } else if (s.size() > 1 && s[0] == '.') {
        s.remove_prefix(1);
        *type = IocType::kDomainTree;
      }
      if (!normalise_domain(s, out)) {
        *why = "not a DNS name";
        return false;
      }
      return true;
    }
    case IocType::kUrl:
      return normalise_url(s, out, why);
    case IocType::kMd5:
    case IocType::kSha1:
    case IocType::kSha256:
    case IocType::kImphash:
      return normalise_hash(*type, s, out, why);
    case IocType::kFileName:
    case IocType::kFileGlob: {
      for (char c : s)
        if (bad_path_char(c)) {
          *why = "file name has characters Windows forbids";
          return false;
        }
      bool wild = s.find_first_of("*?") != std::string_view::npos;
      if (!wild && !glob_has_separator(s)) {
        *type = IocType::kFileName;
        *out = to_lower(s);
      } else {
        *type = IocType::kFileGlob;
        *out = std::string(s);
      }
      return true;
    }
    case IocType::kFileRegex:
      *out = std::string(trim(raw));  // never refanged: "\." is regex syntax here
      if (out->empty()) {
        *why = "empty regex";
        return false;
      }
      return true;
  }
  *why = "unknown type";
  return false;
}

bool classify(std::string_view raw, IocType* type, std::string* out, std::string* why) {
  std::string fixed = refang(trim(raw));
  std::string_view s = fixed;
  if (s.empty()) {
    *why = "empty value";
    return false;
  }
  std::string scratch;
  if (is_hex(s) && (s.size() == 32 || s.size() == 40 || s.size() == 64)) {
    *type = s.size() == 32 ? IocType::kMd5 : s.size() == 40 ? IocType::kSha1 : IocType::kSha256;
    return normalise_typed(type, s, out, why);
  }
  if (s.find("://") != std::string_view::npos) {
    *type = IocType::kUrl;
    return normalise_typed(type, s, out, why);
  }
  IpAddr a;
  int bits;
  if (parse_cidr(s, &a, &bits)) {
    *type = IocType::kCidr;
    *out = format_cidr(a, bits);
    return true;
  }
  if (parse_ip_loose(s, &a)) {
    *type = IocType::kIp;
    *out = format_ip(a);
    return true;
  }
  if (s.size() > 2 && s[0] == '*' && s[1] == '.' && normalise_domain(s.substr(2), &scratch) &&
      !has_file_extension_tld(scratch)) {
    *type = IocType::kDomainTree;
    *out = std::move(scratch);
    return true;
  }
  if (looks_like_path(s)) {
    *type = IocType::kFileGlob;
    return normalise_typed(type, s, out, why);
  }
  if (s.find_first_of(" \t") != std::string_view::npos) {
    *why = "has spaces and is not a file path";
    return false;
  }
  // "evil.com/path" without a scheme: a URL when the part before the first '/' is a DNS name.
  size_t slash = s.find('/');
  if (slash != std::string_view::npos && slash > 0) {
    if (normalise_domain(s.substr(0, slash), &scratch) && !has_file_extension_tld(scratch)) {
      *type = IocType::kUrl;
      return normalise_typed(type, "http://" + std::string(s), out, why);
    }
    *why = "has a '/' but is neither a URL nor a file path";
    return false;
  }
  std::string_view name = s;
  bool tree = false;
  if (name.size() > 2 && name[0] == '*' && name[1] == '.') {
    name.remove_prefix(2);
    tree = true;
  }
  if (normalise_domain(name, &scratch)) {
    if (!tree && has_file_extension_tld(scratch)) {
      *type = IocType::kFileName;
      return normalise_typed(type, s, out, why);
    }
    *type = tree ? IocType::kDomainTree : IocType::kDomain;
    *out = std::move(scratch);
    return true;
  }
  if (s.find_first_of("*?") != std::string_view::npos && s.find('.') != std::string_view::npos) {
    *type = IocType::kFileGlob;  // "*.tmp.exe", "svc?.dll"
    return normalise_typed(type, s, out, why);
  }
  *why = "not a recognised indicator (expected an IP, CIDR, domain, URL, MD5/SHA1/SHA256 or file name)";
  return false;
}

std::string glob_to_regex(std::string_view glob) {
  std::string r = "^";
  for (char c : glob) {
    switch (c) {
      case '*': r += ".*"; break;
      case '?': r += "."; break;
      case '\\':
      case '/': r += "[\\\\/]"; break;
      default:
        if (is_alnum(c) || (unsigned char)c >= 0x80) {
          r += c;
        } else {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", (unsigned char)c);
          r += buf;
        }
    }
  }
  r += "$";
  return r;
}

bool glob_has_separator(std::string_view glob) { return glob.find_first_of("\\/") != std::string_view::npos; }

bool glob_match(std::string_view g, std::string_view t) {
  // Iterative wildcard matching with one backtrack point (linear-ish; no recursion).
  size_t gi = 0, ti = 0, star = std::string_view::npos, mark = 0;
  auto same = [](char a, char b) {
    if ((a == '\\' || a == '/') && (b == '\\' || b == '/')) return true;
    return ascii_lower(a) == ascii_lower(b);
  };
  while (ti < t.size()) {
    if (gi < g.size() && (g[gi] == '?' || (g[gi] != '*' && same(g[gi], t[ti])))) {
      ++gi;
      ++ti;
    } else if (gi < g.size() && g[gi] == '*') {
      star = gi++;
      mark = ti;
    } else if (star != std::string_view::npos) {
      gi = star + 1;
      ti = ++mark;
    } else {
      return false;
    }
  }
  while (gi < g.size() && g[gi] == '*') ++gi;
  return gi == g.size();
}

std::string_view url_rest(std::string_view url) {
  size_t sep = url.find("://");
  return sep == std::string_view::npos ? url : url.substr(sep + 3);
}

std::string_view url_host(std::string_view rest) {
  size_t end = rest.find_first_of("/?#");
  std::string_view hp = rest.substr(0, end);
  size_t at = hp.rfind('@');
  if (at != std::string_view::npos) hp = hp.substr(at + 1);
  if (!hp.empty() && hp.front() == '[') {
    size_t close = hp.find(']');
    return close == std::string_view::npos ? hp : hp.substr(0, close + 1);
  }
  size_t colon = hp.find(':');
  return colon == std::string_view::npos ? hp : hp.substr(0, colon);
}

bool url_boundary_ok(std::string_view rest, const char* next, const char* end) {
  if (next >= end) return true;
  char last = rest.empty() ? '/' : rest.back();
  if (last == '/' || last == '?' || last == '=' || last == '&' || last == '#') return true;
  char c = *next;
  return !(is_alnum(c) || c == '_' || c == '-' || c == '.' || c == '%');
}

uint64_t hash_bytes(const void* data, size_t n, uint64_t seed) {
  const unsigned char* p = static_cast<const unsigned char*>(data);
  uint64_t h = seed ^ (0x9e3779b97f4a7c15ULL * (n + 1));
  auto mix = [](uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
  };
  while (n >= 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    h = (h ^ mix(v)) * 0x100000001b3ULL + 0x9e3779b97f4a7c15ULL;
    p += 8;
    n -= 8;
  }
  uint64_t tail = 0;
  for (size_t k = 0; k < n; ++k) tail |= uint64_t(p[k]) << (8 * k);
  h = (h ^ mix(tail + n)) * 0x100000001b3ULL;
  return mix(h);
}

}  // namespace trawl::ioc

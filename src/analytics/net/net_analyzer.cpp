#include "analytics/net/net_analyzer.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <functional>
#include <limits>
#include <memory>
#include <new>
#include <sstream>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>

#include "core/text.h"
#include "core/time.h"

namespace trawl {

namespace {

constexpr int64_t kCentiUs = 10000;  // microseconds per stored tick (centiseconds)

uint64_t hash_bytes(std::string_view s, uint64_t seed = 0x9E3779B97F4A7C15ull) {
  uint64_t h = 1469598103934665603ull ^ seed;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  return h;
}

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
};

// Splitmix-style finaliser: cheap and good enough for open addressing.
inline uint64_t mix64(uint64_t h) {
  h ^= h >> 31;
  h *= 0x7fb5d329728ea185ull;
  h ^= h >> 27;
  h *= 0x81dadef4bc2dd44dull;
  h ^= h >> 33;
  return h;
}

// Strict dotted-quad IPv4 ("10.0.0.1") -> host-order integer.
bool parse_ipv4_fast(std::string_view s, uint32_t* out) {
  if (s.size() < 7 || s.size() > 15) return false;
  uint32_t ip = 0, part = 0;
  int dots = 0, digits = 0;
  for (char c : s) {
    if (c >= '0' && c <= '9') {
      part = part * 10 + uint32_t(c - '0');
      if (++digits > 3 || part > 255) return false;
    } else if (c == '.') {
      if (digits == 0 || ++dots > 3) return false;
      ip = (ip << 8) | part;
      part = 0;
      digits = 0;
    } else {
      return false;
    }
  }
  if (dots != 3 || digits == 0) return false;
  *out = (ip << 8) | part;
  return true;
}

// Open-addressing map from a key to a dense uint32 id (linear probing, power-of-two capacity, load <= 1/2).
// Key must be default-constructible and ==-comparable; Hash maps it to a well-mixed size_t.
template <class Key, class Hash>
class FlatIdMap {
 public:
  // Returns the id for key, inserting next_id when absent (then *inserted = true).
  uint32_t find_or_insert(const Key& key, uint32_t next_id, bool* inserted) {
    if ((size_ + 1) * 2 > slots_.size()) grow();
    size_t mask = slots_.size() - 1;
    for (size_t i = Hash()(key) & mask;; i = (i + 1) & mask) {
      Slot& sl = slots_[i];
      if (sl.id == kEmpty) {
        sl.key = key;
        sl.id = next_id;
        ++size_;
        *inserted = true;
        return next_id;
      }
      if (sl.key == key) {
        *inserted = false;
        return sl.id;
      }
    }
  }

 private:
  static constexpr uint32_t kEmpty = UINT32_MAX;
  struct Slot {
    Key key{};
    uint32_t id = kEmpty;
  };
  void grow() {
    std::vector<Slot> old;
    old.swap(slots_);
    slots_.assign(old.empty() ? 1024 : old.size() * 2, Slot());
    size_ = 0;
    bool ins;
    for (const Slot& sl : old)
      if (sl.id != kEmpty) find_or_insert(sl.key, sl.id, &ins);
  }
  std::vector<Slot> slots_;
  size_t size_ = 0;
};

struct U64Hash {
  size_t operator()(uint64_t k) const { return size_t(mix64(k)); }
};

// Interns strings to dense ids; ids are stable, names live in a deque. IPv4 addresses (most of what is
// interned) take a fast path: parsed to an integer and looked up in a flat table.
class StringPool {
 public:
  uint32_t intern(std::string_view s) {
    uint32_t ip;
    if (parse_ipv4_fast(s, &ip)) {
      bool inserted;
      uint32_t id = v4_.find_or_insert(uint64_t(ip) + 1, uint32_t(names_.size()), &inserted);
      if (inserted) names_.emplace_back(s);
      return id;
    }
    auto it = ids_.find(s);
    if (it != ids_.end()) return it->second;
    names_.emplace_back(s);
    uint32_t id = uint32_t(names_.size() - 1);
    ids_.emplace(std::string_view(names_.back()), id);
    return id;
  }
  const std::string& name(uint32_t id) const { return names_[id]; }
  size_t size() const { return names_.size(); }

 private:
  std::deque<std::string> names_;
  FlatIdMap<uint64_t, U64Hash> v4_;
  std::unordered_map<std::string_view, uint32_t, StringHash, std::equal_to<>> ids_;
};

struct PairKey {
  uint32_t tenant, src, dst;
  bool operator==(const PairKey& o) const { return tenant == o.tenant && src == o.src && dst == o.dst; }
};
struct PairKeyHash {
  size_t operator()(const PairKey& k) const {
    return size_t(mix64((uint64_t(k.src) << 32 | k.dst) ^ (uint64_t(k.tenant) * 0x9E3779B97F4A7C15ull)));
  }
};


// Per-connection samples are not kept per pair (a vector per pair costs more in allocator overhead than the
// samples themselves when most pairs see one or two connections): they go to append-only logs of
// (pair, value) records, chunked so that growth never copies, and are grouped by pair once, in finish().
template <class T>
class ChunkLog {
  static_assert(std::is_trivially_destructible_v<T> && std::is_trivially_copyable_v<T>,
                "chunks are raw storage: records are copied in and never destroyed");

 public:
  static constexpr size_t kChunk = size_t(1) << 16;
  ChunkLog() = default;
  ChunkLog(ChunkLog&&) noexcept = default;
  ChunkLog& operator=(ChunkLog&&) noexcept = default;
  void push_back(const T& v) {
    // Raw storage: a new chunk costs address space, not resident memory, until records are written (a small
    // input's analyzer per thread stays small).
    if (size_ % kChunk == 0) chunks_.emplace_back(static_cast<T*>(std::malloc(sizeof(T) * kChunk)));
    if (!chunks_.back()) throw std::bad_alloc();
    new (&chunks_.back().get()[size_ % kChunk]) T(v);
    ++size_;
  }
  size_t size() const { return size_; }
  T& operator[](size_t i) { return chunks_[i / kChunk].get()[i % kChunk]; }
  const T& operator[](size_t i) const { return chunks_[i / kChunk].get()[i % kChunk]; }
  // Calls f on every record in order, freeing each chunk once it is read; the log is empty afterwards.
  template <class F>
  void drain(F&& f) {
    for (size_t c = 0; c < chunks_.size(); ++c) {
      const size_t n = std::min(kChunk, size_ - c * kChunk);
      for (size_t i = 0; i < n; ++i) f(chunks_[c].get()[i]);
      chunks_[c].reset();
    }
    chunks_.clear();
    size_ = 0;
  }
  template <class F>
  void for_each(F&& f) {
    for (size_t c = 0; c < chunks_.size(); ++c) {
      const size_t n = std::min(kChunk, size_ - c * kChunk);
      for (size_t i = 0; i < n; ++i) f(chunks_[c].get()[i]);
    }
  }

 private:
  struct Free {
    void operator()(T* p) const { std::free(p); }
  };
  std::vector<std::unique_ptr<T, Free>> chunks_;
  size_t size_ = 0;
};

struct TickRec {
  uint32_t pair;
  int32_t tick;  // connection start, centiseconds from the tenant's base time
};
struct SizeRec {
  uint32_t pair;
  uint32_t size;  // bytes sent by the source on one connection
};

// The samples of every pair, grouped: pair i's are [off[i], off[i + 1]) of vals.
template <class V>
struct Grouped {
  std::vector<uint32_t> off;
  std::vector<V> vals;
  V* begin(size_t i) { return vals.data() + off[i]; }
  V* end(size_t i) { return vals.data() + off[i + 1]; }
  size_t size(size_t i) const { return off[i + 1] - off[i]; }
};
template <class V, class Rec, class Get>
Grouped<V> group_by_pair(ChunkLog<Rec>& log, size_t pairs, Get get) {
  Grouped<V> g;
  g.off.assign(pairs + 1, 0);
  log.for_each([&](const Rec& r) { ++g.off[r.pair + 1]; });
  for (size_t i = 0; i < pairs; ++i) g.off[i + 1] += g.off[i];
  g.vals.resize(log.size());
  std::vector<uint32_t> fill(g.off.begin(), g.off.end() - 1);
  log.drain([&](const Rec& r) { g.vals[fill[r.pair]++] = get(r); });
  return g;
}

// Pair key -> dense pair id. The keys live in the pairs' own (chunked) key table, so a slot is only the id and a
// 32-bit hash tag: 8 bytes, at most 3/4 full (a 16-byte key-in-slot table at 1/2 load took four times that).
class PairIndex {
 public:
  uint32_t find_or_insert(const PairKey& key, const ChunkLog<PairKey>& keys, bool* inserted) {
    if ((size_ + 1) * 4 > slots_.size() * 3) grow(keys);
    const size_t h = PairKeyHash()(key);
    const uint32_t tag = uint32_t(h >> 32);
    const size_t mask = slots_.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      Slot& sl = slots_[i];
      if (sl.id == kEmpty) {
        sl.id = uint32_t(keys.size());
        sl.tag = tag;
        ++size_;
        *inserted = true;
        return sl.id;
      }
      if (sl.tag == tag && keys[sl.id] == key) {
        *inserted = false;
        return sl.id;
      }
    }
  }

 private:
  static constexpr uint32_t kEmpty = UINT32_MAX;
  struct Slot {
    uint32_t id = kEmpty;
    uint32_t tag = 0;
  };
  void grow(const ChunkLog<PairKey>& keys) {
    std::vector<Slot> old;
    old.swap(slots_);
    slots_.assign(old.empty() ? 1024 : old.size() * 2, Slot());
    const size_t mask = slots_.size() - 1;
    for (const Slot& sl : old) {
      if (sl.id == kEmpty) continue;
      size_t i = PairKeyHash()(keys[sl.id]) & mask;
      while (slots_[i].id != kEmpty) i = (i + 1) & mask;
      slots_[i] = sl;
    }
  }
  std::vector<Slot> slots_;
  size_t size_ = 0;
};

struct PairState {
  uint64_t out_bytes = 0, in_bytes = 0;
  double total_duration = 0, max_duration = 0, open_duration = 0;
  uint32_t count = 0, open_count = 0;
  uint16_t port = 0;
  bool multi_port = false;
  bool proxied = false;  // FQDN pairs: seen through an HTTP CONNECT
  uint32_t proxy = UINT32_MAX;  // FQDN pairs: the IP the connection went to (the proxy or the server)
};

struct OpenConn {
  uint32_t ip_pair;
  double duration;
  uint64_t out, in;
};

struct PendingConn {
  uint64_t uid;
  uint64_t out, in;
  double duration;
  uint32_t size;
};

struct DnsDomain {
  std::unordered_set<uint64_t> subdomains;
  uint64_t unique_over_cap = 0;
  uint64_t queries = 0;
  double sum_len = 0, sum_entropy = 0;  // over unique subdomains
  std::string example;
  uint32_t client = UINT32_MAX;
  bool many_clients = false;
  int64_t first_us = kNoTime, last_us = kNoTime;
};

struct TenantState {
  int64_t base_us = kNoTime;
  int64_t min_us = std::numeric_limits<int64_t>::max(), max_us = std::numeric_limits<int64_t>::min();
  std::unordered_map<uint64_t, uint32_t> uid_fqdn;  // uid -> FQDN pair
  std::unordered_map<uint64_t, OpenConn> open;      // uid -> still-open connection
  std::unordered_map<uint32_t, DnsDomain> dns;      // registrable domain id -> state
  std::vector<std::pair<int64_t, int64_t>> src_range;  // by source string id: first/last conn (us); 0,0 unseen
};

bool is_ip_literal(std::string_view s) {
  if (s.empty()) return false;
  if (s.find(':') != std::string_view::npos) return true;  // IPv6 (host:port was stripped before)
  for (char c : s)
    if (!((c >= '0' && c <= '9') || c == '.')) return false;
  return true;
}

bool parse_u64(std::string_view s, uint64_t* v) {
  auto r = std::from_chars(s.data(), s.data() + s.size(), *v);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}
double parse_double(std::string_view s) {
  double v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || !std::isfinite(v) || v < 0) return 0;
  return v;
}

std::string lower_host(std::string_view h) {
  h = trim(h);
  // "host:port" (CONNECT targets, Host headers with ports); keep IPv6 literals whole.
  if (!h.empty() && h.front() == '[') {
    size_t e = h.find(']');
    h = e == std::string_view::npos ? h.substr(1) : h.substr(1, e - 1);
  } else if (std::count(h.begin(), h.end(), ':') == 1) {
    h = h.substr(0, h.find(':'));
  }
  std::string r = to_lower(h);
  while (!r.empty() && r.back() == '.') r.pop_back();
  return r;
}

bool parse_ip(std::string_view s, bool* v6, uint8_t out[16]) {
  std::string z(s);
  std::memset(out, 0, 16);
  if (inet_pton(AF_INET, z.c_str(), out) == 1) {
    *v6 = false;
    return true;
  }
  if (inet_pton(AF_INET6, z.c_str(), out) == 1) {
    *v6 = true;
    return true;
  }
  return false;
}

bool is_private_ip(std::string_view ip) {
  bool v6;
  uint8_t a[16];
  if (!parse_ip(ip, &v6, a)) return false;
  if (!v6) {
    return a[0] == 10 || (a[0] == 172 && (a[1] & 0xF0) == 16) || (a[0] == 192 && a[1] == 168) || a[0] == 127 ||
           (a[0] == 169 && a[1] == 254) || a[0] >= 224 || (a[0] == 100 && (a[1] & 0xC0) == 64);
  }
  return (a[0] & 0xFE) == 0xFC || (a[0] == 0xFE && (a[1] & 0xC0) == 0x80) || a[0] == 0xFF ||
         (std::all_of(a, a + 15, [](uint8_t b) { return b == 0; }) && a[15] == 1);
}

// Multicast, broadcast and link-local-scope group addresses: discovery chatter (SSDP, mDNS, router
// solicitations) is periodic by design and never C2.
bool is_group_address(std::string_view ip) {
  bool v6;
  uint8_t a[16];
  if (!parse_ip(ip, &v6, a)) return false;
  if (!v6) return a[0] >= 224 || (a[3] == 255 && a[0] != 0);
  return a[0] == 0xFF;
}

std::string fmt_double(double v, int prec = 3) {
  char b[64];
  std::snprintf(b, sizeof b, "%.*f", prec, v);
  return b;
}

std::string fmt_duration(double s) {
  char b[64];
  if (s >= 3600)
    std::snprintf(b, sizeof b, "%.1f h", s / 3600);
  else if (s >= 60)
    std::snprintf(b, sizeof b, "%.1f min", s / 60);
  else
    std::snprintf(b, sizeof b, "%.2f s", s);
  return b;
}

const char* const kMultiLabelSuffixes[] = {
    "co.uk", "org.uk", "ac.uk", "gov.uk", "me.uk", "net.uk", "ltd.uk", "plc.uk", "nhs.uk", "sch.uk",
    "com.au", "net.au", "org.au", "edu.au", "gov.au", "asn.au", "id.au",
    "co.nz", "net.nz", "org.nz", "govt.nz", "ac.nz",
    "co.jp", "ne.jp", "or.jp", "ac.jp", "go.jp", "gr.jp",
    "co.kr", "or.kr", "ne.kr", "go.kr", "ac.kr",
    "com.br", "net.br", "org.br", "gov.br",
    "com.cn", "net.cn", "org.cn", "gov.cn", "edu.cn",
    "com.hk", "com.tw", "com.sg", "com.my", "com.mx", "com.ar", "com.tr", "com.ua", "com.pl",
    "co.in", "net.in", "org.in", "gov.in", "co.za", "org.za", "co.il", "ac.il", "co.id", "or.id", "co.th",
    "com.vn", "com.ph", "com.pk", "com.sa", "com.eg", "com.co", "com.pe",
    "gc.ca", "qc.ca", "on.ca", "bc.ca", "ab.ca", "gov.ch", "gouv.fr", "asso.fr",
};

}  // namespace

// ---------------------------------------------------------------------------------------------------------

std::string registrable_domain(std::string_view name) {
  std::string n = to_lower(trim(name));
  while (!n.empty() && n.back() == '.') n.pop_back();
  if (n.empty() || is_ip_literal(n)) return std::string();
  if (iends_with(n, ".in-addr.arpa") || iends_with(n, ".ip6.arpa") || n == "in-addr.arpa") return std::string();
  size_t last = n.rfind('.');
  if (last == std::string::npos || last == 0) return std::string();
  size_t second = n.rfind('.', last - 1);
  if (second == std::string::npos) return n;  // already two labels
  std::string_view two(n.data() + second + 1, n.size() - second - 1);
  bool multi = false;
  for (const char* s : kMultiLabelSuffixes)
    if (two == s) {
      multi = true;
      break;
    }
  if (!multi) return n.substr(second + 1);
  if (second == 0) return n;
  size_t third = n.rfind('.', second - 1);
  return third == std::string::npos ? n : n.substr(third + 1);
}

double shannon_entropy(std::string_view s) {
  if (s.empty()) return 0;
  int counts[256] = {};
  for (unsigned char c : s) counts[c]++;
  double h = 0, n = double(s.size());
  for (int c : counts)
    if (c) {
      double p = c / n;
      h -= p * std::log2(p);
    }
  return h;
}

std::string net_csv_cell(std::string_view s) {
  std::string v;
  if (!s.empty() && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r'))
    v.push_back('\'');
  v.append(s);
  if (v.find_first_of(",\"\n\r") == std::string::npos) return v;
  std::string q = "\"";
  for (char c : v) {
    if (c == '"') q.push_back('"');
    q.push_back(c);
  }
  q.push_back('"');
  return q;
}

Level net_level_for_score(double s) {
  if (s >= 0.9) return Level::kCritical;
  if (s >= 0.75) return Level::kHigh;
  if (s >= 0.6) return Level::kMedium;
  if (s >= 0.4) return Level::kLow;
  return Level::kInformational;
}

// ---------------------------------------------------------------------------------------------------------
// Allow-list

void NetAllowList::add_domain(std::string_view d) {
  std::string n = lower_host(d);
  while (!n.empty() && n.front() == '.') n.erase(n.begin());
  if (n.size() > 2 && n[0] == '*' && n[1] == '.') n = n.substr(2);
  if (!n.empty()) domains_.push_back(n);
}

bool NetAllowList::add_cidr(std::string_view c) {
  c = trim(c);
  Cidr r;
  size_t slash = c.find('/');
  std::string_view addr = c.substr(0, slash);
  if (!parse_ip(addr, &r.v6, r.addr)) return false;
  int max = r.v6 ? 128 : 32;
  r.bits = max;
  if (slash != std::string_view::npos) {
    uint64_t b;
    if (!parse_u64(c.substr(slash + 1), &b) || b > uint64_t(max)) return false;
    r.bits = int(b);
  }
  cidrs_.push_back(r);
  return true;
}

bool NetAllowList::allows_domain(std::string_view fqdn) const {
  if (domains_.empty()) return false;
  std::string n = lower_host(fqdn);
  for (const std::string& d : domains_) {
    if (n == d) return true;
    if (n.size() > d.size() && n[n.size() - d.size() - 1] == '.' && n.compare(n.size() - d.size(), d.size(), d) == 0)
      return true;
  }
  return false;
}

bool NetAllowList::allows_ip(std::string_view ip) const {
  if (cidrs_.empty()) return false;
  bool v6;
  uint8_t a[16];
  if (!parse_ip(trim(ip), &v6, a)) return false;
  for (const Cidr& c : cidrs_) {
    if (c.v6 != v6) continue;
    int full = c.bits / 8, rem = c.bits % 8;
    if (std::memcmp(a, c.addr, size_t(full)) != 0) continue;
    if (rem && ((a[full] ^ c.addr[full]) & uint8_t(0xFF << (8 - rem)))) continue;
    return true;
  }
  return false;
}

Result<NetAllowList> NetAllowList::parse(std::string_view text) {
  NetAllowList l;
  size_t pos = 0, line_no = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
    ++line_no;
    size_t hash = line.find('#');
    if (hash != std::string_view::npos) line = line.substr(0, hash);
    line = trim(line);
    if (line.empty()) continue;
    if (line[0] == '-') line = trim(line.substr(1));
    if (!line.empty() && line.back() == ':') continue;  // a YAML key ("domains:")
    if (line.size() >= 2 && (line.front() == '"' || line.front() == '\'') && line.back() == line.front())
      line = line.substr(1, line.size() - 2);
    if (line.empty()) continue;
    bool v6;
    uint8_t a[16];
    std::string_view addr = line.substr(0, line.find('/'));
    if (parse_ip(addr, &v6, a)) {
      if (!l.add_cidr(line))
        return Status::Error("allow-list line " + std::to_string(line_no) + ": bad CIDR '" + std::string(line) + "'");
    } else {
      for (char c : line)
        if (!(std::isalnum(uint8_t(c)) || c == '.' || c == '-' || c == '_' || c == '*'))
          return Status::Error("allow-list line " + std::to_string(line_no) + ": not a domain or CIDR: '" +
                               std::string(line) + "'");
      l.add_domain(line);
    }
  }
  return l;
}

Result<NetAllowList> NetAllowList::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Error(path + ": cannot open the allow-list");
  std::stringstream ss;
  ss << in.rdbuf();
  auto r = parse(ss.str());
  if (!r.ok()) return Status::Error(path + ": " + r.status().message());
  return r;
}

// ---------------------------------------------------------------------------------------------------------
// Analyzer state

struct NetAnalyzer::State {
  NetOptions opt;
  StringPool strings;  // tenants, IPs, FQDNs, domains
  std::vector<TenantState> tenants;  // by tenant string id (sparse: index = string id)
  PairIndex ip_index, fqdn_index;
  ChunkLog<PairKey> ip_keys, fqdn_keys;      // by pair id (chunked: growing never copies)
  ChunkLog<PairState> ip_pairs, fqdn_pairs;
  // Per-connection samples: IP pairs get a start and a size per conn record; FQDN pairs a start per http/ssl
  // connection and a size per conn record joined to it by uid.
  ChunkLog<TickRec> ip_ticks, fqdn_ticks;
  ChunkLog<SizeRec> ip_sizes, fqdn_sizes;
  std::vector<PendingConn> pending;
  std::vector<uint32_t> pending_tenant;
  Stats stats;

  TenantState& tenant(uint32_t id) {
    if (id >= tenants.size()) tenants.resize(id + 1);
    return tenants[id];
  }
  uint32_t pair(bool fqdn, const PairKey& k) {
    auto& keys = fqdn ? fqdn_keys : ip_keys;
    bool inserted;
    uint32_t id = (fqdn ? fqdn_index : ip_index).find_or_insert(k, keys, &inserted);
    if (inserted) {
      keys.push_back(k);
      (fqdn ? fqdn_pairs : ip_pairs).push_back(PairState());
    }
    return id;
  }
  // The tenant id of the last FileInfo seen (events come in long runs from one file).
  // (FileInfo addresses are reused after a file is freed, so the name is compared too.)
  const FileInfo* last_file = nullptr;
  uint32_t last_tenant = 0;
  uint32_t tenant_of(const FileInfo* fi) {
    std::string_view name = fi ? std::string_view(fi->tenant) : std::string_view();
    if (fi == last_file && strings.name(last_tenant) == name) return last_tenant;
    last_file = fi;
    last_tenant = strings.intern(name);
    return last_tenant;
  }
  static int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b) < 0 ? 1 : 0); }
  static int32_t to_ticks(TenantState& t, int64_t us) {
    // The base is a whole number of ticks so that merging analyzers with other bases shifts exactly.
    if (t.base_us == kNoTime) t.base_us = floor_div(us, kCentiUs) * kCentiUs;
    int64_t d = floor_div(us - t.base_us, kCentiUs);
    if (d > INT32_MAX) d = INT32_MAX;
    if (d < INT32_MIN) d = INT32_MIN;
    return int32_t(d);
  }
  void add_conn_to_ip_pair(uint32_t id, int32_t tick, uint32_t size, uint64_t out, uint64_t in, double dur,
                           uint16_t port) {
    PairState& p = ip_pairs[id];
    ip_ticks.push_back(TickRec{id, tick});
    ip_sizes.push_back(SizeRec{id, size});
    p.out_bytes += out;
    p.in_bytes += in;
    p.total_duration += dur;
    p.max_duration = std::max(p.max_duration, dur);
    ++p.count;
    if (p.count == 1)
      p.port = port;
    else if (p.port != port)
      p.multi_port = true;
  }
};

NetAnalyzer::NetAnalyzer(NetOptions o) : s_(std::make_unique<State>()) { s_->opt = std::move(o); }
NetAnalyzer::~NetAnalyzer() = default;
NetAnalyzer::NetAnalyzer(NetAnalyzer&&) noexcept = default;
NetAnalyzer& NetAnalyzer::operator=(NetAnalyzer&&) noexcept = default;

NetAnalyzer::Stats NetAnalyzer::stats() const {
  Stats st = s_->stats;
  st.ip_pairs = s_->ip_pairs.size();
  st.fqdn_pairs = s_->fqdn_pairs.size();
  st.dns_domains = 0;
  for (auto& t : s_->tenants) st.dns_domains += t.dns.size();
  return st;
}

namespace {
enum class LogKind { kOther, kConn, kOpenConn, kDns, kHttp, kSsl };
LogKind kind_of(std::string_view t) {
  if (t == "conn") return LogKind::kConn;
  if (t == "open_conn") return LogKind::kOpenConn;
  if (t == "dns") return LogKind::kDns;
  if (t == "http" || t == "open_http") return LogKind::kHttp;
  if (t == "ssl" || t == "open_ssl") return LogKind::kSsl;
  return LogKind::kOther;
}
}  // namespace

void NetAnalyzer::add(const Event& e) {
  State& s = *s_;
  std::string_view type;
  for (const Field& f : e.fields())
    if (f.name == "_path" || f.name == "@stream") {
      type = f.value;
      break;
    }
  if (type.empty() && e.file) type = e.file->zeek_log_type;
  LogKind kind = kind_of(type);
  if (kind == LogKind::kOther || e.time_us == kNoTime) {
    ++s.stats.ignored;
    return;
  }
  std::string_view uid, src, dst, service, host, server_name, method, uri, query;
  uint64_t port = 0, orig_bytes = 0, resp_bytes = 0, orig_ip_bytes = 0, resp_ip_bytes = 0;
  bool have_ip_bytes = false;
  double duration = 0;
  for (const Field& f : e.fields()) {
    std::string_view n = f.name;
    if (n.size() < 3) continue;
    switch (n[0]) {
      case 'u':
        if (n == "uid") uid = f.value;
        else if (n == "uri") uri = f.value;
        break;
      case 'i':
        if (n == "id.orig_h") src = f.value;
        else if (n == "id.resp_h") dst = f.value;
        else if (n == "id.resp_p") parse_u64(f.value, &port);
        break;
      case 's':
        if (n == "service") service = f.value;
        else if (n == "server_name") server_name = f.value;
        break;
      case 'd':
        if (n == "duration") duration = parse_double(f.value);
        break;
      case 'o':
        if (n == "orig_bytes") parse_u64(f.value, &orig_bytes);
        else if (n == "orig_ip_bytes") have_ip_bytes = parse_u64(f.value, &orig_ip_bytes);
        break;
      case 'r':
        if (n == "resp_bytes") parse_u64(f.value, &resp_bytes);
        else if (n == "resp_ip_bytes") parse_u64(f.value, &resp_ip_bytes);
        break;
      case 'h':
        if (n == "host") host = f.value;
        break;
      case 'm':
        if (n == "method") method = f.value;
        break;
      case 'q':
        if (n == "query") query = f.value;
        break;
      default:
        break;
    }
  }
  if (src.empty()) {
    ++s.stats.bad;
    return;
  }
  const uint32_t tenant_id = s.tenant_of(e.file);
  TenantState& t = s.tenant(tenant_id);
  (void)service;
  auto uid_hash = [&]() { return uid.empty() ? uint64_t(0) : hash_bytes(uid, tenant_id); };

  if (kind == LogKind::kDns) {
    ++s.stats.dns;
    if (query.empty()) return;
    std::string reg = registrable_domain(query);
    if (reg.empty()) return;
    std::string q = to_lower(query);
    while (!q.empty() && q.back() == '.') q.pop_back();
    if (q.size() <= reg.size() + 1) return;  // the domain itself: no subdomain
    if (iends_with(q, ".local")) return;
    std::string_view sub(q.data(), q.size() - reg.size() - 1);
    DnsDomain& d = t.dns[s.strings.intern(reg)];
    ++d.queries;
    if (d.first_us == kNoTime || e.time_us < d.first_us) d.first_us = e.time_us;
    if (d.last_us == kNoTime || e.time_us > d.last_us) d.last_us = e.time_us;
    uint32_t client = s.strings.intern(src);
    if (d.client == UINT32_MAX) d.client = client;
    else if (d.client != client) d.many_clients = true;
    uint64_t h = hash_bytes(sub);
    if (d.subdomains.size() >= s.opt.dns_max_tracked_subdomains) {
      if (!d.subdomains.count(h)) ++d.unique_over_cap;  // a lower bound beyond the cap
      return;
    }
    if (d.subdomains.insert(h).second) {
      std::string letters;
      letters.reserve(sub.size());
      for (char c : sub)
        if (c != '.') letters.push_back(c);
      d.sum_len += double(sub.size());
      d.sum_entropy += shannon_entropy(letters);
      if (sub.size() > d.example.size() && d.example.size() < 80) d.example = q;
    }
    return;
  }

  if (kind == LogKind::kHttp || kind == LogKind::kSsl) {
    (kind == LogKind::kHttp ? s.stats.http : s.stats.ssl)++;
    const uint64_t uid_key = uid_hash();
    std::string fqdn;
    bool proxied = false;
    if (kind == LogKind::kHttp) {
      if (method == "CONNECT") {
        proxied = true;
        fqdn = lower_host(!uri.empty() ? uri : host);
        if (fqdn.empty()) fqdn = lower_host(host);
      } else {
        fqdn = lower_host(host);
      }
    } else {
      fqdn = lower_host(server_name);
    }
    if (fqdn.empty() || is_ip_literal(fqdn)) return;
    if (uid_key && t.uid_fqdn.count(uid_key)) {
      if (proxied) s.fqdn_pairs[t.uid_fqdn[uid_key]].proxied = true;
      return;  // one connection, already counted (http then ssl, or several requests on one connection)
    }
    uint32_t pid = s.pair(true, PairKey{tenant_id, s.strings.intern(src), s.strings.intern(fqdn)});
    PairState& p = s.fqdn_pairs[pid];
    s.fqdn_ticks.push_back(TickRec{pid, State::to_ticks(t, e.time_us)});
    ++p.count;
    if (proxied) p.proxied = true;
    if (!dst.empty()) p.proxy = s.strings.intern(dst);
    if (p.count == 1) p.port = uint16_t(port);
    else if (p.port != uint16_t(port)) p.multi_port = true;
    if (uid_key) t.uid_fqdn.emplace(uid_key, pid);
    return;
  }

  // conn and open_conn
  if (dst.empty()) {
    ++s.stats.bad;
    return;
  }
  const uint64_t out = have_ip_bytes ? orig_ip_bytes : orig_bytes;
  const uint64_t in = have_ip_bytes ? resp_ip_bytes : resp_bytes;
  const uint32_t ip_pair = s.pair(false, PairKey{tenant_id, s.strings.intern(src), s.strings.intern(dst)});
  if (kind == LogKind::kOpenConn) {
    ++s.stats.open_conn;
    const uint64_t uid_key = uid_hash();
    if (!uid_key) return;
    OpenConn& oc = t.open[uid_key];
    oc.ip_pair = ip_pair;
    oc.duration = std::max(oc.duration, duration);
    oc.out = std::max(oc.out, out);
    oc.in = std::max(oc.in, in);
    return;
  }
  ++s.stats.conn;
  // The uid joins this record to open connections and to http/ssl records; skip the hashing when there is
  // nothing to join with (conn-only input) and no later join is possible (http/ssl already seen).
  const bool may_pend = s.stats.http + s.stats.ssl == 0 && !uid.empty();
  const uint64_t uid_key = (!t.open.empty() || !t.uid_fqdn.empty() || may_pend) ? uid_hash() : 0;
  if (uid_key && !t.open.empty()) t.open.erase(uid_key);  // it closed
  t.min_us = std::min(t.min_us, e.time_us);
  t.max_us = std::max(t.max_us, e.time_us);
  {
    const uint32_t sid = s.ip_keys[ip_pair].src;
    if (sid >= t.src_range.size()) t.src_range.resize(size_t(sid) + 1 + sid / 2, {0, 0});
    auto& r = t.src_range[sid];
    if (r.first == 0 && r.second == 0) {
      r = {e.time_us, e.time_us};
    } else {
      r.first = std::min(r.first, e.time_us);
      r.second = std::max(r.second, e.time_us);
    }
  }
  const int32_t tick = State::to_ticks(t, e.time_us);
  const uint32_t size = uint32_t(std::min<uint64_t>(orig_bytes, UINT32_MAX));
  s.add_conn_to_ip_pair(ip_pair, tick, size, out, in, duration, uint16_t(port));
  if (!uid_key) return;
  auto it = t.uid_fqdn.find(uid_key);
  if (it != t.uid_fqdn.end()) {
    PairState& fp = s.fqdn_pairs[it->second];
    s.fqdn_sizes.push_back(SizeRec{it->second, size});
    fp.out_bytes += out;
    fp.in_bytes += in;
    fp.total_duration += duration;
    fp.max_duration = std::max(fp.max_duration, duration);
    return;
  }
  if (!may_pend) return;
  if (s.pending.size() >= s.opt.max_pending_uids) {
    ++s.stats.pending_dropped;
    return;
  }
  s.pending.push_back(PendingConn{uid_key, out, in, duration, size});
  s.pending_tenant.push_back(tenant_id);
}

void NetAnalyzer::merge(NetAnalyzer&& other) {
  State& a = *s_;
  State& b = *other.s_;
  // Re-intern b's strings into a.
  std::vector<uint32_t> remap(b.strings.size());
  for (uint32_t i = 0; i < b.strings.size(); ++i) remap[i] = a.strings.intern(b.strings.name(i));
  std::vector<int64_t> tick_shift(b.tenants.size(), 0);
  for (uint32_t bt = 0; bt < b.tenants.size(); ++bt) {
    TenantState& src = b.tenants[bt];
    TenantState& dst = a.tenant(remap[bt]);
    if (src.base_us != kNoTime) {
      if (dst.base_us == kNoTime) dst.base_us = src.base_us;
      tick_shift[bt] = (src.base_us - dst.base_us) / kCentiUs;
    }
    dst.min_us = std::min(dst.min_us, src.min_us);
    dst.max_us = std::max(dst.max_us, src.max_us);
    for (uint32_t h = 0; h < src.src_range.size(); ++h) {
      const auto& r = src.src_range[h];
      if (r.first == 0 && r.second == 0) continue;
      uint32_t id = remap[h];
      if (id >= dst.src_range.size()) dst.src_range.resize(size_t(id) + 1, {0, 0});
      auto& x = dst.src_range[id];
      if (x.first == 0 && x.second == 0) {
        x = r;
      } else {
        x.first = std::min(x.first, r.first);
        x.second = std::max(x.second, r.second);
      }
    }
  }
  auto merge_pairs = [&](bool fqdn, std::vector<uint32_t>& idmap) {
    auto& bk = fqdn ? b.fqdn_keys : b.ip_keys;
    auto& bv = fqdn ? b.fqdn_pairs : b.ip_pairs;
    idmap.resize(bk.size());
    for (size_t i = 0; i < bk.size(); ++i) {
      PairKey k{remap[bk[i].tenant], remap[bk[i].src], remap[bk[i].dst]};
      uint32_t id = a.pair(fqdn, k);
      idmap[i] = id;
      PairState& x = (fqdn ? a.fqdn_pairs : a.ip_pairs)[id];
      PairState& y = bv[i];
      x.out_bytes += y.out_bytes;
      x.in_bytes += y.in_bytes;
      x.total_duration += y.total_duration;
      x.max_duration = std::max(x.max_duration, y.max_duration);
      x.open_duration += y.open_duration;
      if (x.count && y.count && x.port != y.port) x.multi_port = true;
      if (!x.count) x.port = y.port;
      x.multi_port = x.multi_port || y.multi_port;
      x.count += y.count;
      x.open_count += y.open_count;
      x.proxied = x.proxied || y.proxied;
      if (y.proxy != UINT32_MAX) x.proxy = remap[y.proxy];
    }
  };
  std::vector<uint32_t> ip_map, fqdn_map;
  merge_pairs(false, ip_map);
  merge_pairs(true, fqdn_map);
  // The samples follow their pairs; ticks move to a's base time of the same tenant.
  auto move_ticks = [&](ChunkLog<TickRec>& from, ChunkLog<TickRec>& to, const std::vector<uint32_t>& idmap,
                        const ChunkLog<PairKey>& keys) {
    from.drain([&](const TickRec& r) {
      const int64_t d = tick_shift[keys[r.pair].tenant];
      to.push_back(TickRec{idmap[r.pair], int32_t(std::clamp<int64_t>(int64_t(r.tick) + d, INT32_MIN, INT32_MAX))});
    });
  };
  auto move_sizes = [&](ChunkLog<SizeRec>& from, ChunkLog<SizeRec>& to, const std::vector<uint32_t>& idmap) {
    from.drain([&](const SizeRec& r) { to.push_back(SizeRec{idmap[r.pair], r.size}); });
  };
  move_ticks(b.ip_ticks, a.ip_ticks, ip_map, b.ip_keys);
  move_ticks(b.fqdn_ticks, a.fqdn_ticks, fqdn_map, b.fqdn_keys);
  move_sizes(b.ip_sizes, a.ip_sizes, ip_map);
  move_sizes(b.fqdn_sizes, a.fqdn_sizes, fqdn_map);
  for (uint32_t bt = 0; bt < b.tenants.size(); ++bt) {
    TenantState& src = b.tenants[bt];
    TenantState& dst = a.tenant(remap[bt]);
    for (auto& [uid, pid] : src.uid_fqdn) dst.uid_fqdn.emplace(uid, fqdn_map[pid]);
    for (auto& [uid, oc] : src.open) {
      OpenConn c = oc;
      c.ip_pair = ip_map[oc.ip_pair];
      dst.open.emplace(uid, c);
    }
    for (auto& [dom, d] : src.dns) {
      DnsDomain& x = dst.dns[remap[dom]];
      for (uint64_t h : d.subdomains) {
        if (x.subdomains.size() >= a.opt.dns_max_tracked_subdomains) break;
        if (x.subdomains.insert(h).second) {
          // Per-subdomain length/entropy are not kept; take b's means for the new ones.
          double n = double(d.subdomains.size());
          x.sum_len += d.sum_len / n;
          x.sum_entropy += d.sum_entropy / n;
        }
      }
      x.unique_over_cap += d.unique_over_cap;
      x.queries += d.queries;
      if (x.example.size() < d.example.size()) x.example = d.example;
      if (x.client == UINT32_MAX) x.client = d.client == UINT32_MAX ? UINT32_MAX : remap[d.client];
      else if (d.client != UINT32_MAX && remap[d.client] != x.client) x.many_clients = true;
      x.many_clients = x.many_clients || d.many_clients;
      if (d.first_us != kNoTime && (x.first_us == kNoTime || d.first_us < x.first_us)) x.first_us = d.first_us;
      if (d.last_us != kNoTime && (x.last_us == kNoTime || d.last_us > x.last_us)) x.last_us = d.last_us;
    }
  }
  for (size_t i = 0; i < b.pending.size(); ++i) {
    a.pending.push_back(b.pending[i]);
    a.pending_tenant.push_back(remap[b.pending_tenant[i]]);
  }
  a.stats.conn += b.stats.conn;
  a.stats.dns += b.stats.dns;
  a.stats.http += b.stats.http;
  a.stats.ssl += b.stats.ssl;
  a.stats.open_conn += b.stats.open_conn;
  a.stats.ignored += b.stats.ignored;
  a.stats.bad += b.stats.bad;
  a.stats.pending_dropped += b.stats.pending_dropped;
  other.s_ = std::make_unique<State>();
  other.s_->opt = a.opt;
}

std::vector<NetFinding> NetAnalyzer::finish() {
  State& s = *s_;
  const NetOptions& o = s.opt;
  // Join the pending conn records to their FQDN pairs, then the connections still open.
  for (size_t i = 0; i < s.pending.size(); ++i) {
    TenantState& t = s.tenant(s.pending_tenant[i]);
    auto it = t.uid_fqdn.find(s.pending[i].uid);
    if (it == t.uid_fqdn.end()) continue;
    PairState& fp = s.fqdn_pairs[it->second];
    s.fqdn_sizes.push_back(SizeRec{it->second, s.pending[i].size});
    fp.out_bytes += s.pending[i].out;
    fp.in_bytes += s.pending[i].in;
    fp.total_duration += s.pending[i].duration;
    fp.max_duration = std::max(fp.max_duration, s.pending[i].duration);
  }
  s.pending.clear();
  s.pending_tenant.clear();
  for (auto& t : s.tenants) {
    for (auto& [uid, oc] : t.open) {
      PairState& p = s.ip_pairs[oc.ip_pair];
      ++p.open_count;
      p.open_duration += oc.duration;
      p.max_duration = std::max(p.max_duration, oc.duration);
      p.out_bytes += oc.out;
      p.in_bytes += oc.in;
      auto it = t.uid_fqdn.find(uid);
      if (it != t.uid_fqdn.end()) {
        PairState& fp = s.fqdn_pairs[it->second];
        ++fp.open_count;
        fp.open_duration += oc.duration;
        fp.max_duration = std::max(fp.max_duration, oc.duration);
        fp.out_bytes += oc.out;
        fp.in_bytes += oc.in;
      }
    }
    t.open.clear();
  }

  // Group the samples by pair (the logs are freed chunk by chunk as they are read).
  Grouped<int32_t> ticks[2] = {
      group_by_pair<int32_t>(s.ip_ticks, s.ip_pairs.size(), [](const TickRec& r) { return r.tick; }),
      group_by_pair<int32_t>(s.fqdn_ticks, s.fqdn_pairs.size(), [](const TickRec& r) { return r.tick; })};
  Grouped<uint32_t> sizes_of[2] = {
      group_by_pair<uint32_t>(s.ip_sizes, s.ip_pairs.size(), [](const SizeRec& r) { return r.size; }),
      group_by_pair<uint32_t>(s.fqdn_sizes, s.fqdn_pairs.size(), [](const SizeRec& r) { return r.size; })};

  std::vector<NetFinding> out;
  auto allowed = [&](std::string_view src, std::string_view dst) {
    return !o.allow.empty() && (o.allow.allows(dst) || o.allow.allows_ip(src));
  };
  auto us_of = [&](const TenantState& t, int32_t tick) { return t.base_us + int64_t(tick) * kCentiUs; };

  // Per tenant: the conn time range (beacon histograms), each source's bytes out per destination (exfil
  // baseline), and how many sources reach each destination (rarity).
  std::unordered_map<uint64_t, std::vector<double>> src_out;  // (tenant, src) -> bytes out per destination
  std::unordered_map<uint64_t, uint32_t> dst_sources;         // (tenant, dst) -> distinct sources
  for (size_t i = 0; i < s.ip_pairs.size(); ++i) {
    const PairKey& k = s.ip_keys[i];
    src_out[(uint64_t(k.tenant) << 32) | k.src].push_back(double(s.ip_pairs[i].out_bytes));
    dst_sources[(uint64_t(k.tenant) << 32) | k.dst]++;
  }
  // Prevalence: distinct sources per tenant, and per (tenant, FQDN) for the FQDN pairs.
  std::unordered_map<uint32_t, uint32_t> tenant_sources;
  for (const auto& kv : src_out) tenant_sources[uint32_t(kv.first >> 32)]++;
  std::unordered_map<uint64_t, uint32_t> fqdn_dst_sources;
  for (size_t i = 0; i < s.fqdn_pairs.size(); ++i) {
    const PairKey& k = s.fqdn_keys[i];
    fqdn_dst_sources[(uint64_t(k.tenant) << 32) | k.dst]++;
  }
  // And over every tenant for public destinations (an FQDN or a public IP names the same server in any
  // tenant; a private address does not): software on every tenant's hosts reaches the same update servers.
  std::unordered_map<uint32_t, uint32_t> global_reach[2];  // [fqdn] destination -> sources in all tenants
  for (size_t i = 0; i < s.ip_pairs.size(); ++i) global_reach[0][s.ip_keys[i].dst]++;
  for (size_t i = 0; i < s.fqdn_pairs.size(); ++i) global_reach[1][s.fqdn_keys[i].dst]++;
  const uint32_t global_sources = uint32_t(src_out.size());
  std::unordered_map<uint64_t, double> src_median;
  for (auto& [key, v] : src_out) {
    std::sort(v.begin(), v.end());
    src_median[key] = net::median_sorted(v);
  }

  auto score_pair = [&](bool fqdn, size_t i) {
    const PairKey& k = fqdn ? s.fqdn_keys[i] : s.ip_keys[i];
    PairState& p = fqdn ? s.fqdn_pairs[i] : s.ip_pairs[i];
    const TenantState& t = s.tenants[k.tenant];
    const std::string& src = s.strings.name(k.src);
    const std::string& dst = s.strings.name(k.dst);
    const std::string& tenant = s.strings.name(k.tenant);
    if (allowed(src, dst)) return;
    if (!fqdn && is_group_address(dst)) return;
    int32_t* const ts_begin = ticks[fqdn].begin(i);
    int32_t* const ts_end = ticks[fqdn].end(i);
    const bool no_ts = ts_begin == ts_end;
    std::sort(ts_begin, ts_end);
    int64_t first = no_ts ? kNoTime : us_of(t, ts_begin[0]);
    int64_t last = no_ts ? kNoTime : us_of(t, ts_end[-1]);
    auto base = [&](const char* analytic, double score) {
      NetFinding f;
      f.analytic = analytic;
      f.score = score;
      f.src = src;
      f.dst = dst;
      f.first_us = first;
      f.last_us = last;
      f.tenant = tenant;
      f.evidence.emplace_back("connections", std::to_string(p.count));
      if (p.open_count) f.evidence.emplace_back("open_connections", std::to_string(p.open_count));
      if (p.port) f.evidence.emplace_back("dst_port", std::to_string(p.port) + (p.multi_port ? "+" : ""));
      f.evidence.emplace_back("bytes_out", std::to_string(p.out_bytes));
      f.evidence.emplace_back("bytes_in", std::to_string(p.in_bytes));
      f.evidence.emplace_back("total_duration_s", fmt_double(p.total_duration + p.open_duration));
      if (fqdn) {
        f.evidence.emplace_back("pairing", p.proxied ? "fqdn via proxy (HTTP CONNECT)" : "fqdn (HTTP host / TLS SNI)");
        if (p.proxy != UINT32_MAX) f.evidence.emplace_back(p.proxied ? "proxy" : "server", s.strings.name(p.proxy));
      }
      return f;
    };
    // How common the destination is in the tenant (see NetOptions::common_destination_share).
    uint32_t reach = (fqdn ? fqdn_dst_sources : dst_sources)[(uint64_t(k.tenant) << 32) | k.dst];
    uint32_t hosts = std::max(tenant_sources[k.tenant], reach);
    const char* scope = "in the tenant";
    auto is_common = [&](uint32_t r, uint32_t h) {
      return r >= o.common_min_sources && h > 0 && double(r) > o.common_destination_share * double(h);
    };
    bool common = is_common(reach, hosts);
    if (!common && (fqdn || !is_private_ip(dst))) {
      const uint32_t gr = global_reach[fqdn][k.dst];
      const uint32_t gh = std::max(global_sources, gr);
      if (gr > reach && is_common(gr, gh)) {
        common = true;
        reach = gr;
        hosts = gh;
        scope = "across all tenants";
      }
    }
    // Internal to internal (both private addresses): monitoring, backups and management poll on schedules by
    // design, and implants call out of the network; such a beacon is worth a look, not an alarm (RITA leaves
    // internal pairs out of beacon scoring altogether).
    const bool internal_pair = !fqdn && is_private_ip(src) && is_private_ip(dst);
    auto cap_internal = [&](NetFinding& f) {
      if (!internal_pair || f.score <= 0.74) return;
      f.score = 0.74;
      f.why += "; both ends are internal addresses";
      f.evidence.emplace_back("internal_pair", "true");
    };
    auto demote_if_common = [&](NetFinding& f) {
      if (!common) return;
      const double share = double(reach) / double(hosts);
      f.score = std::min(f.score * (1.0 - 0.3 * share), 0.74);
      f.why += "; a common destination (" + std::to_string(reach) + " of " + std::to_string(hosts) + " sources " +
               scope + " reach it)";
      f.evidence.emplace_back("prevalence", std::to_string(reach) + "/" + std::to_string(hosts) + " " + scope);
    };
    const double span_s = no_ts ? 0 : double(int64_t(ts_end[-1]) - int64_t(ts_begin[0])) / 100.0;
    const bool strobe = p.count >= o.strobe_min_connections;
    const bool burst = !strobe && p.count >= o.strobe_burst_min_connections &&
                       span_s >= o.strobe_burst_min_span_seconds && p.count / span_s >= o.strobe_burst_min_rate;
    if (strobe || burst) {
      double sc = strobe ? 0.8 + 0.2 * std::clamp(std::log10(double(p.count) / double(o.strobe_min_connections)), 0.0, 1.0)
                         : 0.5 + 0.3 * std::clamp(std::log10(double(p.count) / double(o.strobe_burst_min_connections)), 0.0, 1.0);
      NetFinding f = base("strobe", sc);
      char rate[64];
      std::snprintf(rate, sizeof rate, "%.2f", span_s > 0 ? p.count / span_s : 0.0);
      f.why = std::to_string(p.count) + " connections between one pair in " + fmt_duration(span_s) + " (" + rate +
              "/s; strobe: " + (strobe ? std::to_string(o.strobe_min_connections) + " or more" : "a sustained 1/s or more") + ")";
      f.evidence.emplace_back("connections_per_second", rate);
      out.push_back(std::move(f));
    }
    if (strobe) {
      // RITA: a strobe is not scored as a beacon.
    } else if (p.count >= o.beacon_min_connections && t.max_us > t.min_us) {
      std::vector<double> ts(size_t(ts_end - ts_begin));
      for (size_t j = 0; j < ts.size(); ++j) ts[j] = double(ts_begin[j]) / 100.0;
      net::TimestampScore tsc = net::timestamp_score(ts);
      if (tsc.ok) {
        std::vector<double> sizes(sizes_of[fqdn].begin(i), sizes_of[fqdn].end(i));
        net::DataSizeScore dsc = net::data_size_score(sizes);
        int64_t wmin = t.min_us, wmax = t.max_us;
        bool host_window = false;
        if (o.beacon_window == NetOptions::BeaconWindow::kSourceHost) {
          if (k.src < t.src_range.size() && t.src_range[k.src].second > t.src_range[k.src].first) {
            const auto& r = t.src_range[k.src];
            host_window = r.first != wmin || r.second != wmax;
            wmin = r.first;
            wmax = r.second;
          }
        }
        double dmin = double((wmin - t.base_us) / kCentiUs) / 100.0;
        double dmax = double((wmax - t.base_us) / kCentiUs) / 100.0;
        dmin = std::min(dmin, ts.front());
        dmax = std::max(dmax, ts.back());
        net::HistogramScore h = net::histogram_score(dmin, dmax, ts, o.histogram);
        net::DurationScore d = net::duration_score(dmin, dmax, ts.front(), ts.back(), h.total_bars, h.longest_run,
                                                   o.duration_min_hours, o.duration_ideal_hours);
        double score = net::combine_beacon_score(tsc.stat.score, dsc.ok ? dsc.stat.score : 0, d.score, h.score,
                                                 o.weights);
        if (score >= o.beacon_min_score) {
          NetFinding f = base("beacon", score);
          std::vector<double> gaps;
          for (size_t j = 0; j + 1 < ts.size(); ++j)
            if (ts[j + 1] > ts[j]) gaps.push_back(ts[j + 1] - ts[j]);
          std::sort(gaps.begin(), gaps.end());
          double med_gap = net::median_sorted(gaps);
          f.why = std::to_string(p.count) + " connections, median gap " + fmt_duration(med_gap) +
                  " (timing " + fmt_double(tsc.stat.score) + ", size " + fmt_double(dsc.ok ? dsc.stat.score : 0) +
                  ", histogram " + fmt_double(h.score) + ", duration " + fmt_double(d.score) + ")" +
                  (fqdn && p.proxied ? " via proxy" : "");
          f.evidence.emplace_back("ts_score", fmt_double(tsc.stat.score));
          f.evidence.emplace_back("ds_score", fmt_double(dsc.ok ? dsc.stat.score : 0));
          f.evidence.emplace_back("hist_score", fmt_double(h.score));
          f.evidence.emplace_back("dur_score", fmt_double(d.score));
          f.evidence.emplace_back("median_gap_s", fmt_double(med_gap));
          f.evidence.emplace_back("window", host_window ? "source host's observed time range" : "dataset time range");
          demote_if_common(f);
          cap_internal(f);
          if (f.score >= o.beacon_min_score) out.push_back(std::move(f));
        }
      }
    }
    const double total_dur = p.total_duration + p.open_duration;
    if (total_dur >= o.long_connection_min_seconds) {
      // Half the weight on the summed duration, half on the longest single connection: a proxy's thousands of
      // short connections add up to days, but one session that stays up for hours is the stronger sign.
      double lo = std::max(1.0, o.long_connection_min_seconds);
      auto grade = [&](double x) {
        return x <= lo ? 0.0 : std::clamp(std::log(x / lo) / std::log(std::max(86400.0 / lo, 1.0001)), 0.0, 1.0);
      };
      double sc = 0.3 + 0.7 * (0.5 * grade(total_dur) + 0.5 * grade(p.max_duration));
      if (p.open_count) sc = std::min(1.0, sc + 0.1);
      NetFinding f = base("long_connection", sc);
      f.why = fmt_duration(total_dur) + " in " + std::to_string(p.count + p.open_count) + " connection(s)" +
              (p.open_count ? ", " + std::to_string(p.open_count) + " still open" : std::string()) + ", longest " +
              fmt_duration(p.max_duration);
      if (first == kNoTime && t.base_us != kNoTime) f.first_us = f.last_us = t.max_us;
      demote_if_common(f);
      out.push_back(std::move(f));
    }
    if (!fqdn && p.out_bytes >= o.exfil_min_bytes && !is_private_ip(dst)) {
      double ratio = double(p.out_bytes) / double(p.in_bytes + 1);
      double med = src_median[(uint64_t(k.tenant) << 32) | k.src];
      uint32_t sources = dst_sources[(uint64_t(k.tenant) << 32) | k.dst];
      double factor = double(p.out_bytes) / std::max(med, 1.0);
      if (ratio >= o.exfil_min_ratio && sources <= o.exfil_max_dst_sources && factor >= o.exfil_baseline_factor) {
        double sc = 0.5 + 0.25 * std::clamp(std::log10(double(p.out_bytes) / double(o.exfil_min_bytes)), 0.0, 1.0) +
                    0.25 * std::clamp(std::log10(factor / o.exfil_baseline_factor) / 2, 0.0, 1.0);
        NetFinding f = base("exfiltration", std::min(1.0, sc));
        f.why = std::to_string(p.out_bytes) + " bytes out (" + fmt_double(ratio, 1) + "x the bytes in, " +
                fmt_double(factor, 1) + "x this host's median per destination) to a destination " +
                std::to_string(sources) + " source(s) reach";
        f.evidence.emplace_back("dst_sources", std::to_string(sources));
        f.evidence.emplace_back("src_median_bytes_out", fmt_double(med, 0));
        out.push_back(std::move(f));
      }
    }
  };
  for (size_t i = 0; i < s.ip_pairs.size(); ++i) score_pair(false, i);
  for (size_t i = 0; i < s.fqdn_pairs.size(); ++i) score_pair(true, i);

  // DNS tunnelling.
  for (uint32_t tid = 0; tid < s.tenants.size(); ++tid) {
    for (auto& [dom, d] : s.tenants[tid].dns) {
      uint64_t unique = d.subdomains.size() + d.unique_over_cap;
      if (unique < o.dns_min_unique_subdomains || d.subdomains.empty()) continue;
      const std::string& domain = s.strings.name(dom);
      if (std::find(o.dns_ignore_domains.begin(), o.dns_ignore_domains.end(), domain) != o.dns_ignore_domains.end())
        continue;
      const std::string client = d.client == UINT32_MAX ? std::string() : s.strings.name(d.client);
      if (!o.allow.empty() && (o.allow.allows_domain(domain) || o.allow.allows_ip(client))) continue;
      double n = double(d.subdomains.size());
      double mean_len = d.sum_len / n, mean_ent = d.sum_entropy / n;
      double count_s = std::clamp(std::log10(double(unique)) / std::log10(double(std::max<uint32_t>(o.dns_saturation_subdomains, 10))), 0.0, 1.0);
      double len_s = std::clamp((mean_len - 8.0) / 32.0, 0.0, 1.0);
      double ent_s = std::clamp((mean_ent - 2.0) / 2.0, 0.0, 1.0);
      double sc = 0.5 * count_s + 0.25 * len_s + 0.25 * ent_s;
      if (sc < o.dns_min_score) continue;
      NetFinding f;
      f.analytic = "dns_tunnel";
      f.score = std::min(1.0, sc);
      f.src = d.many_clients ? "(several hosts)" : client;
      f.dst = domain;
      f.tenant = s.strings.name(tid);
      f.first_us = d.first_us;
      f.last_us = d.last_us;
      f.why = std::to_string(unique) + " unique subdomains in " + std::to_string(d.queries) + " queries, mean length " +
              fmt_double(mean_len, 1) + ", mean entropy " + fmt_double(mean_ent, 2) + " bits/char";
      f.evidence.emplace_back("unique_subdomains", std::to_string(unique));
      f.evidence.emplace_back("queries", std::to_string(d.queries));
      f.evidence.emplace_back("mean_subdomain_length", fmt_double(mean_len, 1));
      f.evidence.emplace_back("mean_entropy", fmt_double(mean_ent, 2));
      f.evidence.emplace_back("example", d.example);
      out.push_back(std::move(f));
    }
  }

  std::sort(out.begin(), out.end(), [](const NetFinding& a, const NetFinding& b) {
    if (a.score != b.score) return a.score > b.score;
    if (a.analytic != b.analytic) return a.analytic < b.analytic;
    if (a.tenant != b.tenant) return a.tenant < b.tenant;
    if (a.src != b.src) return a.src < b.src;
    return a.dst < b.dst;
  });
  if (o.top_n && out.size() > o.top_n) out.resize(o.top_n);
  return out;
}

Detection NetAnalyzer::to_detection(const NetFinding& f) const {
  Detection d;
  d.time_us = f.first_us;
  d.tenant = f.tenant;
  d.host = f.src;
  d.kind = DetectionKind::kAnalytic;
  d.rule_id = f.analytic;
  d.level = net_level_for_score(f.score);
  if (f.analytic == "beacon") {
    d.title = "Beaconing from " + f.src + " to " + f.dst;
    d.tags = {"attack.command_and_control", "attack.t1071"};
  } else if (f.analytic == "long_connection") {
    d.title = "Long connection from " + f.src + " to " + f.dst;
    d.tags = {"attack.command_and_control", "attack.t1071"};
  } else if (f.analytic == "dns_tunnel") {
    d.title = "DNS tunnelling through " + f.dst;
    d.tags = {"attack.command_and_control", "attack.t1071.004"};
  } else if (f.analytic == "exfiltration") {
    d.title = "Possible exfiltration from " + f.src + " to " + f.dst;
    d.tags = {"attack.exfiltration", "attack.t1041"};
  } else {
    d.title = "Strobe: very many connections from " + f.src + " to " + f.dst;
    d.tags = {"attack.command_and_control"};
  }
  d.fields.emplace_back("analytic", f.analytic);
  d.fields.emplace_back("score", fmt_double(f.score));
  d.fields.emplace_back("src", f.src);
  d.fields.emplace_back("dst", f.dst);
  d.fields.emplace_back("why", f.why);
  if (f.first_us != kNoTime) d.fields.emplace_back("first_seen", format_time_us(f.first_us));
  if (f.last_us != kNoTime) d.fields.emplace_back("last_seen", format_time_us(f.last_us));
  for (auto& kv : f.evidence) d.fields.push_back(kv);
  return d;
}

}  // namespace trawl

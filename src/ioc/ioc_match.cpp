// IocMatcher (the indexed matcher, per thread) and ioc_reference_match (its slow twin: every indicator against
// every field, with independent code paths: RE2 instead of Vectorscan, a plain glob matcher, substring search
// instead of the host index).
#include <hs/hs.h>
#include <re2/re2.h>

#include <algorithm>
#include <array>
#include <bitset>
#include <climits>

#include "core/text.h"
#include "ioc/ioc.h"
#include "ioc/ioc_impl.h"
#include "ioc/ioc_value.h"

namespace trawl {

using ioc::IpAddr;

namespace {

bool host_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
         c == '_';
}

// Domain field value -> normalised name in `out` (lower case, no trailing dot, no :port). False if empty/long.
bool domain_key(std::string_view v, std::string* out) {
  v = trim(v);
  if (!v.empty() && v.back() == '.') v.remove_suffix(1);
  size_t colon = v.rfind(':');
  if (colon != std::string_view::npos && v.find(':') == colon) {
    bool digits = colon + 1 < v.size();
    for (size_t k = colon + 1; k < v.size(); ++k)
      if (v[k] < '0' || v[k] > '9') digits = false;
    if (digits) v = v.substr(0, colon);
    if (!v.empty() && v.back() == '.') v.remove_suffix(1);
  }
  if (v.empty() || v.size() > 253) return false;
  out->resize(v.size());
  for (size_t k = 0; k < v.size(); ++k) (*out)[k] = ascii_lower(v[k]);
  return true;
}

bool hash_algo(std::string_view key, IocType* t) {
  key = trim(key);
  if (iequals(key, "md5")) *t = IocType::kMd5;
  else if (iequals(key, "sha1")) *t = IocType::kSha1;
  else if (iequals(key, "sha256")) *t = IocType::kSha256;
  else if (iequals(key, "imphash")) *t = IocType::kImphash;
  else return false;
  return true;
}

bool hash_by_length(size_t n, IocType* t) {
  if (n == 32) *t = IocType::kMd5;
  else if (n == 40) *t = IocType::kSha1;
  else if (n == 64) *t = IocType::kSha256;
  else return false;
  return true;
}

// Calls fn(part) for each ','-separated part (Zeek sets, Sysmon Hashes).
template <class Fn>
void split_commas(std::string_view v, Fn fn) {
  size_t pos = 0;
  while (true) {
    size_t c = v.find(',', pos);
    fn(trim(v.substr(pos, c == std::string_view::npos ? std::string_view::npos : c - pos)));
    if (c == std::string_view::npos) return;
    pos = c + 1;
  }
}

IocHit make_hit(const IocSet& set, uint32_t id, std::string_view field, std::string_view matched) {
  const IocIndicator& ind = set.indicator(id);
  IocHit h;
  h.indicator = id;
  h.type = ind.type;
  h.level = ind.level;
  h.value = ind.value;
  h.label = ind.label;
  h.source = ind.source;
  h.line = ind.line;
  h.field = std::string(field);
  h.matched = std::string(matched.substr(0, 4096));
  return h;
}

}  // namespace

namespace {

// Field name -> roles, probed once per field of every event: buckets by length and end characters, so a name
// that is not in the map (most of them) costs one or two length comparisons.
class FieldRoleIndex {
 public:
  explicit FieldRoleIndex(const IocFieldMap& fm) {
    for (const auto& [name, roles] : fm.entries()) buckets_[slot(name)].push_back({name, roles});
  }
  uint16_t roles(std::string_view name) const {
    if (name.empty()) return 0;
    for (const auto& e : buckets_[slot(name)])
      if (e.first.size() == name.size() && e.first == name) return e.second;
    return 0;
  }

 private:
  static size_t slot(std::string_view n) {
    if (n.empty()) return 0;
    return (n.size() * 31 + size_t(uint8_t(n.front())) * 7 + size_t(uint8_t(n.back()))) & 255;
  }
  std::array<std::vector<std::pair<std::string, uint16_t>>, 256> buckets_;
};

uint64_t ip_hash(ioc::IpAddr a, int bits) { return ioc::ip_key_hash(a, bits); }

}  // namespace

struct IocMatcher::State {
  std::shared_ptr<const IocSet> set;
  const IocSet::Impl* m = nullptr;
  IocFieldMap fields;
  std::unique_ptr<FieldRoleIndex> roles;
  // Prefix lengths to probe, longest first: for IPv4 addresses (IPv4 networks, and IPv6 networks that contain
  // ::ffff:0:0/96) and for other IPv6 addresses (IPv6 networks only).
  std::vector<int> v4_bits, v6_bits;
  hs_scratch_t* scratch = nullptr;
  std::string key;  // lower-cased lookup key
  std::string composed;
  std::vector<uint32_t> pattern_hits;
  std::vector<IocHit>* out = nullptr;
  size_t event_start = 0;

  ~State() {
    if (scratch) hs_free_scratch(scratch);
  }

  void emit(uint32_t id, std::string_view field, std::string_view matched) {
    for (size_t k = event_start; k < out->size(); ++k)
      if ((*out)[k].indicator == id && (*out)[k].field == field) return;
    out->push_back(make_hit(*set, id, field, matched));
  }

  bool lookup_exact(IocType t, std::string_view k, std::string_view field, std::string_view matched) {
    bool found = false;
    m->exact[size_t(t)].for_each(ioc::hash_bytes(k.data(), k.size()), [&](uint32_t id) {
      if (m->value(id) == k) {
        emit(id, field, matched);
        found = true;
        return false;
      }
      return true;
    });
    return found;
  }

  void match_ip(std::string_view v, std::string_view field) {
    if (m->ips.empty()) return;
    IpAddr a;
    if (!ioc::parse_ip_loose(v, &a)) return;
    for (int bits : a.is_v4() ? v4_bits : v6_bits) {
      IpAddr net = ioc::mask_ip(a, bits);
      m->ip_table_for(bits).for_each(ip_hash(net, bits), [&](uint32_t e) {
        const ioc::IpEntry& en = m->ips[e];
        if (en.bits == bits && en.net == net) emit(en.id, field, v);
        return true;
      });
    }
  }

  void match_domain(std::string_view v, std::string_view field) {
    IpAddr a;
    if (ioc::parse_ip_loose(v, &a)) {
      match_ip(v, field);
      return;
    }
    if (!domain_key(v, &key)) return;
    if (m->exact[size_t(IocType::kDomain)].size()) lookup_exact(IocType::kDomain, key, field, key);
    if (m->exact[size_t(IocType::kDomainTree)].size()) {
      // Walk the suffixes at label boundaries: "a.evil.com", "evil.com", "com". "notevil.com" never yields
      // "evil.com" because suffixes start only after a dot.
      size_t pos = 0;
      std::string_view k = key;
      while (true) {
        lookup_exact(IocType::kDomainTree, k.substr(pos), field, key);
        size_t dot = k.find('.', pos);
        if (dot == std::string_view::npos) break;
        pos = dot + 1;
      }
    }
  }

  void match_url_text(std::string_view text, std::string_view field) {
    if (m->url_hosts.size() == 0) return;
    size_t from = 0;
    while (true) {
      size_t p = text.find("://", from);
      if (p == std::string_view::npos) return;
      size_t h = p + 3, e = h;
      if (e < text.size() && text[e] == '[') {
        size_t close = text.find(']', e);
        e = close == std::string_view::npos ? text.size() : close + 1;
      } else {
        // Skip "user:pass@" only when an '@' closes the host-like run.
        while (e < text.size() && host_char(text[e])) ++e;
        if (e < text.size() && text[e] == '@') {
          h = e + 1;
          e = h;
          while (e < text.size() && host_char(text[e])) ++e;
        }
      }
      from = p + 3;
      if (e == h) continue;
      key.resize(e - h);
      for (size_t k = 0; k < e - h; ++k) key[k] = ascii_lower(text[h + k]);
      // Candidates are the URLs on this host; compare each with the text from the host on.
      std::string_view tail = text.substr(h);
      m->url_hosts.for_each(ioc::hash_bytes(key.data(), key.size()), [&](uint32_t id) {
        std::string_view rest = ioc::url_rest(m->value(id));
        if (ioc::url_host(rest) != key) return true;
        if (tail.size() >= rest.size() && iequals(tail.substr(0, rest.size()), rest) &&
            ioc::url_boundary_ok(rest, tail.data() + rest.size(), tail.data() + tail.size())) {
          size_t s = p;
          while (s > 0 && host_char(text[s - 1])) --s;  // show the scheme too
          emit(id, field, text.substr(s, (h - s) + rest.size()));
        }
        return true;
      });
    }
  }

  void match_hash(IocType t, std::string_view v, std::string_view field) {
    if (m->exact[size_t(t)].size() == 0) return;
    key.resize(v.size());
    for (size_t k = 0; k < v.size(); ++k) key[k] = ascii_lower(v[k]);
    lookup_exact(t, key, field, key);
  }

  void match_hash_list(std::string_view v, std::string_view field) {
    split_commas(v, [&](std::string_view part) {
      size_t eq = part.find('=');
      IocType t;
      if (eq == std::string_view::npos) {
        if (hash_by_length(part.size(), &t)) match_hash(t, part, field);
        return;
      }
      if (hash_algo(part.substr(0, eq), &t)) match_hash(t, trim(part.substr(eq + 1)), field);
    });
  }

  static int on_pattern(unsigned int id, unsigned long long, unsigned long long, unsigned int, void* ctx) {
    static_cast<std::vector<uint32_t>*>(ctx)->push_back(id);
    return 0;
  }

  void scan(const ioc::PatternDb& db, std::string_view text) {
    if (!db.db || text.size() > UINT_MAX) return;
    size_t before = pattern_hits.size();
    hs_scan(db.db, text.data(), unsigned(text.size()), 0, scratch, on_pattern, &pattern_hits);
    for (size_t k = before; k < pattern_hits.size(); ++k) pattern_hits[k] = db.ids[pattern_hits[k]];
  }

  void match_file(std::string_view path, std::string_view field) {
    path = trim(path);
    if (path.empty()) return;
    std::string_view base = ioc::path_basename(path);
    if (m->exact[size_t(IocType::kFileName)].size()) {
      key.resize(base.size());
      for (size_t k = 0; k < base.size(); ++k) key[k] = ascii_lower(base[k]);
      lookup_exact(IocType::kFileName, key, field, path);
    }
    if (!scratch) return;
    pattern_hits.clear();
    scan(m->base_db, base);
    scan(m->path_db, path);
    if (pattern_hits.empty()) return;
    std::sort(pattern_hits.begin(), pattern_hits.end());
    for (uint32_t hit : pattern_hits) {
      if (hit & ioc::PatternDb::kExcludeBit) continue;
      bool excluded = std::binary_search(pattern_hits.begin(), pattern_hits.end(), hit | ioc::PatternDb::kExcludeBit);
      if (!excluded) emit(hit, field, path);
    }
  }
};

IocMatcher::IocMatcher(std::shared_ptr<const IocSet> set) : IocMatcher(set, set->fields()) {}

IocMatcher::IocMatcher(std::shared_ptr<const IocSet> set, const IocFieldMap& fields) : st_(std::make_unique<State>()) {
  st_->set = std::move(set);
  st_->m = &st_->set->impl();
  st_->fields = fields;
  st_->roles = std::make_unique<FieldRoleIndex>(st_->fields);
  std::bitset<129> v4, v6;
  const IpAddr mapped{0, uint64_t(0xffff) << 32};
  for (const ioc::IpEntry& en : st_->m->ips) {
    if (en.bits >= 96 && en.net.is_v4()) {
      v4.set(size_t(en.bits));
    } else {
      v6.set(size_t(en.bits));
      if (en.bits <= 96 && ioc::mask_ip(mapped, en.bits) == en.net) v4.set(size_t(en.bits));
    }
  }
  for (int b = 128; b >= 0; --b) {
    if (v4.test(size_t(b))) st_->v4_bits.push_back(b);
    if (v6.test(size_t(b))) st_->v6_bits.push_back(b);
  }
  // One scratch serves both databases (allocated for each, it grows to fit the larger).
  if (st_->m->base_db.db && hs_alloc_scratch(st_->m->base_db.db, &st_->scratch) != HS_SUCCESS) st_->scratch = nullptr;
  if (st_->m->path_db.db && hs_alloc_scratch(st_->m->path_db.db, &st_->scratch) != HS_SUCCESS) st_->scratch = nullptr;
}

IocMatcher::~IocMatcher() = default;

void IocMatcher::match(const Event& e, std::vector<IocHit>& out) {
  State& s = *st_;
  if (s.m->stored.empty()) return;
  s.out = &out;
  s.event_start = out.size();
  const std::string_view* http_host = nullptr;
  const std::string_view* http_uri = nullptr;
  for (const Field& f : e.fields()) {
    if (f.value.empty()) continue;
    uint16_t roles = s.roles->roles(f.name);
    if (!roles) continue;
    if (roles & IocFieldMap::kRoleIp) split_commas(f.value, [&](std::string_view p) { s.match_ip(p, f.name); });
    if (roles & IocFieldMap::kRoleDomain)
      split_commas(f.value, [&](std::string_view p) { s.match_domain(p, f.name); });
    if (roles & IocFieldMap::kRoleUrlText) s.match_url_text(f.value, f.name);
    if (roles & IocFieldMap::kRoleHashList) s.match_hash_list(f.value, f.name);
    if (roles & IocFieldMap::kRoleHash) {
      IocType t;
      std::string_view v = trim(f.value);
      if (hash_by_length(v.size(), &t)) s.match_hash(t, v, f.name);
    }
    if (roles & IocFieldMap::kRoleImphash) s.match_hash(IocType::kImphash, trim(f.value), f.name);
    if (roles & IocFieldMap::kRoleFile) s.match_file(f.value, f.name);
    if (roles & IocFieldMap::kRoleHttpHost) http_host = &f.value;
    if (roles & IocFieldMap::kRoleHttpUri) http_uri = &f.value;
  }
  if (http_host && s.m->url_hosts.size()) {
    s.composed = "http://";
    s.composed += trim(*http_host);
    if (http_uri) s.composed += trim(*http_uri);
    s.match_url_text(s.composed, "host+uri");
  }
}

Detection IocMatcher::to_detection(const Event& e, const IocHit& h) {
  Detection d;
  fill_from_event(d, e);
  d.kind = DetectionKind::kIoc;
  d.rule_id = std::string("ioc:") + ioc_type_name(h.type) + ":" + std::string(h.value);
  d.title = std::string("IOC ") + ioc_type_name(h.type) + " " + std::string(h.value.substr(0, 200));
  if (!h.label.empty()) d.title += " (" + std::string(h.label.substr(0, 200)) + ")";
  d.level = h.level;
  d.tags = {"ioc", std::string("ioc.") + ioc_type_name(h.type)};
  d.fields.emplace_back("ioc.field", h.field);
  d.fields.emplace_back("ioc.matched", h.matched);
  d.fields.emplace_back("ioc.source", h.line ? std::string(h.source) + ":" + std::to_string(h.line)
                                              : std::string(h.source));
  return d;
}

// ---- the slow twin ----

namespace {

bool ref_ip_in(const IocIndicator& ind, IpAddr a) {
  IpAddr net;
  int bits = 128;
  if (ind.type == IocType::kCidr) {
    if (!ioc::parse_cidr(ind.value, &net, &bits)) return false;
  } else if (!ioc::parse_ip(ind.value, &net)) {
    return false;
  }
  return ioc::mask_ip(a, bits) == net;
}

bool ref_domain(const IocIndicator& ind, std::string_view name) {
  if (name == ind.value) return true;
  if (ind.type != IocType::kDomainTree) return false;
  return name.size() > ind.value.size() && name.substr(name.size() - ind.value.size()) == ind.value &&
         name[name.size() - ind.value.size() - 1] == '.';
}

}  // namespace

void ioc_reference_match(const IocSet& set, const IocFieldMap& fields, const Event& e, std::vector<IocHit>& out) {
  size_t start = out.size();
  auto emit = [&](uint32_t id, std::string_view field, std::string_view matched) {
    for (size_t k = start; k < out.size(); ++k)
      if (out[k].indicator == id && out[k].field == field) return;
    out.push_back(make_hit(set, id, field, matched));
  };
  auto url_in_text = [&](uint32_t id, std::string_view text, std::string_view field) {
    std::string needle = "://" + std::string(ioc::url_rest(set.indicator(id).value));
    std::string lower = to_lower(text), ln = to_lower(needle);
    for (size_t p = lower.find(ln); p != std::string::npos; p = lower.find(ln, p + 1)) {
      // The host must start right after "://" (or after "user@"): refuse "://x.evil.com" for "evil.com".
      if (ioc::url_boundary_ok(needle.substr(3), text.data() + p + needle.size(), text.data() + text.size())) {
        size_t s = p;
        while (s > 0 && host_char(text[s - 1])) --s;
        emit(id, field, text.substr(s, (p - s) + needle.size()));
        return;
      }
    }
    // user@host form
    for (size_t p = lower.find("://"); p != std::string::npos; p = lower.find("://", p + 1)) {
      size_t at = p + 3;
      while (at < lower.size() && host_char(lower[at])) ++at;
      if (at < lower.size() && lower[at] == '@') {
        std::string_view after = std::string_view(text).substr(at + 1);
        std::string_view rest = needle;
        rest.remove_prefix(3);
        if (after.size() >= rest.size() && iequals(after.substr(0, rest.size()), rest) &&
            ioc::url_boundary_ok(rest, after.data() + rest.size(), text.data() + text.size())) {
          size_t s = p;
          while (s > 0 && host_char(text[s - 1])) --s;
          emit(id, field, text.substr(s, (p - s) + 3 + (at + 1 - (p + 3)) + rest.size()));
          return;
        }
      }
    }
  };
  std::string_view host, uri;
  bool have_host = false;
  for (const Field& f : e.fields()) {
    if (f.value.empty()) continue;
    uint16_t roles = fields.roles(f.name);
    if (!roles) continue;
    if (roles & IocFieldMap::kRoleHttpHost) {
      host = f.value;
      have_host = true;
    }
    if (roles & IocFieldMap::kRoleHttpUri) uri = f.value;
    for (uint32_t id = 0; id < set.size(); ++id) {
      const IocIndicator& ind = set.indicator(id);
      switch (ind.type) {
        case IocType::kIp:
        case IocType::kCidr:
          if (roles & (IocFieldMap::kRoleIp | IocFieldMap::kRoleDomain))
            split_commas(f.value, [&](std::string_view p) {
              IpAddr a;
              if (ioc::parse_ip_loose(p, &a) && ref_ip_in(ind, a)) emit(id, f.name, p);
            });
          break;
        case IocType::kDomain:
        case IocType::kDomainTree:
          if (roles & IocFieldMap::kRoleDomain)
            split_commas(f.value, [&](std::string_view p) {
              IpAddr a;
              std::string name;
              if (!ioc::parse_ip_loose(p, &a) && domain_key(p, &name) && ref_domain(ind, name)) emit(id, f.name, name);
            });
          break;
        case IocType::kUrl:
          if (roles & IocFieldMap::kRoleUrlText) url_in_text(id, f.value, f.name);
          break;
        case IocType::kMd5:
        case IocType::kSha1:
        case IocType::kSha256:
        case IocType::kImphash: {
          auto check = [&](IocType t, std::string_view v) {
            if (t == ind.type && iequals(v, ind.value)) emit(id, f.name, to_lower(v));
          };
          if (roles & IocFieldMap::kRoleHashList)
            split_commas(f.value, [&](std::string_view part) {
              size_t eq = part.find('=');
              IocType t;
              if (eq == std::string_view::npos) {
                if (hash_by_length(part.size(), &t)) check(t, part);
              } else if (hash_algo(part.substr(0, eq), &t)) {
                check(t, trim(part.substr(eq + 1)));
              }
            });
          IocType t;
          if ((roles & IocFieldMap::kRoleHash) && hash_by_length(trim(f.value).size(), &t)) check(t, trim(f.value));
          if (roles & IocFieldMap::kRoleImphash) check(IocType::kImphash, trim(f.value));
          break;
        }
        case IocType::kFileName:
          if ((roles & IocFieldMap::kRoleFile) && iequals(ioc::path_basename(trim(f.value)), ind.value))
            emit(id, f.name, trim(f.value));
          break;
        case IocType::kFileGlob:
          if (roles & IocFieldMap::kRoleFile) {
            std::string_view p = trim(f.value);
            std::string_view subject = ioc::glob_has_separator(ind.value) ? p : ioc::path_basename(p);
            if (!p.empty() && ioc::glob_match(ind.value, subject)) emit(id, f.name, p);
          }
          break;
        case IocType::kFileRegex:
          if (roles & IocFieldMap::kRoleFile) {
            std::string_view p = trim(f.value);
            RE2::Options o;
            o.set_case_sensitive(false);
            o.set_log_errors(false);
            o.set_dot_nl(true);
            RE2 re(std::string(ind.value), o);
            if (!p.empty() && re.ok() && RE2::PartialMatch(p, re)) {
              const IocSet::Impl& m = set.impl();
              auto ex = m.exclusions.find(id);
              if (ex != m.exclusions.end()) {
                RE2 xre(ex->second, o);
                if (xre.ok() && RE2::PartialMatch(p, xre)) break;
              }
              emit(id, f.name, p);
            }
          }
          break;
      }
    }
  }
  if (have_host) {
    std::string composed = "http://" + std::string(trim(host)) + std::string(trim(uri));
    for (uint32_t id = 0; id < set.size(); ++id)
      if (set.indicator(id).type == IocType::kUrl) url_in_text(id, composed, "host+uri");
  }
}

}  // namespace trawl

// IocSet and IocSetBuilder: de-duplication, the indexes, the Vectorscan databases, loading files, the
// embedded APT10 pack.
#include <hs/hs.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>

#include "core/buffer.h"
#include "core/text.h"
#include "ioc/ioc.h"
#include "ioc/ioc_impl.h"
#include "ioc/ioc_loaders.h"
#include "ioc/ioc_value.h"

namespace trawl {

namespace {
#include "ioc/ioc_embedded.inc"

std::string join_chunks(const char* const* chunks, size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i) s += chunks[i];
  return s;
}
}  // namespace

using ioc::IdTable;
using ioc::IpAddr;
using ioc::kNone;

const char* ioc_type_name(IocType t) {
  switch (t) {
    case IocType::kIp: return "ip";
    case IocType::kCidr: return "cidr";
    case IocType::kDomain: return "domain";
    case IocType::kDomainTree: return "domain_tree";
    case IocType::kUrl: return "url";
    case IocType::kMd5: return "md5";
    case IocType::kSha1: return "sha1";
    case IocType::kSha256: return "sha256";
    case IocType::kImphash: return "imphash";
    case IocType::kFileName: return "filename";
    case IocType::kFileGlob: return "file_glob";
    case IocType::kFileRegex: return "file_regex";
  }
  return "ip";
}

bool parse_ioc_type(std::string_view name, IocType* out) {
  struct Alias {
    std::string_view name;
    IocType type;
  };
  static constexpr Alias kAliases[] = {
      {"ip", IocType::kIp},           {"ipv4", IocType::kIp},          {"ipv6", IocType::kIp},
      {"ip-dst", IocType::kIp},       {"ip-src", IocType::kIp},        {"ipv4-addr", IocType::kIp},
      {"ipv6-addr", IocType::kIp},    {"ip_address", IocType::kIp},    {"ip-address", IocType::kIp},
      {"address", IocType::kIp},      {"ip-dst|port", IocType::kIp},   {"ip-src|port", IocType::kIp},
      {"cidr", IocType::kCidr},       {"network", IocType::kCidr},     {"ip_range", IocType::kCidr},
      {"domain", IocType::kDomain},   {"domain-name", IocType::kDomain}, {"domain_name", IocType::kDomain},
      {"hostname", IocType::kDomain}, {"fqdn", IocType::kDomain},      {"host", IocType::kDomain},
      {"domain_exact", IocType::kDomain}, {"dns", IocType::kDomain},
      {"domain_tree", IocType::kDomainTree}, {"domain_suffix", IocType::kDomainTree},
      {"url", IocType::kUrl},         {"uri", IocType::kUrl},          {"link", IocType::kUrl},
      {"md5", IocType::kMd5},         {"sha1", IocType::kSha1},        {"sha-1", IocType::kSha1},
      {"sha256", IocType::kSha256},   {"sha-256", IocType::kSha256},   {"imphash", IocType::kImphash},
      {"filename", IocType::kFileName}, {"file_name", IocType::kFileName}, {"file-name", IocType::kFileName},
      {"file", IocType::kFileName},   {"file_glob", IocType::kFileGlob}, {"filepath", IocType::kFileGlob},
      {"file_path", IocType::kFileGlob}, {"path", IocType::kFileGlob}, {"file_regex", IocType::kFileRegex},
      {"filename_regex", IocType::kFileRegex}, {"regex", IocType::kFileRegex}};
  std::string_view n = trim(name);
  for (const Alias& a : kAliases)
    if (iequals(n, a.name)) {
      *out = a.type;
      return true;
    }
  return false;
}

const char* ioc_format_name(IocFormat f) {
  switch (f) {
    case IocFormat::kAuto: return "auto";
    case IocFormat::kText: return "text";
    case IocFormat::kLokiFilename: return "loki-filename";
    case IocFormat::kCsv: return "csv";
    case IocFormat::kStix: return "stix";
    case IocFormat::kMisp: return "misp";
  }
  return "auto";
}

bool parse_ioc_format(std::string_view name, IocFormat* out) {
  for (IocFormat f : {IocFormat::kAuto, IocFormat::kText, IocFormat::kLokiFilename, IocFormat::kCsv,
                      IocFormat::kStix, IocFormat::kMisp})
    if (iequals(name, ioc_format_name(f))) {
      *out = f;
      return true;
    }
  return false;
}

void IocLoadReport::merge(const IocLoadReport& o) {
  accepted += o.accepted;
  duplicates += o.duplicates;
  rejected += o.rejected;
  rejected_lines.insert(rejected_lines.end(), o.rejected_lines.begin(), o.rejected_lines.end());
  notes.insert(notes.end(), o.notes.begin(), o.notes.end());
}

IocSet::Impl::~Impl() {
  if (base_db.db) hs_free_database(base_db.db);
  if (path_db.db) hs_free_database(path_db.db);
}

uint32_t IocSet::Impl::intern_label(std::string_view s) {
  if (s == labels[last_label]) return last_label;  // lists label runs of lines alike
  auto it = label_ids.find(std::string(s));
  if (it != label_ids.end()) return it->second;
  uint32_t id = uint32_t(labels.size());
  labels.emplace_back(s);
  label_ids.emplace(std::string(s), id);
  return last_label = id;
}

uint32_t IocSet::Impl::intern_source(std::string_view s) {
  if (s == sources[last_source]) return last_source;
  auto it = source_ids.find(std::string(s));
  if (it != source_ids.end()) return it->second;
  uint32_t id = uint32_t(sources.size());
  sources.emplace_back(s);
  source_ids.emplace(std::string(s), id);
  return last_source = id;
}

// ---- IocSet ----

IocSet::IocSet(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
IocSet::~IocSet() = default;
size_t IocSet::size() const { return impl_->stored.size(); }
size_t IocSet::count(IocType t) const { return impl_->type_counts[size_t(t)]; }
const IocIndicator& IocSet::indicator(size_t i) const { return impl_->views.at(i); }
const IocFieldMap& IocSet::fields() const { return impl_->fields; }

size_t IocSet::memory_bytes() const {
  const Impl& m = *impl_;
  size_t n = m.pool.capacity() + m.stored.capacity() * sizeof(ioc::StoredIndicator) +
             m.views.capacity() * sizeof(IocIndicator) + m.ips.capacity() * sizeof(ioc::IpEntry) +
             m.ip_table.memory_bytes() + m.ip_exact.memory_bytes() + m.url_hosts.memory_bytes();
  for (const IdTable& t : m.exact) n += t.memory_bytes();
  for (const std::string& s : m.labels) n += s.capacity() + 64;
  for (const std::string& s : m.sources) n += s.capacity() + 64;
  size_t db_size = 0;
  if (m.base_db.db && hs_database_size(m.base_db.db, &db_size) == HS_SUCCESS) n += db_size;
  if (m.path_db.db && hs_database_size(m.path_db.db, &db_size) == HS_SUCCESS) n += db_size;
  return n;
}

std::string_view IocSet::embedded_apt10_text() {
  static const std::string s = join_chunks(kApt10Chunks, sizeof(kApt10Chunks) / sizeof(kApt10Chunks[0]));
  return s;
}

std::string_view IocSet::embedded_fields_text() {
  static const std::string s = join_chunks(kFieldsChunks, sizeof(kFieldsChunks) / sizeof(kFieldsChunks[0]));
  return s;
}

std::shared_ptr<const IocSet> IocSet::builtin_apt10() {
  static const std::shared_ptr<const IocSet> set = [] {
    IocLoadOptions opt;
    opt.format = IocFormat::kCsv;
    IocLoadReport rep;
    auto r = load_memory(embedded_apt10_text(), "builtin:apt10", opt, &rep);
    // The pack is generated and tested (IocPack.* tests): it always loads. An empty set keeps hunts going if not.
    if (!r.ok()) {
      IocSetBuilder b;
      return std::shared_ptr<const IocSet>(b.build().value());
    }
    return std::shared_ptr<const IocSet>(r.value());
  }();
  return set;
}

Result<std::shared_ptr<const IocSet>> IocSet::load(const std::vector<std::string>& paths, const IocLoadOptions& opt,
                                                   IocLoadReport* report) {
  IocSetBuilder b;
  IocFieldMap fields = IocFieldMap::builtin();
  for (const std::string& fm : opt.field_maps) {
    auto extra = IocFieldMap::load(fm);
    if (!extra.ok()) return extra.status();
    fields.merge(extra.value());
  }
  b.set_fields(std::move(fields));
  IocLoadReport local;
  IocLoadReport* rep = report ? report : &local;
  for (const std::string& path : paths) {
    auto buf = Buffer::map_file(path);
    if (!buf.ok()) return Status::Error(path + ": cannot read: " + buf.status().message());
    b.add_document(buf.value()->view(), path, opt, rep);
  }
  return b.build();
}

Result<std::shared_ptr<const IocSet>> IocSet::load_memory(std::string_view content, std::string_view display_name,
                                                          const IocLoadOptions& opt, IocLoadReport* report) {
  IocSetBuilder b;
  IocFieldMap fields = IocFieldMap::builtin();
  for (const std::string& fm : opt.field_maps) {
    auto extra = IocFieldMap::load(fm);
    if (!extra.ok()) return extra.status();
    fields.merge(extra.value());
  }
  b.set_fields(std::move(fields));
  IocLoadReport local;
  b.add_document(content, display_name, opt, report ? report : &local);
  return b.build();
}

// ---- IocSetBuilder ----

IocSetBuilder::IocSetBuilder() : impl_(std::make_unique<IocSet::Impl>()) { impl_->fields = IocFieldMap::builtin(); }
IocSetBuilder::~IocSetBuilder() = default;
size_t IocSetBuilder::size() const { return impl_->stored.size(); }
void IocSetBuilder::set_fields(IocFieldMap fields) { impl_->fields = std::move(fields); }

namespace {


uint64_t str_hash(std::string_view s) { return ioc::hash_bytes(s.data(), s.size()); }

// Vectorscan checks a pattern alone (cheaper than compiling it). Empty-matching patterns are refused: they
// would flag every file.
bool hs_pattern_ok(const std::string& expr, unsigned flags, std::string* why) {
  hs_expr_info_t* info = nullptr;
  hs_compile_error_t* err = nullptr;
  if (hs_expression_info(expr.c_str(), flags, &info, &err) != HS_SUCCESS) {
    *why = std::string("pattern not supported by Vectorscan: ") + (err && err->message ? err->message : "?");
    if (err) hs_free_compile_error(err);
    return false;
  }
  bool empty = info && info->min_width == 0;
  std::free(info);
  if (empty) {
    *why = "pattern matches the empty string";
    return false;
  }
  return true;
}

constexpr unsigned kPatternFlags = HS_FLAG_CASELESS | HS_FLAG_DOTALL | HS_FLAG_SINGLEMATCH;

}  // namespace

bool IocSetBuilder::add(IocType type, std::string_view value, std::string_view label, std::string_view source,
                        uint32_t line, Level level, bool* duplicate, std::string* why) {
  *duplicate = false;
  std::string norm;
  if (!ioc::normalise_typed(&type, value, &norm, why)) return false;
  return add_normalised(type, std::move(norm), label, source, line, level, duplicate, why);
}

bool IocSetBuilder::add_normalised(IocType type, std::string norm, std::string_view label, std::string_view source,
                                   uint32_t line, Level level, bool* duplicate, std::string* why) {
  *duplicate = false;
  IocSet::Impl& m = *impl_;
  if (m.stored.size() >= 0x7fffffffu || m.pool.size() + norm.size() >= 0xffffffffu) {
    *why = "too many indicators in one set";
    return false;
  }
  const uint32_t id = uint32_t(m.stored.size());
  std::string exclusion;
  if (type == IocType::kFileRegex) {
    // LOKI "REGEX;SCORE;EXCLUDE" arrives here as "REGEX\tEXCLUDE" from the LOKI loader.
    size_t tab = norm.find('\t');
    if (tab != std::string::npos) {
      exclusion = norm.substr(tab + 1);
      norm.resize(tab);
    }
  }
  if (type == IocType::kIp || type == IocType::kCidr) {
    IpAddr a;
    int bits = 128;
    if (type == IocType::kCidr) {
      if (!ioc::parse_cidr(norm, &a, &bits)) {
        *why = "not an IP network";
        return false;
      }
    } else if (!ioc::parse_ip(norm, &a)) {
      *why = "not an IP address";
      return false;
    }
    uint64_t h = ioc::ip_key_hash(a, bits);
    bool dup = false;
    m.ip_table_for(bits).for_each(h, [&](uint32_t e) {
      const ioc::IpEntry& en = m.ips[e];
      if (en.net == a && en.bits == bits && m.stored[en.id].type == type) dup = true;
      return !dup;
    });
    if (dup) {
      *duplicate = true;
      return true;
    }
    m.ip_table_for(bits).insert(h, uint32_t(m.ips.size()));
    m.ips.push_back(ioc::IpEntry{a, bits, id});
    m.ip_bits.set(size_t(bits));
  } else {
    if (type == IocType::kFileGlob) norm = to_lower(norm);
    uint64_t h = str_hash(norm);
    bool dup = false;
    m.exact[size_t(type)].for_each(h, [&](uint32_t e) {
      dup = m.value(e) == norm;
      return !dup;
    });
    if (dup) {
      *duplicate = true;
      return true;
    }
    if (type == IocType::kFileGlob) {
      if (!hs_pattern_ok(ioc::glob_to_regex(norm), kPatternFlags, why)) return false;
    } else if (type == IocType::kFileRegex) {
      if (!hs_pattern_ok(norm, kPatternFlags, why)) return false;
      if (!exclusion.empty() && !hs_pattern_ok(exclusion, kPatternFlags, why)) {
        *why = "exclusion " + *why;
        return false;
      }
    }
    m.exact[size_t(type)].insert(h, id);
    if (type == IocType::kUrl) m.url_hosts.insert(str_hash(ioc::url_host(ioc::url_rest(norm))), id);
    if (type == IocType::kFileGlob)
      m.patterns.push_back({ioc::glob_to_regex(norm), kPatternFlags, id, ioc::glob_has_separator(norm)});
    if (type == IocType::kFileRegex) {
      m.patterns.push_back({norm, kPatternFlags, id, true});
      if (!exclusion.empty()) {
        m.patterns.push_back({exclusion, kPatternFlags, id | ioc::PatternDb::kExcludeBit, true});
        m.exclusions.emplace(id, exclusion);
      }
    }
  }
  ioc::StoredIndicator s;
  s.value_off = uint32_t(m.pool.size());
  s.value_len = uint32_t(norm.size());
  m.pool += norm;
  s.label = m.intern_label(label);
  s.source = m.intern_source(source);
  s.line = line;
  s.type = type;
  s.level = level;
  m.stored.push_back(s);
  m.type_counts[size_t(type)]++;
  return true;
}

void IocSetBuilder::add_document(std::string_view content, std::string_view display_name, const IocLoadOptions& opt,
                                 IocLoadReport* report) {
  IocLoadReport local;
  ioc::LoadContext cx(this, &opt, report ? report : &local, display_name);
  IocFormat f = opt.format == IocFormat::kAuto ? ioc::detect_format(content, display_name) : opt.format;
  switch (f) {
    case IocFormat::kAuto:
    case IocFormat::kText: ioc::load_text(content, cx); break;
    case IocFormat::kLokiFilename: ioc::load_loki_filename(content, cx); break;
    case IocFormat::kCsv: ioc::load_csv(content, cx); break;
    case IocFormat::kStix: ioc::load_stix(content, cx); break;
    case IocFormat::kMisp: ioc::load_misp(content, cx); break;
  }
}

namespace {

// Compiles `pats` into one database; a pattern that the whole-database compile refuses (rare: each was checked
// alone) is dropped and the compile retried, so one odd regex never costs the rest.
Status compile_db(std::vector<IocSet::Impl::Pattern> pats, ioc::PatternDb* out, std::vector<uint32_t>* dropped) {
  while (!pats.empty()) {
    std::vector<const char*> exprs;
    std::vector<unsigned> flags, ids;
    for (size_t i = 0; i < pats.size(); ++i) {
      exprs.push_back(pats[i].expr.c_str());
      flags.push_back(pats[i].flags);
      ids.push_back(unsigned(i));
    }
    hs_database_t* db = nullptr;
    hs_compile_error_t* err = nullptr;
    if (hs_compile_multi(exprs.data(), flags.data(), ids.data(), unsigned(exprs.size()), HS_MODE_BLOCK, nullptr, &db,
                         &err) == HS_SUCCESS) {
      out->db = db;
      out->ids.clear();
      for (const auto& p : pats) out->ids.push_back(p.id);
      return Status();
    }
    int bad = err ? err->expression : -1;
    std::string msg = err && err->message ? err->message : "unknown error";
    if (err) hs_free_compile_error(err);
    if (bad < 0 || size_t(bad) >= pats.size())
      return Status::Error("Vectorscan cannot compile the file-name patterns: " + msg);
    dropped->push_back(pats[size_t(bad)].id & ~ioc::PatternDb::kExcludeBit);
    pats.erase(pats.begin() + bad);
  }
  return Status();
}

}  // namespace

Result<std::shared_ptr<const IocSet>> IocSetBuilder::build() {
  std::unique_ptr<IocSet::Impl> m = std::move(impl_);
  impl_ = std::make_unique<IocSet::Impl>();
  std::vector<IocSet::Impl::Pattern> base, path;
  for (auto& p : m->patterns) (p.on_path ? path : base).push_back(std::move(p));
  m->patterns.clear();
  m->patterns.shrink_to_fit();
  std::vector<uint32_t> dropped;
  Status s1 = compile_db(std::move(base), &m->base_db, &dropped);
  if (!s1.ok()) return s1;
  Status s2 = compile_db(std::move(path), &m->path_db, &dropped);
  if (!s2.ok()) return s2;
  m->views.reserve(m->stored.size());
  for (const ioc::StoredIndicator& s : m->stored) {
    IocIndicator v;
    v.type = s.type;
    v.level = s.level;
    v.value = m->value(s);
    v.label = m->labels[s.label];
    v.source = m->sources[s.source];
    v.line = s.line;
    m->views.push_back(v);
  }
  return std::shared_ptr<const IocSet>(new IocSet(std::move(m)));
}

}  // namespace trawl

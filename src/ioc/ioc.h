// Indicators of compromise: a typed, immutable IocSet loaded from the formats people publish (plain lists,
// LOKI lists, CSV/TSV/Markdown tables, STIX 2.1 bundles, MISP JSON), and a per-thread IocMatcher that checks
// the right fields of every Event against it at a cost that does not grow with the number of indicators
// (hash tables for exact values, a label walk for subdomains, per-prefix-length tables for CIDRs, one
// Vectorscan database for file-name globs and regexes).
//
// Thread-safety: an IocSet is immutable once built and may be shared by any number of threads; an IocMatcher
// owns scratch space and belongs to one thread. Ownership: IocHit's value/label/source views point into the
// IocSet, which the matcher keeps alive.
//
// Example:
//   IocLoadReport rep;
//   auto set = IocSet::load({"c2.txt", "bundle.json"}, IocLoadOptions{}, &rep);
//   if (!set.ok()) return fail(set.status().message());
//   IocMatcher m(*set);
//   std::vector<IocHit> hits;
//   m.match(event, hits);
//   for (auto& h : hits) sink(IocMatcher::to_detection(event, h));
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/detection.h"
#include "core/event.h"
#include "core/status.h"

namespace trawl {

enum class IocType : uint8_t {
  kIp,          // one IPv4 or IPv6 address (v4-mapped IPv6 is the IPv4 address)
  kCidr,        // an IPv4 or IPv6 network
  kDomain,      // exactly this DNS name
  kDomainTree,  // this DNS name or any name below it ("*.evil.com"; plain list domains by default)
  kUrl,         // a URL (matched in command lines and in Zeek HTTP host+uri)
  kMd5,
  kSha1,
  kSha256,
  kImphash,
  kFileName,    // a file's base name, exact, case-insensitive ("jli.dll")
  kFileGlob,    // a glob over the base name, or over the full path when it has a separator
  kFileRegex,   // a regex searched in the full path (LOKI filename-iocs), case-insensitive
};
constexpr size_t kIocTypeCount = 12;
const char* ioc_type_name(IocType t);       // "ip", "cidr", "domain", "domain_tree", "url", "md5", ...
// Accepts our names and the common aliases of CSV/MISP/STIX exports ("ip-dst", "hostname", "sha-256",
// "filename", "domain-name", ...). Returns false for anything else.
bool parse_ioc_type(std::string_view name, IocType* out);

enum class IocFormat : uint8_t {
  kAuto,          // by content (JSON -> STIX or MISP), then extension (.csv/.tsv/.md tables), then name (LOKI)
  kText,          // one value per line, '#' comments (the last comment labels what follows), "value;comment"
  kLokiFilename,  // LOKI filename-iocs: "REGEX;SCORE[;EXCLUDE-REGEX]" (auto when the name has "filename")
  kCsv,           // header row names the value/type/label columns; ',', ';', TAB or '|' (Markdown) delimited
  kStix,          // STIX 2.1 bundle (or a lone indicator / list of objects)
  kMisp,          // MISP event export, search response, or plain attribute list
};
const char* ioc_format_name(IocFormat f);
bool parse_ioc_format(std::string_view name, IocFormat* out);

struct IocLoadOptions {
  IocFormat format = IocFormat::kAuto;
  // A domain given without "*." also matches its subdomains (false: exact name only).
  bool domain_subdomains = true;
  Level level = Level::kHigh;  // level of detections from indicators whose list does not say
  // YAML field maps (same shape as rules/ioc/fields.yml) merged over the built-in one.
  std::vector<std::string> field_maps;
  size_t max_rejected_lines = 10000;  // messages kept in the report (the count is always exact)
};

struct IocLoadReport {
  size_t accepted = 0, duplicates = 0, rejected = 0;
  std::vector<std::string> rejected_lines;  // "path:line: why"
  std::vector<std::string> notes;           // non-fatal remarks ("path:1: header line skipped")
  void merge(const IocLoadReport& other);
};

// One indicator as stored in a set. Views point into the IocSet.
struct IocIndicator {
  IocType type = IocType::kIp;
  Level level = Level::kHigh;
  std::string_view value;   // normalised (lower-case hashes/domains/hosts, refanged, CIDR in canonical form)
  std::string_view label;   // free text: list section, comment, family, STIX name ...
  std::string_view source;  // the file it came from (or, for the built-in pack, the upstream list and line)
  uint32_t line = 0;        // 1-based line in `source`; 0 when unknown
};

// Which event fields each indicator type is compared with: a data file (rules/ioc/fields.yml, embedded in the
// binary at build time) that users extend with their own YAML of the same shape.
class IocFieldMap {
 public:
  enum Role : uint16_t {
    kRoleIp = 1,          // the value is an IP address (optionally [v6], :port, v4-mapped)
    kRoleDomain = 2,      // the value is a DNS name (optionally :port, trailing dot); IPs here are checked too
    kRoleUrlText = 4,     // free text searched for URLs ("scheme://host/...")
    kRoleHashList = 8,    // "SHA1=..,MD5=..,SHA256=..,IMPHASH=.." (Sysmon Hashes)
    kRoleHash = 16,       // a bare hash, type by length
    kRoleImphash = 32,    // a bare import hash
    kRoleFile = 64,       // a file path or name
    kRoleHttpHost = 128,  // host part of an HTTP request (joined with kRoleHttpUri into a URL)
    kRoleHttpUri = 256,
  };
  static const IocFieldMap& builtin();
  static Result<IocFieldMap> parse_yaml(std::string_view text, std::string_view display_name);
  static Result<IocFieldMap> load(const std::string& path);
  void merge(const IocFieldMap& other);
  void add(std::string_view field, uint16_t roles);
  uint16_t roles(std::string_view field) const;
  const std::vector<std::pair<std::string, uint16_t>>& entries() const { return entries_; }

 private:
  std::vector<std::pair<std::string, uint16_t>> entries_;  // sorted by name
};

class IocSetBuilder;

class IocSet {  // immutable once built, thread-safe to match against
 public:
  ~IocSet();
  IocSet(const IocSet&) = delete;
  IocSet& operator=(const IocSet&) = delete;

  // Loads every file (format by opt.format or detected per file). Fails only when a file cannot be read or a
  // field map is invalid; bad lines are counted and listed in `report` (may be null).
  static Result<std::shared_ptr<const IocSet>> load(const std::vector<std::string>& paths,
                                                    const IocLoadOptions& opt, IocLoadReport* report);
  // Same for text already in memory (tests, fuzzers, the embedded pack). `display_name` names the source.
  static Result<std::shared_ptr<const IocSet>> load_memory(std::string_view content, std::string_view display_name,
                                                           const IocLoadOptions& opt, IocLoadReport* report);
  // The built-in APT10 / Cloud Hopper pack (rules/ioc/apt10.tsv, embedded at build time; see NOTICE-IOC.md).
  static std::shared_ptr<const IocSet> builtin_apt10();
  // The text of the embedded pack and field map (tests compare them with the files under rules/ioc/).
  static std::string_view embedded_apt10_text();
  static std::string_view embedded_fields_text();

  size_t size() const;
  size_t count(IocType t) const;
  const IocIndicator& indicator(size_t i) const;
  const IocFieldMap& fields() const;
  // Approximate heap bytes held by the set (indexes, strings, Vectorscan databases).
  size_t memory_bytes() const;

  struct Impl;
  const Impl& impl() const { return *impl_; }

 private:
  friend class IocSetBuilder;
  explicit IocSet(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Collects indicators (de-duplicating by type and normalised value) and builds an IocSet. Loaders use it;
// so may callers that have indicators from elsewhere. Not thread-safe.
class IocSetBuilder {
 public:
  IocSetBuilder();
  ~IocSetBuilder();
  // Normalises `value` for `type` (refangs, lower-cases, parses CIDRs). Returns false with `why` set when the
  // value is not a valid indicator of that type; sets *duplicate when it was already present.
  bool add(IocType type, std::string_view value, std::string_view label, std::string_view source, uint32_t line,
           Level level, bool* duplicate, std::string* why);
  // Same, for a value already normalised by ioc::classify / ioc::normalise_typed (skips a second pass).
  bool add_normalised(IocType type, std::string norm, std::string_view label, std::string_view source,
                      uint32_t line, Level level, bool* duplicate, std::string* why);
  // Loads one document into the builder, counting into `report`.
  void add_document(std::string_view content, std::string_view display_name, const IocLoadOptions& opt,
                    IocLoadReport* report);
  void set_fields(IocFieldMap fields);
  size_t size() const;
  // Compiles the indexes. Fails only if Vectorscan cannot build a database of patterns it accepted one by one.
  Result<std::shared_ptr<const IocSet>> build();

 private:
  std::unique_ptr<IocSet::Impl> impl_;
};

struct IocHit {
  uint32_t indicator = 0;      // index in the set
  IocType type = IocType::kIp;
  Level level = Level::kHigh;
  std::string_view value;      // the indicator (views into the set)
  std::string_view label;
  std::string_view source;
  uint32_t line = 0;
  std::string field;           // the event field that matched ("Hashes", "QueryName", "host+uri")
  std::string matched;         // the part of the field that matched (one hash of Hashes, the normalised name)
};

class IocMatcher {  // per thread
 public:
  explicit IocMatcher(std::shared_ptr<const IocSet> set);
  IocMatcher(std::shared_ptr<const IocSet> set, const IocFieldMap& fields);  // other field map than the set's
  ~IocMatcher();
  IocMatcher(const IocMatcher&) = delete;
  IocMatcher& operator=(const IocMatcher&) = delete;

  // Appends one hit per (indicator, field) that matches; `out` is not cleared.
  void match(const Event& e, std::vector<IocHit>& out);
  static Detection to_detection(const Event& e, const IocHit& h);  // kind ioc, names the indicator, type, source

 private:
  struct State;
  std::unique_ptr<State> st_;
};

// The slow twin: compares every indicator with every field, with no index. Tests check IocMatcher against it.
void ioc_reference_match(const IocSet& set, const IocFieldMap& fields, const Event& e, std::vector<IocHit>& out);

}  // namespace trawl

// Compiler and scanner of the Sigma program: routing table, literal atoms, Vectorscan databases.
#include "engine/program.h"

#include <hs/hs.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <new>
#include <string_view>
#include <unordered_map>

#include "core/parallel.h"
#include "core/text.h"
#include "engine/rule_eval.h"

namespace trawl {

namespace {

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
template <class V>
using StringMap = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;

const std::string kKeywordField("\x01keywords");

struct Variant {
  uint32_t rule;
  uint32_t entry;
  uint32_t full_mask = 0;  // all groups of its prefilter conjunction hit
};

struct AtomUse {
  uint32_t variant;
  uint32_t bit;  // 1 << group index
};

// A set of atoms of which at least one must occur for a node to be true; `always` = no such set.
struct Req {
  bool always = true;
  std::vector<uint32_t> atoms;
  size_t min_len = 0;
};

// What must hold for a rule to be a candidate: every group (an OR set of atoms) must have a hit. A conjunction is
// far more selective than one group (rule "Image ends with \powershell.exe and CommandLine contains -enc" is
// a candidate on events with both, not on every PowerShell start). Empty: evaluate on every routed event.
struct Conj {
  std::vector<Req> groups;
  bool always() const { return groups.empty(); }
};
constexpr size_t kMaxGroups = 32;  // a variant's group mask is 32 bits
// An OR keeps its branches apart (each a conjunction of its own: a rule is a candidate when all groups of any
// branch hit) up to this many branches per rule and source; beyond, branches merge into one group.
constexpr size_t kMaxAlternatives = 8;
using Dnf = std::vector<Conj>;  // OR of conjunctions; an alternative without groups makes the whole always

struct HsDatabaseDeleter {
  void operator()(hs_database_t* d) const { hs_free_database(d); }
};
struct HsScratchDeleter {
  void operator()(hs_scratch_t* s) const { hs_free_scratch(s); }
};

}  // namespace

struct FieldDatabase {
  std::unique_ptr<hs_database_t, HsDatabaseDeleter> db;     // caseless literals
  std::unique_ptr<hs_database_t, HsDatabaseDeleter> re_db;  // regexes in Vectorscan prefilter mode
  std::vector<uint8_t> entries;  // by log-source entry: some variant routed there has an atom here
  uint32_t id = 0;               // distinguishes databases in the scanner's memo
};

// Field name -> its databases, looked up for every field of every event: open addressing over a power-of-two
// table with an FNV-1a hash of the (short) name, instead of the node-based map's modulo and pointer chase.
class FieldIndex {
 public:
  void build(StringMap<FieldDatabase>& dbs) {
    size_t cap = 16;
    while (cap < dbs.size() * 4) cap <<= 1;
    slots_.assign(cap, Slot{});
    for (auto& [name, db] : dbs) {
      size_t i = hash(name) & (cap - 1);
      while (slots_[i].db) i = (i + 1) & (cap - 1);
      slots_[i] = Slot{name, &db};
    }
  }
  const FieldDatabase* find(std::string_view name) const {
    if (slots_.empty()) return nullptr;
    const size_t mask = slots_.size() - 1;
    for (size_t i = hash(name) & mask;; i = (i + 1) & mask) {
      const Slot& sl = slots_[i];
      if (!sl.db) return nullptr;
      if (sl.name.size() == name.size() && std::memcmp(sl.name.data(), name.data(), name.size()) == 0) return sl.db;
    }
  }

 private:
  // Field names are short: their first and last eight bytes (overlapping when shorter) and the length mixed
  // with two multiplications, instead of a byte-at-a-time loop (this runs for every field of every event).
  static size_t hash(std::string_view s) {
    const size_t n = s.size();
    uint64_t a = 0, b = 0;
    if (n >= 8) {
      std::memcpy(&a, s.data(), 8);
      std::memcpy(&b, s.data() + n - 8, 8);
    } else if (n >= 4) {
      uint32_t x, y;
      std::memcpy(&x, s.data(), 4);
      std::memcpy(&y, s.data() + n - 4, 4);
      a = x;
      b = y;
    } else if (n > 0) {
      a = uint64_t(uint8_t(s[0])) | uint64_t(uint8_t(s[n / 2])) << 8 | uint64_t(uint8_t(s[n - 1])) << 16;
    }
    uint64_t h = (a ^ n) * 0x9E3779B97F4A7C15ull ^ b * 0xC2B2AE3D27D4EB4Full;
    return size_t(h ^ (h >> 31));
  }
  struct Slot {
    std::string_view name;  // the map's key (stable: node-based map)
    const FieldDatabase* db = nullptr;
  };
  std::vector<Slot> slots_;
};

struct ChannelRoute {
  StringMap<std::vector<uint32_t>> by_event_id;  // EventID -> entries
  std::vector<uint32_t> any_event_id;            // entries without an EventID condition
};

struct ProgramImpl {
  std::vector<SigmaRule> rules;
  LogSourceMap map;
  std::vector<Variant> variants;                       // ordered by rule index
  std::vector<std::vector<AtomUse>> atom_variants;     // atom -> (variant, group) it satisfies, by entry (compiling)
  // For the scanner, flat (a hit reads three adjacent arrays instead of chasing vectors): atom a's uses grouped by
  // log-source entry are flat_ranges[atom_first_range[a], atom_first_range[a + 1]), each a span of flat_uses.
  struct EntryRange {
    uint32_t entry, begin, end;  // flat_uses[begin, end) belong to variants of this log-source entry
  };
  struct FlatUse {
    uint32_t variant, bit, full_mask;
  };
  std::vector<uint32_t> atom_first_range;
  std::vector<EntryRange> flat_ranges;
  std::vector<FlatUse> flat_uses;
  std::vector<std::vector<uint32_t>> entry_always;     // entry -> variants always evaluated
  std::vector<uint8_t> entry_has_atoms;                // entry has variants with atoms
  std::vector<uint8_t> entry_has_keywords;             // entry has variants with keyword atoms
  std::vector<uint8_t> routed;                         // per rule
  StringMap<FieldDatabase> field_dbs;                  // event field name -> literal database
  FieldIndex field_index;                              // fast lookup into field_dbs
  FieldDatabase keyword_db;                            // literals of keyword searches, scanned over all values
  StringMap<ChannelRoute> channels;                    // lower-cased Channel -> route
  StringMap<std::vector<uint32_t>> zeek_types;         // Zeek log type -> entries
  std::unique_ptr<hs_scratch_t, HsScratchDeleter> scratch_proto;
  ProgramStats stats;
  bool prefilter = true;
};

namespace {

class Compiler {
 public:
  explicit Compiler(ProgramImpl& p) : p_(p) {}

  uint32_t atom(const std::string& field, const std::string& lit) {
    auto key = std::make_pair(field, lit);
    auto it = atom_ids_.find(key);
    if (it != atom_ids_.end()) return it->second;
    uint32_t id = uint32_t(p_.atom_variants.size());
    p_.atom_variants.emplace_back();
    atom_ids_.emplace(std::move(key), id);
    field_literals_[field].emplace_back(lit, id);
    keyword_atom_.push_back(field == kKeywordField ? 1 : 0);
    atom_field_.push_back(field);
    return id;
  }

  static Req always() { return Req{}; }
  static Req unite(std::vector<Req>&& rs) {
    Req out;
    out.always = false;
    out.min_len = SIZE_MAX;
    for (auto& r : rs) {
      if (r.always) return always();
      out.atoms.insert(out.atoms.end(), r.atoms.begin(), r.atoms.end());
      out.min_len = std::min(out.min_len, r.min_len);
    }
    if (rs.empty()) return always();
    std::sort(out.atoms.begin(), out.atoms.end());
    out.atoms.erase(std::unique(out.atoms.begin(), out.atoms.end()), out.atoms.end());
    return out;
  }
  static Req best(std::vector<Req>&& rs) {
    Req* b = nullptr;
    for (auto& r : rs) {
      if (r.always) continue;
      if (!b || r.min_len > b->min_len || (r.min_len == b->min_len && r.atoms.size() < b->atoms.size())) b = &r;
    }
    return b ? std::move(*b) : always();
  }

  Req value_req(const SigmaValue& v, const std::string& field) {
    std::string lit = v.required_literal();
    if (lit.empty() && v.kind == ValueKind::kRegex) return regex_req(v, field);
    if (lit.empty()) return always();
    Req r;
    r.always = false;
    r.min_len = lit.size();
    r.atoms.push_back(atom(field, lit));
    return r;
  }

  // A regex without a required literal becomes a Vectorscan prefilter pattern (a superset of its matches) when
  // byte-level matching cannot miss what RE2's UTF-8 matching finds: no case folding (Unicode in RE2), no
  // non-ASCII bytes, no construct that consumes exactly one character (`.` unless repeated without bound,
  // negated classes, \W \S \D \p \x \C). Otherwise the predicate stays unfiltered.
  Req regex_req(const SigmaValue& v, const std::string& field) {
    const std::string& re = v.text;
    if (v.re_icase || v.re_multiline) return always();
    // Inline flags and other (? forms change matching; a plain non-capturing group (?: does not.
    for (size_t q = re.find("(?"); q != std::string::npos; q = re.find("(?", q + 2))
      if (q + 2 >= re.size() || re[q + 2] != ':' || (q > 0 && re[q - 1] == '\\')) return always();
    for (size_t i = 0; i < re.size(); ++i) {
      const unsigned char c = static_cast<unsigned char>(re[i]);
      if (c >= 0x80) return always();
      if (c == '\\') {
        if (i + 1 >= re.size()) return always();
        const char e = re[i + 1];
        if (std::strchr("WSDpPxCQEXRKNhHvV0123456789", e) != nullptr) return always();
        ++i;
        continue;
      }
      if (c == '[' && i + 1 < re.size() && re[i + 1] == '^') return always();
      if (c == '.' && !(i + 1 < re.size() && (re[i + 1] == '*' || re[i + 1] == '+'))) return always();
    }
    unsigned flags = HS_FLAG_PREFILTER | HS_FLAG_SINGLEMATCH | (v.re_dotall ? HS_FLAG_DOTALL : 0u);
    hs_database_t* db = nullptr;
    hs_compile_error_t* err = nullptr;
    if (hs_compile(re.c_str(), flags, HS_MODE_BLOCK, nullptr, &db, &err) != HS_SUCCESS) {
      hs_free_compile_error(err);
      return always();  // Vectorscan cannot take it (or it matches the empty string): evaluate without a filter
    }
    hs_free_database(db);
    auto key = std::make_pair(field, "re:" + std::to_string(flags) + ":" + re);
    uint32_t id;
    auto it = atom_ids_.find(key);
    if (it != atom_ids_.end()) {
      id = it->second;
    } else {
      id = uint32_t(p_.atom_variants.size());
      p_.atom_variants.emplace_back();
      atom_ids_.emplace(std::move(key), id);
      field_regexes_[field].push_back(RegexAtom{re, flags, id});
      keyword_atom_.push_back(field == kKeywordField ? 1 : 0);
      atom_field_.push_back(field);
    }
    Req r;
    r.always = false;
    r.min_len = 2;
    r.atoms.push_back(id);
    return r;
  }

  Req predicate_req(const SigmaPredicate& pr, const FieldRenames& renames) {
    if (pr.negate) return always();
    std::string field = kKeywordField;
    if (!pr.field.empty()) {
      auto it = renames.find(pr.field);
      field = it != renames.end() ? it->second : pr.field;
    }
    std::vector<Req> rs;
    for (const auto& v : pr.values) rs.push_back(value_req(v, field));
    return pr.all ? best(std::move(rs)) : unite(std::move(rs));
  }

  // AND of conjunctions: all their groups. OR of conjunctions: one group, the union of each branch's most
  // selective group (whichever branch holds has a hit there); a branch without groups makes the OR always.
  static Conj conj_and(std::vector<Conj>&& cs) {
    Conj out;
    for (auto& c : cs)
      for (auto& g : c.groups) out.groups.push_back(std::move(g));
    return out;
  }
  static Conj conj_or(std::vector<Conj>&& cs) {
    std::vector<Req> picks;
    for (auto& c : cs) {
      if (c.always()) return Conj{};
      picks.push_back(best(std::move(c.groups)));
    }
    Req u = unite(std::move(picks));
    Conj out;
    if (!u.always) out.groups.push_back(std::move(u));
    return out;
  }
  static Conj conj_of(Req&& r) {
    Conj c;
    if (!r.always) c.groups.push_back(std::move(r));
    return c;
  }

  // `|all`: every value must match, so each value's literal is a group of its own.
  Conj predicate_conj(const SigmaPredicate& pr, const FieldRenames& renames) {
    if (!pr.all || pr.negate) return conj_of(predicate_req(pr, renames));
    std::string field = kKeywordField;
    if (!pr.field.empty()) {
      auto it = renames.find(pr.field);
      field = it != renames.end() ? it->second : pr.field;
    }
    std::vector<Conj> cs;
    for (const auto& v : pr.values) cs.push_back(conj_of(value_req(v, field)));
    return conj_and(std::move(cs));
  }

  static bool dnf_always(const Dnf& d) {
    return d.empty() || std::any_of(d.begin(), d.end(), [](const Conj& c) { return c.always(); });
  }
  // One conjunction standing for the whole OR (the union of each branch's most selective group).
  static Conj collapse(Dnf&& d) { return d.size() == 1 ? std::move(d[0]) : conj_or(std::move(d)); }
  static Dnf dnf_or(std::vector<Dnf>&& ds) {
    Dnf out;
    for (auto& d : ds) {
      if (dnf_always(d)) return Dnf{Conj{}};
      for (auto& c : d) out.push_back(std::move(c));
    }
    if (out.size() > kMaxAlternatives) return Dnf{collapse(std::move(out))};
    return out;
  }
  static Dnf dnf_and(std::vector<Dnf>&& ds) {
    size_t product = 1;
    for (auto& d : ds) {
      if (d.empty()) d.push_back(Conj{});
      product *= d.size();
      if (product > kMaxAlternatives) break;
    }
    if (product > kMaxAlternatives) {  // too many combinations: each OR becomes one conjunction first
      std::vector<Conj> cs;
      for (auto& d : ds) cs.push_back(collapse(std::move(d)));
      return Dnf{conj_and(std::move(cs))};
    }
    Dnf out{Conj{}};
    for (auto& d : ds) {
      Dnf next;
      for (const Conj& a : out)
        for (const Conj& b : d) {
          Conj c = a;
          c.groups.insert(c.groups.end(), b.groups.begin(), b.groups.end());
          next.push_back(std::move(c));
        }
      out = std::move(next);
    }
    return out;
  }

  Dnf search_dnf(const SigmaSearch& s, const FieldRenames& renames) {
    std::vector<Dnf> alts;
    for (const auto& alt : s.alternatives) {
      std::vector<Conj> preds;
      for (const auto& pr : alt) preds.push_back(predicate_conj(pr, renames));
      alts.push_back(Dnf{conj_and(std::move(preds))});
    }
    return dnf_or(std::move(alts));
  }

  Dnf cond_dnf(const SigmaCondition& c, const SigmaRule& r, const FieldRenames& renames) {
    using Op = SigmaCondition::Op;
    switch (c.op) {
      case Op::kRef: return c.ref < r.searches.size() ? search_dnf(r.searches[c.ref], renames) : Dnf{Conj{}};
      case Op::kAnd: {
        std::vector<Dnf> ds;
        for (const auto& k : c.kids) ds.push_back(cond_dnf(k, r, renames));
        return dnf_and(std::move(ds));
      }
      case Op::kOr:
      case Op::kAtLeast: {  // at least one child (count >= 1) must hold
        std::vector<Dnf> ds;
        for (const auto& k : c.kids) ds.push_back(cond_dnf(k, r, renames));
        return dnf_or(std::move(ds));
      }
      default: return Dnf{Conj{}};
    }
  }

  // Keeps at most kMaxGroups groups (the most selective: longest shortest atom, then fewest atoms), in a
  // stable order; dropping a group only makes the prefilter less selective, never wrong.
  static void trim(Conj& c) {
    if (c.groups.size() <= kMaxGroups) return;
    std::stable_sort(c.groups.begin(), c.groups.end(), [](const Req& a, const Req& b) {
      if (a.min_len != b.min_len) return a.min_len > b.min_len;
      return a.atoms.size() < b.atoms.size();
    });
    c.groups.resize(kMaxGroups);
  }

  // One Vectorscan database per field and kind (literals; regex prefilters), compiled on all cores (compiling
  // dominates start-up with thousands of rules); the shared scratch is then sized for each, in a fixed order.
  Status build_databases() {
    struct Job {
      const std::string* field;
      const std::vector<std::pair<std::string, uint32_t>>* lits = nullptr;
      const std::vector<RegexAtom>* res = nullptr;
      hs_database_t* db = nullptr;
      std::string error;
    };
    // Only atoms some variant uses: a predicate's literals are registered before AND keeps the most selective
    // of them and a long conjunction is trimmed, and a literal nobody waits for would still cost scan time.
    auto used = [&](uint32_t id) { return !p_.atom_variants[id].empty(); };
    for (auto& [field, lits] : field_literals_)
      lits.erase(std::remove_if(lits.begin(), lits.end(), [&](const auto& l) { return !used(l.second); }), lits.end());
    for (auto& [field, res] : field_regexes_)
      res.erase(std::remove_if(res.begin(), res.end(), [&](const RegexAtom& r) { return !used(r.id); }), res.end());
    std::vector<Job> jobs;
    for (auto& [field, lits] : field_literals_)
      if (!lits.empty()) jobs.push_back(Job{&field, &lits, nullptr, nullptr, {}});
    for (auto& [field, res] : field_regexes_)
      if (!res.empty()) jobs.push_back(Job{&field, nullptr, &res, nullptr, {}});
    auto run = [](Job& j) {
      std::vector<const char*> exprs;
      std::vector<size_t> lens;
      std::vector<unsigned> flags, ids;
      hs_compile_error_t* err = nullptr;
      hs_error_t rc;
      if (j.lits) {
        for (const auto& [lit, id] : *j.lits) {
          exprs.push_back(lit.data());
          lens.push_back(lit.size());
          // Not HS_FLAG_SINGLEMATCH: with thousands of literals its per-scan bookkeeping costs more than the
          // repeats it saves (CommandLine's 10,558 literals over the attack samples' command lines: ~1.4x
          // faster without); the scanner drops repeats itself (hs_scan_deduped).
          flags.push_back(HS_FLAG_CASELESS);
          ids.push_back(id);
        }
        rc = hs_compile_lit_multi(exprs.data(), flags.data(), ids.data(), lens.data(), unsigned(exprs.size()),
                                  HS_MODE_BLOCK, nullptr, &j.db, &err);
      } else {
        for (const auto& r : *j.res) {
          exprs.push_back(r.pattern.c_str());
          flags.push_back(r.flags);
          ids.push_back(r.id);
        }
        rc = hs_compile_multi(exprs.data(), flags.data(), ids.data(), unsigned(exprs.size()), HS_MODE_BLOCK,
                              nullptr, &j.db, &err);
      }
      if (rc != HS_SUCCESS) {
        j.error = std::string(j.lits ? "Vectorscan compile failed: " : "Vectorscan regex prefilter compile failed: ") +
                  (err && err->message ? err->message : "unknown error");
        hs_free_compile_error(err);
        j.db = nullptr;
      }
    };
    // Largest first, so that one big database does not start last.
    std::vector<size_t> order(jobs.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    auto size_of = [&](size_t i) { return jobs[i].lits ? jobs[i].lits->size() : jobs[i].res->size(); };
    std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) { return size_of(x) > size_of(y); });
    parallel_for(order.size(), hardware_threads(), [&](size_t k) { run(jobs[order[k]]); });
    Status status;
    for (Job& j : jobs) {
      if (!j.db) {
        if (status.ok()) status = Status::Error("field '" + *j.field + "': " + j.error);
        continue;
      }
      FieldDatabase& fdb = *j.field == kKeywordField ? p_.keyword_db : p_.field_dbs[*j.field];
      (j.lits ? fdb.db : fdb.re_db).reset(j.db);
      hs_scratch_t* scratch = p_.scratch_proto.release();
      if (hs_alloc_scratch(j.db, &scratch) != HS_SUCCESS && status.ok())
        status = Status::Error("Vectorscan scratch allocation failed");
      p_.scratch_proto.reset(scratch);
    }
    return status;
  }

 private:
  ProgramImpl& p_;
  std::map<std::pair<std::string, std::string>, uint32_t> atom_ids_;
  std::map<std::string, std::vector<std::pair<std::string, uint32_t>>> field_literals_;
  struct RegexAtom {
    std::string pattern;
    unsigned flags;
    uint32_t id;
  };
  std::map<std::string, std::vector<RegexAtom>> field_regexes_;

 public:
  std::vector<uint8_t> keyword_atom_;  // atom id -> registered under the keyword field
  std::vector<std::string> atom_field_;  // atom id -> event field it is scanned in

  // Which log-source entries need each field scanned: an event whose active entries have no atom in a field
  // skips that field's databases.
  void mark_field_entries() {
    const size_t n = p_.map.entries().size();
    for (uint32_t a = 0; a < p_.atom_variants.size(); ++a) {
      if (p_.atom_variants[a].empty()) continue;
      const std::string& field = atom_field_[a];
      FieldDatabase& fdb = field == kKeywordField ? p_.keyword_db : p_.field_dbs[field];
      if (fdb.entries.size() != n) fdb.entries.assign(n, 0);
      for (const AtomUse& u : p_.atom_variants[a]) fdb.entries[p_.variants[u.variant].entry] = 1;
    }
  }
};

}  // namespace

Detection sigma_detection(const SigmaRule& r, const Event& e) {
  Detection d;
  fill_from_event(d, e);
  d.kind = DetectionKind::kSigma;
  d.rule_id = r.id.empty() ? r.title : r.id;
  d.title = r.title;
  d.level = r.level;
  d.tags = r.tags;
  return d;
}

Program::~Program() = default;
size_t Program::rule_count() const { return impl_->rules.size(); }
const SigmaRule& Program::rule(size_t i) const { return impl_->rules[i]; }
const ProgramStats& Program::stats() const { return impl_->stats; }
bool Program::rule_routed(size_t i) const { return impl_->routed[i] != 0; }

Result<std::shared_ptr<const Program>> Program::compile(const RuleSet& rules, const LogSourceMap& map,
                                                        const CompileOptions& opt) {
  std::shared_ptr<Program> prog(new Program());
  prog->impl_ = std::make_unique<ProgramImpl>();
  ProgramImpl& p = *prog->impl_;
  p.rules = rules.rules();
  p.map = map;
  p.prefilter = opt.prefilter;
  const auto& ents = p.map.entries();
  p.entry_always.resize(ents.size());
  p.entry_has_atoms.assign(ents.size(), 0);
  p.entry_has_keywords.assign(ents.size(), 0);
  p.routed.assign(p.rules.size(), 0);

  // Routing table.
  for (uint32_t ei = 0; ei < ents.size(); ++ei) {
    const auto& e = ents[ei];
    for (const auto& z : e.zeek_types) p.zeek_types[z].push_back(ei);
    for (const auto& ch : e.channels) {
      ChannelRoute& cr = p.channels[ch];
      if (e.event_ids.empty()) cr.any_event_id.push_back(ei);
      for (const auto& id : e.event_ids) cr.by_event_id[id].push_back(ei);
    }
  }

  Compiler comp(p);
  for (uint32_t ri = 0; ri < p.rules.size(); ++ri) {
    const SigmaRule& r = p.rules[ri];
    for (uint32_t ei : p.map.entries_for(r.logsource)) {
      p.routed[ri] = 1;
      Dnf dnf{Conj{}};
      if (opt.prefilter) {
        // Several conditions (a condition list): any may hold.
        std::vector<Dnf> conds;
        for (const auto& c : r.conditions) conds.push_back(comp.cond_dnf(c, r, ents[ei].field_renames));
        dnf = Compiler::dnf_or(std::move(conds));
      }
      if (Compiler::dnf_always(dnf)) {
        const uint32_t vi = uint32_t(p.variants.size());
        p.variants.push_back(Variant{ri, ei});
        p.entry_always[ei].push_back(vi);
        p.stats.always_variants++;
        continue;
      }
      // One variant per alternative (adjacent, same rule and source): a candidate when all its groups hit.
      p.entry_has_atoms[ei] = 1;
      for (Conj& conj : dnf) {
        Compiler::trim(conj);
        const uint32_t vi = uint32_t(p.variants.size());
        p.variants.push_back(Variant{ri, ei});
        for (size_t g = 0; g < conj.groups.size(); ++g) {
          const uint32_t bit = uint32_t(1) << g;
          p.variants[vi].full_mask |= bit;
          for (uint32_t a : conj.groups[g].atoms) {
            p.atom_variants[a].push_back(AtomUse{vi, bit});
            if (comp.keyword_atom_[a]) p.entry_has_keywords[ei] = 1;
          }
        }
        p.stats.prefilter_groups += conj.groups.size();
      }
    }
  }
  Status s = comp.build_databases();
  if (!s.ok()) return s;
  comp.mark_field_entries();

  p.stats.rules = p.rules.size();
  p.stats.routed_rules = size_t(std::count(p.routed.begin(), p.routed.end(), 1));
  p.stats.variants = p.variants.size();
  // Flat tables, each atom's uses grouped by log-source entry: a hit then reads only the uses of the entries the
  // event routes to (a common atom such as "\\windows\\" in Image serves hundreds of rules of other sources).
  p.atom_first_range.reserve(p.atom_variants.size() + 1);
  for (auto& uses : p.atom_variants) {
    std::stable_sort(uses.begin(), uses.end(), [&](const AtomUse& x, const AtomUse& y) {
      return p.variants[x.variant].entry < p.variants[y.variant].entry;
    });
    p.atom_first_range.push_back(uint32_t(p.flat_ranges.size()));
    const uint32_t base = uint32_t(p.flat_uses.size());
    for (uint32_t i = 0; i < uses.size();) {
      const uint32_t entry = p.variants[uses[i].variant].entry;
      uint32_t j = i;
      while (j < uses.size() && p.variants[uses[j].variant].entry == entry) ++j;
      p.flat_ranges.push_back(ProgramImpl::EntryRange{entry, base + i, base + j});
      i = j;
    }
    for (const AtomUse& u : uses)
      p.flat_uses.push_back(ProgramImpl::FlatUse{u.variant, u.bit, p.variants[u.variant].full_mask});
  }
  p.atom_first_range.push_back(uint32_t(p.flat_ranges.size()));
  p.stats.atoms = size_t(std::count_if(p.atom_variants.begin(), p.atom_variants.end(),
                                      [](const std::vector<AtomUse>& u) { return !u.empty(); }));
  // The scanner reads only the flat tables.
  std::vector<std::vector<AtomUse>>().swap(p.atom_variants);
  p.field_index.build(p.field_dbs);
  uint32_t next_id = 0;
  for (auto& [name, fdb] : p.field_dbs) fdb.id = next_id++;
  p.keyword_db.id = next_id;
  p.stats.field_databases = p.field_dbs.size() + (p.keyword_db.db || p.keyword_db.re_db ? 1 : 0);
  return std::shared_ptr<const Program>(std::move(prog));
}

// ---------------------------------------------------------------------------------------------------------------

namespace {

// The scanner's memo: (database, field value) -> the atoms its scans found. Open addressing over a power-of-two
// table; the value bytes and atom lists live in two pools; full (entries or bytes) -> everything is dropped and
// the memo fills again from the values that follow.
class ScanMemo {
 public:
  void configure(const ScannerOptions& o) {
    max_entries_ = o.memo_max_entries;
    max_bytes_ = std::min<size_t>(o.memo_max_bytes, size_t(1) << 31);
    max_value_ = o.memo_max_value;
  }
  // A value is kept only when it fits the budget with room to spare (one value must never fill the memo).
  bool accepts(size_t len) const { return max_entries_ != 0 && len <= max_value_ && len * 4 <= max_bytes_; }
  static uint64_t hash(uint32_t db, const char* data, size_t len) {
    return std::hash<std::string_view>{}(std::string_view(data, len)) ^ (uint64_t(db) * 0x9E3779B97F4A7C15ull);
  }
  // Appends the remembered atoms of (db, value) to `out`; false when not remembered.
  bool find(uint32_t db, uint64_t h, const char* data, uint32_t len, std::vector<uint32_t>& out) const {
    if (slots_.empty()) return false;
    const size_t mask = slots_.size() - 1;
    size_t i = h & mask;
    for (size_t probe = 0; probe < kMaxProbe; ++probe, i = (i + 1) & mask) {
      const Slot& sl = slots_[i];
      if (sl.db_plus1 == 0) return false;
      if (sl.hash == h && sl.db_plus1 == db + 1 && sl.len == len &&
          std::memcmp(bytes_.data() + sl.off, data, len) == 0) {
        out.insert(out.end(), atoms_.begin() + sl.atoms_off, atoms_.begin() + sl.atoms_off + sl.atoms_n);
        return true;
      }
    }
    return false;
  }
  // Returns true when the memo was full and started over.
  bool insert(uint32_t db, uint64_t h, const char* data, uint32_t len, const uint32_t* atoms, size_t n) {
    bool reset = false;
    if (count_ + 1 > max_entries_ || bytes_.size() + len + (atoms_.size() + n) * 4 > max_bytes_) {
      clear();
      reset = true;
    }
    if ((count_ + 1) * 2 > slots_.size()) grow();
    const size_t i = free_slot(h);
    if (i == SIZE_MAX) return reset;  // a crowded neighbourhood: this value is simply scanned again next time
    slots_[i] = Slot{h, uint32_t(bytes_.size()), len, uint32_t(atoms_.size()), uint32_t(n), db + 1};
    bytes_.append(data, len);
    atoms_.insert(atoms_.end(), atoms, atoms + n);
    ++count_;
    return reset;
  }

 private:
  struct Slot {
    uint64_t hash = 0;
    uint32_t off = 0, len = 0, atoms_off = 0, atoms_n = 0, db_plus1 = 0;  // db_plus1 == 0: empty slot
  };
  void clear() {
    std::fill(slots_.begin(), slots_.end(), Slot{});
    bytes_.clear();
    atoms_.clear();
    count_ = 0;
  }
  // Field values are attacker-controlled and the hash is not keyed: values crafted to share a home slot must not
  // turn lookups into long walks. No entry lives more than kMaxProbe slots from its home (one that would is not
  // kept), so a lookup stops there.
  static constexpr size_t kMaxProbe = 64;
  size_t free_slot(uint64_t h) const {
    const size_t mask = slots_.size() - 1;
    size_t i = h & mask;
    for (size_t probe = 0; probe < kMaxProbe; ++probe, i = (i + 1) & mask)
      if (slots_[i].db_plus1 == 0) return i;
    return SIZE_MAX;
  }
  void grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(std::max<size_t>(1024, old.size() * 2), Slot{});
    for (const Slot& sl : old) {
      if (sl.db_plus1 == 0) continue;
      const size_t i = free_slot(sl.hash);
      if (i == SIZE_MAX) {
        --count_;  // dropped (its bytes stay in the pools until the next start-over)
        continue;
      }
      slots_[i] = sl;
    }
  }
  std::vector<Slot> slots_;
  std::string bytes_;
  std::vector<uint32_t> atoms_;
  size_t count_ = 0, max_entries_ = 0, max_bytes_ = 0, max_value_ = 0;
};

}  // namespace

struct ScannerState {
  std::unique_ptr<hs_scratch_t, HsScratchDeleter> scratch;
  ScanMemo memo;
  ScannerStats stats;
  std::vector<uint32_t> entry_stamp;
  struct VariantState {
    uint32_t candidate = 0;   // == epoch: already a candidate in this event
    uint32_t mask_epoch = 0;  // == epoch: `mask` holds the groups hit in this event
    uint32_t mask = 0;
  };
  std::vector<VariantState> variant;
  uint32_t epoch = 0;
  std::vector<uint32_t> active_entries;
  std::vector<uint32_t> hits;
  std::vector<uint32_t> candidates;
  std::string channel_lower;
  std::string stripped_name;
  std::string joined;  // field values joined for the keyword scan
  size_t last_evaluated = 0;
  std::vector<uint32_t> atom_scan;  // per atom: the scan that last reported it (repeats within a scan dropped)
  uint32_t scan_id = 0;
};

namespace {
int on_match(unsigned int id, unsigned long long, unsigned long long, unsigned int, void* ctx) {
  ScannerState& s = *static_cast<ScannerState*>(ctx);
  if (id < s.atom_scan.size()) {
    if (s.atom_scan[id] == s.scan_id) return 0;
    s.atom_scan[id] = s.scan_id;
  }
  s.hits.push_back(id);
  return 0;
}

// One hs_scan whose atoms reach s.hits once each, however often the literal occurs in the data.
hs_error_t hs_scan_deduped(const hs_database_t* db, const char* data, unsigned len, ScannerState& s) {
  if (++s.scan_id == 0) {
    std::fill(s.atom_scan.begin(), s.atom_scan.end(), 0);
    s.scan_id = 1;
  }
  ++s.stats.scans;
  return hs_scan(db, data, len, 0, s.scratch.get(), on_match, &s);
}

bool wanted(const FieldDatabase& fdb, const ScannerState& s) {
  for (uint32_t ei : s.active_entries)
    if (ei < fdb.entries.size() && fdb.entries[ei]) return true;
  return false;  // no rule routed to this event looks at this field
}

// Keyword literals: one scan over all values joined by newlines (in pieces under 4 GiB). A literal found across
// the join of two values only adds a candidate (evaluation is exact); every literal inside one value is found.
void flush_keywords(const FieldDatabase& kdb, ScannerState& s) {
  if (s.joined.empty()) return;
  hs_scan_deduped(kdb.db.get(), s.joined.data(), unsigned(std::min<size_t>(s.joined.size(), UINT32_MAX)), s);
  s.joined.clear();
}

// Keyword regexes, value by value (a regex anchored at the start or end of a value could miss in joined text).
void scan_regexes(const FieldDatabase& fdb, const char* data, unsigned len, ScannerState& s) {
  if (!wanted(fdb, s)) return;
  hs_scan_deduped(fdb.re_db.get(), data, len, s);
}

void scan_field(const FieldDatabase& fdb, const char* data, unsigned len, ScannerState& s) {
  if (!wanted(fdb, s)) return;
  const bool memo = s.memo.accepts(len);
  uint64_t h = 0;
  if (memo) {
    h = ScanMemo::hash(fdb.id, data, len);
    if (s.memo.find(fdb.id, h, data, len, s.hits)) {
      ++s.stats.memo_hits;
      return;
    }
  }
  const size_t first = s.hits.size();
  bool complete = true;  // a failed scan (no memory) is not remembered as "no atoms here"
  if (fdb.db) complete = hs_scan_deduped(fdb.db.get(), data, len, s) == HS_SUCCESS;
  if (fdb.re_db) complete = hs_scan_deduped(fdb.re_db.get(), data, len, s) == HS_SUCCESS && complete;
  if (memo && complete && s.memo.insert(fdb.id, h, data, len, s.hits.data() + first, s.hits.size() - first))
    ++s.stats.memo_resets;
}

}  // namespace

Scanner::Scanner(std::shared_ptr<const Program> p, const ScannerOptions& opt)
    : prog_(std::move(p)), st_(std::make_unique<ScannerState>()) {
  const ProgramImpl& pi = prog_->impl();
  st_->memo.configure(opt);
  if (pi.scratch_proto) {
    hs_scratch_t* s = nullptr;
    // Without scratch no prefiltered rule could ever become a candidate: fail loudly instead.
    if (hs_clone_scratch(pi.scratch_proto.get(), &s) != HS_SUCCESS) throw std::bad_alloc();
    st_->scratch.reset(s);
  }
  st_->entry_stamp.assign(pi.map.entries().size(), 0);
  st_->atom_scan.assign(pi.atom_first_range.empty() ? 0 : pi.atom_first_range.size() - 1, 0);
  st_->variant.assign(pi.variants.size(), ScannerState::VariantState{});
}

Scanner::~Scanner() = default;

size_t Scanner::last_evaluated() const { return st_->last_evaluated; }
const ScannerStats& Scanner::stats() const { return st_->stats; }

void Scanner::scan(const Event& e, std::vector<RuleMatch>& out) {
  const ProgramImpl& p = prog_->impl();
  ScannerState& s = *st_;
  s.last_evaluated = 0;
  if (++s.epoch == 0) {  // wrapped: reset stamps
    std::fill(s.entry_stamp.begin(), s.entry_stamp.end(), 0);
    std::fill(s.variant.begin(), s.variant.end(), ScannerState::VariantState{});
    s.epoch = 1;
  }
  const uint32_t epoch = s.epoch;
  const auto& ents = p.map.entries();

  // 1. Routing.
  s.active_entries.clear();
  auto consider = [&](const std::vector<uint32_t>& list) {
    for (uint32_t ei : list) {
      if (s.entry_stamp[ei] == epoch) continue;
      const LogSourceEntry& ent = ents[ei];
      if (!ent.zeek_types.empty() && !ent.channels.empty()) {
        if (!LogSourceMap::entry_matches(ent, e)) continue;
      } else if (!LogSourceMap::conditions_hold(ent, e)) {
        continue;
      }
      s.entry_stamp[ei] = epoch;
      s.active_entries.push_back(ei);
    }
  };
  if (const std::string_view* ch = e.find("Channel")) {
    s.channel_lower.assign(ch->data(), ch->size());
    for (char& c : s.channel_lower) c = ascii_lower(c);
    auto it = p.channels.find(std::string_view(s.channel_lower));
    if (it != p.channels.end()) {
      const ChannelRoute& cr = it->second;
      if (const std::string_view* id = e.find("EventID")) {
        auto jt = cr.by_event_id.find(*id);
        if (jt != cr.by_event_id.end()) consider(jt->second);
      }
      consider(cr.any_event_id);
    }
  }
  if (e.file && !e.file->zeek_log_type.empty() && !p.zeek_types.empty()) {
    s.channel_lower.assign(e.file->zeek_log_type);
    for (char& c : s.channel_lower) c = ascii_lower(c);
    auto it = p.zeek_types.find(std::string_view(s.channel_lower));
    if (it != p.zeek_types.end()) consider(it->second);
  }
  if (s.active_entries.empty()) return;

  // 2. Candidates: always-evaluate variants of the active entries, then the variants of atoms that hit.
  s.candidates.clear();
  bool need_scan = false, need_keywords = false;
  for (uint32_t ei : s.active_entries) {
    need_keywords = need_keywords || p.entry_has_keywords[ei];
    for (uint32_t vi : p.entry_always[ei])
      if (s.variant[vi].candidate != epoch) {
        s.variant[vi].candidate = epoch;
        s.candidates.push_back(vi);
      }
    need_scan = need_scan || p.entry_has_atoms[ei];
  }
  if (need_scan && s.scratch) {
    s.hits.clear();
    s.joined.clear();
    for (const Field& f : e.fields()) {
      if (f.value.empty()) continue;
      const unsigned len = unsigned(std::min<size_t>(f.value.size(), UINT32_MAX));
      const FieldDatabase* fdb = p.field_index.find(f.name);
      if (fdb) scan_field(*fdb, f.value.data(), len, s);
      if (f.name.find(' ') != std::string_view::npos) {
        // "Source Name" also feeds the rules' SourceName (see find_event_field).
        s.stripped_name.clear();
        for (char c : f.name)
          if (c != ' ') s.stripped_name.push_back(c);
        const FieldDatabase* sdb = p.field_index.find(s.stripped_name);
        if (sdb && sdb != fdb) scan_field(*sdb, f.value.data(), len, s);
      }
      if (need_keywords) {
        if (p.keyword_db.db) {
          if (s.joined.size() + f.value.size() + 1 > UINT32_MAX) flush_keywords(p.keyword_db, s);
          s.joined.append(f.value.data(), f.value.size());
          s.joined.push_back('\n');
        }
        if (p.keyword_db.re_db) scan_regexes(p.keyword_db, f.value.data(), len, s);
      }
    }
    if (need_keywords && p.keyword_db.db) flush_keywords(p.keyword_db, s);
    for (uint32_t a : s.hits) {
      const uint32_t r_end = p.atom_first_range[a + 1];
      for (uint32_t ri = p.atom_first_range[a]; ri < r_end; ++ri) {
        const ProgramImpl::EntryRange& r = p.flat_ranges[ri];
        if (s.entry_stamp[r.entry] != epoch) continue;  // a source this event does not route to
        for (uint32_t i = r.begin; i < r.end; ++i) {
          const ProgramImpl::FlatUse& u = p.flat_uses[i];
          ScannerState::VariantState& vs = s.variant[u.variant];
          if (vs.candidate == epoch) continue;
          if (vs.mask_epoch != epoch) {
            vs.mask_epoch = epoch;
            vs.mask = 0;
          }
          vs.mask |= u.bit;
          if (vs.mask != u.full_mask) continue;  // some AND-ed group has no hit yet
          vs.candidate = epoch;
          s.candidates.push_back(u.variant);
        }
      }
    }
  }

  // 3. Exact evaluation in rule order; a rule matches once even when several of its sources hold.
  std::sort(s.candidates.begin(), s.candidates.end());
  s.last_evaluated = 0;
  uint32_t last_rule = UINT32_MAX, tried_rule = UINT32_MAX, tried_entry = UINT32_MAX;
  for (uint32_t vi : s.candidates) {
    const Variant& v = p.variants[vi];
    if (v.rule == last_rule) continue;
    if (v.rule == tried_rule && v.entry == tried_entry) continue;  // another alternative of the same variant
    tried_rule = v.rule;
    tried_entry = v.entry;
    ++s.last_evaluated;
    if (evaluate_rule(p.rules[v.rule], &ents[v.entry].field_renames, e)) {
      out.push_back(RuleMatch{v.rule});
      last_rule = v.rule;
    }
  }
}

}  // namespace trawl

// Program / Scanner: all Sigma rules compiled into one immutable matcher whose cost stays nearly flat as the
// number of rules grows.
//
//  1. Routing: a table from (Channel, EventID) and Zeek log type to the log-source entries an event belongs to,
//     each with its candidate rule variants (rule x entry, the entry giving field renames).
//  2. Literal prefilter: every predicate that can only match when some literal occurs in one field yields that
//     literal as an "atom"; per rule variant a set of atoms is computed such that the rule can only match if one
//     of them occurs (AND picks its best child, OR unions, NOT gives none). All atoms of one event field live in
//     one Vectorscan literal database (caseless); one scan per field value finds every atom, and
//     the scanner's memo returns the atoms of a value it has scanned before (ScannerOptions). Keyword atoms are
//     found by one scan over all values joined by newlines.
//  3. Exact evaluation of only the variants with an atom hit, plus the always-evaluate list (variants whose
//     condition yields no necessary literal: pure `not`, numeric compares, null, ...).
//
// Program is immutable and thread-safe, shared by all threads. Scanner holds per-thread state (Vectorscan
// scratch cloned from the program's prototype, hit stamps) and is not thread-safe: one per worker thread.
//
// Example:
//   auto prog = Program::compile(rules, map, CompileOptions{});
//   Scanner sc(prog.value());
//   std::vector<RuleMatch> m; sc.scan(event, m);   // m: ascending rule indexes
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/detection.h"
#include "core/event.h"
#include "core/status.h"
#include "engine/reference.h"
#include "sigma/logsource_map.h"
#include "sigma/sigma_rule.h"

namespace trawl {

struct CompileOptions {
  bool prefilter = true;  // false: every routed variant is evaluated (a debugging aid; results are identical)
};

struct ProgramStats {
  size_t rules = 0, routed_rules = 0, variants = 0, always_variants = 0, atoms = 0, field_databases = 0;
  size_t prefilter_groups = 0;  // AND-ed literal groups over all prefiltered variants (each must hit)
};

// The detection record of a Sigma rule match on an event (the event's fields, the rule's id, title, level, tags).
Detection sigma_detection(const SigmaRule& rule, const Event& e);

struct ProgramImpl;  // compiled tables and Vectorscan databases (program.cpp)

class Program {
 public:
  static Result<std::shared_ptr<const Program>> compile(const RuleSet& rules, const LogSourceMap& map,
                                                        const CompileOptions& opt);
  ~Program();
  size_t rule_count() const;
  const SigmaRule& rule(size_t i) const;
  const ProgramStats& stats() const;
  // True when the rule applies to at least one log source of the map (otherwise it can never match).
  bool rule_routed(size_t i) const;
  const ProgramImpl& impl() const { return *impl_; }

 private:
  Program() = default;
  std::unique_ptr<ProgramImpl> impl_;
};

struct ScannerState;

// Per-thread memo of the literal prefilter: logs repeat field values endlessly (the same Image, ParentImage,
// Hashes, CommandLine on every start of a program), so the atoms one field database finds in one value are
// kept and reused instead of scanning again. Exact (an entry is keyed by the value's bytes, not only a hash) and
// bounded: when the table or its byte pool is full it starts over empty.
struct ScannerOptions {
  size_t memo_max_entries = size_t(1) << 16;  // 0: no memo, every value is scanned
  size_t memo_max_bytes = size_t(16) << 20;   // field values + atom lists kept
  size_t memo_max_value = 4096;               // longer values are scanned every time
  // One scanner of `threads`: 64 MiB of memo shared out, each between 2 and 16 MiB (so that many cores do not
  // multiply the memory of a run), one entry per 256 bytes.
  static ScannerOptions for_threads(int threads) {
    ScannerOptions o;
    o.memo_max_bytes = std::clamp((size_t(64) << 20) / size_t(std::max(threads, 1)), size_t(2) << 20, size_t(16) << 20);
    o.memo_max_entries = o.memo_max_bytes / 256;
    return o;
  }
};

struct ScannerStats {
  uint64_t scans = 0;      // Vectorscan database scans run
  uint64_t memo_hits = 0;  // field values whose atoms came from the memo
  uint64_t memo_resets = 0;
};

class Scanner {
 public:
  explicit Scanner(std::shared_ptr<const Program> p, const ScannerOptions& opt = ScannerOptions{});
  ~Scanner();
  Scanner(const Scanner&) = delete;
  Scanner& operator=(const Scanner&) = delete;
  // Appends the matching rules in ascending rule_index.
  void scan(const Event& e, std::vector<RuleMatch>& out);
  // Variants evaluated exactly by the last scan() (for benchmarks and tests of the prefilter).
  size_t last_evaluated() const;
  const ScannerStats& stats() const;

 private:
  std::shared_ptr<const Program> prog_;
  std::unique_ptr<ScannerState> st_;
};

}  // namespace trawl

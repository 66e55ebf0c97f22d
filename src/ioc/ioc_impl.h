// Inside an IocSet: the indicator table, the string pool, and the indexes the matcher probes. Internal to
// src/ioc. Built once by IocSetBuilder, then read-only (thread-safe to read).
#pragma once

#include <array>
#include <bitset>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "ioc/ioc.h"
#include "ioc/ioc_value.h"

struct hs_database;
struct hs_scratch;

namespace trawl::ioc {

constexpr uint32_t kNone = 0xffffffffu;

// Open-addressing table of ids whose keys live elsewhere (the caller compares). Each slot keeps 32 bits of the
// key's hash (to skip most comparisons and to rehash without the key) and id+1. Load factor <= 1/2.
class IdTable {
 public:
  void insert(uint64_t hash, uint32_t id) {
    if ((count_ + 1) * 2 > slots_.size()) grow();
    place(uint32_t(hash), id);
    ++count_;
  }
  // Calls fn(id) for every id stored under this hash; fn returns false to stop.
  template <class Fn>
  void for_each(uint64_t hash, Fn fn) const {
    if (slots_.empty()) return;
    uint32_t h = uint32_t(hash);
    size_t mask = slots_.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      uint64_t s = slots_[i];
      if (s == 0) return;
      if (uint32_t(s >> 32) == h && !fn(uint32_t(s) - 1)) return;
    }
  }
  size_t size() const { return count_; }
  size_t memory_bytes() const { return slots_.capacity() * sizeof(uint64_t); }
  void reserve(size_t n) {
    while (slots_.size() < n * 2) grow();
  }

 private:
  void place(uint32_t h, uint32_t id) {
    size_t mask = slots_.size() - 1;
    size_t i = h & mask;
    while (slots_[i] != 0) i = (i + 1) & mask;
    slots_[i] = (uint64_t(h) << 32) | (uint64_t(id) + 1);
  }
  void grow() {
    std::vector<uint64_t> old;
    old.swap(slots_);
    slots_.assign(old.empty() ? 16 : old.size() * 2, 0);
    for (uint64_t s : old)
      if (s) place(uint32_t(s >> 32), uint32_t(s) - 1);
  }
  std::vector<uint64_t> slots_;
  size_t count_ = 0;
};

struct StoredIndicator {
  uint32_t value_off = 0, value_len = 0;
  uint32_t label = 0;   // index in labels
  uint32_t source = 0;  // index in sources
  uint32_t line = 0;
  IocType type = IocType::kIp;
  Level level = Level::kHigh;
};

struct IpEntry {
  IpAddr net;
  int bits = 0;
  uint32_t id = 0;
};

// One compiled Vectorscan database with what each pattern id means.
struct PatternDb {
  hs_database* db = nullptr;
  // pattern id -> indicator id; exclusion patterns (LOKI's third column) have kExcludeBit set.
  std::vector<uint32_t> ids;
  static constexpr uint32_t kExcludeBit = 0x80000000u;
};

}  // namespace trawl::ioc

namespace trawl {

struct IocSet::Impl {
  std::string pool;  // every normalised value, back to back
  std::vector<ioc::StoredIndicator> stored;
  std::vector<IocIndicator> views;  // filled by build(): views into pool / labels / sources
  std::vector<std::string> labels{""};
  std::unordered_map<std::string, uint32_t> label_ids{{"", 0}};
  std::vector<std::string> sources{""};
  std::unordered_map<std::string, uint32_t> source_ids{{"", 0}};
  uint32_t last_label = 0, last_source = 0;  // interning fast path
  std::array<size_t, kIocTypeCount> type_counts{};

  // Exact values: one table per type keyed by the normalised value (domain trees and exact domains apart).
  std::array<ioc::IdTable, kIocTypeCount> exact;
  // Addresses and networks: one table over (masked address, prefix bits); `ip_bits` says which prefix lengths
  // exist so a lookup probes at most 129 of them whatever the number of networks.
  std::vector<ioc::IpEntry> ips;
  ioc::IdTable ip_table;     // networks (prefix < 128 in IPv6 space): few, so this table stays in cache
  ioc::IdTable ip_exact;     // single addresses (and /32, /128 networks): probed once per address
  const ioc::IdTable& ip_table_for(int bits) const { return bits == 128 ? ip_exact : ip_table; }
  ioc::IdTable& ip_table_for(int bits) { return bits == 128 ? ip_exact : ip_table; }
  std::bitset<129> ip_bits;
  // URLs by host: a command line is scanned for "://", the host after it looked up, the candidates compared.
  ioc::IdTable url_hosts;
  // File globs over base names, globs over full paths and regexes over full paths.
  ioc::PatternDb base_db, path_db;
  // Pending patterns (builder only).
  struct Pattern {
    std::string expr;
    unsigned flags;
    uint32_t id;
    bool on_path;
  };
  std::vector<Pattern> patterns;
  std::unordered_map<uint32_t, std::string> exclusions;  // regex indicator id -> LOKI false-positive regex

  IocFieldMap fields;

  ~Impl();
  std::string_view value(const ioc::StoredIndicator& s) const {
    return std::string_view(pool).substr(s.value_off, s.value_len);
  }
  std::string_view value(uint32_t id) const { return value(stored[id]); }
  uint32_t intern_label(std::string_view s);
  uint32_t intern_source(std::string_view s);
};

}  // namespace trawl

#include "analytics/correlation/correlator.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <limits>
#include <sstream>
#include <tuple>

#include "core/yaml_util.h"
#include "core/time.h"

namespace trawl {

struct Correlator::Item {
  int64_t t = 0;
  uint64_t seq = 0;
  uint32_t ref = 0;
  bool has_num = false;
  double num = 0;
  std::string value;  // value of the condition field (value_* types), after alias resolution
  std::string host;
  std::string rule_id;
  std::string path;
  uint64_t record_id = 0;
  std::vector<std::string> evidence;
};

struct Correlator::Group {
  std::string key;
  std::string tenant;
  std::vector<std::string> values;  // group-by values, in group_by order
  std::vector<Item> items;
  int64_t consumed_until = kNoTime;  // items at or before this time already belong to an emitted match
};

struct Correlator::Compiled {
  CorrelationRule rule;
  std::string rule_id, title;
  Level level = Level::kMedium;
  std::vector<std::string> tags;
  std::vector<std::vector<std::string>> group_fields;  // [ref][group-by index] -> field to read
  std::vector<std::string> value_field;                // [ref] -> field whose values are aggregated
  std::vector<std::pair<size_t, size_t>> dependents;   // correlations that reference this one: (corr, ref)
  bool emit = true;
  std::map<std::string, Group> groups;
  std::vector<Detection> out;
};

Correlator::Correlator() = default;
Correlator::Correlator(Correlator&&) noexcept = default;
Correlator& Correlator::operator=(Correlator&&) noexcept = default;
Correlator::~Correlator() = default;

namespace {

const std::string* find_field(const Detection& d, const std::string& name) {
  for (const auto& [k, v] : d.fields)
    if (k == name) return &v;
  return nullptr;
}

bool within(int64_t start, int64_t t, int64_t span) {
  // t >= start always (items are sorted); compare without overflow.
  if (t < start) return true;
  const uint64_t diff = uint64_t(t) - uint64_t(start);
  return diff <= uint64_t(span);
}

std::string format_number(double v) {
  char buf[64];
  if (std::fabs(v) < 9e15 && v == std::floor(v)) std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v));
  else std::snprintf(buf, sizeof buf, "%.6f", v);
  return buf;
}

bool parse_double(const std::string& s, double& out) {
  if (s.empty() || s.size() > 64) return false;
  char* end = nullptr;
  out = std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size() && std::isfinite(out);
}

// name -> id of the base rules whose YAML document has a `name:` (SigmaRule does not keep it).
void collect_base_names(const RuleSet& rules, std::map<std::string, std::string>& names,
                        std::vector<std::string>& messages) {
  std::map<std::string, std::vector<const SigmaRule*>> by_file;
  for (const SigmaRule& r : rules.rules())
    if (!r.id.empty()) by_file[r.file].push_back(&r);
  for (const auto& [file, list] : by_file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) continue;  // rules loaded from text: names come from the caller's map
    std::ostringstream ss;
    ss << in.rdbuf();
    const std::string text = ss.str();
    if (text.size() > (16u << 20) || text.find("name:") == std::string::npos) continue;
    try {
      const std::vector<YAML::Node> docs = yaml_load_all(text);
      for (const SigmaRule* r : list) {
        if (r->document >= docs.size() || !docs[r->document].IsMap()) continue;
        const YAML::Node n = docs[r->document]["name"];
        if (!n || !n.IsScalar() || n.Scalar().empty()) continue;
        auto [it, inserted] = names.emplace(n.Scalar(), r->id);
        if (!inserted && it->second != r->id)
          messages.push_back("rule name '" + n.Scalar() + "' is used by rules " + it->second + " and " + r->id +
                             "; the first is used");
      }
    } catch (const std::exception&) {
      // The loader already reported this file.
    }
  }
}

}  // namespace

Result<Correlator> Correlator::build(const RuleSet& rules) { return build(rules, {}); }

Result<Correlator> Correlator::build(const RuleSet& rules, const std::map<std::string, std::string>& extra_names) {
  Correlator c;
  struct Candidate {
    const SigmaRule* src = nullptr;
    CorrelationRule rule;
    std::string label;  // for messages
    bool usable = true;
    std::vector<int> ref_corr;          // [ref] -> candidate index, or -1 for a base rule
    std::vector<std::string> ref_base;  // [ref] -> base rule id when ref_corr is -1
  };
  std::vector<Candidate> cands;
  for (const SigmaRule& sr : rules.correlations()) {
    Candidate cd;
    cd.src = &sr;
    cd.label = sr.file + ": " + (sr.title.empty() ? sr.id : sr.title);
    Result<CorrelationRule> pr = parse_correlation_rule(sr.source_yaml);
    if (!pr.ok()) {
      c.messages_.push_back(cd.label + ": unusable correlation: " + pr.status().message());
      continue;
    }
    cd.rule = std::move(pr).value();
    if (cd.rule.id.empty()) cd.rule.id = sr.id;
    cands.push_back(std::move(cd));
  }

  std::map<std::string, std::string> base_names = extra_names;
  collect_base_names(rules, base_names, c.messages_);
  std::set<std::string> base_ids;
  for (const SigmaRule& r : rules.rules())
    if (!r.id.empty()) base_ids.insert(r.id);
  std::map<std::string, int> corr_keys;
  for (size_t i = 0; i < cands.size(); ++i) {
    if (!cands[i].rule.id.empty()) corr_keys.emplace(cands[i].rule.id, int(i));
    if (!cands[i].rule.name.empty()) corr_keys.emplace(cands[i].rule.name, int(i));
  }

  for (size_t i = 0; i < cands.size(); ++i) {
    Candidate& cd = cands[i];
    for (const std::string& tok : cd.rule.rules) {
      auto ci = corr_keys.find(tok);
      if (ci != corr_keys.end()) {
        if (ci->second == int(i)) {
          c.messages_.push_back(cd.label + ": unusable correlation: it references itself");
          cd.usable = false;
          break;
        }
        cd.ref_corr.push_back(ci->second);
        cd.ref_base.emplace_back();
        continue;
      }
      std::string id;
      if (base_ids.count(tok)) id = tok;
      else if (auto bn = base_names.find(tok); bn != base_names.end()) id = bn->second;
      if (id.empty()) {
        c.messages_.push_back(cd.label + ": unusable correlation: referenced rule '" + tok +
                              "' is neither a loaded rule id nor a rule name");
        cd.usable = false;
        break;
      }
      cd.ref_corr.push_back(-1);
      cd.ref_base.push_back(id);
    }
  }

  // Dependency order (references first); cycles and references to unusable correlations make a rule unusable.
  std::vector<int> state(cands.size(), 0);  // 0 new, 1 visiting, 2 done
  std::vector<size_t> order;
  std::function<bool(size_t)> visit = [&](size_t i) -> bool {
    if (state[i] == 2) return cands[i].usable;
    if (state[i] == 1) return false;  // cycle
    state[i] = 1;
    bool ok = cands[i].usable;
    for (int r : cands[i].ref_corr) {
      if (r < 0 || !ok) continue;
      if (!visit(size_t(r))) {
        ok = false;
        c.messages_.push_back(cands[i].label + ": unusable correlation: referenced correlation '" +
                              cands[size_t(r)].label + "' is unusable or part of a reference cycle");
      }
    }
    cands[i].usable = ok;
    state[i] = 2;
    if (ok) order.push_back(i);
    return ok;
  };
  for (size_t i = 0; i < cands.size(); ++i) visit(i);

  std::vector<int> index(cands.size(), -1);
  for (size_t k = 0; k < order.size(); ++k) index[order[k]] = int(k);
  std::map<std::string, std::pair<int, int>> base_gen;  // base id -> (references with generate, without)
  for (size_t k = 0; k < order.size(); ++k) {
    Candidate& cd = cands[order[k]];
    auto comp = std::make_unique<Compiled>();
    comp->rule = cd.rule;
    comp->rule_id = !cd.rule.id.empty() ? cd.rule.id : (!cd.rule.name.empty() ? cd.rule.name : cd.src->title);
    comp->title = cd.src->title;
    comp->level = cd.src->level;
    comp->tags = cd.src->tags;
    const size_t nrefs = cd.rule.rules.size();
    auto alias_field = [&](const std::string& name, size_t ref) -> std::string {
      auto a = cd.rule.aliases.find(name);
      if (a == cd.rule.aliases.end()) return name;
      const std::string& tok = cd.rule.rules[ref];
      if (auto f = a->second.find(tok); f != a->second.end()) return f->second;
      // The alias map may name the rule differently from the rules list (id vs name).
      for (const auto& [rname, field] : a->second) {
        if (cd.ref_corr[ref] < 0) {
          const std::string& id = cd.ref_base[ref];
          if (rname == id) return field;
          if (auto bn = base_names.find(rname); bn != base_names.end() && bn->second == id) return field;
        } else {
          const CorrelationRule& other = cands[size_t(cd.ref_corr[ref])].rule;
          if (rname == other.id || rname == other.name) return field;
        }
      }
      return name;
    };
    comp->group_fields.resize(nrefs);
    comp->value_field.resize(nrefs);
    for (size_t r = 0; r < nrefs; ++r) {
      for (const std::string& g : cd.rule.group_by) comp->group_fields[r].push_back(alias_field(g, r));
      if (!cd.rule.condition.field.empty()) comp->value_field[r] = alias_field(cd.rule.condition.field, r);
      if (cd.ref_corr[r] < 0) {
        c.by_base_[cd.ref_base[r]].emplace_back(k, r);
        auto& bg = base_gen[cd.ref_base[r]];
        (cd.rule.generate ? bg.first : bg.second)++;
      }
    }
    c.corrs_.push_back(std::move(comp));
  }
  for (size_t k = 0; k < order.size(); ++k) {
    const Candidate& cd = cands[order[k]];
    for (size_t r = 0; r < cd.ref_corr.size(); ++r)
      if (cd.ref_corr[r] >= 0) c.corrs_[size_t(index[size_t(cd.ref_corr[r])])]->dependents.emplace_back(k, r);
  }
  for (auto& comp : c.corrs_) {
    if (comp->dependents.empty()) continue;
    bool any_generate = false;
    for (const auto& [dep, ref] : comp->dependents) any_generate |= c.corrs_[dep]->rule.generate;
    comp->emit = any_generate;
  }
  for (const auto& [id, g] : base_gen)
    if (g.first == 0 && g.second > 0) c.suppressed_.insert(id);
  return c;
}

void Correlator::add(const Detection& base) {
  if (base.kind != DetectionKind::kSigma) return;
  auto it = by_base_.find(base.rule_id);
  if (it == by_base_.end()) return;
  for (const auto& [corr, ref] : it->second) add_item(corr, ref, base);
}

void Correlator::add_item(size_t ci, size_t ref, const Detection& d) {
  if (d.time_us == kNoTime) {
    ++dropped_items_;
    return;
  }
  Compiled& c = *corrs_[ci];
  std::string key = d.tenant;
  std::vector<std::string> values;
  values.reserve(c.group_fields[ref].size());
  for (const std::string& f : c.group_fields[ref]) {
    const std::string* v = find_field(d, f);
    values.push_back(v ? *v : std::string());
    key += '\x1f';
    key += values.back();
  }
  auto gi = c.groups.find(key);
  if (gi == c.groups.end()) {
    if (c.groups.size() >= kMaxGroups) {
      ++dropped_items_;
      return;
    }
    gi = c.groups.emplace(key, Group{}).first;
    gi->second.key = key;
    gi->second.tenant = d.tenant;
    gi->second.values = std::move(values);
  }
  Group& g = gi->second;
  Item item;
  item.t = d.time_us;
  item.seq = seq_++;
  item.ref = uint32_t(ref);
  if (!c.value_field[ref].empty()) {
    if (const std::string* v = find_field(d, c.value_field[ref])) {
      item.value = *v;
      item.has_num = parse_double(*v, item.num);
    }
  }
  item.host = d.host;
  item.rule_id = d.rule_id;
  item.path = d.source_path;
  item.record_id = d.record_id;
  if (d.kind == DetectionKind::kCorrelation) {
    for (const auto& [k, v] : d.fields)
      if (k == "evidence" && item.evidence.size() < kMaxEvidence) item.evidence.push_back(v);
  } else {
    item.evidence.push_back(d.source_path + "#" + std::to_string(d.record_id));
  }
  g.items.push_back(std::move(item));
  if (g.items.size() >= kMaxItemsPerGroup) {
    // Evaluate now so that nothing already complete is lost, then keep only what can still join a window.
    evaluate_group(ci, g, false);
    const int64_t newest = g.items.back().t;  // sorted by evaluate_group
    const int64_t horizon = newest < std::numeric_limits<int64_t>::min() + c.rule.timespan_us
                                ? std::numeric_limits<int64_t>::min()
                                : newest - c.rule.timespan_us;
    size_t keep_from = 0;
    while (keep_from < g.items.size() &&
           (g.items[keep_from].t < horizon ||
            (g.consumed_until != kNoTime && g.items[keep_from].t <= g.consumed_until)))
      ++keep_from;
    if (g.items.size() - keep_from >= kMaxItemsPerGroup / 2) keep_from = g.items.size() - kMaxItemsPerGroup / 2;
    dropped_items_ += keep_from;
    g.items.erase(g.items.begin(), g.items.begin() + std::ptrdiff_t(keep_from));
  }
}

void Correlator::evaluate_group(size_t ci, Group& g, bool /*final*/) {
  Compiled& c = *corrs_[ci];
  std::vector<Item>& it = g.items;
  std::sort(it.begin(), it.end(), [](const Item& a, const Item& b) { return std::tie(a.t, a.seq) < std::tie(b.t, b.seq); });
  const size_t n = it.size();
  const size_t nrefs = c.rule.rules.size();
  const CorrelationType type = c.rule.type;
  const int64_t span = c.rule.timespan_us;

  // Sliding window [lo, hi): incremental aggregates.
  std::map<std::string, size_t> value_counts;
  std::vector<size_t> ref_counts(nrefs, 0);
  size_t distinct_refs = 0;
  double sum = 0;
  size_t nums = 0;
  auto add = [&](const Item& x) {
    if (!x.value.empty()) value_counts[x.value]++;
    if (ref_counts[x.ref]++ == 0) ++distinct_refs;
    if (x.has_num) {
      sum += x.num;
      ++nums;
    }
  };
  auto remove = [&](const Item& x) {
    if (!x.value.empty()) {
      auto v = value_counts.find(x.value);
      if (v != value_counts.end() && --v->second == 0) value_counts.erase(v);
    }
    if (--ref_counts[x.ref] == 0) --distinct_refs;
    if (x.has_num) {
      sum -= x.num;
      --nums;
    }
  };

  size_t first = 0;
  while (first < n && g.consumed_until != kNoTime && it[first].t <= g.consumed_until) ++first;
  size_t lo = first, hi = first;
  for (size_t i = first; i < n;) {
    while (lo < i) {
      if (lo < hi) remove(it[lo]);
      ++lo;
    }
    if (hi < lo) hi = lo;
    while (hi < n && within(it[i].t, it[hi].t, span)) add(it[hi++]);

    bool ok = false;
    double value = 0;
    std::vector<size_t> used;
    switch (type) {
      case CorrelationType::kEventCount:
        value = double(hi - i);
        ok = c.rule.condition.holds(value);
        break;
      case CorrelationType::kValueCount:
        value = double(value_counts.size());
        ok = c.rule.condition.holds(value);
        break;
      case CorrelationType::kTemporal:
        value = double(distinct_refs);
        ok = c.rule.has_condition ? c.rule.condition.holds(value) : distinct_refs == nrefs;
        break;
      case CorrelationType::kTemporalOrdered: {
        if (it[i].ref != 0) break;
        size_t next = 0;
        for (size_t j = i; j < hi && next < nrefs; ++j) {
          if (it[j].ref == next) {
            used.push_back(j);
            ++next;
          }
        }
        value = double(next);
        ok = c.rule.has_condition ? c.rule.condition.holds(value) : next == nrefs;
        if (!ok) used.clear();
        break;
      }
      case CorrelationType::kValueSum:
        if (nums == 0) break;
        value = sum;
        ok = c.rule.condition.holds(value);
        break;
      case CorrelationType::kValueAvg:
        if (nums == 0) break;
        value = sum / double(nums);
        ok = c.rule.condition.holds(value);
        break;
      case CorrelationType::kValuePercentile: {
        if (nums == 0) break;
        std::vector<double> v;
        v.reserve(nums);
        for (size_t j = i; j < hi; ++j)
          if (it[j].has_num) v.push_back(it[j].num);
        std::sort(v.begin(), v.end());
        // Nearest rank: the smallest value with at least p% of the values at or below it.
        size_t rank = size_t(std::ceil(c.rule.condition.percentile / 100.0 * double(v.size())));
        if (rank < 1) rank = 1;
        value = v[std::min(rank, v.size()) - 1];
        ok = c.rule.condition.holds(value);
        break;
      }
    }
    if (!ok) {
      ++i;
      continue;
    }
    if (used.empty())
      for (size_t j = i; j < hi; ++j) used.push_back(j);

    Detection d;
    d.kind = DetectionKind::kCorrelation;
    d.rule_id = c.rule_id;
    d.title = c.title;
    d.level = c.level;
    d.tags = c.tags;
    d.tenant = g.tenant;
    const Item& f = it[used.front()];
    const Item& l = it[used.back()];
    d.time_us = f.t;
    d.source_path = f.path;
    d.record_id = f.record_id;
    d.host = f.host;
    for (size_t j : used)
      if (it[j].host != d.host) d.host.clear();
    for (size_t k = 0; k < c.rule.group_by.size(); ++k) d.fields.emplace_back(c.rule.group_by[k], g.values[k]);
    d.fields.emplace_back("correlation_type", correlation_type_name(type));
    switch (type) {
      case CorrelationType::kEventCount: d.fields.emplace_back("count", format_number(value)); break;
      case CorrelationType::kValueCount:
        d.fields.emplace_back("field", c.rule.condition.field);
        d.fields.emplace_back("value_count", format_number(value));
        break;
      case CorrelationType::kTemporal:
      case CorrelationType::kTemporalOrdered: d.fields.emplace_back("rules_matched", format_number(value)); break;
      case CorrelationType::kValueSum:
      case CorrelationType::kValueAvg:
      case CorrelationType::kValuePercentile:
        d.fields.emplace_back("field", c.rule.condition.field);
        d.fields.emplace_back(correlation_type_name(type), format_number(value));
        break;
    }
    d.fields.emplace_back("events", std::to_string(used.size()));
    d.fields.emplace_back("first_time", format_time_us(f.t));
    d.fields.emplace_back("last_time", format_time_us(l.t));
    std::set<std::string> seen_rules;
    for (size_t j : used)
      if (seen_rules.insert(it[j].rule_id).second) d.fields.emplace_back("rule", it[j].rule_id);
    size_t evidence = 0, total = 0;
    for (size_t j : used)
      for (const std::string& e : it[j].evidence) {
        ++total;
        if (evidence < kMaxEvidence) {
          d.fields.emplace_back("evidence", e);
          ++evidence;
        }
      }
    if (total > evidence) d.fields.emplace_back("evidence_total", std::to_string(total));
    c.out.push_back(std::move(d));
    g.consumed_until = l.t;
    i = used.back() + 1;
    while (i < n && it[i].t <= g.consumed_until) ++i;
  }
}

std::vector<Detection> Correlator::finish() {
  auto less = [](const Detection& a, const Detection& b) {
    return std::tie(a.time_us, a.rule_id, a.tenant, a.fields) < std::tie(b.time_us, b.rule_id, b.tenant, b.fields);
  };
  std::vector<Detection> result;
  for (size_t ci = 0; ci < corrs_.size(); ++ci) {
    Compiled& c = *corrs_[ci];
    for (auto& [key, g] : c.groups) evaluate_group(ci, g, true);
    c.groups.clear();
    std::sort(c.out.begin(), c.out.end(), less);
    for (const Detection& d : c.out)
      for (const auto& [dep, ref] : c.dependents) add_item(dep, ref, d);
    if (c.emit)
      for (Detection& d : c.out) result.push_back(std::move(d));
    c.out.clear();
  }
  std::stable_sort(result.begin(), result.end(), less);
  return result;
}

}  // namespace trawl

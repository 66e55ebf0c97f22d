// The Correlator's fast path (incremental sliding windows per group, items fed in any order) against a slow
// reference twin written straight from the semantics in analytics/correlation/README.md: per (tenant, group-by
// values) sort the items by time, and for each start item recompute the window [t, t + timespan] from scratch;
// a match takes the window's items (temporal_ordered: the first item of each rule in order), and the next window
// starts after the match's last event. Random detection streams (several tenants and group values, clustered
// times, shuffled input order) over every correlation type must give identical matches.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <tuple>

#include "analytics/correlation/correlator.h"
#include "core/time.h"
#include "sigma/sigma_rule.h"

namespace trawl {
namespace {

constexpr int64_t kT0 = 1700000000LL * 1000000;
constexpr int64_t kSec = 1000000;
const char* kRuleA = "aaaaaaaa-0000-0000-0000-000000000001";
const char* kRuleB = "aaaaaaaa-0000-0000-0000-000000000002";
const char* kRuleC = "aaaaaaaa-0000-0000-0000-000000000003";

const char* kBaseRules = R"(title: A
id: aaaaaaaa-0000-0000-0000-000000000001
logsource: {product: windows, service: security}
detection: {sel: {EventID: 1}, condition: sel}
---
title: B
id: aaaaaaaa-0000-0000-0000-000000000002
logsource: {product: windows, service: security}
detection: {sel: {EventID: 2}, condition: sel}
---
title: C
id: aaaaaaaa-0000-0000-0000-000000000003
logsource: {product: windows, service: security}
detection: {sel: {EventID: 3}, condition: sel}
)";

enum class Kind { kEventCount, kValueCount, kTemporal, kTemporalOrdered, kValueSum, kValueAvg, kValuePercentile };

struct Spec {
  Kind kind;
  std::string yaml;   // the correlation rule
  double threshold;   // condition: gte threshold (percentile: the value at the percentile >= threshold)
  int percentile = 0;
};

std::vector<Spec> specs() {
  auto rule = [](const std::string& type, const std::string& rules, const std::string& cond) {
    return "title: corr\nid: corr-x\ncorrelation:\n  type: " + type + "\n  rules: " + rules +
           "\n  group-by: [User]\n  timespan: 30s\n" + cond + "level: high\n";
  };
  const std::string ab = std::string("[") + kRuleA + ", " + kRuleB + "]";
  const std::string abc = std::string("[") + kRuleA + ", " + kRuleB + ", " + kRuleC + "]";
  return {
      {Kind::kEventCount, rule("event_count", ab, "  condition: {gte: 3}\n"), 3},
      {Kind::kValueCount, rule("value_count", ab, "  condition: {gte: 2, field: Host}\n"), 2},
      {Kind::kTemporal, rule("temporal", abc, ""), 3},
      {Kind::kTemporalOrdered, rule("temporal_ordered", abc, ""), 3},
      {Kind::kValueSum, rule("value_sum", ab, "  condition: {gte: 100, field: Bytes}\n"), 100},
      {Kind::kValueAvg, rule("value_avg", ab, "  condition: {gte: 40, field: Bytes}\n"), 40},
      {Kind::kValuePercentile, rule("value_percentile", ab, "  condition: {gte: 60, field: Bytes, percentile: 75}\n"),
       60, 75},
  };
}

struct Item {
  int64_t t;
  size_t seq;  // input order: ties at one time keep it
  size_t ref;  // index of the rule in the correlation's list
  std::string host, bytes;
};

// (tenant, user, first time, last time, events in the match)
using Match = std::tuple<std::string, std::string, int64_t, int64_t, size_t>;

std::vector<Match> reference(const Spec& sp, const std::vector<Detection>& in, const std::vector<std::string>& refs) {
  std::map<std::pair<std::string, std::string>, std::vector<Item>> groups;
  for (size_t s = 0; s < in.size(); ++s) {
    const Detection& d = in[s];
    auto r = std::find(refs.begin(), refs.end(), d.rule_id);
    if (r == refs.end()) continue;
    std::string user, host, bytes;
    for (const auto& [k, v] : d.fields) {
      if (k == "User") user = v;
      if (k == "Host") host = v;
      if (k == "Bytes") bytes = v;
    }
    groups[{d.tenant, user}].push_back(Item{d.time_us, s, size_t(r - refs.begin()), host, bytes});
  }
  std::vector<Match> out;
  for (auto& [key, items] : groups) {
    std::sort(items.begin(), items.end(), [](const Item& a, const Item& b) { return std::tie(a.t, a.seq) < std::tie(b.t, b.seq); });
    int64_t consumed = INT64_MIN;
    for (size_t i = 0; i < items.size();) {
      if (items[i].t <= consumed) {
        ++i;
        continue;
      }
      size_t hi = i;
      while (hi < items.size() && items[hi].t - items[i].t <= 30 * kSec) ++hi;
      std::vector<size_t> used;
      bool ok = false;
      std::vector<double> nums;
      for (size_t j = i; j < hi; ++j)
        if (!items[j].bytes.empty()) nums.push_back(std::stod(items[j].bytes));
      switch (sp.kind) {
        case Kind::kEventCount: ok = double(hi - i) >= sp.threshold; break;
        case Kind::kValueCount: {
          std::set<std::string> hosts;
          for (size_t j = i; j < hi; ++j)
            if (!items[j].host.empty()) hosts.insert(items[j].host);
          ok = double(hosts.size()) >= sp.threshold;
          break;
        }
        case Kind::kTemporal: {
          std::set<size_t> rs;
          for (size_t j = i; j < hi; ++j) rs.insert(items[j].ref);
          ok = rs.size() == refs.size();
          break;
        }
        case Kind::kTemporalOrdered: {
          if (items[i].ref != 0) break;
          size_t next = 0;
          for (size_t j = i; j < hi && next < refs.size(); ++j)
            if (items[j].ref == next) {
              used.push_back(j);
              ++next;
            }
          ok = next == refs.size();
          if (!ok) used.clear();
          break;
        }
        case Kind::kValueSum: {
          double sum = 0;
          for (double x : nums) sum += x;
          ok = !nums.empty() && sum >= sp.threshold;
          break;
        }
        case Kind::kValueAvg: {
          double sum = 0;
          for (double x : nums) sum += x;
          ok = !nums.empty() && sum / double(nums.size()) >= sp.threshold;
          break;
        }
        case Kind::kValuePercentile: {
          if (nums.empty()) break;
          std::sort(nums.begin(), nums.end());
          size_t rank = size_t(std::ceil(sp.percentile / 100.0 * double(nums.size())));
          rank = std::clamp<size_t>(rank, 1, nums.size());
          ok = nums[rank - 1] >= sp.threshold;
          break;
        }
      }
      if (!ok) {
        ++i;
        continue;
      }
      if (used.empty())
        for (size_t j = i; j < hi; ++j) used.push_back(j);
      out.emplace_back(key.first, key.second, items[used.front()].t, items[used.back()].t, used.size());
      consumed = items[used.back()].t;
      i = used.back() + 1;
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<Match> fast(const Spec& sp, const std::vector<Detection>& in) {
  RuleSet rs = RuleSet::from_text(std::string(kBaseRules) + "---\n" + sp.yaml, "ref.yml", {});
  Result<Correlator> c = Correlator::build(rs);
  EXPECT_TRUE(c.ok()) << c.status().message();
  if (!c.ok()) return {};
  EXPECT_EQ(c->usable(), 1u) << (c->messages().empty() ? "" : c->messages()[0]);
  for (const Detection& d : in) c->add(d);
  std::vector<Match> out;
  for (const Detection& d : c->finish()) {
    std::string user, events;
    for (const auto& [k, v] : d.fields) {
      if (k == "User") user = v;
      if (k == "events") events = v;
    }
    int64_t last_t = d.time_us;
    // last_time is printed at microsecond precision: recover it from the text.
    for (const auto& [k, v] : d.fields)
      if (k == "last_time") {
        std::optional<int64_t> t = parse_time(v);
        if (t) last_t = *t;
      }
    out.emplace_back(d.tenant, user, d.time_us, last_t, size_t(std::stoul(events)));
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(CorrelationReference, FastEqualsSlowTwinOnRandomStreams) {
  const std::vector<std::string> refs_ab = {kRuleA, kRuleB}, refs_abc = {kRuleA, kRuleB, kRuleC};
  size_t total_matches = 0, streams = 0;
  for (const Spec& sp : specs()) {
    const auto& refs = (sp.kind == Kind::kTemporal || sp.kind == Kind::kTemporalOrdered) ? refs_abc : refs_ab;
    for (uint32_t seed = 1; seed <= 40; ++seed) {
      std::mt19937 rng(seed * 7919u + uint32_t(sp.kind));
      std::vector<Detection> in;
      const int n = 20 + int(rng() % 120);
      int64_t t = 0;
      for (int k = 0; k < n; ++k) {
        t += (rng() % 4 == 0) ? int64_t(rng() % 90) : int64_t(rng() % 6);  // bursts and gaps, ties allowed
        Detection d;
        d.kind = DetectionKind::kSigma;
        d.rule_id = refs[rng() % refs.size()];
        if (rng() % 10 == 0) d.rule_id = "unrelated-rule";
        d.time_us = kT0 + t * kSec;
        d.tenant = (rng() % 3 == 0) ? "globex" : "acme";
        d.host = "WS0" + std::to_string(rng() % 3);
        d.source_path = d.tenant + "/x.evtx";
        d.record_id = uint64_t(k + 1);
        d.fields.emplace_back("User", "u" + std::to_string(rng() % 3));
        d.fields.emplace_back("Host", d.host);
        if (rng() % 5 != 0) d.fields.emplace_back("Bytes", std::to_string(rng() % 120));
        in.push_back(std::move(d));
      }
      // The correlator is fed in input order, which is not time order: shuffle within small blocks.
      std::vector<Detection> fed = in;
      for (size_t b = 0; b + 8 <= fed.size(); b += 8) std::shuffle(fed.begin() + long(b), fed.begin() + long(b + 8), rng);
      const std::vector<Match> want = reference(sp, fed, refs);
      const std::vector<Match> got = fast(sp, fed);
      ASSERT_EQ(got, want) << "correlation type " << int(sp.kind) << ", seed " << seed << ", " << n << " items";
      total_matches += want.size();
      ++streams;
    }
  }
  EXPECT_EQ(streams, 7u * 40u);
  EXPECT_GT(total_matches, 300u);  // the streams do exercise matches, not only misses
}

}  // namespace
}  // namespace trawl

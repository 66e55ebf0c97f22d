// Sigma correlation rules: parsing, every correlation type over hand-built detection sequences, group-by and
// tenant separation, timespan edges (exactly at the boundary, one second over), chaining, aliases, generate,
// out-of-order input and the per-group cap.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "analytics/correlation/correlator.h"
#include "sigma/sigma_rule.h"

namespace trawl {
namespace {

constexpr int64_t kT0 = 1700000000LL * 1000000;  // 2023-11-14T22:13:20Z
constexpr int64_t kSec = 1000000;

const char* kBase = R"(title: Failed logon
id: 11111111-0000-0000-0000-000000000001
logsource: {product: windows, service: security}
detection:
  sel: {EventID: 4625}
  condition: sel
---
title: Successful logon
id: 11111111-0000-0000-0000-000000000002
logsource: {product: windows, service: security}
detection:
  sel: {EventID: 4624}
  condition: sel
---
title: Recon command
id: 11111111-0000-0000-0000-000000000003
logsource: {product: windows, category: process_creation}
detection:
  sel: {Image|endswith: '\whoami.exe'}
  condition: sel
)";
const std::string kFail = "11111111-0000-0000-0000-000000000001";
const std::string kOk = "11111111-0000-0000-0000-000000000002";
const std::string kRecon = "11111111-0000-0000-0000-000000000003";

Correlator build(const std::string& correlations, const std::map<std::string, std::string>& names = {}) {
  RuleSet rs = RuleSet::from_text(std::string(kBase) + "---\n" + correlations, "test.yml", {});
  Result<Correlator> c = Correlator::build(rs, names);
  EXPECT_TRUE(c.ok());
  return std::move(c).value();
}

Detection base(const std::string& rule, int64_t sec, std::vector<std::pair<std::string, std::string>> fields,
               const std::string& tenant = "acme", uint64_t record = 0) {
  Detection d;
  d.kind = DetectionKind::kSigma;
  d.rule_id = rule;
  d.time_us = kT0 + sec * kSec;
  d.tenant = tenant;
  d.host = "WS01";
  d.source_path = tenant + "/ws01/Security.evtx";
  d.record_id = record ? record : uint64_t(sec + 1000);
  d.fields = std::move(fields);
  return d;
}

std::string get(const Detection& d, const std::string& name) {
  for (const auto& [k, v] : d.fields)
    if (k == name) return v;
  return "<absent>";
}
size_t count_field(const Detection& d, const std::string& name) {
  return size_t(std::count_if(d.fields.begin(), d.fields.end(), [&](const auto& kv) { return kv.first == name; }));
}

const std::string kEventCount = R"(title: Many failed logons
id: corr-ec
correlation:
  type: event_count
  rules: [11111111-0000-0000-0000-000000000001]
  group-by: [User]
  timespan: 60s
  condition: {gte: 3}
level: high
)";

TEST(CorrelationRule, Timespans) {
  EXPECT_EQ(*parse_timespan("30s"), 30 * kSec);
  EXPECT_EQ(*parse_timespan("5m"), 300 * kSec);
  EXPECT_EQ(*parse_timespan("1h"), 3600 * kSec);
  EXPECT_EQ(*parse_timespan("7d"), 7 * 86400 * kSec);
  for (const char* bad : {"", "5", "5w", "-1m", "m", "1.5h", "0s", "99999999999d", "5M"})
    EXPECT_FALSE(parse_timespan(bad).ok()) << bad;
}

TEST(CorrelationRule, ParseErrorsSayWhy) {
  auto err = [](const std::string& body) {
    Result<CorrelationRule> r = parse_correlation_rule("title: x\ncorrelation:\n" + body);
    return r.ok() ? std::string("ok") : r.status().message();
  };
  EXPECT_NE(err("  type: event_countx\n  rules: [a]\n  timespan: 1m\n  condition: {gte: 1}\n").find("unknown correlation type"), std::string::npos);
  EXPECT_NE(err("  type: event_count\n  rules: [a]\n  condition: {gte: 1}\n").find("timespan"), std::string::npos);
  EXPECT_NE(err("  type: event_count\n  rules: [a]\n  timespan: 1m\n").find("condition"), std::string::npos);
  EXPECT_NE(err("  type: value_count\n  rules: [a]\n  timespan: 1m\n  condition: {gte: 1}\n").find("field"), std::string::npos);
  EXPECT_NE(err("  type: event_count\n  rules: [a]\n  timespan: 1m\n  condition: {above: 1}\n").find("operator"), std::string::npos);
  EXPECT_NE(err("  type: temporal\n  rules: [a]\n  timespan: 1m\n").find("two rules"), std::string::npos);
  EXPECT_EQ(err("  type: temporal\n  rules: [a, b]\n  timespan: 1m\n"), "ok");
  Result<CorrelationRule> r = parse_correlation_rule(
      "title: x\ncorrelation:\n  type: value_percentile\n  rules: [a]\n  timespan: 1h\n  generate: true\n"
      "  condition: {field: bytes, percentile: 90, gt: 100, lte: 200}\n");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->type, CorrelationType::kValuePercentile);
  EXPECT_EQ(r->condition.field, "bytes");
  EXPECT_EQ(r->condition.percentile, 90);
  EXPECT_TRUE(r->generate);
  EXPECT_TRUE(r->condition.holds(150));
  EXPECT_FALSE(r->condition.holds(100));
  EXPECT_FALSE(r->condition.holds(201));
  EXPECT_FALSE(parse_correlation_rule("{{{").ok());
}

TEST(Correlation, EventCountTimespanBoundary) {
  Correlator c = build(kEventCount);
  ASSERT_EQ(c.usable(), 1u) << (c.messages().empty() ? "" : c.messages()[0]);
  // alice: 0, 30, 60 -> exactly at the boundary: matches. bob: 0, 30, 61 -> one second over: no match.
  for (int s : {0, 30, 60}) c.add(base(kFail, s, {{"User", "alice"}}));
  for (int s : {0, 30, 61}) c.add(base(kFail, s, {{"User", "bob"}}));
  c.add(base(kOk, 5, {{"User", "bob"}}));  // another rule: not counted
  std::vector<Detection> out = c.finish();
  ASSERT_EQ(out.size(), 1u);
  const Detection& d = out[0];
  EXPECT_EQ(d.kind, DetectionKind::kCorrelation);
  EXPECT_EQ(d.rule_id, "corr-ec");
  EXPECT_EQ(d.title, "Many failed logons");
  EXPECT_EQ(d.level, Level::kHigh);
  EXPECT_EQ(d.tenant, "acme");
  EXPECT_EQ(d.time_us, kT0);
  EXPECT_EQ(get(d, "User"), "alice");
  EXPECT_EQ(get(d, "count"), "3");
  EXPECT_EQ(get(d, "first_time"), "2023-11-14T22:13:20.000000Z");
  EXPECT_EQ(get(d, "last_time"), "2023-11-14T22:14:20.000000Z");
  EXPECT_EQ(count_field(d, "evidence"), 3u);
  EXPECT_EQ(get(d, "evidence"), "acme/ws01/Security.evtx#1000");
  EXPECT_TRUE(c.suppresses(kFail));  // generate defaults to false
  EXPECT_FALSE(c.suppresses(kOk));
}

TEST(Correlation, GroupsNeverMixTenantsOrUsers) {
  Correlator c = build(kEventCount);
  c.add(base(kFail, 0, {{"User", "admin"}}, "acme"));
  c.add(base(kFail, 1, {{"User", "admin"}}, "acme"));
  c.add(base(kFail, 2, {{"User", "admin"}}, "globex"));
  c.add(base(kFail, 3, {{"User", "admin2"}}, "acme"));
  EXPECT_TRUE(c.finish().empty());
}

TEST(Correlation, RepeatedWindowsDoNotOverlap) {
  Correlator c = build(kEventCount);
  for (int s = 0; s < 9; ++s) c.add(base(kFail, s, {{"User", "alice"}}));
  std::vector<Detection> out = c.finish();
  ASSERT_EQ(out.size(), 1u);  // all nine fall in one 60 s window
  EXPECT_EQ(get(out[0], "count"), "9");
  Correlator c2 = build(kEventCount);
  for (int s = 0; s < 9; ++s) c2.add(base(kFail, s * 40, {{"User", "alice"}}));  // 0,40,...,320
  out = c2.finish();
  // windows: [0,40] has 2; [40,80] 2 ... never 3 within 60 s.
  EXPECT_TRUE(out.empty());
}

TEST(Correlation, OutOfOrderInputGivesTheSameResult) {
  std::vector<Detection> in;
  for (int s : {100, 0, 50, 20, 400, 410, 415, 30})
    in.push_back(base(kFail, s, {{"User", s < 200 ? "alice" : "bob"}}));
  Correlator a = build(kEventCount);
  for (const Detection& d : in) a.add(d);
  std::vector<Detection> sorted = in;
  std::sort(sorted.begin(), sorted.end(), [](const Detection& x, const Detection& y) { return x.time_us < y.time_us; });
  Correlator b = build(kEventCount);
  for (const Detection& d : sorted) b.add(d);
  std::vector<Detection> oa = a.finish(), ob = b.finish();
  ASSERT_EQ(oa.size(), 2u);
  ASSERT_EQ(ob.size(), 2u);
  for (size_t i = 0; i < oa.size(); ++i) {
    EXPECT_EQ(oa[i].time_us, ob[i].time_us);
    EXPECT_EQ(get(oa[i], "User"), get(ob[i], "User"));
    EXPECT_EQ(get(oa[i], "count"), get(ob[i], "count"));
  }
  EXPECT_EQ(get(oa[0], "User"), "alice");
  EXPECT_EQ(get(oa[0], "count"), "4");  // 0, 20, 30, 50 (100 is outside [0,60])
  EXPECT_EQ(get(oa[1], "User"), "bob");
}

TEST(Correlation, ValueCount) {
  Correlator c = build(R"(title: Password spray
id: corr-vc
correlation:
  type: value_count
  rules: [11111111-0000-0000-0000-000000000001]
  group-by: [IpAddress]
  timespan: 5m
  condition: {field: TargetUserName, gte: 3}
)");
  // 10.0.0.1 tries 3 distinct users (one twice) in 5 minutes; 10.0.0.2 tries 1 user 5 times.
  int s = 0;
  for (const char* u : {"a", "b", "a", "c"}) c.add(base(kFail, s++ * 10, {{"IpAddress", "10.0.0.1"}, {"TargetUserName", u}}));
  for (int i = 0; i < 5; ++i) c.add(base(kFail, i, {{"IpAddress", "10.0.0.2"}, {"TargetUserName", "x"}}));
  std::vector<Detection> out = c.finish();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(get(out[0], "IpAddress"), "10.0.0.1");
  EXPECT_EQ(get(out[0], "value_count"), "3");
  EXPECT_EQ(get(out[0], "field"), "TargetUserName");
}

TEST(Correlation, TemporalAnyOrderWithinTimespan) {
  const std::string rule = R"(title: Recon then logon
id: corr-t
correlation:
  type: temporal
  rules: [11111111-0000-0000-0000-000000000003, 11111111-0000-0000-0000-000000000002]
  group-by: [Computer]
  timespan: 10m
)";
  Correlator c = build(rule);
  c.add(base(kOk, 0, {{"Computer", "A"}}));
  c.add(base(kRecon, 600, {{"Computer", "A"}}));  // exactly 10 minutes later: inside
  c.add(base(kOk, 0, {{"Computer", "B"}}));
  c.add(base(kRecon, 601, {{"Computer", "B"}}));  // one second over
  c.add(base(kRecon, 0, {{"Computer", "C"}}));    // only one of the two rules
  c.add(base(kRecon, 10, {{"Computer", "C"}}));
  std::vector<Detection> out = c.finish();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(get(out[0], "Computer"), "A");
  EXPECT_EQ(get(out[0], "rules_matched"), "2");
  EXPECT_EQ(count_field(out[0], "rule"), 2u);
}

TEST(Correlation, TemporalOrderedNeedsTheOrder) {
  Correlator c = build(R"(title: Failed then success
id: corr-to
correlation:
  type: temporal_ordered
  rules: [11111111-0000-0000-0000-000000000001, 11111111-0000-0000-0000-000000000002]
  group-by: [User]
  timespan: 1h
)");
  c.add(base(kFail, 0, {{"User", "in_order"}}));
  c.add(base(kOk, 100, {{"User", "in_order"}}));
  c.add(base(kOk, 0, {{"User", "reversed"}}));
  c.add(base(kFail, 100, {{"User", "reversed"}}));
  std::vector<Detection> out = c.finish();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(get(out[0], "User"), "in_order");
  EXPECT_EQ(get(out[0], "events"), "2");
}

TEST(Correlation, ValueSumAvgPercentile) {
  auto run = [](const std::string& type, const std::string& cond) {
    Correlator c = build("title: v\nid: corr-v\ncorrelation:\n  type: " + type +
                         "\n  rules: [11111111-0000-0000-0000-000000000002]\n  group-by: [User]\n  timespan: 1h\n"
                         "  condition: {field: Bytes, " + cond + "}\n");
    int s = 0;
    for (const char* b : {"10", "20", "30", "1000", "not-a-number"}) c.add(base(kOk, s++, {{"User", "u"}, {"Bytes", b}}));
    return c.finish();
  };
  std::vector<Detection> out = run("value_sum", "gte: 1060");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(get(out[0], "value_sum"), "1060");
  EXPECT_TRUE(run("value_sum", "gt: 1060").empty());
  out = run("value_avg", "eq: 265");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(get(out[0], "value_avg"), "265");
  out = run("value_percentile", "percentile: 50, gte: 20");  // nearest rank: 2nd of 4 -> 20
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(get(out[0], "value_percentile"), "20");
  EXPECT_TRUE(run("value_percentile", "percentile: 100, lt: 1000").empty());  // every window holds the 1000
  out = run("value_percentile", "percentile: 100, gte: 1000");
  ASSERT_EQ(out.size(), 1u);
}

TEST(Correlation, ChainingEmitsOnlyTheOuterRule) {
  const std::string rules = R"(title: Many failed (inner)
id: corr-inner
name: many_failed
correlation:
  type: event_count
  rules: [11111111-0000-0000-0000-000000000001]
  group-by: [User]
  timespan: 5m
  condition: {gte: 3}
---
title: Brute force then success
id: corr-outer
correlation:
  type: temporal_ordered
  rules: [many_failed, 11111111-0000-0000-0000-000000000002]
  group-by: [User]
  timespan: 1h
level: critical
)";
  Correlator c = build(rules);
  ASSERT_EQ(c.usable(), 2u);
  for (int s : {0, 10, 20}) c.add(base(kFail, s, {{"User", "victim"}}));
  c.add(base(kOk, 300, {{"User", "victim"}}));
  for (int s : {0, 10}) c.add(base(kFail, s, {{"User", "other"}}));  // not enough failures
  c.add(base(kOk, 300, {{"User", "other"}}));
  std::vector<Detection> out = c.finish();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].rule_id, "corr-outer");
  EXPECT_EQ(out[0].level, Level::kCritical);
  EXPECT_EQ(get(out[0], "User"), "victim");
  EXPECT_EQ(count_field(out[0], "evidence"), 4u);  // three failures through the inner rule, one success
  EXPECT_TRUE(c.suppresses(kFail));
  EXPECT_TRUE(c.suppresses(kOk));
}

TEST(Correlation, AliasesJoinDifferentFieldNames) {
  Correlator c = build(R"(title: Aliased
id: corr-alias
correlation:
  type: temporal
  rules: [fail, ok]
  group-by: [ip]
  timespan: 1m
  aliases:
    ip:
      fail: IpAddress
      ok: SourceIp
)",
                       {{"fail", kFail}, {"ok", kOk}});
  ASSERT_EQ(c.usable(), 1u) << (c.messages().empty() ? "" : c.messages()[0]);
  c.add(base(kFail, 0, {{"IpAddress", "10.1.1.1"}}));
  c.add(base(kOk, 30, {{"SourceIp", "10.1.1.1"}, {"IpAddress", "10.9.9.9"}}));
  c.add(base(kFail, 0, {{"IpAddress", "10.2.2.2"}}));
  c.add(base(kOk, 30, {{"SourceIp", "10.3.3.3"}}));
  std::vector<Detection> out = c.finish();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(get(out[0], "ip"), "10.1.1.1");
}

TEST(Correlation, GenerateTrueKeepsBaseRules) {
  Correlator c = build(R"(title: g
id: corr-g
correlation:
  type: event_count
  rules: [11111111-0000-0000-0000-000000000001]
  group-by: [User]
  timespan: 1m
  condition: {gte: 2}
  generate: true
)");
  EXPECT_FALSE(c.suppresses(kFail));
}

TEST(Correlation, UnusableRulesAreReported) {
  Correlator c = build(R"(title: Unknown ref
id: corr-bad
correlation:
  type: event_count
  rules: [no_such_rule]
  group-by: [User]
  timespan: 1m
  condition: {gte: 2}
---
title: Cycle A
id: cyc-a
correlation:
  type: event_count
  rules: [cyc-b]
  timespan: 1m
  condition: {gte: 2}
---
title: Cycle B
id: cyc-b
correlation:
  type: event_count
  rules: [cyc-a]
  timespan: 1m
  condition: {gte: 2}
---
title: Bad span
id: corr-span
correlation:
  type: event_count
  rules: [11111111-0000-0000-0000-000000000001]
  timespan: 3w
  condition: {gte: 2}
)");
  EXPECT_EQ(c.usable(), 0u);
  std::string all;
  for (const std::string& m : c.messages()) all += m + "\n";
  EXPECT_NE(all.find("no_such_rule"), std::string::npos) << all;
  EXPECT_NE(all.find("cycle"), std::string::npos) << all;
  EXPECT_NE(all.find("3w"), std::string::npos) << all;
  EXPECT_FALSE(c.suppresses(kFail));
}

TEST(Correlation, BaseRuleNamesAreReadFromTheRuleFiles) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / "trawl_corr_names_test";
  std::filesystem::create_directories(dir);
  {
    std::ofstream f(dir / "rules.yml");
    f << "title: Failed logon\nid: 22222222-0000-0000-0000-000000000001\nname: failed_logon\n"
         "logsource: {product: windows, service: security}\ndetection:\n  sel: {EventID: 4625}\n  condition: sel\n"
         "---\ntitle: Spray\nid: corr-named\ncorrelation:\n  type: event_count\n  rules: [failed_logon]\n"
         "  group-by: [User]\n  timespan: 1m\n  condition: {gte: 2}\n";
  }
  RuleSet rs = RuleSet::load({dir.string()}, {});
  Result<Correlator> c = Correlator::build(rs);  // re-reads the file for `name:`, so remove it afterwards
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(c.ok());
  ASSERT_EQ(c->usable(), 1u) << (c->messages().empty() ? "" : c->messages()[0]);
  c->add(base("22222222-0000-0000-0000-000000000001", 0, {{"User", "u"}}));
  c->add(base("22222222-0000-0000-0000-000000000001", 5, {{"User", "u"}}));
  EXPECT_EQ(c->finish().size(), 1u);
}

TEST(Correlation, GroupCapKeepsResultsAndBoundsState) {
  // 5000 failures one second apart, 3 within any 2 s window: the cap (4096 items) is crossed, the full group is
  // evaluated early and compacted; the number of non-overlapping matches must be the same as without a cap.
  Correlator c = build(R"(title: dense
id: corr-dense
correlation:
  type: event_count
  rules: [11111111-0000-0000-0000-000000000001]
  group-by: [User]
  timespan: 2s
  condition: {gte: 3}
)");
  for (int s = 0; s < 5000; ++s) c.add(base(kFail, s, {{"User", "u"}}));
  std::vector<Detection> out = c.finish();
  EXPECT_EQ(out.size(), 1666u);
  EXPECT_GT(c.dropped_items(), 0u);
  for (size_t i = 1; i < out.size(); ++i) EXPECT_LT(out[i - 1].time_us, out[i].time_us);
}

TEST(Correlation, IgnoresOtherKindsAndTimelessDetections) {
  Correlator c = build(kEventCount);
  Detection ioc = base(kFail, 0, {{"User", "a"}});
  ioc.kind = DetectionKind::kIoc;
  for (int i = 0; i < 3; ++i) c.add(ioc);
  Detection timeless = base(kFail, 0, {{"User", "a"}});
  timeless.time_us = kNoTime;
  for (int i = 0; i < 3; ++i) c.add(timeless);
  EXPECT_TRUE(c.finish().empty());
}

}  // namespace
}  // namespace trawl

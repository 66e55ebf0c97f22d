#include "analytics/correlation/correlation_rule.h"

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <cstdlib>

#include "core/text.h"

namespace trawl {

const char* correlation_type_name(CorrelationType t) {
  switch (t) {
    case CorrelationType::kEventCount: return "event_count";
    case CorrelationType::kValueCount: return "value_count";
    case CorrelationType::kTemporal: return "temporal";
    case CorrelationType::kTemporalOrdered: return "temporal_ordered";
    case CorrelationType::kValueSum: return "value_sum";
    case CorrelationType::kValueAvg: return "value_avg";
    case CorrelationType::kValuePercentile: return "value_percentile";
  }
  return "event_count";
}

bool CorrelationCondition::holds(double v) const {
  for (const auto& [op, x] : tests) {
    bool ok = false;
    switch (op) {
      case CorrelationOp::kGt: ok = v > x; break;
      case CorrelationOp::kGte: ok = v >= x; break;
      case CorrelationOp::kLt: ok = v < x; break;
      case CorrelationOp::kLte: ok = v <= x; break;
      case CorrelationOp::kEq: ok = v == x; break;
      case CorrelationOp::kNeq: ok = v != x; break;
    }
    if (!ok) return false;
  }
  return true;
}

Result<int64_t> parse_timespan(std::string_view s) {
  s = trim(s);
  if (s.size() < 2) return Status::Error("timespan '" + std::string(s) + "' is not <number><s|m|h|d>");
  const char unit = s.back();
  int64_t mult = 0;
  switch (unit) {
    case 's': mult = 1000000LL; break;
    case 'm': mult = 60LL * 1000000LL; break;
    case 'h': mult = 3600LL * 1000000LL; break;
    case 'd': mult = 86400LL * 1000000LL; break;
    default: return Status::Error("timespan '" + std::string(s) + "' has no unit s, m, h or d");
  }
  int64_t n = 0;
  for (size_t i = 0; i + 1 < s.size(); ++i) {
    const char c = s[i];
    if (c < '0' || c > '9') return Status::Error("timespan '" + std::string(s) + "' is not <number><s|m|h|d>");
    n = n * 10 + (c - '0');
    if (n > 10LL * 366 * 86400) return Status::Error("timespan '" + std::string(s) + "' is too long");
  }
  const int64_t us = n * mult;
  if (us <= 0) return Status::Error("timespan '" + std::string(s) + "' must be positive");
  if (us > 10LL * 366 * 86400 * 1000000LL) return Status::Error("timespan '" + std::string(s) + "' is too long");
  return us;
}

namespace {

std::string scalar(const YAML::Node& n) { return n && n.IsScalar() ? n.Scalar() : std::string(); }

std::vector<std::string> string_list(const YAML::Node& n) {
  std::vector<std::string> out;
  if (!n) return out;
  if (n.IsScalar()) {
    out.push_back(n.Scalar());
  } else if (n.IsSequence()) {
    for (const auto& x : n)
      if (x.IsScalar()) out.push_back(x.Scalar());
  }
  return out;
}

bool parse_number(const std::string& s, double& out) {
  if (s.empty() || s.size() > 64) return false;
  char* end = nullptr;
  out = std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size() && std::isfinite(out);
}

Result<bool> parse_bool(const YAML::Node& n, const char* what) {
  const std::string v = to_lower(scalar(n));
  if (v == "true" || v == "yes") return true;
  if (v == "false" || v == "no") return false;
  return Status::Error(std::string("'") + what + "' must be true or false");
}

}  // namespace

Result<CorrelationRule> parse_correlation_rule(std::string_view yaml_text) {
  CorrelationRule r;
  try {
    const YAML::Node doc = YAML::Load(std::string(yaml_text));
    if (!doc || !doc.IsMap()) return Status::Error("correlation rule is not a YAML map");
    r.id = scalar(doc["id"]);
    r.name = scalar(doc["name"]);
    r.title = scalar(doc["title"]);
    const YAML::Node c = doc["correlation"];
    if (!c || !c.IsMap()) return Status::Error("missing or malformed 'correlation' section (must be a map)");
    const std::string type = to_lower(scalar(c["type"]));
    if (type == "event_count") r.type = CorrelationType::kEventCount;
    else if (type == "value_count") r.type = CorrelationType::kValueCount;
    else if (type == "temporal") r.type = CorrelationType::kTemporal;
    else if (type == "temporal_ordered") r.type = CorrelationType::kTemporalOrdered;
    else if (type == "value_sum") r.type = CorrelationType::kValueSum;
    else if (type == "value_avg") r.type = CorrelationType::kValueAvg;
    else if (type == "value_percentile") r.type = CorrelationType::kValuePercentile;
    else if (type.empty()) return Status::Error("correlation has no 'type'");
    else return Status::Error("unknown correlation type '" + type + "'");

    r.rules = string_list(c["rules"]);
    if (r.rules.empty()) return Status::Error("correlation has no 'rules'");
    if (r.rules.size() > 64) return Status::Error("correlation references more than 64 rules");
    const bool temporal = r.type == CorrelationType::kTemporal || r.type == CorrelationType::kTemporalOrdered;
    if (temporal && r.rules.size() < 2) return Status::Error("a temporal correlation needs at least two rules");
    r.group_by = string_list(c["group-by"]);

    std::string span = scalar(c["timespan"]);
    if (span.empty()) span = scalar(c["timeframe"]);
    if (span.empty()) return Status::Error("correlation has no 'timespan'");
    Result<int64_t> us = parse_timespan(span);
    if (!us.ok()) return us.status();
    r.timespan_us = *us;

    if (const YAML::Node cond = c["condition"]) {
      if (!cond.IsMap()) return Status::Error("'condition' must be a map such as {gte: 10}");
      for (const auto& kv : cond) {
        const std::string key = to_lower(scalar(kv.first));
        const std::string val = scalar(kv.second);
        if (key == "field") {
          r.condition.field = val;
          continue;
        }
        double x = 0;
        if (!parse_number(val, x)) return Status::Error("condition '" + key + "' needs a number, not '" + val + "'");
        if (key == "percentile") {
          if (x < 0 || x > 100) return Status::Error("percentile must be between 0 and 100");
          r.condition.percentile = x;
          continue;
        }
        CorrelationOp op;
        if (key == "gt") op = CorrelationOp::kGt;
        else if (key == "gte") op = CorrelationOp::kGte;
        else if (key == "lt") op = CorrelationOp::kLt;
        else if (key == "lte") op = CorrelationOp::kLte;
        else if (key == "eq") op = CorrelationOp::kEq;
        else if (key == "neq") op = CorrelationOp::kNeq;
        else return Status::Error("unknown condition operator '" + key + "'");
        r.condition.tests.emplace_back(op, x);
      }
      r.has_condition = !r.condition.tests.empty();
    }
    if (const YAML::Node p = c["percentile"]) {  // also accepted beside the condition
      double x = 0;
      if (!parse_number(scalar(p), x) || x < 0 || x > 100) return Status::Error("percentile must be 0..100");
      r.condition.percentile = x;
    }
    if (!temporal && !r.has_condition) return Status::Error("correlation has no 'condition' (e.g. gte: 10)");
    const bool needs_field = r.type == CorrelationType::kValueCount || r.type == CorrelationType::kValueSum ||
                             r.type == CorrelationType::kValueAvg || r.type == CorrelationType::kValuePercentile;
    if (needs_field && r.condition.field.empty())
      return Status::Error(std::string(correlation_type_name(r.type)) + " needs 'field' in its condition");

    if (const YAML::Node al = c["aliases"]) {
      if (!al.IsMap()) return Status::Error("'aliases' must be a map: alias -> {rule name: field}");
      for (const auto& kv : al) {
        const std::string alias = scalar(kv.first);
        if (!kv.second.IsMap()) return Status::Error("alias '" + alias + "' must map rule names to fields");
        auto& m = r.aliases[alias];
        for (const auto& rf : kv.second) m[scalar(rf.first)] = scalar(rf.second);
      }
    }
    // Spec 2.x puts `generate` in the correlation section; older drafts had it at the top level.
    const YAML::Node gen_in = c["generate"];
    const YAML::Node gen_top = doc["generate"];
    if (gen_in || gen_top) {
      Result<bool> g = parse_bool(gen_in ? gen_in : gen_top, "generate");
      if (!g.ok()) return g.status();
      r.generate = *g;
    }
  } catch (const std::exception& ex) {
    return Status::Error(std::string("correlation YAML: ") + ex.what());
  }
  return r;
}

}  // namespace trawl

// Answer-key parsing (simdjson DOM; the key is small) and detection scoring.
#include "simulate/answer_check.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

#include <simdjson.h>

#include "core/text.h"
#include "core/time.h"

namespace trawl::simulate {

namespace {

using simdjson::dom::element;
using simdjson::dom::object;

Status field_error(const std::string& where, const char* what) {
  return Status::Error("answers.json: " + where + ": " + what);
}

// Reads a string member; absent or not a string -> error.
Status get_string(const object& o, const char* name, const std::string& where, std::string& out) {
  std::string_view v;
  if (o[name].get_string().get(v) != simdjson::SUCCESS) return field_error(where, (std::string("missing string ") + name).c_str());
  out.assign(v);
  return Status();
}

Status get_string_array(const object& o, const char* name, const std::string& where, std::vector<std::string>& out) {
  simdjson::dom::array arr;
  if (o[name].get_array().get(arr) != simdjson::SUCCESS) return field_error(where, (std::string("missing array ") + name).c_str());
  for (element e : arr) {
    std::string_view v;
    if (e.get_string().get(v) != simdjson::SUCCESS) return field_error(where, (std::string("non-string in ") + name).c_str());
    out.emplace_back(v);
  }
  return Status();
}

Status get_time(const object& o, const char* name, const std::string& where, int64_t& out) {
  std::string s;
  if (Status st = get_string(o, name, where, s); !st.ok()) return st;
  std::optional<int64_t> t = parse_time(s);
  if (!t) return field_error(where, (std::string("bad time in ") + name).c_str());
  out = *t;
  return Status();
}

bool host_matches(std::string_view host, const std::vector<std::string>& fqdns, const std::vector<std::string>& ips) {
  if (host.empty()) return true;  // the detection does not say; tenant and time decide
  for (const std::string& f : fqdns) {
    if (iequals(host, f)) return true;
    const size_t dot = f.find('.');
    if (dot != std::string::npos && iequals(host, std::string_view(f).substr(0, dot))) return true;
  }
  for (const std::string& ip : ips)
    if (host == ip) return true;
  return false;
}

bool tenant_matches(std::string_view tenant, const std::vector<std::string>& tenants) {
  for (const std::string& t : tenants)
    if (iequals(tenant, t)) return true;
  return false;
}

}  // namespace

Result<AnswerKey> parse_answer_key(std::string_view json) {
  simdjson::dom::parser parser;
  element root;
  if (auto err = parser.parse(json.data(), json.size()).get(root); err != simdjson::SUCCESS)
    return Status::Error(std::string("answers.json: not valid JSON: ") + simdjson::error_message(err));
  object top;
  if (root.get_object().get(top) != simdjson::SUCCESS) return Status::Error("answers.json: top level is not an object");
  AnswerKey key;
  if (Status s = get_time(top, "start", "top", key.span.start); !s.ok()) return s;
  if (Status s = get_time(top, "end", "top", key.span.end); !s.ok()) return s;
  simdjson::dom::array steps;
  if (top["steps"].get_array().get(steps) != simdjson::SUCCESS) return Status::Error("answers.json: no steps array");
  size_t i = 0;
  for (element e : steps) {
    const std::string where = "steps[" + std::to_string(i++) + "]";
    object o;
    if (e.get_object().get(o) != simdjson::SUCCESS) return field_error(where, "not an object");
    AnswerStep s;
    for (Status st : {get_string(o, "id", where, s.id), get_string(o, "name", where, s.name),
                      get_string(o, "tactic", where, s.tactic), get_string(o, "technique", where, s.technique),
                      get_string(o, "tenant", where, s.tenant),
                      get_string_array(o, "techniques", where, s.techniques),
                      get_string_array(o, "tenants", where, s.tenants), get_string_array(o, "hosts", where, s.hosts),
                      get_string_array(o, "host_ips", where, s.host_ips),
                      get_string_array(o, "accounts", where, s.accounts),
                      get_time(o, "start", where, s.window.start), get_time(o, "end", where, s.window.end)})
      if (!st.ok()) return st;
    if (s.window.end < s.window.start) return field_error(where, "end before start");
    key.steps.push_back(std::move(s));
  }
  simdjson::dom::array benign;
  if (top["benign"].get_array().get(benign) != simdjson::SUCCESS) return Status::Error("answers.json: no benign array");
  i = 0;
  for (element e : benign) {
    const std::string where = "benign[" + std::to_string(i++) + "]";
    object o;
    if (e.get_object().get(o) != simdjson::SUCCESS) return field_error(where, "not an object");
    AnswerBenign b;
    for (Status st : {get_string(o, "id", where, b.id), get_string(o, "name", where, b.name),
                      get_string_array(o, "tenants", where, b.tenants), get_string_array(o, "hosts", where, b.hosts),
                      get_string_array(o, "accounts", where, b.accounts)})
      if (!st.ok()) return st;
    if (o["host_ips"].error() == simdjson::SUCCESS) {
      if (Status st = get_string_array(o, "host_ips", where, b.host_ips); !st.ok()) return st;
    }
    simdjson::dom::array windows;
    if (o["windows"].get_array().get(windows) != simdjson::SUCCESS) return field_error(where, "no windows array");
    for (element we : windows) {
      object wo;
      if (we.get_object().get(wo) != simdjson::SUCCESS) return field_error(where, "window is not an object");
      AnswerWindow w;
      if (Status st = get_time(wo, "start", where, w.start); !st.ok()) return st;
      if (Status st = get_time(wo, "end", where, w.end); !st.ok()) return st;
      b.windows.push_back(w);
    }
    std::sort(b.windows.begin(), b.windows.end(),
              [](const AnswerWindow& x, const AnswerWindow& y) { return x.start < y.start; });
    key.benign.push_back(std::move(b));
  }
  return key;
}

Result<AnswerKey> load_answer_key(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Error("cannot open " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_answer_key(ss.str());
}

bool detection_in_step(const Detection& d, const AnswerStep& step, int64_t slack_us) {
  if (d.time_us == kNoTime) return false;
  if (d.time_us < step.window.start - slack_us || d.time_us > step.window.end + slack_us) return false;
  if (!tenant_matches(d.tenant, step.tenants)) return false;
  return host_matches(d.host, step.hosts, step.host_ips);
}

static bool detection_in_benign(const Detection& d, const AnswerBenign& b, int64_t slack_us) {
  if (d.time_us == kNoTime || !tenant_matches(d.tenant, b.tenants) || !host_matches(d.host, b.hosts, b.host_ips))
    return false;
  for (const AnswerWindow& w : b.windows) {
    if (w.start - slack_us > d.time_us) break;  // sorted by start: no later window can hold t
    if (d.time_us <= w.end + slack_us) return true;
  }
  return false;
}

AnswerCheckReport check_answers(const AnswerKey& key, const std::vector<Detection>& detections,
                                const AnswerCheckOptions& options) {
  AnswerCheckReport r;
  for (const AnswerStep& s : key.steps) r.steps.push_back(StepCoverage{s.id, s.technique, {}});
  for (size_t i = 0; i < detections.size(); ++i) {
    const Detection& d = detections[i];
    bool in_step = false;
    for (size_t k = 0; k < key.steps.size(); ++k)
      if (detection_in_step(d, key.steps[k], options.slack_us)) {
        r.steps[k].detections.push_back(i);
        in_step = true;
      }
    if (in_step || d.level < options.noisy_level) continue;
    bool benign = false;
    for (const AnswerBenign& b : key.benign)
      if (detection_in_benign(d, b, options.slack_us)) {
        r.benign_hits.push_back(BenignHit{b.id, i});
        benign = true;
        break;
      }
    if (!benign) r.unexplained.push_back(i);
  }
  return r;
}

size_t AnswerCheckReport::covered_count() const {
  return size_t(std::count_if(steps.begin(), steps.end(), [](const StepCoverage& s) { return s.covered(); }));
}

std::string AnswerCheckReport::summary() const {
  std::string out;
  for (const StepCoverage& s : steps)
    out += s.step_id + " " + s.technique + ": " +
           (s.covered() ? "covered by " + std::to_string(s.detections.size()) + " detection(s)" : "MISSED") + "\n";
  for (const BenignHit& b : benign_hits)
    out += "benign " + b.benign_id + " hit by detection #" + std::to_string(b.detection) + "\n";
  if (!unexplained.empty()) out += std::to_string(unexplained.size()) + " noisy detection(s) outside steps and benign activity\n";
  out += std::to_string(covered_count()) + "/" + std::to_string(steps.size()) + " steps covered\n";
  return out;
}

}  // namespace trawl::simulate

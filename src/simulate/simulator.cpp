// simulate(): the hour-by-hour driver (benign hour, intrusion beacons, sort and write) and the answer key.
#include "simulate/simulator.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "core/text.h"
#include "core/time.h"
#include "simulate/scenario.h"
#include "simulate/sim_world.h"

namespace trawl::simulate {

namespace {

constexpr int64_t kHourUs = 3600LL * 1000000;
constexpr int64_t kDayUs = 24 * kHourUs;

void json_str_array(std::string& out, const std::vector<std::string>& v) {
  out += '[';
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out += ',';
    append_json_string(out, v[i]);
  }
  out += ']';
}

void key(std::string& out, const char* k) {
  out += '"';
  out += k;
  out += "\":";
}

std::string answers_json(const SimulateOptions& o, const SimWorld& w, const std::vector<IntrusionStep>& steps,
                         const SimIndicators& ind, const BenignCatalogue& cat, int64_t start, int64_t end) {
  std::string out = "{\n";
  out += "\"generator\":\"trawl simulate\",\"format_version\":1,\"seed\":" + std::to_string(o.seed) + ",";
  key(out, "start");
  append_json_string(out, format_time_us(start));
  out += ',';
  key(out, "end");
  append_json_string(out, format_time_us(end));
  out += ",\n\"note\":\"Synthetic data. Every indicator (domains, IP addresses, hashes, file names, passwords) is "
         "simulated for testing and is not real APT10 infrastructure; the addresses are in the RFC 5737 "
         "documentation ranges.\",\n";
  key(out, "tenants");
  out += '[';
  for (size_t ti = 0; ti < w.tenants.size(); ++ti) {
    const Tenant& t = w.tenants[ti];
    if (ti) out += ",";
    out += "\n {\"name\":";
    append_json_string(out, t.name);
    out += ",\"role\":";
    out += ti == size_t(w.msp) ? "\"msp\"" : "\"client\"";
    out += ",\"domain\":";
    append_json_string(out, t.domain);
    out += ",\"dns_domain\":";
    append_json_string(out, t.dns);
    out += ",\"network\":";
    append_json_string(out, t.net + "0/24");
    out += ",\"hosts\":[";
    for (size_t k = 0; k < t.hosts.size(); ++k) {
      const Host& h = w.hosts[size_t(t.hosts[k])];
      if (k) out += ',';
      out += "{\"name\":";
      append_json_string(out, h.name);
      out += ",\"fqdn\":";
      append_json_string(out, h.fqdn);
      out += ",\"dir\":";
      append_json_string(out, t.name + "/" + h.dir);
      out += ",\"ip\":";
      append_json_string(out, h.ip);
      out += ",\"role\":";
      append_json_string(out, h.role);
      out += '}';
    }
    out += "],\"accounts\":[";
    for (size_t k = 0; k < t.users.size(); ++k) {
      if (k) out += ',';
      append_json_string(out, t.users[k].qualified());
    }
    out += "]}";
  }
  out += "],\n";
  key(out, "indicators");
  out += "{\"simulated\":true,\"domains\":";
  json_str_array(out, ind.domains);
  out += ",\"ips\":";
  json_str_array(out, ind.ips);
  out += ",\"sha256\":";
  json_str_array(out, ind.sha256);
  out += ",\"file_names\":";
  json_str_array(out, ind.file_names);
  out += "},\n";
  key(out, "steps");
  out += '[';
  bool first_step = true;
  for (const IntrusionStep& s : steps) {
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    for (int e : s.evidence) {
      const Evidence& ev = w.evidence[size_t(e)];
      if (ev.count == 0) continue;
      lo = std::min(lo, ev.first);
      hi = std::max(hi, ev.last);
    }
    if (lo == INT64_MAX) continue;  // nothing of this step made it into the data
    if (!first_step) out += ',';
    first_step = false;
    out += "\n {\"id\":";
    append_json_string(out, s.id);
    out += ",\"name\":";
    append_json_string(out, s.name);
    out += ",\"tactic\":";
    append_json_string(out, s.tactic);
    out += ",\"technique\":";
    append_json_string(out, s.technique);
    out += ",\"techniques\":";
    json_str_array(out, s.techniques);
    out += ",\"description\":";
    append_json_string(out, s.description);
    out += ",\n  \"tenant\":";
    append_json_string(out, s.tenant);
    out += ",\"tenants\":";
    json_str_array(out, s.tenants);
    out += ",\"hosts\":";
    json_str_array(out, s.hosts);
    out += ",\"host_ips\":";
    json_str_array(out, s.host_ips);
    out += ",\"accounts\":";
    json_str_array(out, s.accounts);
    out += ",\"start\":";
    append_json_string(out, format_time_us(lo));
    out += ",\"end\":";
    append_json_string(out, format_time_us(hi));
    out += ",\n  \"evidence\":[";
    bool first_ev = true;
    for (int e : s.evidence) {
      const Evidence& ev = w.evidence[size_t(e)];
      if (ev.count == 0) continue;
      if (!first_ev) out += ',';
      first_ev = false;
      out += "\n   {\"file\":";
      append_json_string(out, ev.file);
      out += ",\"source\":";
      append_json_string(out, ev.source);
      if (ev.event_id) out += ",\"event_id\":" + std::to_string(ev.event_id);
      out += ev.event_id ? ",\"record_id\":" : ",\"row\":";
      out += std::to_string(ev.record_id);
      out += ",\"count\":" + std::to_string(ev.count);
      out += ",\"first\":";
      append_json_string(out, format_time_us(ev.first));
      out += ",\"last\":";
      append_json_string(out, format_time_us(ev.last));
      out += ",\"fields\":{";
      for (size_t k = 0; k < ev.fields.size(); ++k) {
        if (k) out += ',';
        append_json_string(out, ev.fields[k].first);
        out += ':';
        append_json_string(out, ev.fields[k].second);
      }
      out += "}}";
    }
    out += "]}";
  }
  out += "],\n";
  key(out, "benign");
  out += '[';
  bool first_b = true;
  for (const BenignActivity& a : cat.activities()) {
    if (a.windows.empty()) continue;
    std::vector<ActivityWindow> win = a.windows;
    std::sort(win.begin(), win.end(), [](const ActivityWindow& x, const ActivityWindow& y) {
      return x.start != y.start ? x.start < y.start : x.end < y.end;
    });
    std::vector<ActivityWindow> merged;
    for (const ActivityWindow& x : win) {
      if (!merged.empty() && x.start <= merged.back().end) {
        merged.back().end = std::max(merged.back().end, x.end);
      } else {
        merged.push_back(x);
      }
    }
    if (!first_b) out += ',';
    first_b = false;
    out += "\n {\"id\":";
    append_json_string(out, a.id);
    out += ",\"name\":";
    append_json_string(out, a.name);
    out += ",\"description\":";
    append_json_string(out, a.description);
    out += ",\"looks_like\":";
    json_str_array(out, a.looks_like);
    out += ",\"tenants\":";
    json_str_array(out, std::vector<std::string>(a.tenants.begin(), a.tenants.end()));
    out += ",\"hosts\":";
    json_str_array(out, std::vector<std::string>(a.hosts.begin(), a.hosts.end()));
    std::vector<std::string> ips;
    for (const Host& h : w.hosts)
      if (a.hosts.count(h.fqdn)) ips.push_back(h.ip);
    out += ",\"host_ips\":";
    json_str_array(out, ips);
    out += ",\"accounts\":";
    json_str_array(out, std::vector<std::string>(a.accounts.begin(), a.accounts.end()));
    out += ",\"windows\":[";
    for (size_t k = 0; k < merged.size(); ++k) {
      if (k) out += ',';
      out += "{\"start\":";
      append_json_string(out, format_time_us(merged[k].start));
      out += ",\"end\":";
      append_json_string(out, format_time_us(merged[k].end));
      out += '}';
    }
    out += "]}";
  }
  out += "]\n}\n";
  return out;
}

}  // namespace

Result<SimulateSummary> simulate(const SimulateOptions& o) {
  if (o.out_dir.empty()) return Status::Error("simulate: no output folder given");
  if (o.tenants < 2 || o.tenants > 200) return Status::Error("simulate: --tenants must be between 2 and 200");
  if (o.hosts < 4 || o.hosts > 240) return Status::Error("simulate: --hosts must be between 4 and 240");
  if (o.size_mb <= 0 && (o.days < 3 || o.days > 3660)) return Status::Error("simulate: --days must be between 3 and 3660");
  if (o.size_mb < 0 || o.size_mb > 1e7) return Status::Error("simulate: --size-mb out of range");
  if (!(o.activity > 0) || o.activity > 100) return Status::Error("simulate: activity must be in (0, 100]");
  std::string start_text = o.start;
  if (start_text.size() == 10) start_text += "T00:00:00Z";
  std::optional<int64_t> parsed = parse_time(start_text);
  if (!parsed || start_text.size() < 19) return Status::Error("simulate: --start is not an ISO 8601 date: " + o.start);
  const int64_t start = *parsed - ((*parsed % kDayUs) + kDayUs) % kDayUs;  // UTC midnight

  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(o.out_dir, ec)) {
    if (!fs::is_directory(o.out_dir, ec)) return Status::Error("simulate: " + o.out_dir + " is not a folder");
    if (!fs::is_empty(o.out_dir, ec)) return Status::Error("simulate: " + o.out_dir + " is not empty");
  } else if (!fs::create_directories(o.out_dir, ec) || ec) {
    return Status::Error("simulate: cannot create " + o.out_dir + ": " + ec.message());
  }

  SimWorld w(o.out_dir, o.seed);
  w.build(o.tenants, o.hosts);
  w.open_time_us = start;
  BenignCatalogue catalogue;
  Intrusion intrusion(w, start + kDayUs);
  const uint64_t target = o.size_mb > 0 ? uint64_t(o.size_mb * 1024 * 1024) : 0;
  const int64_t end_by_days = start + int64_t(o.days) * kDayUs;
  const int64_t hard_end = start + 3660 * kDayUs;
  bool planned = false;
  int64_t t = start;
  while (true) {
    if (!planned && t >= start + kDayUs) {
      intrusion.plan();
      planned = true;
    }
    generate_benign_hour(w, catalogue, t, o.activity);
    if (planned) intrusion.beacons_until(t + kHourUs);
    w.flush_until(t + kHourUs);
    t += kHourUs;
    if (!w.io_error.empty()) return Status::Error("simulate: " + w.io_error);
    if (target == 0) {
      if (t >= end_by_days) break;
    } else if (planned && t > intrusion.last_step_time() && w.bytes_written() >= target) {
      break;
    }
    if (t >= hard_end) break;
  }
  w.finish(t);
  if (!w.io_error.empty()) return Status::Error("simulate: " + w.io_error);

  const std::string answers =
      answers_json(o, w, intrusion.steps, intrusion.indicators, catalogue, start, t);
  const fs::path answers_path = fs::path(o.out_dir) / "answers.json";
  FILE* f = std::fopen(answers_path.c_str(), "wb");
  if (!f) return Status::Error("simulate: cannot write " + answers_path.string());
  const bool ok = std::fwrite(answers.data(), 1, answers.size(), f) == answers.size();
  if (std::fclose(f) != 0 || !ok) return Status::Error("simulate: cannot write " + answers_path.string());

  SimulateSummary s;
  s.bytes = w.bytes_written() + answers.size();
  s.windows_events = w.windows_events();
  s.zeek_rows = w.zeek_rows();
  s.start_us = start;
  s.end_us = t;
  for (const OutputFile& of : w.files())
    if (of.created) s.files.push_back(of.rel_path);
  s.files.push_back("answers.json");
  std::sort(s.files.begin(), s.files.end());
  return s;
}

}  // namespace trawl::simulate

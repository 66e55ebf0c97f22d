// `trawl net PATH...`: the network analytics alone over Zeek logs (TSV or JSON, plain or .gz, folders walked
// recursively), ranked: beacons, long connections, DNS tunnelling, exfiltration, strobes. Also writes the
// synthetic benchmark conn.log (--generate-bench FILE --rows N --seed S).
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "analytics/net/conn_generator.h"
#include "analytics/net/net_run.h"
#include "cli/command.h"
#include "core/text.h"
#include "core/time.h"

namespace trawl::cli {
namespace {

struct NetArgs {
  std::vector<std::string> paths;
  std::string format = "table";
  size_t top = 0;
  std::string allow;
  std::string tenant;
  std::string generate;
  uint64_t rows = 1000000;
  uint64_t seed = 1;
  int beacons = 10;
  bool quiet = false;
  double beacon_min_score = -1;
};

std::string clip(std::string s, size_t n) {
  for (char& c : s)
    if (uint8_t(c) < 0x20) c = ' ';
  if (s.size() > n) s = s.substr(0, n - 3) + "...";
  return s;
}

int run(const NetArgs& a) {
  if (!a.generate.empty()) {
    ConnGeneratorOptions g;
    g.rows = a.rows;
    g.seed = a.seed;
    g.beacons = a.beacons;
    auto planted = generate_conn_log(a.generate, g);
    if (!planted.ok()) return fail(planted.status().message());
    std::string truth = a.generate + ".beacons";
    FILE* f = std::fopen(truth.c_str(), "w");
    if (!f) return fail(truth + ": cannot create");
    for (auto& p : planted.value())
      std::fprintf(f, "%s\t%s\t%.0f\t%llu\n", p.src.c_str(), p.dst.c_str(), p.period_s,
                   static_cast<unsigned long long>(p.connections));
    std::fclose(f);
    std::fprintf(stderr, "wrote %s (%llu rows) and %s (%zu planted beacons)\n", a.generate.c_str(),
                 static_cast<unsigned long long>(a.rows), truth.c_str(), planted.value().size());
    if (a.paths.empty()) return 0;
  }
  if (a.paths.empty()) return fail("net: give at least one PATH (or --generate-bench FILE)");
  if (a.format != "table" && a.format != "jsonl" && a.format != "csv")
    return fail("net: --format must be table, jsonl or csv");
  NetOptions opt;
  opt.top_n = a.top;
  if (a.beacon_min_score >= 0) opt.beacon_min_score = a.beacon_min_score;
  if (!a.allow.empty()) {
    auto l = NetAllowList::load(a.allow);
    if (!l.ok()) return fail(l.status().message());
    opt.allow = std::move(l.value());
  }
  auto r = run_net_analysis(a.paths, opt, a.tenant);
  if (!r.ok()) return fail(r.status().message());
  const NetRunResult& res = r.value();
  if (!a.quiet)
    for (const Diagnostic& d : res.diagnostics)
      if (d.severity != Severity::kInfo) std::fprintf(stderr, "trawl: %s\n", d.to_string().c_str());
  NetAnalyzer formatter(NetOptions{});
  std::string out;
  if (a.format == "jsonl") {
    for (const NetFinding& f : res.findings) {
      out += "{\"analytic\":";
      append_json_string(out, f.analytic);
      char b[32];
      std::snprintf(b, sizeof b, "%.3f", f.score);
      out += ",\"score\":";
      out += b;
      out += ",\"level\":";
      append_json_string(out, level_name(net_level_for_score(f.score)));
      out += ",\"tenant\":";
      append_json_string(out, f.tenant);
      out += ",\"src\":";
      append_json_string(out, f.src);
      out += ",\"dst\":";
      append_json_string(out, f.dst);
      out += ",\"why\":";
      append_json_string(out, f.why);
      out += ",\"first_seen\":";
      if (f.first_us != kNoTime) append_json_string(out, format_time_us(f.first_us)); else out += "null";
      out += ",\"last_seen\":";
      if (f.last_us != kNoTime) append_json_string(out, format_time_us(f.last_us)); else out += "null";
      out += ",\"evidence\":{";
      for (size_t i = 0; i < f.evidence.size(); ++i) {
        if (i) out += ',';
        append_json_string(out, f.evidence[i].first);
        out += ':';
        append_json_string(out, f.evidence[i].second);
      }
      out += "}}\n";
    }
  } else if (a.format == "csv") {
    out += "score,level,analytic,tenant,src,dst,first_seen,last_seen,why\n";
    for (const NetFinding& f : res.findings) {
      char b[32];
      std::snprintf(b, sizeof b, "%.3f", f.score);
      out += std::string(b) + "," + level_name(net_level_for_score(f.score)) + "," + net_csv_cell(f.analytic) + "," +
             net_csv_cell(f.tenant) + "," + net_csv_cell(f.src) + "," + net_csv_cell(f.dst) + "," +
             (f.first_us != kNoTime ? format_time_us(f.first_us) : std::string()) + "," +
             (f.last_us != kNoTime ? format_time_us(f.last_us) : std::string()) + "," + net_csv_cell(f.why) + "\n";
    }
  } else {
    char b[512];
    bool tenants = false;
    for (auto& f : res.findings) tenants = tenants || !f.tenant.empty();
    std::snprintf(b, sizeof b, "%-6s %-16s %s%-40s %-42s %s\n", "SCORE", "ANALYTIC", tenants ? "TENANT       " : "",
                  "SRC", "DST", "WHY");
    out += b;
    for (const NetFinding& f : res.findings) {
      std::string t = tenants ? clip(f.tenant, 12) : std::string();
      if (tenants) t.resize(13, ' ');
      std::snprintf(b, sizeof b, "%-6.3f %-16s %s%-40s %-42s %s\n", f.score, f.analytic.c_str(), t.c_str(),
                    clip(f.src, 40).c_str(), clip(f.dst, 42).c_str(), clip(f.why, 200).c_str());
      out += b;
    }
    std::snprintf(b, sizeof b, "%zu finding(s) from %llu events in %llu file(s) (%llu skipped)\n", res.findings.size(),
                  static_cast<unsigned long long>(res.events), static_cast<unsigned long long>(res.files_read),
                  static_cast<unsigned long long>(res.files_skipped));
    if (!a.quiet) std::fputs(b, stderr);
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

CommandRegistration reg(40, [](CLI::App& app) -> std::function<int()> {
  auto* sub = app.add_subcommand("net", "Network analytics over Zeek logs: beacons, long connections, DNS tunnelling, "
                                        "exfiltration, strobes (ranked)");
  auto a = std::make_shared<NetArgs>();
  sub->add_option("PATH", a->paths, "Zeek log files or folders (TSV or JSON; plain, .gz, .zst, or inside .zip/.tar archives)");
  sub->add_option("--format", a->format, "Output: table, jsonl or csv")->capture_default_str();
  sub->add_option("--top", a->top, "Show only the N highest-ranked findings (0: all)");
  sub->add_option("--allow", a->allow, "Allow-list file: domains and CIDRs, one per line (or a YAML list)");
  sub->add_option("--tenant", a->tenant, "Tenant name stamped on every finding");
  sub->add_option("--beacon-min-score", a->beacon_min_score, "Report beacons scoring at least this (default 0.5)");
  sub->add_flag("-q,--quiet", a->quiet, "Do not print diagnostics on stderr");
  sub->add_option("--generate-bench", a->generate, "Write a synthetic conn.log with planted beacons to FILE "
                                                    "(and FILE.beacons with the answer key)");
  sub->add_option("--rows", a->rows, "Rows for --generate-bench")->capture_default_str();
  sub->add_option("--seed", a->seed, "Seed for --generate-bench")->capture_default_str();
  sub->add_option("--beacons", a->beacons, "Planted beacons for --generate-bench")->capture_default_str();
  return [a]() -> int { return run(*a); };
});

}  // namespace
}  // namespace trawl::cli

// trawl hunt PATH... : the main job. Every supported file under the paths (folders, .zip/.gz/.zst), every
// detection (Sigma rules, indicators, network analytics), written as a table, CSV timeline, JSON lines, a
// SQLite case database and/or an HTML report.
#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>

#include "cli/command.h"
#include "cli/progress.h"
#include "core/text.h"
#include "core/time.h"
#include "hunt/hunt.h"

namespace trawl::cli {
namespace {

struct HuntArgs {
  HuntOptions opt;
  std::string tenant;
  bool tenant_dirs = false;
  std::string output, format, db, html, min_level, from, to;
  bool no_builtin = false, no_builtin_ioc = false, stats = false, quiet = false, verbose = false, no_net = false;
  bool carve = false;
  int threads = 0;
  std::string colour = "auto";
  size_t top = 20;
};

std::string format_for(const HuntArgs& a) {
  if (!a.format.empty()) return a.format;
  if (!a.output.empty()) {
    if (iends_with(a.output, ".csv")) return "csv";
    if (iends_with(a.output, ".jsonl") || iends_with(a.output, ".json") || iends_with(a.output, ".ndjson"))
      return "jsonl";
    return "table";
  }
  return isatty(1) ? "table" : "jsonl";
}

int run_hunt_command(HuntArgs& a, const std::string& command_line) {
  HuntOptions& o = a.opt;
  o.command_line = command_line;
  o.builtin_rules = !a.no_builtin;
  o.builtin_iocs = !a.no_builtin && !a.no_builtin_ioc;
  o.net_analytics = !a.no_net;
  o.pipeline.threads = a.threads;
  o.pipeline.decode.carve = a.carve;
  o.pipeline.source.tenant = a.tenant;
  o.pipeline.source.tenant_dirs = a.tenant_dirs;
  if (!a.tenant.empty() && a.tenant_dirs) return fail("--tenant and --tenant-dirs cannot be used together");
  if (!a.min_level.empty()) {
    o.min_level = parse_level(a.min_level);
    if (!o.min_level) return fail("--min-level must be informational, low, medium, high or critical");
  }
  if (!a.from.empty()) {
    auto t = parse_time(a.from);
    if (!t) return fail("--from: not a time: '" + a.from + "' (use ISO 8601, e.g. 2019-03-19T23:00:00Z)");
    o.from_us = *t;
  }
  if (!a.to.empty()) {
    auto t = parse_time(a.to);
    if (!t) return fail("--to: not a time: '" + a.to + "' (use ISO 8601, e.g. 2019-03-20T06:00:00Z)");
    o.to_us = *t;
  }
  const std::string format = format_for(a);
  std::ofstream file;
  std::ostream* out = &std::cout;
  if (!a.output.empty()) {
    file.open(a.output, std::ios::binary);
    if (!file) return fail("cannot write " + a.output);
    out = &file;
  }
  std::vector<std::unique_ptr<DetectionSink>> sinks;
  if (format == "jsonl") {
    sinks.push_back(make_jsonl_sink(*out));
  } else if (format == "csv") {
    sinks.push_back(make_csv_sink(*out));
  } else {
    TableOptions to;
    to.colour = a.colour == "always" || (a.colour == "auto" && a.output.empty() && isatty(1) && !std::getenv("NO_COLOR"));
    to.top = a.top;
    struct winsize ws {};
    if (a.output.empty() && isatty(1) && ioctl(1, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40) to.width = ws.ws_col;
    sinks.push_back(make_table_sink(*out, to));
  }
  if (!a.db.empty()) {
    auto s = make_sqlite_sink(a.db);
    if (!s.ok()) return fail(s.status().message());
    sinks.push_back(std::move(s.value()));
  }
  if (!a.html.empty()) {
    auto s = make_html_sink(a.html);
    if (!s.ok()) return fail(s.status().message());
    sinks.push_back(std::move(s.value()));
  }
  auto sink = make_fanout_sink(std::move(sinks));

  PipelineProgress progress;
  const bool show_bar = !a.quiet && isatty(2) && !(a.output.empty() && isatty(1) && format != "table");
  ProgressBar bar(&progress, SourceWalker::disk_size(o.paths), !show_bar);
  Result<HuntReport> r = run_hunt(o, *sink, &progress);
  bar.stop();
  out->flush();
  if (!r.ok()) return fail(r.status().message());
  const HuntReport& rep = r.value();
  if (a.stats) write_stats(std::cerr, rep.stats);
  if (!a.quiet) {
    if (a.verbose)
      for (const std::string& m : rep.load_messages) std::fprintf(stderr, "rule/indicator not used: %s\n", m.c_str());
    print_diagnostics(rep.stats.diagnostics, a.verbose);
    const RunStats& s = rep.stats;
    std::fprintf(stderr,
                 "hunt: %llu files, %llu events, %llu detections | %zu rules (%zu not usable%s), %zu indicators | "
                 "%llu record errors | %.2f s (%.1f MB/s)\n",
                 (unsigned long long)s.files_read, (unsigned long long)s.events, (unsigned long long)s.detections,
                 rep.rules_loaded, rep.rules_unusable, rep.rules_unusable && !a.verbose ? ", -v lists them" : "",
                 rep.indicators, (unsigned long long)s.decode_errors, s.seconds,
                 s.seconds > 0 ? double(s.bytes) / 1e6 / s.seconds : 0.0);
  }
  if (!*out) return fail("write error on " + (a.output.empty() ? std::string("standard output") : a.output));
  return 0;
}

CommandRegistration reg(10, [](CLI::App& app) -> std::function<int()> {
  auto a = std::make_shared<HuntArgs>();
  auto* sub = app.add_subcommand("hunt", "Hunt through logs with Sigma rules, indicators and network analytics");
  sub->add_option("PATH", a->opt.paths, "Files or folders: EVTX, JSON logs, Zeek logs; .zip/.gz/.zst opened")
      ->required();
  sub->add_option("-r,--rules", a->opt.rule_paths, "Sigma rule file or folder (repeatable)");
  sub->add_flag("--no-builtin", a->no_builtin, "Do not load the built-in Cloud Hopper rules and APT10 indicators");
  sub->add_flag("--no-builtin-ioc", a->no_builtin_ioc, "Do not load the built-in APT10 indicators");
  sub->add_option("--mapping", a->opt.mapping_files, "Extra log-source mapping file (repeatable)");
  sub->add_option("--vars", a->opt.vars_file, "YAML file with values for Sigma `expand` placeholders");
  sub->add_option("--ioc", a->opt.ioc_paths, "Indicator list: text, CSV, STIX 2.1 or MISP JSON (repeatable)");
  sub->add_option("--tenant", a->tenant, "Tenant name for every input");
  sub->add_flag("--tenant-dirs", a->tenant_dirs, "The first folder level under each PATH names the tenant");
  sub->add_option("-o,--output", a->output, "Write detections to FILE (format from its extension: .csv, .jsonl)");
  sub->add_option("--format", a->format, "table (default on a terminal), csv (Timesketch timeline) or jsonl")
      ->check(CLI::IsMember({"table", "csv", "jsonl"}));
  sub->add_option("--db", a->db, "Also write a SQLite case database (appends a run if it exists)");
  sub->add_option("--html", a->html, "Also write a self-contained HTML report");
  sub->add_option("--min-level", a->min_level, "Only detections at or above: informational|low|medium|high|critical");
  sub->add_option("--status", a->opt.statuses, "Only rules with this status (repeatable: stable, test, experimental)");
  sub->add_option("--exclude-rule", a->opt.exclude_rules, "Rule id (or title) to leave out (repeatable)");
  sub->add_option("--from", a->from, "Only events at or after this time (ISO 8601)");
  sub->add_option("--to", a->to, "Only events at or before this time (ISO 8601)");
  sub->add_option("-j,--threads", a->threads, "Worker threads (default: all cores)");
  sub->add_flag("--carve", a->carve, "EVTX: also hunt stale records recovered from chunk slack");
  sub->add_flag("--no-net", a->no_net, "Skip the network analytics over Zeek logs");
  sub->add_option("--msp-tenant", a->opt.msp_tenant,
                  "The tenant that is the MSP: enables the logon graph and cross-tenant analytics");
  sub->add_option("--tenant-map", a->opt.tenant_map_file,
                  "YAML: each tenant's domains, host patterns, IP ranges and MSP accounts (see docs/msp.md)");
  sub->add_flag("--stats", a->stats, "Print events per file/channel/EventID, rules that fired, time span per host");
  sub->add_option("--top", a->top, "Table: how many detections to list after the summary (default 20)");
  sub->add_option("--colour,--color", a->colour, "Table colours: auto, always, never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  sub->add_flag("-q,--quiet", a->quiet, "No progress, summary or warnings on standard error");
  sub->add_flag("-v,--verbose", a->verbose, "List unusable rules and every skipped file");
  sub->footer(
      "Exit status: 0 when the hunt ran (detections or not), 2 on a fatal error (one line on stderr).\n"
      "Damaged files and records are reported with their path and offset; the hunt goes on.\n"
      "Examples:\n"
      "  trawl hunt evidence/ --tenant-dirs --db case.sqlite --html report.html\n"
      "  trawl hunt host.zip -o timeline.csv -r sigma/rules/windows --min-level high");
  return [a, sub] {
    std::string cl = "trawl hunt";
    for (const std::string& p : a->opt.paths) cl += " " + p;
    (void)sub;
    return run_hunt_command(*a, cl);
  };
});

}  // namespace
}  // namespace trawl::cli

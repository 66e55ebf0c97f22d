#include "hunt/hunt.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include "analytics/correlation/correlator.h"
#include "analytics/msp/msp_analytics.h"
#include "analytics/net/net_analyzer.h"
#include "core/yaml_util.h"
#include "core/buffer.h"
#include "core/text.h"
#include "core/time.h"
#include "engine/program.h"
#include "core/builtin_data.h"
#include "ioc/ioc.h"
#include "sigma/logsource_map.h"
#include "sigma/sigma_rule.h"

namespace trawl {

namespace {

// Per-rule facts the workers need, computed once: whether the rule survives the user's filters.
struct RuleFilter {
  std::vector<bool> enabled;     // by rule index: passes the user's filters
  std::vector<bool> correlated;  // by rule index: a correlation rule refers to it (its matches feed the correlator)
};
constexpr uint8_t kHiddenDetection = 1;  // feeds the correlator only: filtered out or suppressed by `generate`

// Counters gathered per unit on the worker threads and merged in order by the consumer.
struct UnitCounters {
  std::map<std::string, uint64_t> per_channel, per_event_id;
  std::map<std::string, std::pair<int64_t, int64_t>> span_per_host;
};

class HuntStage final : public Stage {
 public:
  HuntStage(std::shared_ptr<const Program> prog, const RuleFilter* filter, std::shared_ptr<const IocSet> iocs,
            const HuntOptions* opt)
      : scanner_(prog, ScannerOptions::for_threads(resolve_threads(opt->pipeline.threads))),
        prog_(std::move(prog)),
        filter_(filter),
        opt_(opt) {
    if (iocs && iocs->size() > 0) ioc_ = std::make_unique<IocMatcher>(std::move(iocs));
  }

  void process(const EventBatch& batch, UnitOutput& out) override {
    for (size_t i = 0; i < batch.count; ++i) {
      const Event& e = batch.events[i];
      if (opt_->from_us != kNoTime && e.time_us != kNoTime && e.time_us < opt_->from_us) continue;
      if (opt_->to_us != kNoTime && e.time_us != kNoTime && e.time_us > opt_->to_us) continue;
      out.marks.push_back(uint32_t(i));  // events in the time window (stats, analytics)
      matches_.clear();
      scanner_.scan(e, matches_);
      for (const RuleMatch& m : matches_) {
        const bool shown = filter_->enabled[m.rule_index];
        if (!shown && !filter_->correlated[m.rule_index]) continue;
        out.detections.push_back(sigma_detection(prog_->rule(m.rule_index), e));
        out.detection_flags.push_back(shown ? 0 : kHiddenDetection);
      }
      if (ioc_) {
        hits_.clear();
        ioc_->match(e, hits_);
        for (const IocHit& h : hits_) {
          if (opt_->min_level && h.level < *opt_->min_level) continue;
          out.detections.push_back(IocMatcher::to_detection(e, h));
          out.detection_flags.push_back(0);
        }
      }
    }
  }

 private:
  Scanner scanner_;
  std::shared_ptr<const Program> prog_;
  const RuleFilter* filter_;
  const HuntOptions* opt_;
  std::unique_ptr<IocMatcher> ioc_;
  std::vector<RuleMatch> matches_;
  std::vector<IocHit> hits_;
};

std::string host_key(const Event& e) {
  std::string k = e.file ? e.file->tenant : std::string();
  k.push_back('/');
  k.append(event_host(e));
  return k;
}

}  // namespace

Result<HuntReport> run_hunt(const HuntOptions& opt, DetectionSink& sink, PipelineProgress* progress) {
  const auto t0 = std::chrono::steady_clock::now();
  HuntReport report;

  // Rules: the user's, then the built-in pack, in one set (rule indexes are stable for a given input).
  RuleLoadOptions rlo;
  if (!opt.vars_file.empty()) {
    Status s = load_placeholder_file(opt.vars_file, rlo);
    if (!s.ok()) return s;
  }
  RuleSet rules = RuleSet::load(opt.rule_paths, rlo);
  if (opt.builtin_rules) {
    for (const EmbeddedFile& f : builtin_rule_files())
      rules.merge(RuleSet::from_text(f.text, "builtin:" + std::string(f.name), rlo));
  }
  for (const RuleLoadEntry& e : rules.report().entries) {
    if (e.status == RuleLoadStatus::kUnusable || e.status == RuleLoadStatus::kInvalidFile ||
        e.status == RuleLoadStatus::kNeedsValues)
      report.load_messages.push_back(fmt::format("{}: {}{}{}", e.file, e.title.empty() ? "" : e.title,
                                                 e.title.empty() ? "" : ": ", e.reason));
  }
  if (!opt.rule_paths.empty() && rules.report().invalid_files > 0 && rules.size() == 0)
    return Status::Error("no usable rule in " + fmt::format("{}", fmt::join(opt.rule_paths, ", ")));
  report.rules_loaded = rules.size();
  report.rules_unusable = rules.report().unusable + rules.report().invalid_files + rules.report().needs_values;

  Result<LogSourceMap> map = LogSourceMap::builtin();
  if (!map.ok()) return map.status();
  for (const std::string& mf : opt.mapping_files) {
    Result<LogSourceMap> extra = LogSourceMap::from_file(mf);
    if (!extra.ok()) return extra.status();
    map.value().add(extra.value());
  }
  Result<std::shared_ptr<const Program>> prog = Program::compile(rules, map.value(), CompileOptions{});
  if (!prog.ok()) return prog.status();

  RuleFilter filter;
  filter.enabled.resize(rules.size(), true);
  std::set<std::string> excluded(opt.exclude_rules.begin(), opt.exclude_rules.end());
  for (size_t i = 0; i < rules.size(); ++i) {
    const SigmaRule& r = rules.rule(i);
    bool on = true;
    if (opt.min_level && r.level < *opt.min_level) on = false;
    if (!opt.statuses.empty() &&
        std::none_of(opt.statuses.begin(), opt.statuses.end(), [&](const std::string& s) { return iequals(s, r.status); }))
      on = false;
    if (excluded.count(r.id) || excluded.count(r.title)) on = false;
    filter.enabled[i] = on;
  }

  // Correlation rules: fed with every match of the base rules they name, whatever the filters.
  // Built-in rules were loaded from text, so the correlator cannot re-read their files for `name:` fields:
  // give it the name -> id map of the embedded documents.
  std::map<std::string, std::string> builtin_names;
  if (opt.builtin_rules) {
    for (const EmbeddedFile& f : builtin_rule_files()) {
      try {
        for (const YAML::Node& doc : yaml_load_all(f.text))
          if (doc.IsMap() && doc["name"] && doc["id"] && doc["name"].IsScalar() && doc["id"].IsScalar())
            builtin_names[doc["name"].Scalar()] = doc["id"].Scalar();
      } catch (const std::exception&) {
        // An unparsable embedded file is already reported by the rule loader.
      }
    }
  }
  Result<Correlator> correlator = Correlator::build(rules, builtin_names);
  if (!correlator.ok()) return correlator.status();
  for (const std::string& m : correlator.value().messages()) report.load_messages.push_back(m);
  filter.correlated.resize(rules.size(), false);
  for (size_t i = 0; i < rules.size(); ++i) {
    const SigmaRule& r = rules.rule(i);
    if (correlator.value().suppresses(r.id)) filter.enabled[i] = false;
    // Any correlation may name any rule (by id or name): feed every match while correlations exist.
    filter.correlated[i] = !rules.correlations().empty();
  }

  // The MSP layer (logon graph, cross-tenant analytics) when the user says which tenant is the MSP.
  std::optional<MspAnalyzer> msp;
  if (!opt.msp_tenant.empty() || !opt.tenant_map_file.empty()) {
    MspOptions mo;
    mo.msp_tenant = opt.msp_tenant;
    mo.tenant_map_file = opt.tenant_map_file;
    Result<MspAnalyzer> m = MspAnalyzer::create(mo);
    if (!m.ok()) return m.status();
    msp.emplace(std::move(m.value()));
  }

  // Indicators: the built-in pack plus the user's lists, in one set.
  std::shared_ptr<const IocSet> iocs;
  if (!opt.ioc_paths.empty() || opt.builtin_iocs) {
    IocSetBuilder builder;
    builder.set_fields(IocFieldMap::builtin());
    IocLoadReport ir;
    IocLoadOptions ilo;
    if (opt.builtin_iocs) {
      IocLoadOptions pack = ilo;
      pack.format = IocFormat::kCsv;  // the embedded pack is a TSV with a header (rules/ioc/apt10.tsv)
      builder.add_document(IocSet::embedded_apt10_text(), "builtin:apt10", pack, &ir);
    }
    for (const std::string& path : opt.ioc_paths) {
      Result<std::shared_ptr<const Buffer>> bytes = Buffer::map_file(path);
      if (!bytes.ok()) return bytes.status();
      IocLoadReport one;
      builder.add_document(bytes.value()->view(), path, ilo, &one);
      if (one.accepted == 0 && one.duplicates == 0)
        return Status::Error(path + ": no usable indicator (see `trawl ioc check " + path + "`)");
      for (const std::string& line : one.rejected_lines) report.load_messages.push_back(line);
    }
    Result<std::shared_ptr<const IocSet>> built = builder.build();
    if (!built.ok()) return built.status();
    iocs = built.value();
    report.indicators = iocs->size();
  }

  RunInfo run;
  run.command_line = opt.command_line;
  run.started_us = std::chrono::duration_cast<std::chrono::microseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  run.inputs = opt.paths;
  run.rule_count = rules.size();
  run.ioc_count = report.indicators;
  run.trawl_version = TRAWL_VERSION;
  Status s = sink.begin(run);
  if (!s.ok()) return s;

  RunStats& stats = report.stats;
  NetAnalyzer net{NetOptions{}};
  Status write_error;
  auto emit = [&](const Detection& d) {
    ++stats.detections;
    ++stats.detections_per_rule[d.rule_id];
    if (progress) ++progress->detections;
    if (write_error.ok()) {
      Status ws = sink.write(d);
      if (!ws.ok()) write_error = ws;
    }
  };

  Pipeline pipeline(opt.pipeline);
  const std::shared_ptr<const Program> program = prog.value();
  PipelineResult pr = pipeline.run(
      opt.paths, [&] { return std::make_unique<HuntStage>(program, &filter, iocs, &opt); },
      [&](const EventBatch& b, UnitOutput& out) {
        if (b.file && b.count) stats.events_per_file[b.file->path] += b.count;
        for (uint32_t idx : out.marks) {
          const Event& e = b.events[idx];
          if (const std::string_view* ch = e.find("Channel")) ++stats.events_per_channel[std::string(*ch)];
          if (const std::string_view* id = e.find("EventID")) ++stats.events_per_event_id[std::string(*id)];
          if (e.time_us != kNoTime) {
            auto [it, fresh] = stats.time_span_per_host.try_emplace(host_key(e), e.time_us, e.time_us);
            if (!fresh) {
              it->second.first = std::min(it->second.first, e.time_us);
              it->second.second = std::max(it->second.second, e.time_us);
            }
          }
          if (opt.net_analytics && e.file &&
              (e.file->format == InputFormat::kZeekTsv || e.file->format == InputFormat::kZeekJson))
            net.add(e);
          if (msp) msp->add(e);
        }
        for (size_t i = 0; i < out.detections.size(); ++i) {
          const Detection& d = out.detections[i];
          if (d.kind == DetectionKind::kSigma) correlator.value().add(d);
          if (!(out.detection_flags[i] & kHiddenDetection)) emit(d);
        }
      },
      nullptr, progress);

  for (const Detection& d : correlator.value().finish()) {
    if (opt.min_level && d.level < *opt.min_level) continue;
    emit(d);
  }
  if (msp) {
    for (const Detection& d : msp->finish()) {
      if (opt.min_level && d.level < *opt.min_level) continue;
      emit(d);
    }
  }
  if (opt.net_analytics) {
    for (const NetFinding& f : net.finish()) {
      Detection d = net.to_detection(f);
      if (opt.min_level && d.level < *opt.min_level) continue;
      emit(d);
    }
  }

  stats.files_read = pr.files_read;
  stats.files_skipped = pr.files_skipped;
  stats.bytes = pr.bytes;
  stats.events = pr.events;
  stats.decode_errors = pr.decode_errors;
  stats.diagnostics = std::move(pr.diagnostics);
  stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  Status fs = sink.finish(stats);
  if (!write_error.ok()) return write_error;
  if (!fs.ok()) return fs;
  if (stats.files_read == 0) return Status::Error("nothing could be read from the paths given");
  return report;
}

}  // namespace trawl

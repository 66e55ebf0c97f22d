// trawl dump FILE|DIR... : decoded records as JSON lines (or XML), the same field names hunt matches on.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "cli/command.h"
#include "cli/progress.h"
#include "hunt/pipeline.h"
#include "hunt/render.h"

namespace trawl::cli {
namespace {

struct DumpArgs {
  std::vector<std::string> paths;
  std::string format = "jsonl";
  std::string output;
  int threads = 0;
  bool carve = false;
  bool quiet = false;
  bool verbose = false;
  std::string tenant;
  bool tenant_dirs = false;
};

class DumpStage final : public Stage {
 public:
  explicit DumpStage(bool xml) : xml_(xml) {}
  void process(const EventBatch& batch, UnitOutput& out) override {
    out.text.reserve(batch.bytes * 2);
    for (size_t i = 0; i < batch.count; ++i) {
      if (xml_)
        append_event_xml(out.text, batch.events[i]);
      else
        append_event_json(out.text, batch.events[i]);
      out.text.push_back('\n');
    }
  }

 private:
  bool xml_;
};

int run_dump(const DumpArgs& a) {
  if (a.format != "jsonl" && a.format != "xml") return fail("--format must be jsonl or xml, not '" + a.format + "'");
  std::ofstream file;
  std::ostream* out = &std::cout;
  if (!a.output.empty()) {
    file.open(a.output, std::ios::binary);
    if (!file) return fail("cannot write " + a.output);
    out = &file;
  }
  PipelineOptions po;
  po.threads = a.threads;
  po.decode.carve = a.carve;
  po.decode.render_xml = a.format == "xml";
  po.source.tenant = a.tenant;
  po.source.tenant_dirs = a.tenant_dirs;
  Pipeline pipeline(po);
  const bool xml = a.format == "xml";
  auto t0 = std::chrono::steady_clock::now();
  PipelineProgress progress;
  ProgressBar bar(&progress, SourceWalker::disk_size(a.paths), a.quiet || !isatty(2) || (a.output.empty() && isatty(1)));
  PipelineResult r = pipeline.run(
      a.paths, [xml] { return std::make_unique<DumpStage>(xml); },
      [&](const EventBatch&, UnitOutput& o) { out->write(o.text.data(), std::streamsize(o.text.size())); }, nullptr,
      &progress);
  out->flush();
  bar.stop();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!a.quiet) {
    print_diagnostics(r.diagnostics, a.verbose);
    std::fprintf(stderr, "dump: %llu files read, %llu skipped, %llu records, %llu record errors, %.2f s (%.1f MB/s)\n",
                 (unsigned long long)r.files_read, (unsigned long long)r.files_skipped,
                 (unsigned long long)r.events, (unsigned long long)r.decode_errors, secs,
                 secs > 0 ? double(r.bytes) / 1e6 / secs : 0.0);
  }
  if (!*out) return fail("write error on " + (a.output.empty() ? std::string("standard output") : a.output));
  if (r.files_read == 0) return fail("nothing could be read from the paths given");
  return 0;
}

CommandRegistration reg(20, [](CLI::App& app) -> std::function<int()> {
  auto a = std::make_shared<DumpArgs>();
  auto* sub = app.add_subcommand("dump", "Print decoded records as JSON lines (or XML): EVTX, JSON logs, Zeek logs");
  sub->add_option("PATH", a->paths, "Files or folders (recursively; .zip/.gz/.zst are opened)")->required();
  sub->add_option("--format", a->format, "jsonl (default) or xml")->check(CLI::IsMember({"jsonl", "xml"}));
  sub->add_option("-o,--output", a->output, "Write to FILE instead of standard output");
  sub->add_option("-j,--threads", a->threads, "Worker threads (default: all cores)");
  sub->add_flag("--carve", a->carve, "EVTX: also recover stale records from chunk slack (marked \"recovered\")");
  sub->add_option("--tenant", a->tenant, "Tenant name to record on every event");
  sub->add_flag("--tenant-dirs", a->tenant_dirs, "The first folder level under each PATH names the tenant");
  sub->add_flag("-q,--quiet", a->quiet, "No summary or warnings on standard error");
  sub->add_flag("-v,--verbose", a->verbose, "Also list the files skipped because they are not logs");
  sub->footer(
      "Each JSON line: {\"timestamp\",\"source\":{\"path\",\"record_id\",\"offset\"},\"fields\":{...}}.\n"
      "Field names are the ones hunt and Sigma rules match on (EventID, Channel, CommandLine, id.orig_h, ...).\n"
      "Damaged records are counted and reported on stderr with file and offset; the rest is still decoded.");
  return [a] { return run_dump(*a); };
});

}  // namespace
}  // namespace trawl::cli

#include "analytics/net/net_run.h"

#include <algorithm>

#include "ingest/source.h"
#include "ingest/zeek/zeek_decoder.h"
#include "ingest/zeek/zeek_files.h"

namespace trawl {

namespace {

// The analyzer joins conn records to the http/ssl records of the same connection by uid; given those first, it
// joins at once instead of keeping conn records pending (bounded). So the inputs are read in passes by log
// type (from the file name): http/ssl/dns, then RITA's open_* logs, then conn and everything else.
int feed_pass(const std::string& name) {
  const std::string type = zeek_log_type_from_name(name);  // "conn.log.gz" is a conn log too
  if (type == "http" || type == "ssl" || type == "dns" || type == "open_http" || type == "open_ssl") return 0;
  if (type == "open_conn") return 1;
  return 2;
}
constexpr int kPasses = 3;

}  // namespace

Result<NetRunResult> run_net_analysis(const std::vector<std::string>& paths, const NetOptions& opt,
                                      const std::string& tenant) {
  NetRunResult r;
  NetAnalyzer an(opt);
  EventBatch batch;
  DecodeOptions dopt;
  size_t seen = 0, readable = 0;
  for (int pass = 0; pass < kPasses; ++pass) {
    SourceOptions so;
    so.tenant = tenant;
    so.accept = [pass](const std::string& display) {
      return !zeek_not_a_log_by_name(display) && feed_pass(display) == pass;
    };
    SourceWalker walker(so);
    walker.walk(paths, [&](InputFile&& in) {
      ++seen;
      ++readable;
      const std::string& path = in.info->path;
      in.info->zeek_log_type = zeek_log_type_from_name(path);
      auto dec = open_zeek(in.buffer, in.info, dopt);
      if (!dec.ok()) {
        ++r.files_skipped;
        std::string m = dec.status().message();
        if (m.rfind(path + ": ", 0) == 0) m = m.substr(path.size() + 2);
        r.diagnostics.push_back(Diagnostic{Severity::kWarning, path, 0, false, m});
        return;
      }
      ++r.files_read;
      r.bytes += in.buffer->size();
      for (const Diagnostic& d : dec.value()->file_diagnostics()) r.diagnostics.push_back(d);
      for (size_t u = 0; u < dec.value()->unit_count(); ++u) {
        dec.value()->decode_unit(u, batch);
        r.bad_records += batch.errors;
        for (auto& d : batch.diagnostics)
          if (r.diagnostics.size() < 1000) r.diagnostics.push_back(d);
        for (size_t i = 0; i < batch.count; ++i) an.add(batch.events[i]);
        r.events += batch.count;
        batch.clear();
        const auto span = dec.value()->unit_span(u);  // done with these pages of a mapped file
        if (span.second > span.first) in.buffer->release_pages(span.first, span.second - span.first);
      }
    });
    // The walker's own findings (missing paths, damaged archives, cut .gz streams), once whatever the pass.
    for (const Diagnostic& d : walker.diagnostics()) {
      const bool dup = std::any_of(r.diagnostics.begin(), r.diagnostics.end(), [&](const Diagnostic& x) {
        return x.path == d.path && x.message == d.message;
      });
      if (dup) continue;
      r.diagnostics.push_back(d);
      if (d.severity == Severity::kError) ++r.files_skipped;
    }
  }
  if (readable == 0) {
    if (seen == 0 && r.diagnostics.empty()) return Status::Error("no files found under the given paths");
    std::string why = r.diagnostics.empty() ? std::string("no file could be read") : r.diagnostics.front().to_string();
    return Status::Error("none of the files could be read (" + why + ")");
  }
  r.stats = an.stats();
  r.findings = an.finish();
  return r;
}

}  // namespace trawl

#include "analytics/net/net_run.h"

#include <algorithm>

#include "ingest/zeek/zeek_decoder.h"
#include "ingest/zeek/zeek_files.h"

namespace trawl {

namespace {
int feed_order(const std::string& type) {
  if (type == "http" || type == "ssl" || type == "dns") return 0;
  if (type == "open_http" || type == "open_ssl") return 1;
  if (type == "open_conn") return 2;
  if (type == "conn") return 3;
  return 4;
}
}  // namespace

Result<NetRunResult> run_net_analysis(const std::vector<std::string>& paths, const NetOptions& opt,
                                      const std::string& tenant) {
  NetRunResult r;
  std::vector<std::string> files = list_zeek_files(paths);
  if (files.empty()) return Status::Error("no files found under the given paths");
  std::stable_sort(files.begin(), files.end(), [](const std::string& a, const std::string& b) {
    return feed_order(zeek_log_type_from_name(a)) < feed_order(zeek_log_type_from_name(b));
  });
  NetAnalyzer an(opt);
  EventBatch batch;
  DecodeOptions dopt;
  size_t readable = 0;
  for (const std::string& path : files) {
    bool cut = false;
    auto buf = read_zeek_file(path, size_t(16) << 30, &cut);
    if (!buf.ok()) {
      ++r.files_skipped;
      r.diagnostics.push_back(Diagnostic{Severity::kError, path, 0, false, buf.status().message()});
      continue;
    }
    ++readable;
    if (cut) r.diagnostics.push_back(Diagnostic{Severity::kWarning, path, 0, false, "gzip stream is cut short"});
    auto info = std::make_shared<FileInfo>();
    info->path = path;
    info->tenant = tenant;
    info->zeek_log_type = zeek_log_type_from_name(path);
    auto dec = open_zeek(buf.value(), info, dopt);
    if (!dec.ok()) {
      ++r.files_skipped;
      std::string m = dec.status().message();
      if (m.rfind(path + ": ", 0) == 0) m = m.substr(path.size() + 2);
      r.diagnostics.push_back(Diagnostic{Severity::kWarning, path, 0, false, m});
      continue;
    }
    ++r.files_read;
    r.bytes += buf.value()->size();
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
      if (span.second > span.first) buf.value()->release_pages(span.first, span.second - span.first);
    }
  }
  if (readable == 0) return Status::Error("none of the " + std::to_string(files.size()) + " file(s) could be read");
  r.stats = an.stats();
  r.findings = an.finish();
  return r;
}

}  // namespace trawl

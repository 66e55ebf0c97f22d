#include "engine/event_files.h"

#include <memory>

#include "core/buffer.h"
#include "ingest/evtx/evtx_decoder.h"
#include "ingest/json/json_decoder.h"

namespace trawl {

Status for_each_event_in_file(const std::string& path, const std::function<void(const Event&)>& fn,
                              std::vector<Diagnostic>* diags) {
  auto buf = Buffer::map_file(path);
  if (!buf.ok()) return buf.status();
  auto info = std::make_shared<FileInfo>();
  info->path = path;
  std::string_view head = buf.value()->view().substr(0, 64);
  Result<std::unique_ptr<Decoder>> dec = Status::Error(path + ": neither EVTX nor JSON");
  if (looks_like_evtx(head)) {
    info->format = InputFormat::kEvtx;
    dec = open_evtx(buf.value(), info, DecodeOptions{});
  } else if (looks_like_json(head)) {
    info->format = InputFormat::kJsonLog;
    dec = open_json_log(buf.value(), info, DecodeOptions{});
  }
  if (!dec.ok()) return dec.status();
  Decoder& d = *dec.value();
  if (diags) diags->insert(diags->end(), d.file_diagnostics().begin(), d.file_diagnostics().end());
  EventBatch batch;
  for (size_t u = 0; u < d.unit_count(); ++u) {
    d.decode_unit(u, batch);
    if (diags) diags->insert(diags->end(), batch.diagnostics.begin(), batch.diagnostics.end());
    for (size_t i = 0; i < batch.count; ++i) fn(batch.events[i]);
  }
  return Status();
}

}  // namespace trawl

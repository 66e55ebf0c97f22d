#include "ingest/detect.h"

#include <filesystem>

#include "ingest/evtx/evtx_decoder.h"
#include "ingest/json/json_decoder.h"
#include "ingest/zeek/zeek_decoder.h"

namespace trawl {

InputFormat sniff_format(std::string_view head) {
  if (looks_like_evtx(head)) return InputFormat::kEvtx;
  InputFormat zf = InputFormat::kUnknown;
  if (looks_like_zeek(head, &zf)) return zf;
  if (looks_like_json(head)) return InputFormat::kJsonLog;
  return InputFormat::kUnknown;
}

static std::string zeek_type_from_name(const std::string& display) {
  std::string base = std::filesystem::path(display.substr(display.rfind('!') == std::string::npos
                                                              ? 0
                                                              : display.rfind('!') + 1))
                         .filename()
                         .string();
  size_t cut = base.find_first_of("._");
  return cut == std::string::npos ? base : base.substr(0, cut);
}

Result<std::unique_ptr<Decoder>> open_decoder(std::shared_ptr<const Buffer> buf, std::shared_ptr<FileInfo> info,
                                              const DecodeOptions& opt) {
  // Enough of the head for a Zeek JSON first object or a JSON log's first line.
  std::string_view head = buf->view().substr(0, 64 * 1024);
  InputFormat f = sniff_format(head);
  info->format = f;
  switch (f) {
    case InputFormat::kEvtx:
      return open_evtx(std::move(buf), std::move(info), opt);
    case InputFormat::kZeekTsv:
    case InputFormat::kZeekJson:
      if (info->zeek_log_type.empty()) info->zeek_log_type = zeek_type_from_name(info->path);
      return open_zeek(std::move(buf), std::move(info), opt);
    case InputFormat::kJsonLog:
      return open_json_log(std::move(buf), std::move(info), opt);
    case InputFormat::kUnknown:
      break;
  }
  if (buf->size() == 0) return Status::Error(info->path + ": empty file");
  return Status::Error(info->path + ": not a supported log (not EVTX, not a Zeek log, not JSON)");
}

}  // namespace trawl

// Format detection by content (not by name: file names lie): EVTX magic, Zeek TSV header, Zeek JSON keys,
// JSON logs. open_decoder() picks the decoder for a file and opens it; a file no decoder accepts gets an error
// Status with a one-line reason (the caller warns and skips it).
#pragma once

#include <memory>
#include <string_view>

#include "ingest/decoder.h"

namespace trawl {

InputFormat sniff_format(std::string_view head);
// Sets info->format (and a guess of info->zeek_log_type from the file name), then opens the right decoder.
Result<std::unique_ptr<Decoder>> open_decoder(std::shared_ptr<const Buffer> buf, std::shared_ptr<FileInfo> info,
                                              const DecodeOptions& opt);

}  // namespace trawl

// Finding and reading Zeek log files for `trawl net`, its tests and benchmarks: folders walked recursively,
// `.gz` files inflated (ingest/source.h's gunzip, read up to a cut), log types guessed from file names ("conn.log", "NASHUA_conn.log",
// "conn.15:00:00-16:00:00.log.gz", "open_conn.log"). `trawl net` reads through the shared SourceWalker; the
// file helpers here serve the tests and benchmarks that read one Zeek file at a time. Pure functions, thread-safe.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/buffer.h"
#include "core/status.h"

namespace trawl {

// Maps a plain file, or inflates a gzip file (detected by its magic bytes) into an owned buffer.
// Refuses to inflate beyond max_bytes (a gzip bomb is an error, not an out-of-memory crash); a gzip stream
// that is cut short yields what could be inflated plus *truncated = true.
Result<std::shared_ptr<const Buffer>> read_zeek_file(const std::string& path, size_t max_bytes = size_t(16) << 30,
                                                     bool* truncated = nullptr);

// True for names that say a file is documentation or data of another kind (README, LICENSE, *.md, *.yaml,
// *.pcap, ...), found while walking a folder of logs. `name` may be a path or an archive member ("a.zip!x.md").
bool zeek_not_a_log_by_name(std::string_view name);

// Every regular file under the paths (folders recursively, sorted by path within each folder). Files whose
// names say they are not logs (README, *.md, *.yaml, *.zip) are left out; content decides for the rest.
std::vector<std::string> list_zeek_files(const std::vector<std::string>& paths);

// "conn" for conn.log / NASHUA_conn.log / conn.15:00:00-16:00:00.log.gz; "open_conn" for open_conn.log. Empty
// when the name gives no hint.
std::string zeek_log_type_from_name(std::string_view path);

}  // namespace trawl

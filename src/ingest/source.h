// Source: walks the paths a user gives (files, folders recursively, and the members of .zip/.gz/.zst/.tar
// archives, nested up to a limit) and yields each input file as an immutable Buffer plus a FileInfo naming it
// ("evidence/acme.zip!ws01/Security.evtx") and its tenant. Order is deterministic (sorted names).
// Damaged archives, unreadable files and decompression bombs are reported as Diagnostics; the walk goes on.
// Not thread-safe: one walker per pipeline, used from one thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/buffer.h"
#include "core/diagnostic.h"
#include "core/event.h"

namespace trawl {

struct SourceOptions {
  std::string tenant;          // --tenant NAME: every file belongs to this tenant
  bool tenant_dirs = false;    // --tenant-dirs: the first folder level under each PATH names the tenant
  uint64_t max_unpacked_bytes = 8ULL << 30;  // per archive member / decompressed file (bomb guard)
  int max_nesting = 4;         // archives inside archives
  // When set, a file (or archive member) whose display name it refuses is skipped before it is read or
  // decompressed, silently. Archives are always opened; the test applies to their members.
  std::function<bool(const std::string& display)> accept;
};

struct InputFile {
  std::shared_ptr<const Buffer> buffer;
  std::shared_ptr<FileInfo> info;
  uint64_t disk_bytes = 0;     // bytes read from disk for it (compressed size for archive members)
  bool named_by_user = false;  // the user named this very file (not found by walking a folder or archive)
};

class SourceWalker {
 public:
  explicit SourceWalker(SourceOptions opt) : opt_(std::move(opt)) {}
  // Calls `fn` for each file under `paths`, in order. Returns false if a path given does not exist.
  void walk(const std::vector<std::string>& paths, const std::function<void(InputFile&&)>& fn);
  // Total size on disk of the regular files under `paths` (for progress), without opening archives.
  static uint64_t disk_size(const std::vector<std::string>& paths);
  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }
  uint64_t files_failed() const { return files_failed_; }

 private:
  void visit_file(const std::string& real_path, const std::string& display, const std::string& tenant,
                  bool named, const std::function<void(InputFile&&)>& fn);
  void visit_buffer(std::shared_ptr<const Buffer> buf, const std::string& display, const std::string& tenant,
                    uint64_t disk_bytes, int depth, bool named, const std::function<void(InputFile&&)>& fn);
  void report(const std::string& path, uint64_t offset, std::string message, Severity s = Severity::kError);

  SourceOptions opt_;
  std::vector<Diagnostic> diagnostics_;
  uint64_t files_failed_ = 0;
};

// Compression/archive kind of a buffer by its magic bytes.
enum class PackKind { kNone, kGzip, kZstd, kZip, kTar, kOther7z };
PackKind sniff_pack(std::string_view head);

// Decompresses a whole gzip (multi-member) or zstd stream, up to `limit` bytes (beyond: an error, a bomb).
// A stream that is cut short or damaged part-way is an error when `cut` is null; otherwise what could be
// decompressed before the damage is returned and *cut says why it stops early (empty: the stream is whole).
Result<std::string> gunzip(std::string_view in, uint64_t limit, std::string* cut = nullptr);
Result<std::string> unzstd(std::string_view in, uint64_t limit, std::string* cut = nullptr);

}  // namespace trawl

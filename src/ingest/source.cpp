#include "ingest/source.h"

#include <archive.h>
#include <archive_entry.h>
#include <fmt/format.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>

#include "core/text.h"

namespace trawl {

namespace fs = std::filesystem;

PackKind sniff_pack(std::string_view h) {
  if (h.size() >= 2 && uint8_t(h[0]) == 0x1f && uint8_t(h[1]) == 0x8b) return PackKind::kGzip;
  if (h.size() >= 4 && std::memcmp(h.data(), "\x28\xb5\x2f\xfd", 4) == 0) return PackKind::kZstd;
  if (h.size() >= 4 && (std::memcmp(h.data(), "PK\x03\x04", 4) == 0 || std::memcmp(h.data(), "PK\x05\x06", 4) == 0))
    return PackKind::kZip;
  if (h.size() >= 262 && std::memcmp(h.data() + 257, "ustar", 5) == 0) return PackKind::kTar;
  if (h.size() >= 6 && std::memcmp(h.data(), "7z\xBC\xAF\x27\x1C", 6) == 0) return PackKind::kOther7z;
  return PackKind::kNone;
}

Result<std::string> gunzip(std::string_view in, uint64_t limit, std::string* cut) {
  if (cut) cut->clear();
  std::string out;
  z_stream zs;
  std::memset(&zs, 0, sizeof zs);
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) return Status::Error("zlib init failed");
  const Bytef* base = reinterpret_cast<const Bytef*>(in.data());
  auto used = [&] { return size_t(zs.next_in - base); };
  zs.next_in = const_cast<Bytef*>(base);
  zs.avail_in = uInt(std::min<size_t>(in.size(), UINT32_MAX));
  char buf[1 << 16];
  for (;;) {
    if (zs.avail_in == 0 && used() < in.size()) zs.avail_in = uInt(std::min<size_t>(in.size() - used(), UINT32_MAX));
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    int rc = inflate(&zs, Z_NO_FLUSH);
    out.append(buf, sizeof buf - zs.avail_out);
    if (out.size() > limit) {
      inflateEnd(&zs);
      return Status::Error(fmt::format("decompressed size exceeds the limit of {} bytes", limit));
    }
    if (rc == Z_STREAM_END) {
      // Another gzip member may follow (concatenated .gz files); trailing zero padding is ignored.
      if (used() >= in.size() || uint8_t(in[used()]) != 0x1f) break;
      inflateReset(&zs);
      continue;
    }
    if (rc == Z_BUF_ERROR && zs.avail_in == 0 && used() >= in.size()) {
      inflateEnd(&zs);
      std::string why = fmt::format("truncated gzip stream after {} decompressed bytes", out.size());
      if (!cut) return Status::Error(why);
      *cut = std::move(why);
      return out;
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      std::string why = fmt::format("corrupt gzip data at compressed offset {:#x}: {}", used(),
                                    zs.msg ? zs.msg : "inflate error");
      inflateEnd(&zs);
      if (!cut || out.empty()) return Status::Error(why);
      *cut = why + fmt::format(" (after {} decompressed bytes)", out.size());
      return out;
    }
  }
  inflateEnd(&zs);
  return out;
}

Result<std::string> unzstd(std::string_view in, uint64_t limit, std::string* cut) {
  if (cut) cut->clear();
  std::string out;
  ZSTD_DStream* ds = ZSTD_createDStream();
  if (!ds) return Status::Error("zstd init failed");
  ZSTD_inBuffer ib{in.data(), in.size(), 0};
  std::string buf(ZSTD_DStreamOutSize(), '\0');
  size_t pending = 1;  // 0 once a frame is complete and fully flushed
  for (;;) {
    ZSTD_outBuffer ob{buf.data(), buf.size(), 0};
    size_t ret = ZSTD_decompressStream(ds, &ob, &ib);
    if (ZSTD_isError(ret)) {
      ZSTD_freeDStream(ds);
      std::string why =
          fmt::format("corrupt zstd data at compressed offset {:#x}: {}", ib.pos, ZSTD_getErrorName(ret));
      if (!cut || out.empty()) return Status::Error(why);
      *cut = why + fmt::format(" (after {} decompressed bytes)", out.size());
      return out;
    }
    out.append(buf.data(), ob.pos);
    if (out.size() > limit) {
      ZSTD_freeDStream(ds);
      return Status::Error(fmt::format("decompressed size exceeds the limit of {} bytes", limit));
    }
    pending = ret;
    if (ret == 0 && ib.pos == ib.size) break;            // last frame done
    if (ib.pos == ib.size && ob.pos < ob.size) break;    // wants input that is not there
  }
  ZSTD_freeDStream(ds);
  if (pending != 0) {
    std::string why = fmt::format("truncated zstd stream after {} decompressed bytes", out.size());
    if (!cut) return Status::Error(why);
    *cut = std::move(why);
  }
  return out;
}

void SourceWalker::report(const std::string& path, uint64_t offset, std::string message, Severity s) {
  diagnostics_.push_back(Diagnostic{s, path, offset, false, std::move(message)});
}

static std::string strip_pack_suffix(const std::string& name) {
  for (const char* sfx : {".gz", ".zst", ".zstd"})
    if (iends_with(name, sfx)) return name.substr(0, name.size() - std::strlen(sfx));
  return name;
}

void SourceWalker::visit_buffer(std::shared_ptr<const Buffer> buf, const std::string& display,
                                const std::string& tenant, uint64_t disk_bytes, int depth, bool named,
                                const std::function<void(InputFile&&)>& fn) {
  PackKind kind = sniff_pack(buf->view().substr(0, 512));
  if (kind != PackKind::kNone && depth >= opt_.max_nesting) {
    report(display, 0, fmt::format("archives nested deeper than {} levels; skipped", opt_.max_nesting));
    ++files_failed_;
    return;
  }
  if (kind == PackKind::kGzip || kind == PackKind::kZstd) {
    std::string cut;
    Result<std::string> r = kind == PackKind::kGzip ? gunzip(buf->view(), opt_.max_unpacked_bytes, &cut)
                                                     : unzstd(buf->view(), opt_.max_unpacked_bytes, &cut);
    if (!r.ok()) {
      report(display, 0, r.status().message());
      ++files_failed_;
      return;
    }
    // A cut or damaged stream: what came before the damage is read (nothing is lost that could be had).
    if (!cut.empty()) report(display, 0, cut + "; reading what came before it", Severity::kWarning);
    // The inner name drops the compression suffix ("conn.log.gz" is a conn.log).
    visit_buffer(Buffer::from_string(std::move(r.value())), strip_pack_suffix(display), tenant, disk_bytes,
                 depth + 1, named, fn);
    return;
  }
  if (kind == PackKind::kZip || kind == PackKind::kTar || kind == PackKind::kOther7z) {
    struct archive* a = archive_read_new();
    archive_read_support_format_all(a);
    archive_read_support_filter_all(a);
    if (archive_read_open_memory(a, buf->data(), buf->size()) != ARCHIVE_OK) {
      report(display, 0, std::string("cannot open archive: ") + archive_error_string(a));
      archive_read_free(a);
      ++files_failed_;
      return;
    }
    struct Member {
      std::string name;
      std::string bytes;
      uint64_t packed;
    };
    std::vector<Member> members;
    struct archive_entry* entry;
    int rc;
    uint64_t index = 0;
    while ((rc = archive_read_next_header(a, &entry)) == ARCHIVE_OK || rc == ARCHIVE_WARN) {
      ++index;
      if (archive_entry_filetype(entry) != AE_IFREG) continue;
      const char* pn = archive_entry_pathname(entry);
      std::string name = pn ? pn : fmt::format("member{}", index);
      std::string bytes;
      char chunk[1 << 16];
      la_ssize_t n;
      bool failed = false;
      while ((n = archive_read_data(a, chunk, sizeof chunk)) > 0) {
        bytes.append(chunk, size_t(n));
        if (bytes.size() > opt_.max_unpacked_bytes) {
          report(display + "!" + name, 0, fmt::format("member exceeds the unpack limit of {} bytes; skipped",
                                                      opt_.max_unpacked_bytes));
          failed = true;
          break;
        }
      }
      if (n < 0) {
        report(display + "!" + name, 0, std::string("damaged archive member: ") + archive_error_string(a));
        failed = true;
      }
      if (failed) {
        ++files_failed_;
        if (n < 0 && archive_errno(a) != 0 && rc == ARCHIVE_FATAL) break;
        continue;
      }
      int64_t packed = archive_entry_size_is_set(entry) ? archive_entry_size(entry) : int64_t(bytes.size());
      members.push_back(Member{std::move(name), std::move(bytes), uint64_t(packed)});
    }
    if (rc != ARCHIVE_EOF && rc != ARCHIVE_OK && rc != ARCHIVE_WARN) {
      report(display, 0, std::string("damaged archive, stopped reading it: ") +
                             (archive_error_string(a) ? archive_error_string(a) : "unknown error"));
      ++files_failed_;
    }
    archive_read_free(a);
    std::sort(members.begin(), members.end(), [](const Member& x, const Member& y) { return x.name < y.name; });
    for (Member& m : members) {
      std::string member_tenant = tenant;
      visit_buffer(Buffer::from_string(std::move(m.bytes)), display + "!" + m.name, member_tenant,
                   disk_bytes ? 0 : m.packed, depth + 1, false, fn);
      disk_bytes = 0;  // count the archive's own size once
    }
    return;
  }
  if (opt_.accept && depth > 0 && !opt_.accept(display)) return;  // an archive member (or a decompressed name)
  InputFile f;
  f.buffer = std::move(buf);
  f.info = std::make_shared<FileInfo>();
  f.info->path = display;
  f.info->tenant = tenant;
  f.disk_bytes = disk_bytes;
  f.named_by_user = named;
  fn(std::move(f));
}

// Walks `root` recursively, following links to folders, calling on_file for each regular file. A folder whose
// real location is already on the path being walked (a link loop) is not entered; on_loop is told.
template <class OnFile, class OnLoop>
static std::error_code walk_tree(const fs::path& root, OnFile on_file, OnLoop on_loop) {
  std::error_code ec;
  std::vector<std::string> stack{fs::weakly_canonical(root, ec).string()};  // real paths of the open folders
  for (auto it = fs::recursive_directory_iterator(
           root, fs::directory_options::skip_permission_denied | fs::directory_options::follow_directory_symlink, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code ec2;
    stack.resize(size_t(it.depth()) + 1);  // the entry's folder is stack.back()
    if (it->is_directory(ec2)) {
      const std::string real = fs::weakly_canonical(it->path(), ec2).string();
      if (std::find(stack.begin(), stack.end(), real) != stack.end()) {
        it.disable_recursion_pending();
        on_loop(it->path());
      } else {
        stack.push_back(real);
      }
      continue;
    }
    if (it->is_regular_file(ec2)) on_file(*it);
  }
  return ec;
}

static bool archive_name(const std::string& name) {
  for (const char* sfx : {".zip", ".tar", ".tgz", ".tar.gz", ".tar.zst", ".7z"})
    if (iends_with(name, sfx)) return true;
  return false;
}

void SourceWalker::visit_file(const std::string& real_path, const std::string& display, const std::string& tenant,
                              bool named, const std::function<void(InputFile&&)>& fn) {
  if (opt_.accept && !archive_name(display) && !opt_.accept(display)) return;
  auto r = Buffer::map_file(real_path);
  if (!r.ok()) {
    report(display, 0, r.status().message());
    ++files_failed_;
    return;
  }
  uint64_t size = r.value()->size();
  visit_buffer(std::move(r.value()), display, tenant, size, 0, named, fn);
}

void SourceWalker::walk(const std::vector<std::string>& paths, const std::function<void(InputFile&&)>& fn) {
  for (const std::string& root : paths) {
    std::error_code ec;
    fs::file_status st = fs::status(root, ec);
    if (ec || !fs::exists(st)) {
      report(root, 0, "no such file or directory");
      ++files_failed_;
      continue;
    }
    if (!fs::is_directory(st)) {
      visit_file(root, root, opt_.tenant, true, fn);
      continue;
    }
    std::vector<fs::path> files;
    // Symbolic links to folders are followed (evidence trees are often assembled with them); a link loop is
    // reported and not entered.
    ec = walk_tree(
        root, [&](const fs::directory_entry& e) { files.push_back(e.path()); },
        [&](const fs::path& p) {
          report(p.string(), 0, "link back to a folder being walked (a loop); skipped", Severity::kInfo);
        });
    if (ec) report(root, 0, "cannot list folder: " + ec.message(), Severity::kWarning);
    std::sort(files.begin(), files.end());
    for (const fs::path& p : files) {
      std::string tenant = opt_.tenant;
      fs::path rel = p.lexically_relative(root);
      if (opt_.tenant_dirs) {
        auto first = rel.begin();
        if (first != rel.end() && std::next(first) != rel.end()) tenant = first->string();
      }
      visit_file(p.string(), p.string(), tenant, false, fn);
    }
  }
}

uint64_t SourceWalker::disk_size(const std::vector<std::string>& paths) {
  uint64_t total = 0;
  for (const std::string& root : paths) {
    std::error_code ec;
    if (fs::is_regular_file(root, ec)) {
      total += fs::file_size(root, ec);
      continue;
    }
    if (!fs::is_directory(root, ec)) continue;
    walk_tree(
        root,
        [&](const fs::directory_entry& e) {
          std::error_code ec2;
          total += e.file_size(ec2);
        },
        [](const fs::path&) {});
  }
  return total;
}

}  // namespace trawl

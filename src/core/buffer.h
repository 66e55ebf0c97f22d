// Buffer: the bytes of one input file, memory-mapped when it is a plain file, owned when it was decompressed
// or extracted from an archive. Immutable once made and shared (shared_ptr) by every unit decoded from it, so
// decoders can hand out zero-copy views. Always followed by at least kBufferPadding readable zero bytes
// (simdjson-style padding) when owned; mapped files are read through bounds-checked cursors only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"

namespace trawl {

constexpr size_t kBufferPadding = 64;

class Buffer {
 public:
  ~Buffer();
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;

  // Maps `path` read-only. Empty files give an empty buffer.
  static Result<std::shared_ptr<const Buffer>> map_file(const std::string& path);
  // Takes ownership of bytes (e.g. a decompressed stream).
  static std::shared_ptr<const Buffer> from_string(std::string bytes);

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  std::string_view view() const { return std::string_view(reinterpret_cast<const char*>(data_), size_); }

  // Tells the kernel that the bytes [offset, offset + len) of a mapped file are not needed for now: the whole
  // pages inside the range leave this process's resident set (a later read faults them in again from the
  // file, with the same contents). Keeps the peak memory of one pass over a file far larger than RAM small.
  // No effect on owned buffers. Never changes what data() shows.
  void release_pages(size_t offset, size_t len) const;

 private:
  Buffer() = default;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  void* map_ = nullptr;  // non-null when mmapped
  size_t map_len_ = 0;
  std::string owned_;
};

}  // namespace trawl

// Arena: bump allocator for the strings of a batch of events. Memory is kept across reset() so that a batch
// reused for the next unit of work allocates nothing in the steady state. Not thread-safe: one per batch.
#pragma once

#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

namespace trawl {

class Arena {
 public:
  explicit Arena(size_t block_size = 64 * 1024) : block_size_(block_size) {}
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;
  Arena(Arena&&) = default;
  Arena& operator=(Arena&&) = default;

  char* allocate(size_t n) {
    if (n > remaining_) grow(n);
    char* p = cur_;
    cur_ += n;
    remaining_ -= n;
    return p;
  }
  std::string_view copy(std::string_view s) {
    if (s.empty()) return std::string_view();
    char* p = allocate(s.size());
    std::memcpy(p, s.data(), s.size());
    return std::string_view(p, s.size());
  }
  // Forgets every allocation; keeps the first block (and any large ones) for reuse.
  void reset();
  size_t bytes_reserved() const;

 private:
  void grow(size_t n);
  struct Block {
    std::unique_ptr<char[]> data;
    size_t size;
  };
  size_t block_size_;
  std::vector<Block> blocks_;
  size_t used_blocks_ = 0;
  char* cur_ = nullptr;
  size_t remaining_ = 0;
};

}  // namespace trawl

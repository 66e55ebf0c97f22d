#include "core/arena.h"

#include <algorithm>

namespace trawl {

void Arena::grow(size_t n) {
  // Reuse a kept block that is big enough, else allocate a new one.
  while (used_blocks_ < blocks_.size()) {
    Block& b = blocks_[used_blocks_++];
    if (b.size >= n) {
      cur_ = b.data.get();
      remaining_ = b.size;
      return;
    }
  }
  size_t size = std::max(block_size_, n);
  blocks_.push_back(Block{std::unique_ptr<char[]>(new char[size]), size});
  used_blocks_ = blocks_.size();
  cur_ = blocks_.back().data.get();
  remaining_ = size;
}

void Arena::reset() {
  // Drop oversized blocks beyond the first few so one huge record does not pin memory forever.
  if (blocks_.size() > 8) blocks_.resize(8);
  used_blocks_ = 0;
  cur_ = nullptr;
  remaining_ = 0;
}

size_t Arena::bytes_reserved() const {
  size_t total = 0;
  for (auto& b : blocks_) total += b.size;
  return total;
}

}  // namespace trawl

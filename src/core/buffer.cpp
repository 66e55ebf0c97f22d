#include "core/buffer.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace trawl {

Buffer::~Buffer() {
  if (map_) munmap(map_, map_len_);
}

Result<std::shared_ptr<const Buffer>> Buffer::map_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::Error(path + ": cannot open: " + std::strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int e = errno;
    ::close(fd);
    return Status::Error(path + ": cannot stat: " + std::strerror(e));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::Error(path + ": not a regular file");
  }
  std::shared_ptr<Buffer> b(new Buffer());
  if (st.st_size > 0) {
    void* m = mmap(nullptr, size_t(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
    if (m == MAP_FAILED) {
      int e = errno;
      ::close(fd);
      return Status::Error(path + ": cannot map: " + std::strerror(e));
    }
    madvise(m, size_t(st.st_size), MADV_SEQUENTIAL);
    b->map_ = m;
    b->map_len_ = size_t(st.st_size);
    b->data_ = static_cast<const uint8_t*>(m);
    b->size_ = size_t(st.st_size);
  }
  ::close(fd);
  return std::shared_ptr<const Buffer>(std::move(b));
}

void Buffer::release_pages(size_t offset, size_t len) const {
  if (!map_ || offset >= map_len_) return;
  len = std::min(len, map_len_ - offset);
  const size_t page = size_t(sysconf(_SC_PAGESIZE));
  const uintptr_t base = reinterpret_cast<uintptr_t>(map_);
  const uintptr_t lo = (base + offset + page - 1) / page * page;  // first whole page inside the range
  const uintptr_t hi = (base + offset + len) / page * page;        // end of the last whole page inside it
  if (hi > lo) madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_DONTNEED);
}

std::shared_ptr<const Buffer> Buffer::from_string(std::string bytes) {
  std::shared_ptr<Buffer> b(new Buffer());
  size_t n = bytes.size();
  b->owned_ = std::move(bytes);
  b->owned_.reserve(n + kBufferPadding);
  b->owned_.append(kBufferPadding, '\0');
  b->data_ = reinterpret_cast<const uint8_t*>(b->owned_.data());
  b->size_ = n;
  return b;
}

}  // namespace trawl

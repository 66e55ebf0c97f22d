#include "core/buffer.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

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

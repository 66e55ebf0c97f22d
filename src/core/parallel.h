// Runs fn(0) .. fn(n - 1) on up to `threads` threads (inline when one suffices); each index runs once, in no
// particular order across threads. For start-up work split into independent items (rule files, databases).
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

namespace trawl {

template <class F>
void parallel_for(size_t n, size_t threads, F&& fn) {
  threads = std::min(threads, n);
  if (threads <= 1) {
    for (size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  std::atomic<size_t> next{0};
  std::vector<std::thread> pool;
  for (size_t t = 0; t < threads; ++t)
    pool.emplace_back([&] {
      for (size_t i = next++; i < n; i = next++) fn(i);
    });
  for (auto& th : pool) th.join();
}

// The machine's cores (at least one).
inline size_t hardware_threads() { return std::max(1u, std::thread::hardware_concurrency()); }

}  // namespace trawl

// Terminal progress for long runs: one line on stderr, redrawn a few times a second (files, MB of total,
// events/s, detections, ETA), only when stderr is a terminal. Also prints the run's diagnostics at the end.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "core/diagnostic.h"
#include "hunt/pipeline.h"

namespace trawl::cli {

class ProgressBar {
 public:
  // Starts drawing unless `disabled`. total_bytes may be 0 (unknown: no percentage or ETA).
  ProgressBar(const PipelineProgress* progress, uint64_t total_bytes, bool disabled);
  ~ProgressBar();
  void stop();  // erases the line

 private:
  void loop();
  const PipelineProgress* progress_;
  uint64_t total_;
  bool active_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

// Prints warnings and errors to stderr (infos too when verbose), at most `limit` of them, then a count of
// the rest and of the files skipped quietly.
void print_diagnostics(const std::vector<Diagnostic>& diags, bool verbose = false, size_t limit = 20);

}  // namespace trawl::cli

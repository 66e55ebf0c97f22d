#include "cli/progress.h"

#include <chrono>
#include <cstdio>

namespace trawl::cli {

ProgressBar::ProgressBar(const PipelineProgress* progress, uint64_t total_bytes, bool disabled)
    : progress_(progress), total_(total_bytes), active_(!disabled && progress) {
  if (active_) thread_ = std::thread([this] { loop(); });
}

ProgressBar::~ProgressBar() { stop(); }

void ProgressBar::stop() {
  if (!active_) return;
  {
    std::lock_guard<std::mutex> lk(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::fprintf(stderr, "\r\033[K");
  std::fflush(stderr);
  active_ = false;
}

void ProgressBar::loop() {
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  std::unique_lock<std::mutex> lk(mu_);
  while (!cv_.wait_for(lk, std::chrono::milliseconds(250), [this] { return stopping_; })) {
    double secs = std::chrono::duration<double>(clock::now() - t0).count();
    uint64_t bytes = progress_->bytes_done.load();
    uint64_t events = progress_->events.load();
    char eta[32] = "";
    char pct[16] = "";
    if (total_ > 0 && bytes > 0 && bytes <= total_) {
      double rest = secs * double(total_ - bytes) / double(bytes);
      std::snprintf(eta, sizeof eta, " | ETA %d:%02d", int(rest) / 60, int(rest) % 60);
      std::snprintf(pct, sizeof pct, " (%.0f%%)", 100.0 * double(bytes) / double(total_));
    }
    std::fprintf(stderr, "\r\033[K%llu files | %.0f/%.0f MB%s | %.0f events/s | %llu detections%s",
                 (unsigned long long)progress_->files.load(), double(bytes) / 1e6, double(total_) / 1e6, pct,
                 secs > 0 ? double(events) / secs : 0.0, (unsigned long long)progress_->detections.load(), eta);
    std::fflush(stderr);
  }
}

void print_diagnostics(const std::vector<Diagnostic>& diags, bool verbose, size_t limit) {
  size_t shown = 0, more = 0, quiet = 0;
  for (const Diagnostic& d : diags) {
    if (d.severity == Severity::kInfo && !verbose) {
      ++quiet;
      continue;
    }
    if (shown == limit) {
      ++more;
      continue;
    }
    std::fprintf(stderr, "%s: %s\n", severity_name(d.severity), d.to_string().c_str());
    ++shown;
  }
  if (more) std::fprintf(stderr, "... and %zu more problems\n", more);
  if (quiet) std::fprintf(stderr, "note: %zu files in the folders given are not logs and were skipped (-v lists them)\n", quiet);
}

}  // namespace trawl::cli

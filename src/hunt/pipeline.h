// Pipeline: the one streaming engine every face reuses (hunt, dump, rules test, net). A producer thread walks
// the sources and opens a decoder per file; worker threads decode units (EVTX chunks, blocks of lines) and run
// a per-thread Stage on each batch (matching, rendering); one consumer receives the results strictly in input
// order, so output is identical whatever the thread count. At most `window` units are in flight, which bounds
// memory whatever the input size (files are mapped, not read; archive members are unpacked one at a time).
//
// Thread-safety: Stage objects are per worker thread (no locks on the hot path); the consumer callback runs on
// the calling thread of run() only.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/detection.h"
#include "core/diagnostic.h"
#include "ingest/decoder.h"
#include "ingest/source.h"

namespace trawl {

// What a worker made of one unit, handed to the consumer with the batch.
struct UnitOutput {
  std::string text;                    // rendered output (dump)
  std::vector<Detection> detections;   // detections found in the unit, in event order
  std::vector<uint32_t> marks;         // stage-defined per-unit data (e.g. indexes of events to keep)
  std::vector<uint8_t> detection_flags;  // stage-defined, parallel to detections (e.g. "not to be emitted")
  void clear() {
    text.clear();
    detections.clear();
    marks.clear();
    detection_flags.clear();
  }
};

class Stage {
 public:
  virtual ~Stage() = default;
  virtual void process(const EventBatch& batch, UnitOutput& out) = 0;
};

struct PipelineOptions {
  int threads = 0;              // 0: all cores
  size_t window = 0;            // units in flight; 0: 4 per thread
  DecodeOptions decode;
  SourceOptions source;
};

// Live counters for a progress display (read from any thread).
struct PipelineProgress {
  std::atomic<uint64_t> files{0};
  std::atomic<uint64_t> bytes_done{0};      // input bytes decoded
  std::atomic<uint64_t> events{0};
  std::atomic<uint64_t> detections{0};
  std::atomic<uint64_t> decode_errors{0};
};

struct PipelineResult {
  uint64_t files_read = 0;       // files a decoder accepted
  uint64_t files_skipped = 0;    // not a supported format, unreadable, damaged archive member
  uint64_t bytes = 0;            // input bytes decoded
  uint64_t events = 0;
  uint64_t decode_errors = 0;    // records that could not be decoded
  std::vector<Diagnostic> diagnostics;
};

class Pipeline {
 public:
  using StageFactory = std::function<std::unique_ptr<Stage>()>;
  // Called in input order on the run() thread. The batch and output are valid only during the call.
  using Consumer = std::function<void(const EventBatch& batch, UnitOutput& out)>;
  // Called when a file has been opened (format known) or rejected (status not ok), in input order.
  using FileObserver = std::function<void(const FileInfo& info, const Status& opened)>;

  explicit Pipeline(PipelineOptions opt) : opt_(std::move(opt)) {}
  PipelineResult run(const std::vector<std::string>& paths, const StageFactory& make_stage, const Consumer& consume,
                     const FileObserver& on_file = nullptr, PipelineProgress* progress = nullptr);

 private:
  PipelineOptions opt_;
};

int resolve_threads(int requested);

}  // namespace trawl

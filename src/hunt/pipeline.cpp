#include "hunt/pipeline.h"

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "ingest/detect.h"

namespace trawl {

int resolve_threads(int requested) {
  if (requested > 0) return requested;
  unsigned hc = std::thread::hardware_concurrency();
  return hc ? int(hc) : 1;
}

namespace {

struct OpenFile {
  std::shared_ptr<FileInfo> info;
  std::shared_ptr<const Buffer> buffer;
  std::unique_ptr<Decoder> decoder;
};

struct Task {
  uint64_t seq;
  std::shared_ptr<OpenFile> file;
  size_t unit;
};

struct Done {
  std::unique_ptr<EventBatch> batch;
  std::unique_ptr<UnitOutput> out;
  // A file-level notice carried in order: set when this slot only reports a file open/reject.
  std::shared_ptr<FileInfo> file_notice;
  bool named_by_user = false;
  Status file_status;
  std::vector<Diagnostic> file_diagnostics;
  // The unit's file, so that the consumer can release the unit's pages once its events are consumed.
  std::shared_ptr<OpenFile> file;
  size_t unit = 0;
};

}  // namespace

PipelineResult Pipeline::run(const std::vector<std::string>& paths, const StageFactory& make_stage,
                             const Consumer& consume, const FileObserver& on_file, PipelineProgress* progress) {
  const int threads = resolve_threads(opt_.threads);
  const size_t window = opt_.window ? opt_.window : size_t(threads) * 4;
  PipelineResult result;

  std::mutex mu;
  std::condition_variable cv_task, cv_done, cv_space;
  std::deque<Task> tasks;
  std::map<uint64_t, Done> done;
  uint64_t next_seq = 0;       // next sequence number the producer hands out
  uint64_t consumed_seq = 0;   // next sequence number the consumer waits for
  bool producer_finished = false;
  std::vector<std::unique_ptr<EventBatch>> batch_pool;
  std::vector<std::unique_ptr<UnitOutput>> out_pool;

  // Producer: walk sources, open decoders, enqueue units within the window.
  std::thread producer([&] {
    SourceWalker walker(opt_.source);
    auto reserve_seq = [&]() -> uint64_t {
      std::unique_lock<std::mutex> lk(mu);
      cv_space.wait(lk, [&] { return next_seq - consumed_seq < window; });
      return next_seq++;
    };
    walker.walk(paths, [&](InputFile&& in) {
      auto of = std::make_shared<OpenFile>();
      of->info = in.info;
      of->buffer = in.buffer;
      auto r = open_decoder(in.buffer, in.info, opt_.decode);
      uint64_t notice_seq = reserve_seq();
      Done notice;
      notice.file_notice = in.info;
      notice.named_by_user = in.named_by_user;
      if (!r.ok()) {
        notice.file_status = r.status();
      } else {
        of->decoder = std::move(r.value());
        notice.file_diagnostics = of->decoder->file_diagnostics();
      }
      {
        std::lock_guard<std::mutex> lk(mu);
        done.emplace(notice_seq, std::move(notice));
      }
      cv_done.notify_one();
      if (!of->decoder) return;
      size_t units = of->decoder->unit_count();
      for (size_t u = 0; u < units; ++u) {
        uint64_t seq = reserve_seq();
        {
          std::lock_guard<std::mutex> lk(mu);
          tasks.push_back(Task{seq, of, u});
        }
        cv_task.notify_one();
      }
    });
    std::lock_guard<std::mutex> lk(mu);
    for (const Diagnostic& d : walker.diagnostics()) result.diagnostics.push_back(d);
    result.files_skipped += walker.files_failed();
    producer_finished = true;
    cv_task.notify_all();
    cv_done.notify_all();
  });

  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      std::unique_ptr<Stage> stage = make_stage ? make_stage() : nullptr;
      for (;;) {
        Task task;
        std::unique_ptr<EventBatch> batch;
        std::unique_ptr<UnitOutput> out;
        {
          std::unique_lock<std::mutex> lk(mu);
          cv_task.wait(lk, [&] { return !tasks.empty() || producer_finished; });
          if (tasks.empty()) return;
          task = std::move(tasks.front());
          tasks.pop_front();
          if (!batch_pool.empty()) {
            batch = std::move(batch_pool.back());
            batch_pool.pop_back();
          }
          if (!out_pool.empty()) {
            out = std::move(out_pool.back());
            out_pool.pop_back();
          }
        }
        if (!batch) batch = std::make_unique<EventBatch>();
        if (!out) out = std::make_unique<UnitOutput>();
        out->clear();
        task.file->decoder->decode_unit(task.unit, *batch);
        if (stage) stage->process(*batch, *out);
        if (progress) {
          progress->bytes_done += batch->bytes;
          progress->events += batch->count;
          progress->decode_errors += batch->errors;
        }
        {
          std::lock_guard<std::mutex> lk(mu);
          Done d;
          d.batch = std::move(batch);
          d.out = std::move(out);
          d.file = std::move(task.file);
          d.unit = task.unit;
          done.emplace(task.seq, std::move(d));
        }
        cv_done.notify_one();
      }
    });
  }

  // Consumer: this thread, strictly in sequence order.
  for (;;) {
    Done d;
    {
      std::unique_lock<std::mutex> lk(mu);
      cv_done.wait(lk, [&] {
        return done.count(consumed_seq) || (producer_finished && consumed_seq == next_seq);
      });
      auto it = done.find(consumed_seq);
      if (it == done.end()) break;
      d = std::move(it->second);
      done.erase(it);
    }
    if (d.file_notice) {
      if (d.file_status.ok()) {
        ++result.files_read;
        if (progress) ++progress->files;
        for (Diagnostic& diag : d.file_diagnostics) result.diagnostics.push_back(std::move(diag));
      } else {
        ++result.files_skipped;
        // Decoders' messages may start with the path: the diagnostic carries it already.
        std::string why = d.file_status.message();
        const std::string& path = d.file_notice->path;
        if (why.compare(0, path.size() + 2, path + ": ") == 0) why.erase(0, path.size() + 2);
        // A file the user named is worth a warning; a README met while walking a folder is only noted.
        result.diagnostics.push_back(Diagnostic{d.named_by_user ? Severity::kWarning : Severity::kInfo, path, 0,
                                                false, "skipped: " + why});
      }
      if (on_file) on_file(*d.file_notice, d.file_status);
    } else {
      EventBatch& b = *d.batch;
      result.bytes += b.bytes;
      result.events += b.count;
      result.decode_errors += b.errors;
      for (Diagnostic& diag : b.diagnostics) result.diagnostics.push_back(std::move(diag));
      b.diagnostics.clear();
      if (consume) consume(b, *d.out);
      b.clear();
      if (d.file && d.file->buffer) {
        // Done with the unit's events: its pages of a mapped file may leave the resident set (large inputs).
        const auto span = d.file->decoder->unit_span(d.unit);
        if (span.second > span.first) d.file->buffer->release_pages(span.first, span.second - span.first);
      }
      std::lock_guard<std::mutex> lk(mu);
      batch_pool.push_back(std::move(d.batch));
      out_pool.push_back(std::move(d.out));
    }
    {
      std::lock_guard<std::mutex> lk(mu);
      ++consumed_seq;
    }
    cv_space.notify_one();
  }
  producer.join();
  for (auto& w : workers) w.join();
  return result;
}

}  // namespace trawl

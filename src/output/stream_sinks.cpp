// The streaming sinks (JSONL, CSV timeline) and the fan-out sink. Both text sinks render into one reused
// std::string and hand it to the ostream in large blocks: no per-field ostream calls.
#include <cstring>
#include <string>

#include "core/time.h"
#include "output/json_record.h"
#include "output/sink.h"
#include "output/text_render.h"

namespace trawl {
namespace {

constexpr size_t kFlushBytes = 1 << 20;

class BufferedStreamSink : public DetectionSink {
 protected:
  explicit BufferedStreamSink(std::ostream& out) : out_(out) { buf_.room(kFlushBytes + 64 * 1024); }

  Status flush() {
    if (buf_.size()) {
      out_.write(buf_.view().data(), std::streamsize(buf_.size()));
      buf_.clear();
    }
    if (!out_) return Status::Error("cannot write the output (disk full or closed pipe?)");
    return Status();
  }
  Status maybe_flush() { return buf_.size() >= kFlushBytes ? flush() : Status(); }
  Status finish_stream() {
    Status s = flush();
    out_.flush();
    if (s.ok() && !out_) return Status::Error("cannot write the output (disk full or closed pipe?)");
    return s;
  }

  std::ostream& out_;
  output::ByteBuffer buf_;
};

class JsonlSink final : public BufferedStreamSink {
 public:
  explicit JsonlSink(std::ostream& out) : BufferedStreamSink(out) {}
  Status begin(const RunInfo&) override { return Status(); }
  Status write(const Detection& d) override {
    char* p = buf_.room(output::detection_json_bound(d) + 1);
    p = output::write_detection_json(p, d);
    *p++ = '\n';
    buf_.commit(p);
    return maybe_flush();
  }
  Status finish(const RunStats&) override { return finish_stream(); }
};

class CsvSink final : public BufferedStreamSink {
 public:
  explicit CsvSink(std::ostream& out) : BufferedStreamSink(out) {}
  Status begin(const RunInfo&) override {
    buf_.append(
        "datetime,timestamp_desc,message,timestamp,tenant,host,kind,level,rule_id,title,tags,source_path,"
        "record_id,fields\r\n");
    return maybe_flush();
  }
  Status write(const Detection& d) override {
    using output::csv_cell_bound;
    using output::write_csv_cell;
    message_.clear();
    output::append_message(message_, d);
    tags_.clear();
    for (size_t i = 0; i < d.tags.size(); ++i) {
      if (i) tags_.push_back(',');
      tags_ += d.tags[i];
    }
    const size_t bound = 160 + csv_cell_bound(message_.size()) + csv_cell_bound(d.tenant.size()) +
                         csv_cell_bound(d.host.size()) + csv_cell_bound(d.rule_id.size()) +
                         csv_cell_bound(d.title.size()) + csv_cell_bound(tags_.size()) +
                         csv_cell_bound(d.source_path.size()) + output::fields_json_bound(d.fields) + 2;
    char* p = buf_.room(bound);
    if (d.time_us != kNoTime) {
      p = output::write_time_us(p, d.time_us);
      // 'Z' -> '+00:00': the form Timesketch's documentation shows, and that older Pythons parse.
      --p;
      p = put(p, "+00:00,Event Time,");
    } else {
      p = put(p, ",No Time,");
    }
    p = write_csv_cell(p, message_);
    *p++ = ',';
    if (d.time_us != kNoTime) {
      if (d.time_us < 0) {
        *p++ = '\'';  // a leading '-' would read as a formula
        *p++ = '-';
        p = output::write_uint(p, uint64_t(0) - uint64_t(d.time_us));
      } else {
        p = output::write_uint(p, uint64_t(d.time_us));
      }
    }
    *p++ = ',';
    p = write_csv_cell(p, d.tenant);
    *p++ = ',';
    p = write_csv_cell(p, d.host);
    *p++ = ',';
    p = put(p, detection_kind_name(d.kind));
    *p++ = ',';
    p = put(p, level_name(d.level));
    *p++ = ',';
    p = write_csv_cell(p, d.rule_id);
    *p++ = ',';
    p = write_csv_cell(p, d.title);
    *p++ = ',';
    p = write_csv_cell(p, tags_);
    *p++ = ',';
    p = write_csv_cell(p, d.source_path);
    *p++ = ',';
    p = output::write_uint(p, d.record_id);
    *p++ = ',';
    // The fields object always holds quotes, so its cell is always quoted; it starts with '{', never a formula.
    *p++ = '"';
    p = output::write_fields_json_csv(p, d.fields);
    *p++ = '"';
    *p++ = '\r';
    *p++ = '\n';
    buf_.commit(p);
    return maybe_flush();
  }
  Status finish(const RunStats&) override { return finish_stream(); }

 private:
  static char* put(char* p, std::string_view s) {
    std::memcpy(p, s.data(), s.size());
    return p + s.size();
  }
  std::string message_, tags_;
};

class FanoutSink final : public DetectionSink {
 public:
  explicit FanoutSink(std::vector<std::unique_ptr<DetectionSink>> sinks) : sinks_(std::move(sinks)) {}
  Status begin(const RunInfo& run) override {
    for (auto& s : sinks_)
      if (Status st = s->begin(run); !st.ok()) return st;
    return Status();
  }
  Status write(const Detection& d) override {
    for (auto& s : sinks_)
      if (Status st = s->write(d); !st.ok()) return st;
    return Status();
  }
  Status finish(const RunStats& stats) override {
    Status first;
    for (auto& s : sinks_) {
      Status st = s->finish(stats);
      if (!st.ok() && first.ok()) first = st;
    }
    return first;
  }

 private:
  std::vector<std::unique_ptr<DetectionSink>> sinks_;
};

}  // namespace

std::unique_ptr<DetectionSink> make_jsonl_sink(std::ostream& out) { return std::make_unique<JsonlSink>(out); }
std::unique_ptr<DetectionSink> make_csv_sink(std::ostream& out) { return std::make_unique<CsvSink>(out); }
std::unique_ptr<DetectionSink> make_fanout_sink(std::vector<std::unique_ptr<DetectionSink>> sinks) {
  return std::make_unique<FanoutSink>(std::move(sinks));
}

}  // namespace trawl

// Zeek decoding and network analytics: rows/s decoded on one core (TSV conn.log made by the generator), and
// rows/s through decode + NetAnalyzer + finish. The 10M-row end-to-end figures (seconds, peak RSS, recall of the
// planted beacons) are measured by scripts/bench_net.sh with `trawl net`.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <memory>
#include <string>

#include "analytics/net/conn_generator.h"
#include "analytics/net/net_analyzer.h"
#include "ingest/zeek/zeek_decoder.h"
#include "ingest/zeek/zeek_files.h"

namespace {

// One generated conn.log of 200k rows, shared by the benchmarks of this file.
const std::shared_ptr<const trawl::Buffer>& conn_log() {
  static std::shared_ptr<const trawl::Buffer> buf = [] {
    std::string path = (std::filesystem::temp_directory_path() / "trawl_net_bench_conn.log").string();
    trawl::ConnGeneratorOptions g;
    g.rows = 200000;
    g.seed = 7;
    auto r = trawl::generate_conn_log(path, g);
    if (!r.ok()) return std::shared_ptr<const trawl::Buffer>();
    auto b = trawl::read_zeek_file(path);
    std::filesystem::remove(path);
    return b.ok() ? b.value() : std::shared_ptr<const trawl::Buffer>();
  }();
  return buf;
}

void BM_ZeekTsvDecodeConn(benchmark::State& state) {
  auto buf = conn_log();
  if (!buf) {
    state.SkipWithError("could not generate the conn.log");
    return;
  }
  auto info = std::make_shared<trawl::FileInfo>();
  info->path = "conn.log";
  trawl::EventBatch batch;
  uint64_t rows = 0;
  for (auto _ : state) {
    auto dec = trawl::open_zeek(buf, info, trawl::DecodeOptions{});
    for (size_t u = 0; u < dec.value()->unit_count(); ++u) {
      dec.value()->decode_unit(u, batch);
      rows += batch.count;
      benchmark::DoNotOptimize(batch.events.data());
    }
  }
  state.counters["rows/s"] = benchmark::Counter(double(rows), benchmark::Counter::kIsRate);
  state.SetBytesProcessed(int64_t(buf->size()) * state.iterations());
}
BENCHMARK(BM_ZeekTsvDecodeConn)->Unit(benchmark::kMillisecond);

void BM_NetAnalyzeConn(benchmark::State& state) {
  auto buf = conn_log();
  if (!buf) {
    state.SkipWithError("could not generate the conn.log");
    return;
  }
  auto info = std::make_shared<trawl::FileInfo>();
  info->path = "conn.log";
  trawl::EventBatch batch;
  uint64_t rows = 0;
  for (auto _ : state) {
    trawl::NetAnalyzer an(trawl::NetOptions{});
    auto dec = trawl::open_zeek(buf, info, trawl::DecodeOptions{});
    for (size_t u = 0; u < dec.value()->unit_count(); ++u) {
      dec.value()->decode_unit(u, batch);
      for (size_t i = 0; i < batch.count; ++i) an.add(batch.events[i]);
      rows += batch.count;
    }
    benchmark::DoNotOptimize(an.finish());
  }
  state.counters["rows/s"] = benchmark::Counter(double(rows), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_NetAnalyzeConn)->Unit(benchmark::kMillisecond);

}  // namespace

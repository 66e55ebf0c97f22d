// EVTX decoding speed (decoding only: binary XML -> flat Event fields, no matching, no output).
//  - EvtxDecode/InMemory: all attack-samples files mapped once, decoded on 1 thread per iteration (bytes/s =
//    file bytes; items/s = records). The number scripts/bench_evtx.sh compares with evtxexport.
//  - EvtxDecode/Files/threads:N: files mapped, decoded and dropped one at a time, N worker threads taking whole
//    files (bounded memory: at most N files mapped); peak RSS is measured by the script around this one.
//  - EvtxDecode/Units/threads:N: one large file, its chunks decoded on N threads (scaling within a file).
//  - EvtxDecode/Uncached: the reference path without the per-chunk template cache (what the cache buys).
// Goal: >= 40x evtxexport on one core, near-linear from the 2nd core, peak RSS < 64 MB.
//   build-x/bench/trawl_bench --benchmark_filter='EvtxDecode'
#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "ingest/evtx/evtx_decoder.h"
#include "ingest/evtx/evtx_internal.h"

namespace {

using namespace trawl;

std::string data_dir() {
  const char* env = std::getenv("TRAWL_DATA_DIR");
  return env ? env : TRAWL_DATA_DIR;
}

const std::vector<std::string>& attack_files() {
  static const std::vector<std::string> files = [] {
    std::vector<std::string> out;
    std::error_code ec;
    for (auto& e : std::filesystem::recursive_directory_iterator(data_dir() + "/evtx/attack-samples", ec))
      if (e.is_regular_file() && e.path().extension() == ".evtx") out.push_back(e.path().string());
    std::sort(out.begin(), out.end());
    return out;
  }();
  return files;
}

struct Totals {
  uint64_t bytes = 0, records = 0;
};

Totals decode_all_units(const std::shared_ptr<const Buffer>& buf, EventBatch& batch, const evtx::EvtxTuning& t) {
  Totals tot;
  auto dec = evtx::open_evtx_with(buf, nullptr, DecodeOptions{}, t);
  if (!dec.ok()) return tot;
  for (size_t u = 0; u < (*dec)->unit_count(); ++u) {
    (*dec)->decode_unit(u, batch);
    tot.records += batch.count;
  }
  tot.bytes = buf->size();
  return tot;
}

void in_memory(benchmark::State& state, bool cached) {
  std::vector<std::shared_ptr<const Buffer>> bufs;
  for (auto& f : attack_files()) {
    auto b = Buffer::map_file(f);
    if (b.ok()) bufs.push_back(*b);
  }
  if (bufs.empty()) {
    state.SkipWithError("no attack-samples .evtx found (set TRAWL_DATA_DIR)");
    return;
  }
  EventBatch batch;
  evtx::EvtxTuning tuning;
  tuning.use_template_cache = cached;
  Totals tot;
  for (auto _ : state) {
    for (auto& b : bufs) {
      Totals t = decode_all_units(b, batch, tuning);
      tot.bytes += t.bytes;
      tot.records += t.records;
    }
  }
  state.SetBytesProcessed(int64_t(tot.bytes));
  state.SetItemsProcessed(int64_t(tot.records));
}

void BM_EvtxDecode_InMemory(benchmark::State& state) { in_memory(state, true); }
BENCHMARK(BM_EvtxDecode_InMemory)->Name("EvtxDecode/InMemory")->Unit(benchmark::kMillisecond);

void BM_EvtxDecode_Uncached(benchmark::State& state) { in_memory(state, false); }
BENCHMARK(BM_EvtxDecode_Uncached)->Name("EvtxDecode/Uncached")->Unit(benchmark::kMillisecond);

void BM_EvtxDecode_Files(benchmark::State& state) {
  const auto& files = attack_files();
  if (files.empty()) {
    state.SkipWithError("no attack-samples .evtx found (set TRAWL_DATA_DIR)");
    return;
  }
  const int threads = int(state.range(0));
  std::atomic<uint64_t> bytes{0}, records{0};
  for (auto _ : state) {
    std::atomic<size_t> next{0};
    auto worker = [&] {
      EventBatch batch;
      for (size_t i; (i = next.fetch_add(1)) < files.size();) {
        auto b = Buffer::map_file(files[i]);
        if (!b.ok()) continue;
        Totals t = decode_all_units(*b, batch, evtx::EvtxTuning{});
        bytes += t.bytes;
        records += t.records;
      }
    };
    std::vector<std::thread> pool;
    for (int t = 1; t < threads; ++t) pool.emplace_back(worker);
    worker();
    for (auto& t : pool) t.join();
  }
  state.SetBytesProcessed(int64_t(bytes.load()));
  state.SetItemsProcessed(int64_t(records.load()));
}
BENCHMARK(BM_EvtxDecode_Files)->Name("EvtxDecode/Files")->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_EvtxDecode_Units(benchmark::State& state) {
  auto b = Buffer::map_file(data_dir() + "/evtx/parser-samples/security.evtx");
  if (!b.ok()) {
    state.SkipWithError("security.evtx not found (set TRAWL_DATA_DIR)");
    return;
  }
  auto dec = open_evtx(*b, nullptr, DecodeOptions{});
  if (!dec.ok()) {
    state.SkipWithError("not EVTX");
    return;
  }
  const int threads = int(state.range(0));
  const size_t units = (*dec)->unit_count();
  std::atomic<uint64_t> records{0};
  uint64_t bytes = 0;
  for (auto _ : state) {
    std::atomic<size_t> next{0};
    auto worker = [&] {
      thread_local EventBatch batch;
      uint64_t n = 0;
      for (size_t u; (u = next.fetch_add(1)) < units;) {
        (*dec)->decode_unit(u, batch);
        n += batch.count;
      }
      records += n;
    };
    std::vector<std::thread> pool;
    for (int t = 1; t < threads; ++t) pool.emplace_back(worker);
    worker();
    for (auto& t : pool) t.join();
    bytes += (*b)->size();
  }
  state.SetBytesProcessed(int64_t(bytes));
  state.SetItemsProcessed(int64_t(records.load()));
}
BENCHMARK(BM_EvtxDecode_Units)->Name("EvtxDecode/Units")->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace

// IOC benchmarks: loading generated indicator lists (10, 10,000, 1,000,000 mixed indicators: hashes, domains,
// IPs, CIDRs, URLs, file names, a few globs), and matching the events of the shared EVTX attack samples against
// each set. The goal is a per-event cost flat in the number of indicators (within 1.5x from 10 to 1M) and a
// 1M-indicator load under 3 s. Run: scripts/bench_ioc.sh (or trawl_bench --benchmark_filter=Ioc).
#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "core/buffer.h"
#include "ingest/evtx/evtx_decoder.h"
#include "ioc/ioc.h"

namespace {

using namespace trawl;

// A deterministic list of n indicators, one per line, in the plain-text format (types inferred on load).
std::string generate_list(size_t n) {
  std::mt19937_64 rng(42);
  std::string out;
  out.reserve(n * 48);
  const char* hex = "0123456789abcdef";
  auto hexs = [&](size_t len) {
    for (size_t i = 0; i < len; ++i) out += hex[rng() & 15];
  };
  auto word = [&](size_t len) {
    for (size_t i = 0; i < len; ++i) out += char('a' + rng() % 26);
  };
  for (size_t i = 0; i < n; ++i) {
    // The first lines give one indicator of every kind, so that even the 10-indicator set exercises every
    // index (a set without globs never runs Vectorscan): the comparison is then about counts alone.
    static constexpr unsigned kEveryKind[] = {0, 200, 320, 400, 650, 760, 800, 950, 999};
    unsigned k = i < 9 ? kEveryKind[i] : unsigned(rng() % 1000);
    if (k < 150) hexs(64);                       // 15% SHA256
    else if (k < 300) hexs(32);                  // 15% MD5
    else if (k < 350) hexs(40);                  // 5% SHA1
    else if (k < 600) {                          // 25% domains
      word(4 + rng() % 8);
      out += '.';
      word(3 + rng() % 6);
      out += (rng() & 1) ? ".com" : ".net";
    } else if (k < 750) {                        // 15% IPv4
      out += std::to_string(rng() % 223 + 1) + "." + std::to_string(rng() % 256) + "." +
             std::to_string(rng() % 256) + "." + std::to_string(rng() % 256);
    } else if (k < 780) {                        // 3% CIDRs, /8 to /30 (IPv4) and some IPv6
      if (rng() & 1) {
        out += std::to_string(rng() % 223 + 1) + "." + std::to_string(rng() % 256) + ".0.0/" +
               std::to_string(8 + rng() % 23);
      } else {
        out += "2001:db8:" + std::to_string(rng() % 9000 + 1000) + "::/" + std::to_string(32 + rng() % 65);
      }
    } else if (k < 900) {                        // 12% URLs
      out += "http://";
      word(5 + rng() % 6);
      out += ".org/";
      word(3 + rng() % 10);
      out += ".php";
    } else if (k < 999) {                        // ~10% file names
      word(5 + rng() % 8);
      out += (rng() & 1) ? ".exe" : ".dll";
    } else {                                     // 0.1% path globs
      out += "*\\";
      word(6);
      out += "\\*.tmp";
    }
    out += '\n';
  }
  return out;
}

struct Events {
  std::vector<std::unique_ptr<EventBatch>> batches;
  std::vector<const Event*> all;
  std::string origin;
};

// Events decoded from every .evtx under evtx/attack-samples; synthetic Sysmon-like events when the data or the
// decoder is missing.
const Events& events() {
  static Events ev = [] {
    Events e;
    namespace fs = std::filesystem;
    std::string root = std::string(TRAWL_DATA_DIR) + "/evtx/attack-samples";
    std::error_code ec;
    if (fs::exists(root, ec)) {
      std::vector<fs::path> files;
      for (auto& p : fs::recursive_directory_iterator(root, ec))
        if (p.is_regular_file() && p.path().extension() == ".evtx") files.push_back(p.path());
      std::sort(files.begin(), files.end());
      for (auto& f : files) {
        auto buf = Buffer::map_file(f.string());
        if (!buf.ok()) continue;
        auto info = std::make_shared<FileInfo>();
        info->path = f.string();
        info->format = InputFormat::kEvtx;
        auto dec = open_evtx(buf.value(), info, DecodeOptions{});
        if (!dec.ok()) continue;
        for (size_t u = 0; u < (*dec)->unit_count(); ++u) {
          auto b = std::make_unique<EventBatch>();
          (*dec)->decode_unit(u, *b);
          for (size_t i = 0; i < b->count; ++i) e.all.push_back(&b->events[i]);
          e.batches.push_back(std::move(b));
        }
      }
      e.origin = "evtx/attack-samples";
    }
    if (e.all.empty()) {
      auto b = std::make_unique<EventBatch>();
      for (int i = 0; i < 8000; ++i) {
        Event& x = b->next();
        std::string n = std::to_string(i);
        x.add("EventID", "1");
        x.add("Image", b->copy("C:\\Windows\\System32\\proc" + n + ".exe"));
        x.add("CommandLine", b->copy("proc" + n + ".exe -u http://host" + n + ".example.org/a.php"));
        x.add("Hashes", b->copy("SHA256=" + std::string(64, 'a') + ",MD5=" + std::string(32, 'b')));
        x.add("DestinationIp", b->copy("10.0." + std::to_string(i % 256) + ".1"));
        x.add("QueryName", b->copy("www.host" + n + ".example.com"));
      }
      for (size_t i = 0; i < b->count; ++i) e.all.push_back(&b->events[i]);
      e.batches.push_back(std::move(b));
      e.origin = "synthetic";
    }
    return e;
  }();
  return ev;
}

size_t rss_bytes() {
  std::ifstream in("/proc/self/statm");
  size_t pages = 0, resident = 0;
  in >> pages >> resident;
  return resident * 4096;
}

std::shared_ptr<const IocSet> set_of(size_t n) {
  static std::map<size_t, std::shared_ptr<const IocSet>> cache;
  auto it = cache.find(n);
  if (it != cache.end()) return it->second;
  IocLoadOptions opt;
  opt.format = IocFormat::kText;
  auto r = IocSet::load_memory(generate_list(n), "generated", opt, nullptr);
  return cache[n] = r.value();
}

void BM_IocLoad(benchmark::State& state) {
  const size_t n = size_t(state.range(0));
  std::string list = generate_list(n);
  IocLoadOptions opt;
  opt.format = IocFormat::kText;
  size_t mem = 0, rss = 0, size = 0;
  for (auto _ : state) {
    size_t before = rss_bytes();
    IocLoadReport rep;
    auto r = IocSet::load_memory(list, "generated", opt, &rep);
    rss = rss_bytes() - before;
    mem = r.value()->memory_bytes();
    size = r.value()->size();
    benchmark::DoNotOptimize(size);
  }
  state.counters["indicators"] = double(size);
  state.counters["set_MB"] = double(mem) / 1e6;
  state.counters["rss_growth_MB"] = double(rss) / 1e6;
  state.counters["list_MB"] = double(list.size()) / 1e6;
}
BENCHMARK(BM_IocLoad)->Arg(10)->Arg(10000)->Arg(1000000)->Unit(benchmark::kMillisecond)->Iterations(1);

void BM_IocMatch(benchmark::State& state) {
  const size_t n = size_t(state.range(0));
  auto set = set_of(n);
  const Events& ev = events();
  IocMatcher m(set);
  std::vector<IocHit> hits;
  size_t total_hits = 0;
  for (auto _ : state) {
    for (const Event* e : ev.all) {
      hits.clear();
      m.match(*e, hits);
      total_hits += hits.size();
    }
  }
  state.SetItemsProcessed(int64_t(state.iterations()) * int64_t(ev.all.size()));
  state.counters["events"] = double(ev.all.size());
  state.counters["indicators"] = double(set->size());
  state.counters["hits_per_pass"] = double(total_hits) / double(state.iterations());
  state.SetLabel(ev.origin);
}
BENCHMARK(BM_IocMatch)->Arg(10)->Arg(10000)->Arg(1000000)->Unit(benchmark::kMillisecond);

// The built-in APT10 pack over the same events.
void BM_IocMatchApt10Pack(benchmark::State& state) {
  auto set = IocSet::builtin_apt10();
  const Events& ev = events();
  IocMatcher m(set);
  std::vector<IocHit> hits;
  size_t total_hits = 0;
  for (auto _ : state) {
    for (const Event* e : ev.all) {
      hits.clear();
      m.match(*e, hits);
      total_hits += hits.size();
    }
  }
  state.SetItemsProcessed(int64_t(state.iterations()) * int64_t(ev.all.size()));
  state.counters["hits_per_pass"] = double(total_hits) / double(state.iterations());
  state.SetLabel(ev.origin);
}
BENCHMARK(BM_IocMatchApt10Pack)->Unit(benchmark::kMillisecond);

}  // namespace

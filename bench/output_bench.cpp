// Output speed: JSONL and CSV sinks writing a typical Sysmon process-creation detection (about 25 fields,
// 1.5 KB of JSON) to a stream that discards bytes, so the figure is the rendering cost alone. Goal: 1M
// detections to JSONL or CSV in about a second (items_per_second >= 1e6 on one core).
//   build-x/bench/trawl_bench --benchmark_filter='Output'
#include <benchmark/benchmark.h>

#include <unistd.h>

#include <cstdio>
#include <ostream>
#include <streambuf>
#include <string>

#include "core/time.h"
#include "output/sink.h"

namespace {

class DiscardBuf : public std::streambuf {
 protected:
  std::streamsize xsputn(const char*, std::streamsize n) override { return n; }
  int_type overflow(int_type c) override { return traits_type::not_eof(c); }
};

trawl::Detection typical_detection() {
  trawl::Detection d;
  d.time_us = *trawl::parse_time("2019-03-19T23:35:40.123456Z");
  d.tenant = "acme";
  d.host = "WS01.acme.local";
  d.rule_id = "fb843269-508c-4b76-8b8d-88679db22ce7";
  d.title = "Suspicious Execution of Powershell with Base64";
  d.level = trawl::Level::kHigh;
  d.tags = {"attack.execution", "attack.t1059.001"};
  d.source_path = "acme/ws01/Microsoft-Windows-Sysmon%4Operational.evtx";
  d.record_id = 123456;
  d.fields = {{"EventID", "1"},
              {"Version", "5"},
              {"Level", "4"},
              {"Task", "1"},
              {"Opcode", "0"},
              {"Keywords", "0x8000000000000000"},
              {"TimeCreated", "2019-03-19T23:35:40.123456Z"},
              {"EventRecordID", "123456"},
              {"Channel", "Microsoft-Windows-Sysmon/Operational"},
              {"Computer", "WS01.acme.local"},
              {"Provider_Name", "Microsoft-Windows-Sysmon"},
              {"UtcTime", "2019-03-19 23:35:40.123"},
              {"ProcessGuid", "{747f3d96-0e2c-5c91-0000-0010a1b2c3d4}"},
              {"ProcessId", "4242"},
              {"Image", "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe"},
              {"FileVersion", "10.0.17763.1 (WinBuild.160101.0800)"},
              {"Description", "Windows PowerShell"},
              {"CommandLine", "powershell.exe -nop -w hidden -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkA"},
              {"CurrentDirectory", "C:\\Users\\jdoe\\"},
              {"User", "ACME\\jdoe"},
              {"LogonId", "0x3e7"},
              {"IntegrityLevel", "High"},
              {"Hashes", "SHA256=DE96A6E69944335375DC1AC238336066889D9FFC7D73628EF4FE1B1B160AB32C"},
              {"ParentImage", "C:\\Windows\\explorer.exe"},
              {"ParentCommandLine", "C:\\Windows\\Explorer.EXE"}};
  return d;
}

void run_sink(benchmark::State& state, std::unique_ptr<trawl::DetectionSink> (*make)(std::ostream&)) {
  DiscardBuf buf;
  std::ostream out(&buf);
  auto sink = make(out);
  const trawl::Detection d = typical_detection();
  if (!sink->begin(trawl::RunInfo{}).ok()) state.SkipWithError("begin failed");
  for (auto _ : state)
    if (!sink->write(d).ok()) state.SkipWithError("write failed");
  if (!sink->finish(trawl::RunStats{}).ok()) state.SkipWithError("finish failed");
  state.SetItemsProcessed(int64_t(state.iterations()));
  std::string one;
  trawl::append_detection_json(one, d);
  state.SetBytesProcessed(int64_t(state.iterations() * one.size()));
}

void BM_OutputJsonl(benchmark::State& state) { run_sink(state, trawl::make_jsonl_sink); }
void BM_OutputCsv(benchmark::State& state) { run_sink(state, trawl::make_csv_sink); }

void BM_OutputTable(benchmark::State& state) {
  DiscardBuf buf;
  std::ostream out(&buf);
  auto sink = trawl::make_table_sink(out, trawl::TableOptions{});
  trawl::Detection d = typical_detection();
  if (!sink->begin(trawl::RunInfo{}).ok()) state.SkipWithError("begin failed");
  int64_t i = 0;
  for (auto _ : state) {
    d.time_us += 1;  // most detections do not enter the top list: the common path
    d.host = (++i & 1) ? "WS01.acme.local" : "WS02.acme.local";
    if (!sink->write(d).ok()) state.SkipWithError("write failed");
  }
  if (!sink->finish(trawl::RunStats{}).ok()) state.SkipWithError("finish failed");
  state.SetItemsProcessed(int64_t(state.iterations()));
}

// Rows into the case database: one transaction for the run, prepared statements, all indexes in place.
void BM_OutputSqlite(benchmark::State& state) {
  const std::string path = "/tmp/trawl_output_bench_" + std::to_string(::getpid()) + ".sqlite";
  std::remove(path.c_str());
  auto sink = trawl::make_sqlite_sink(path);
  if (!sink.ok()) {
    state.SkipWithError(sink.status().message().c_str());
    return;
  }
  trawl::Detection d = typical_detection();
  if (!(*sink)->begin(trawl::RunInfo{}).ok()) state.SkipWithError("begin failed");
  for (auto _ : state) {
    d.time_us += 1000;
    if (!(*sink)->write(d).ok()) state.SkipWithError("write failed");
  }
  if (!(*sink)->finish(trawl::RunStats{}).ok()) state.SkipWithError("finish failed");
  state.SetItemsProcessed(int64_t(state.iterations()));
  sink->reset();
  std::remove(path.c_str());
  std::remove((path + "-journal").c_str());
}

BENCHMARK(BM_OutputJsonl);
BENCHMARK(BM_OutputSqlite);
BENCHMARK(BM_OutputCsv);
BENCHMARK(BM_OutputTable);

}  // namespace

// trawl simulate: --days and --size-mb are honoured.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/time.h"
#include "simulate/answer_check.h"
#include "simulate/simulator.h"

namespace fs = std::filesystem;
using namespace trawl::simulate;

namespace {
std::string temp_dir(const std::string& name) {
  fs::path p = fs::temp_directory_path() / ("trawl_sim_" + std::to_string(::getpid()) + "_" + name);
  fs::remove_all(p);
  return p.string();
}
uint64_t tree_bytes(const std::string& dir) {
  uint64_t n = 0;
  for (auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) n += e.file_size();
  return n;
}
std::string last_line(const fs::path& p) {
  std::ifstream in(p);
  std::string line, last;
  while (std::getline(in, line)) last = line;
  return last;
}
}  // namespace

TEST(SimulateSize, DaysAreHonoured) {
  const std::string d = temp_dir("days");
  SimulateOptions o;
  o.out_dir = d;
  o.tenants = 2;
  o.hosts = 4;
  o.days = 4;
  o.start = "2019-03-01";
  o.activity = 0.2;
  auto r = simulate(o);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->start_us, trawl::civil_to_us(2019, 3, 1, 0, 0, 0, 0));
  EXPECT_EQ(r->end_us, trawl::civil_to_us(2019, 3, 5, 0, 0, 0, 0));
  auto key = load_answer_key(d + "/answers.json");
  ASSERT_TRUE(key.ok()) << key.status().message();
  EXPECT_EQ(key->span.start, r->start_us);
  EXPECT_EQ(key->span.end, r->end_us);
  EXPECT_EQ(last_line(fs::path(d) / "msp" / "zeek" / "conn.log"), "#close\t2019-03-05-00-00-00");
  // The beacons last until the end: their last evidence falls on the final day.
  for (const AnswerStep& s : key->steps) {
    if (s.id == "S03") {
      EXPECT_GT(s.window.end, r->end_us - 24 * 3600 * 1000000LL);
    }
  }
  EXPECT_EQ(tree_bytes(d), r->bytes);
  fs::remove_all(d);
}

TEST(SimulateSize, SizeTargetIsReachedWithoutOvershootingMuch) {
  const std::string d = temp_dir("size");
  SimulateOptions o;
  o.out_dir = d;
  o.tenants = 2;
  o.hosts = 4;
  o.activity = 0.5;
  o.size_mb = 12;
  auto r = simulate(o);
  ASSERT_TRUE(r.ok()) << r.status().message();
  const uint64_t target = 12ull * 1024 * 1024;
  const uint64_t on_disk = tree_bytes(d);
  EXPECT_EQ(on_disk, r->bytes);
  EXPECT_GE(on_disk, target);
  // Generation stops at the first hour boundary past the target (and after the intrusion): one business hour
  // of this small world is far below 2 MiB.
  EXPECT_LT(on_disk, target + 2ull * 1024 * 1024);
  EXPECT_TRUE(load_answer_key(d + "/answers.json").ok());
  fs::remove_all(d);
}

TEST(SimulateCli, WritesDatasetAndRejectsBadArguments) {
  const std::string d = temp_dir("cli");
  const std::string ok_cmd = std::string(TRAWL_BINARY) + " simulate " + d +
                             " --tenants 2 --hosts 4 --days 3 --seed 5 --activity 0.2 2>/dev/null";
  EXPECT_EQ(std::system(ok_cmd.c_str()), 0);
  EXPECT_TRUE(fs::exists(fs::path(d) / "answers.json"));
  EXPECT_TRUE(fs::exists(fs::path(d) / "client02" / "fs01" / "Security.jsonl"));
  // The folder is no longer empty: a second run must refuse and not touch it.
  const int rc = std::system(ok_cmd.c_str());
  EXPECT_NE(rc, 0);
  const std::string bad = std::string(TRAWL_BINARY) + " simulate " + d + "_x --tenants 1 2>/dev/null";
  EXPECT_NE(std::system(bad.c_str()), 0);
  EXPECT_FALSE(fs::exists(d + "_x/answers.json"));
  fs::remove_all(d);
  fs::remove_all(d + "_x");
}

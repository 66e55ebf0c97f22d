// Sources: folders, .gz, .zst and .zip (nested) give the same events as the plain files; damaged archives are
// reported with their path and the rest of the input is still read.
#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>
#include <zlib.h>
#include <zstd.h>

#include <filesystem>
#include <fstream>

#include "hunt/pipeline.h"
#include "hunt/render.h"
#include "ingest/source.h"
#include "test_data.h"

using namespace trawl;
namespace fs = std::filesystem;

namespace {

std::string read_all(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}
void write_all(const fs::path& p, const std::string& s) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << s;
}
std::string gzip(const std::string& s) {
  z_stream zs{};
  deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&zs, s.size()) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(s.data()));
  zs.avail_in = uInt(s.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = uInt(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}
std::string zstd(const std::string& s) {
  std::string out(ZSTD_compressBound(s.size()), '\0');
  out.resize(ZSTD_compress(out.data(), out.size(), s.data(), s.size(), 3));
  return out;
}
std::string zip(const std::vector<std::pair<std::string, std::string>>& members) {
  struct archive* a = archive_write_new();
  archive_write_set_format_zip(a);
  std::string out(1 << 24, '\0');
  size_t used = 0;
  archive_write_open_memory(a, out.data(), out.size(), &used);
  for (auto& [name, bytes] : members) {
    struct archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, name.c_str());
    archive_entry_set_size(e, la_int64_t(bytes.size()));
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_write_header(a, e);
    archive_write_data(a, bytes.data(), bytes.size());
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
  out.resize(used);
  return out;
}

// All events under `paths`, rendered as JSON lines without their source (which names the container).
struct RunOut {
  std::vector<std::string> events;
  std::vector<std::string> paths;
  PipelineResult result;
};
RunOut run(const std::vector<std::string>& paths, int threads = 2, SourceOptions so = {}) {
  RunOut r;
  PipelineOptions po;
  po.threads = threads;
  po.source = so;
  Pipeline p(po);
  r.result = p.run(paths, nullptr, [&](const EventBatch& b, UnitOutput&) {
    for (size_t i = 0; i < b.count; ++i) {
      std::string s;
      Event e = b.events[i];
      r.paths.push_back(e.file->path + "|" + e.file->tenant);
      e.file = nullptr;
      append_event_json(s, e);
      r.events.push_back(s);
    }
  });
  return r;
}

class SourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("trawl_source_test_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

}  // namespace

TEST_F(SourceTest, CompressedAndArchivedGiveTheSameEvents) {
  const std::string a = read_all(test::fixture_path("json/three_shapes.jsonl"));
  const std::string b = read_all(test::fixture_path("json/pretty.json"));
  write_all(dir_ / "plain/a.jsonl", a);
  write_all(dir_ / "plain/b.json", b);
  write_all(dir_ / "packed/a.jsonl.gz", gzip(a));
  write_all(dir_ / "packed/b.json.zst", zstd(b));
  write_all(dir_ / "zipped/case.zip", zip({{"host/a.jsonl", a}, {"host/b.json.gz", gzip(b)}}));
  RunOut plain = run({(dir_ / "plain").string()});
  RunOut packed = run({(dir_ / "packed").string()});
  RunOut zipped = run({(dir_ / "zipped").string()});
  ASSERT_EQ(plain.events.size(), 5u);
  EXPECT_EQ(packed.events, plain.events);
  EXPECT_EQ(zipped.events, plain.events);
  EXPECT_EQ(zipped.paths[0], (dir_ / "zipped/case.zip").string() + "!host/a.jsonl|");
  EXPECT_EQ(zipped.paths[4], (dir_ / "zipped/case.zip").string() + "!host/b.json|");
  EXPECT_EQ(packed.result.diagnostics.size(), 0u);
}

TEST_F(SourceTest, DamagedArchivesAreReportedAndTheRestIsRead) {
  const std::string a = read_all(test::fixture_path("json/three_shapes.jsonl"));
  std::string gz = gzip(a);
  write_all(dir_ / "in/0-good.jsonl", a);
  write_all(dir_ / "in/1-truncated.jsonl.gz", gz.substr(0, gz.size() / 2));
  std::string z = zip({{"x.jsonl", a}, {"y.jsonl", a}});
  // Corrupt the first member's compressed bytes (after its 30-byte local header and name).
  for (size_t i = 40; i < 60 && i < z.size(); ++i) z[i] = char(z[i] ^ 0x5a);
  write_all(dir_ / "in/2-broken.zip", z);
  write_all(dir_ / "in/3-random.evtx", std::string(5000, '\x07'));
  write_all(dir_ / "in/4-bomb.gz", gzip(std::string(1 << 20, 'A')));
  SourceOptions so;
  so.max_unpacked_bytes = 1 << 19;
  RunOut r = run({(dir_ / "in").string()}, 2, so);
  ASSERT_GE(r.events.size(), 3u);  // the good file, and whatever of the zip survived
  std::string all;
  for (auto& d : r.result.diagnostics) all += d.to_string() + "\n";
  EXPECT_NE(all.find("1-truncated.jsonl.gz: truncated gzip"), std::string::npos) << all;
  EXPECT_NE(all.find("reading what came before it"), std::string::npos) << all;
  EXPECT_NE(all.find("2-broken.zip"), std::string::npos) << all;
  EXPECT_NE(all.find("3-random.evtx: skipped"), std::string::npos) << all;
  EXPECT_NE(all.find("4-bomb.gz: decompressed size exceeds"), std::string::npos) << all;
  RunOut good = run({(dir_ / "in/0-good.jsonl").string()});
  for (size_t i = 0; i < good.events.size(); ++i) EXPECT_EQ(r.events[i], good.events[i]);
}

// Links to folders are followed; a link back up to an ancestor (a loop) is reported and not followed.
TEST_F(SourceTest, FolderLinksAreFollowedAndLoopsStop) {
  const std::string a = read_all(test::fixture_path("json/three_shapes.jsonl"));
  write_all(dir_ / "store/host1/a.jsonl", a);
  fs::create_directories(dir_ / "case");
  fs::create_directory_symlink(dir_ / "store/host1", dir_ / "case/host1");
  fs::create_directory_symlink(dir_ / "case", dir_ / "store/host1/loop");  // case/host1/loop -> case
  RunOut linked = run({(dir_ / "case").string()});
  RunOut plain = run({(dir_ / "store/host1/a.jsonl").string()});
  ASSERT_FALSE(plain.events.empty());
  EXPECT_EQ(linked.events, plain.events);  // the linked folder is read, once: the loop ends
  std::string all;
  for (auto& d : linked.result.diagnostics) all += d.to_string() + "\n";
  EXPECT_NE(all.find("a loop"), std::string::npos) << all;
}

TEST_F(SourceTest, TenantDirsNameTheTenantFromTheFirstFolderLevel) {
  const std::string a = read_all(test::fixture_path("json/damaged.jsonl"));
  write_all(dir_ / "acme/ws01/Security.jsonl", a);
  write_all(dir_ / "globex/dc01/Security.jsonl", a);
  SourceOptions so;
  so.tenant_dirs = true;
  RunOut r = run({dir_.string()}, 1, so);
  ASSERT_EQ(r.paths.size(), 6u);
  EXPECT_EQ(r.paths[0], (dir_ / "acme/ws01/Security.jsonl").string() + "|acme");
  EXPECT_EQ(r.paths[5], (dir_ / "globex/dc01/Security.jsonl").string() + "|globex");
}

TEST(Pipeline, SameOutputWhateverTheThreadCount) {
  REQUIRE_DATA("json/mordor");
  RunOut one = run({test::data_path("json/mordor")}, 1);
  RunOut two = run({test::data_path("json/mordor")}, 2);
  RunOut four = run({test::data_path("json/mordor")}, 4);
  ASSERT_EQ(one.events.size(), 6604u);
  EXPECT_EQ(one.events, two.events);
  EXPECT_EQ(one.events, four.events);
  EXPECT_EQ(one.paths, four.paths);
}

// gunzip/unzstd: a stream cut short is an error without `cut`, and with it yields a prefix of the original
// and says where it stopped; a whole stream leaves `cut` empty.
TEST(SourceDecompress, CutStreamsYieldWhatCameBefore) {
  std::string text;
  for (int i = 0; i < 20000; ++i) text += "line " + std::to_string(i) + " of a log that goes on\n";
  const std::string gz = gzip(text);
  std::string cut;
  auto whole = gunzip(gz, 1 << 26, &cut);
  ASSERT_TRUE(whole.ok());
  EXPECT_EQ(*whole, text);
  EXPECT_TRUE(cut.empty());
  const std::string half = gz.substr(0, gz.size() / 2);
  EXPECT_FALSE(gunzip(half, 1 << 26).ok());
  auto part = gunzip(half, 1 << 26, &cut);
  ASSERT_TRUE(part.ok());
  EXPECT_FALSE(cut.empty());
  EXPECT_GT(part->size(), 0u);
  EXPECT_LT(part->size(), text.size());
  EXPECT_EQ(text.compare(0, part->size(), *part), 0) << "not a prefix of the original";
  // The bomb guard still wins over reading up to a cut.
  EXPECT_FALSE(gunzip(gz, 1000, &cut).ok());
}

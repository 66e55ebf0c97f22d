// Replays fuzz inputs without libFuzzer: every file (recursively) under each argument is fed once to
// LLVMFuzzerTestOneInput. Run by CTest so that the seed corpus and every crash ever found stay fixed.
// A missing shared-data path is skipped (a fresh clone has no ../shared), unless CI=true.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  const char* ci = std::getenv("CI");
  const bool in_ci = ci && std::string(ci) == "true";
  size_t files = 0;
  for (int i = 1; i < argc; ++i) {
    fs::path root(argv[i]);
    std::error_code ec;
    if (!fs::exists(root, ec)) {
      std::fprintf(stderr, "replay: %s does not exist%s\n", argv[i], in_ci ? " (CI=true: failing)" : ", skipped");
      if (in_ci) return 1;
      continue;
    }
    std::vector<fs::path> paths;
    if (fs::is_directory(root, ec)) {
      for (auto& e : fs::recursive_directory_iterator(root, ec))
        if (e.is_regular_file()) paths.push_back(e.path());
    } else {
      paths.push_back(root);
    }
    std::sort(paths.begin(), paths.end());
    for (auto& p : paths) {
      std::ifstream in(p, std::ios::binary);
      std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
      ++files;
    }
  }
  std::printf("replay: %zu inputs ran without a crash\n", files);
  return 0;
}

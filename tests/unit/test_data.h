// Where tests find the shared real data (../shared/data, set by the TRAWL_DATA_DIR CMake setting) and the
// team's own fixtures. A test that needs the shared data calls REQUIRE_DATA(path): absent data skips the test
// with a message on a user's fresh clone, and fails it under CI=true.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace trawl::test {

inline std::string data_path(const std::string& rel) { return std::string(TRAWL_DATA_DIR) + "/" + rel; }
inline std::string fixture_path(const std::string& rel) { return std::string(TRAWL_FIXTURES_DIR) + "/" + rel; }
inline bool in_ci() {
  const char* ci = std::getenv("CI");
  return ci && std::string(ci) == "true";
}

}  // namespace trawl::test

#define REQUIRE_DATA(rel)                                                                                     \
  do {                                                                                                        \
    if (!std::filesystem::exists(::trawl::test::data_path(rel))) {                                            \
      if (::trawl::test::in_ci()) FAIL() << "shared data missing under CI: " << ::trawl::test::data_path(rel); \
      GTEST_SKIP() << "shared data not found: " << ::trawl::test::data_path(rel)                              \
                   << " (set -DTRAWL_DATA_DIR=... to run this test)";                                          \
    }                                                                                                         \
  } while (0)

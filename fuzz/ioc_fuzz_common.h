// Shared body of the IOC loader fuzz targets: load arbitrary bytes in one format, check the counts add up,
// then run the matcher over the set with an event that touches every field role. Must never crash or hang.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "ioc/ioc.h"

namespace trawl::fuzz {

inline void run_ioc_load_and_match(std::string_view text, IocFormat format) {
  IocLoadOptions opt;
  opt.format = format;
  opt.max_rejected_lines = 8;
  IocLoadReport rep;
  auto r = IocSet::load_memory(text, "fuzz", opt, &rep);
  if (!r.ok()) return;
  if (r.value()->size() != rep.accepted) std::abort();
  Event e;
  e.add("QueryName", "a.b.example.com");
  e.add("DestinationIp", "10.1.2.3");
  e.add("SourceIp", "2001:db8::1");
  e.add("CommandLine", "x http://example.com/a?b=1 https://user@10.0.0.1:80/");
  e.add("Hashes", "MD5=D41D8CD98F00B204E9800998ECF8427E,IMPHASH=00000000000000000000000000000000");
  e.add("Image", "C:\\Users\\x\\AppData\\Local\\Temp\\a.exe");
  e.add("host", "example.com");
  e.add("uri", "/a");
  IocMatcher m(r.value());
  std::vector<IocHit> hits;
  m.match(e, hits);
  for (const auto& h : hits) (void)IocMatcher::to_detection(e, h);
}

inline std::string_view fuzz_text(const uint8_t* data, size_t size) {
  return std::string_view(reinterpret_cast<const char*>(data), size);
}

}  // namespace trawl::fuzz

// Fuzz target: the IOC stix loader on arbitrary bytes, then the matcher over the resulting set with an event
// touching every field role. Must never crash, hang or leak; counts must add up.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "ioc/ioc.h"

namespace {
void run(const trawl::IocLoadOptions& opt, std::string_view text) {
  trawl::IocLoadReport rep;
  auto r = trawl::IocSet::load_memory(text, "fuzz", opt, &rep);
  if (!r.ok()) return;
  if (r.value()->size() != rep.accepted) std::abort();
  trawl::Event e;
  e.add("QueryName", "a.b.example.com");
  e.add("DestinationIp", "10.1.2.3");
  e.add("SourceIp", "2001:db8::1");
  e.add("CommandLine", "x http://example.com/a?b=1 https://user@10.0.0.1:80/");
  e.add("Hashes", "MD5=D41D8CD98F00B204E9800998ECF8427E,IMPHASH=00000000000000000000000000000000");
  e.add("Image", "C:\\Users\\x\\AppData\\Local\\Temp\\a.exe");
  e.add("host", "example.com");
  e.add("uri", "/a");
  trawl::IocMatcher m(r.value());
  std::vector<trawl::IocHit> hits;
  m.match(e, hits);
  for (const auto& h : hits) (void)trawl::IocMatcher::to_detection(e, h);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  trawl::IocLoadOptions opt;
  opt.format = trawl::IocFormat::kStix;
  opt.max_rejected_lines = 8;
  auto run_text = [&](const trawl::IocLoadOptions& o) { run(o, text); };
  run_text(opt);

  return 0;
}

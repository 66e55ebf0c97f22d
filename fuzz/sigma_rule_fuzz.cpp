// Fuzz target: Sigma rule loading from arbitrary bytes (YAML parsing, global merging, modifiers, conditions),
// then compiling what loaded and scanning one event with both evaluators (they must agree), twice with the
// compiled one (the second time from its memo of field values).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "engine/program.h"
#include "engine/reference.h"
#include "sigma/logsource_map.h"
#include "sigma/sigma_rule.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const trawl::LogSourceMap map = [] {
    auto m = trawl::LogSourceMap::from_text(
        "sources:\n- {name: any, logsource: {product: windows}, conditions: {Channel: [Test]}}\n"
        "- {name: pc, logsource: {product: windows, category: process_creation}, conditions: {Channel: [Test]},"
        " fieldmappings: {Image: NewProcessName}}\n",
        "fuzz");
    return m.value();
  }();
  std::string text(reinterpret_cast<const char*>(data), size);
  trawl::RuleLoadOptions opt;
  opt.placeholders["x"] = {"a*", "b"};
  trawl::RuleSet rs = trawl::RuleSet::from_text(text, "fuzz.yml", opt);
  if (rs.size() == 0) return 0;
  auto prog = trawl::Program::compile(rs, map, trawl::CompileOptions{});
  if (!prog.ok()) return 0;
  trawl::Event e;
  e.add("Channel", "Test");
  e.add("Image", "C:\\Windows\\System32\\cmd.exe");
  e.add("NewProcessName", "C:\\x\\-enc aGVsbG8=");
  const std::string command_line = text.substr(0, 256);  // Event holds views: the text must outlive it
  e.add("CommandLine", command_line);
  e.add("EventID", "1");
  e.add("DestinationIp", "10.1.2.3");
  trawl::Scanner sc(prog.value());
  trawl::ReferenceEvaluator ref(rs, map);
  std::vector<trawl::RuleMatch> a, b;
  sc.scan(e, a);
  ref.scan(e, b);
  if (!(a == b)) std::abort();  // the compiled program and its reference twin disagree
  std::vector<trawl::RuleMatch> again;
  sc.scan(e, again);             // the same values again: now answered from the scanner's memo
  if (!(again == b)) std::abort();
  return 0;
}

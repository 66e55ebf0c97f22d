// A Diagnostic is one problem found in the input (a bad checksum, a record that does not decode, a line that
// is not JSON): counted and reported with the file and byte offset (or line), never fatal to the run.
#pragma once

#include <cstdint>
#include <string>

namespace trawl {

enum class Severity : uint8_t { kInfo, kWarning, kError };

struct Diagnostic {
  Severity severity = Severity::kError;
  std::string path;      // the input file (display path, e.g. "case.zip!host/Security.evtx")
  uint64_t offset = 0;   // byte offset in the (decompressed) file, or line number when line_based
  bool line_based = false;
  std::string message;   // what was expected and what was found

  // "path: offset 0x1234: message" or "path: line 17: message".
  std::string to_string() const;
};

const char* severity_name(Severity s);

}  // namespace trawl

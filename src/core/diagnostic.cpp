#include "core/diagnostic.h"

#include <fmt/format.h>

namespace trawl {

const char* severity_name(Severity s) {
  switch (s) {
    case Severity::kInfo: return "info";
    case Severity::kWarning: return "warning";
    case Severity::kError: return "error";
  }
  return "error";
}

std::string Diagnostic::to_string() const {
  if (line_based) return fmt::format("{}: line {}: {}", path, offset, message);
  if (offset == 0) return fmt::format("{}: {}", path, message);
  return fmt::format("{}: offset {:#x}: {}", path, offset, message);
}

}  // namespace trawl

#include "core/detection.h"

#include "core/text.h"

namespace trawl {

const char* detection_kind_name(DetectionKind k) {
  switch (k) {
    case DetectionKind::kSigma: return "sigma";
    case DetectionKind::kIoc: return "ioc";
    case DetectionKind::kCorrelation: return "correlation";
    case DetectionKind::kAnalytic: return "analytic";
  }
  return "sigma";
}

const char* level_name(Level l) {
  switch (l) {
    case Level::kInformational: return "informational";
    case Level::kLow: return "low";
    case Level::kMedium: return "medium";
    case Level::kHigh: return "high";
    case Level::kCritical: return "critical";
  }
  return "medium";
}

std::optional<Level> parse_level(std::string_view s) {
  s = trim(s);
  if (iequals(s, "informational") || iequals(s, "info")) return Level::kInformational;
  if (iequals(s, "low")) return Level::kLow;
  if (iequals(s, "medium")) return Level::kMedium;
  if (iequals(s, "high")) return Level::kHigh;
  if (iequals(s, "critical")) return Level::kCritical;
  return std::nullopt;
}

std::string_view event_host(const Event& e) {
  static constexpr std::string_view kHostFields[] = {"Computer", "Hostname", "host.name", "hostname",
                                                     "computer_name", "ComputerName"};
  for (std::string_view name : kHostFields)
    if (const std::string_view* v = e.find(name)) return *v;
  return std::string_view();
}

void fill_from_event(Detection& d, const Event& e) {
  d.time_us = e.time_us;
  d.host = std::string(event_host(e));
  if (e.file) {
    d.tenant = e.file->tenant;
    d.source_path = e.file->path;
  }
  d.record_id = e.record_id;
  d.fields.clear();
  d.fields.reserve(e.fields().size());
  for (const Field& f : e.fields()) d.fields.emplace_back(std::string(f.name), std::string(f.value));
}

}  // namespace trawl

// Detection: the one record every detector emits (Sigma rule, IOC, correlation, analytic) and every output
// renders (table, CSV timeline, JSONL, SQLite, HTML). Owns its strings: detections are few, events are many.
// JSONL form (the user-facing contract in DESIGN.md):
//   {"timestamp":"2019-03-19T23:35:40.123456Z","tenant":"acme","host":"WS01.acme.local","kind":"sigma",
//    "rule_id":"...","title":"...","level":"high","tags":["attack.t1059.001"],
//    "source":{"path":"acme/ws01/Security.evtx","record_id":1234},"fields":{...}}
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/event.h"

namespace trawl {

enum class DetectionKind : uint8_t { kSigma, kIoc, kCorrelation, kAnalytic };
const char* detection_kind_name(DetectionKind k);

// Sigma levels, ordered: --min-level compares them.
enum class Level : uint8_t { kInformational, kLow, kMedium, kHigh, kCritical };
const char* level_name(Level l);
std::optional<Level> parse_level(std::string_view s);  // case-insensitive; "info" accepted

struct Detection {
  int64_t time_us = kNoTime;
  std::string tenant;
  std::string host;
  DetectionKind kind = DetectionKind::kSigma;
  std::string rule_id;   // Sigma id, IOC indicator id, or analytic name ("beacon", "cross_tenant_logon", ...)
  std::string title;
  Level level = Level::kMedium;
  std::vector<std::string> tags;
  std::string source_path;
  uint64_t record_id = 0;
  // Every field of the matching event (or, for analytics, the evidence: src, dst, score, why, ...), in order.
  // Repeated names are allowed (rendered as a JSON array).
  std::vector<std::pair<std::string, std::string>> fields;
};

// Copies the event's fields, time, source path and record id into a detection; host from Computer (or
// Hostname / host fields of other shapes), tenant from the event's file.
void fill_from_event(Detection& d, const Event& e);
// The host an event belongs to: Computer, else Hostname / host.name / hostname / computer_name, else "".
std::string_view event_host(const Event& e);

}  // namespace trawl

// The JSONL detection record and the RunStats JSON object (see sink.h).
#include <cstdio>
#include <cstring>
#include <string_view>
#include <unordered_map>

#include "core/text.h"
#include "core/time.h"
#include "output/json_record.h"
#include "output/sink.h"
#include "output/text_render.h"

namespace trawl {

using output::append_json_text;

namespace output {

char* write_uint(char* p, uint64_t v) {
  char buf[20];
  char* e = buf + sizeof buf;
  char* q = e;
  do {
    *--q = char('0' + v % 10);
    v /= 10;
  } while (v);
  std::memcpy(p, q, size_t(e - q));
  return p + (e - q);
}

static inline char* put(char* p, std::string_view s) {
  std::memcpy(p, s.data(), s.size());
  return p + s.size();
}

size_t fields_json_bound(const FieldList& fields) {
  size_t b = 2;
  for (const auto& [name, value] : fields) b += json_text_bound(name.size()) + json_text_bound(value.size()) + 4;
  return b;
}

template <bool kCsv>
static inline char* field_text(char* p, std::string_view s) {
  return kCsv ? write_json_text_csv(p, s) : write_json_text(p, s);
}

template <bool kCsv>
static char* write_fields_json_impl(char* p, const FieldList& fields) {
  const size_t n = fields.size();
  // Most events have no repeated names; find out cheaply first. Small events: pairwise on cheap signatures
  // (no allocation); big ones (an attacker can make any number of fields): a hash map, so the cost stays linear.
  bool repeated = false;
  std::unordered_map<std::string_view, std::vector<size_t>> groups;
  constexpr size_t kPairwiseLimit = 48;
  if (n <= kPairwiseLimit) {
    uint64_t sig[kPairwiseLimit];
    for (size_t i = 0; i < n; ++i) {
      const std::string& name = fields[i].first;
      sig[i] = name.empty() ? 0
                            : (uint64_t(name.size()) << 16) | (uint64_t(uint8_t(name.front())) << 8) |
                                  uint8_t(name.back());
    }
    // A small open-addressing set of signatures on the stack: linear in n, no allocation.
    constexpr size_t kSlots = 128;  // > 2 * kPairwiseLimit: probes stay short
    uint8_t slot[kSlots] = {};      // field index + 1, 0 = empty
    for (size_t i = 0; i < n && !repeated; ++i) {
      size_t h = size_t((sig[i] * 0x9E3779B97F4A7C15ULL) >> 57);
      while (slot[h]) {
        const size_t j = slot[h] - 1u;
        if (sig[j] == sig[i] && fields[j].first == fields[i].first) {
          repeated = true;
          break;
        }
        h = (h + 1) & (kSlots - 1);
      }
      slot[h] = uint8_t(i + 1);
    }
  } else {
    groups.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      auto& g = groups[fields[i].first];
      g.push_back(i);
      if (g.size() > 1) repeated = true;
    }
  }
  *p++ = '{';
  if (!repeated) {
    for (size_t i = 0; i < n; ++i) {
      if (i) *p++ = ',';
      p = field_text<kCsv>(p, fields[i].first);
      *p++ = ':';
      p = field_text<kCsv>(p, fields[i].second);
    }
    *p++ = '}';
    return p;
  }
  if (groups.empty()) {
    groups.reserve(n);
    for (size_t i = 0; i < n; ++i) groups[fields[i].first].push_back(i);
  }
  bool first = true;
  for (size_t i = 0; i < n; ++i) {
    const std::vector<size_t>& g = groups[fields[i].first];
    if (g.front() != i) continue;  // rendered with its first occurrence
    if (!first) *p++ = ',';
    first = false;
    p = field_text<kCsv>(p, fields[i].first);
    *p++ = ':';
    if (g.size() == 1) {
      p = field_text<kCsv>(p, fields[i].second);
      continue;
    }
    *p++ = '[';
    for (size_t k = 0; k < g.size(); ++k) {
      if (k) *p++ = ',';
      p = field_text<kCsv>(p, fields[g[k]].second);
    }
    *p++ = ']';
  }
  *p++ = '}';
  return p;
}

char* write_fields_json(char* p, const FieldList& fields) { return write_fields_json_impl<false>(p, fields); }
char* write_fields_json_csv(char* p, const FieldList& fields) { return write_fields_json_impl<true>(p, fields); }

size_t detection_json_bound(const Detection& d) {
  size_t b = 256 + json_text_bound(d.tenant.size()) + json_text_bound(d.host.size()) +
             json_text_bound(d.rule_id.size()) + json_text_bound(d.title.size()) +
             json_text_bound(d.source_path.size()) + fields_json_bound(d.fields);
  for (const std::string& t : d.tags) b += json_text_bound(t.size()) + 1;
  return b;
}

char* write_detection_json(char* p, const Detection& d) {
  p = put(p, "{\"timestamp\":");
  if (d.time_us == kNoTime) {
    p = put(p, "null");
  } else {
    *p++ = '"';
    p = write_time_us(p, d.time_us);
    *p++ = '"';
  }
  p = put(p, ",\"tenant\":");
  p = write_json_text(p, d.tenant);
  p = put(p, ",\"host\":");
  p = write_json_text(p, d.host);
  p = put(p, ",\"kind\":\"");
  p = put(p, detection_kind_name(d.kind));
  p = put(p, "\",\"rule_id\":");
  p = write_json_text(p, d.rule_id);
  p = put(p, ",\"title\":");
  p = write_json_text(p, d.title);
  p = put(p, ",\"level\":\"");
  p = put(p, level_name(d.level));
  p = put(p, "\",\"tags\":[");
  for (size_t i = 0; i < d.tags.size(); ++i) {
    if (i) *p++ = ',';
    p = write_json_text(p, d.tags[i]);
  }
  p = put(p, "],\"source\":{\"path\":");
  p = write_json_text(p, d.source_path);
  p = put(p, ",\"record_id\":");
  p = write_uint(p, d.record_id);
  p = put(p, "},\"fields\":");
  p = write_fields_json(p, d.fields);
  *p++ = '}';
  return p;
}

}  // namespace output

static void append_uint(std::string& out, uint64_t v) {
  char buf[20];
  out.append(buf, size_t(output::write_uint(buf, v) - buf));
}

static void append_time_or_null(std::string& out, int64_t us) {
  if (us == kNoTime) {
    out += "null";
    return;
  }
  out.push_back('"');
  append_time_us(out, us);
  out.push_back('"');
}

void append_fields_json(std::string& out, const std::vector<std::pair<std::string, std::string>>& fields) {
  const size_t old = out.size();
  out.resize(old + output::fields_json_bound(fields));
  char* end = output::write_fields_json(out.data() + old, fields);
  out.resize(size_t(end - out.data()));
}

void append_detection_json(std::string& out, const Detection& d) {
  const size_t old = out.size();
  out.resize(old + output::detection_json_bound(d));
  char* end = output::write_detection_json(out.data() + old, d);
  out.resize(size_t(end - out.data()));
}

static void append_count_map(std::string& out, const std::map<std::string, uint64_t>& m) {
  out.push_back('{');
  bool first = true;
  for (const auto& [k, v] : m) {
    if (!first) out.push_back(',');
    first = false;
    append_json_text(out, k);
    out.push_back(':');
    append_uint(out, v);
  }
  out.push_back('}');
}

void append_stats_json(std::string& out, const RunStats& s) {
  out += "{\"files_read\":";
  append_uint(out, s.files_read);
  out += ",\"files_skipped\":";
  append_uint(out, s.files_skipped);
  out += ",\"bytes\":";
  append_uint(out, s.bytes);
  out += ",\"events\":";
  append_uint(out, s.events);
  out += ",\"detections\":";
  append_uint(out, s.detections);
  out += ",\"decode_errors\":";
  append_uint(out, s.decode_errors);
  out += ",\"seconds\":";
  {
    char buf[32];
    const double secs = (s.seconds == s.seconds && s.seconds >= 0 && s.seconds < 1e15) ? s.seconds : 0.0;
    int len = std::snprintf(buf, sizeof buf, "%.3f", secs);
    out.append(buf, len > 0 ? size_t(len) : 0);
  }
  out += ",\"events_per_file\":";
  append_count_map(out, s.events_per_file);
  out += ",\"events_per_channel\":";
  append_count_map(out, s.events_per_channel);
  out += ",\"events_per_event_id\":";
  append_count_map(out, s.events_per_event_id);
  out += ",\"detections_per_rule\":";
  append_count_map(out, s.detections_per_rule);
  out += ",\"time_span_per_host\":{";
  bool first = true;
  for (const auto& [host, span] : s.time_span_per_host) {
    if (!first) out.push_back(',');
    first = false;
    append_json_text(out, host);
    out += ":[";
    append_time_or_null(out, span.first);
    out.push_back(',');
    append_time_or_null(out, span.second);
    out.push_back(']');
  }
  out += "},\"diagnostics\":[";
  for (size_t i = 0; i < s.diagnostics.size(); ++i) {
    const Diagnostic& g = s.diagnostics[i];
    if (i) out.push_back(',');
    out += "{\"severity\":\"";
    out += severity_name(g.severity);
    out += "\",\"path\":";
    append_json_text(out, g.path);
    out += g.line_based ? ",\"line\":" : ",\"offset\":";
    append_uint(out, g.offset);
    out += ",\"message\":";
    append_json_text(out, g.message);
    out.push_back('}');
  }
  out += "]}";
}

}  // namespace trawl

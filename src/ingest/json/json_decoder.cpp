#include "ingest/json/json_decoder.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <simdjson.h>
#include <string>
#include <vector>

#include "core/text.h"
#include "core/time.h"

namespace trawl {

namespace {

namespace dom = simdjson::dom;

constexpr size_t kUnitBytes = 1 << 20;
constexpr size_t kMaxDepth = 64;

struct Doc {
  size_t begin, end;  // byte range in the buffer
  uint64_t line;      // 1-based line of the first byte
};

// Renders a scalar JSON value as text: strings as they are, numbers as their shortest text, bools as
// true/false. Returns false for null (the field is absent) and for containers.
bool scalar_text(dom::element v, std::string& scratch, std::string_view& out) {
  switch (v.type()) {
    case dom::element_type::STRING: {
      std::string_view s;
      if (v.get_string().get(s)) return false;
      out = s;
      return true;
    }
    case dom::element_type::INT64: {
      int64_t i = 0;
      if (v.get_int64().get(i)) return false;
      scratch = std::to_string(i);
      out = scratch;
      return true;
    }
    case dom::element_type::UINT64: {
      uint64_t u = 0;
      if (v.get_uint64().get(u)) return false;
      scratch = std::to_string(u);
      out = scratch;
      return true;
    }
    case dom::element_type::DOUBLE: {
      double d = 0;
      if (v.get_double().get(d)) return false;
      scratch = fmt::format("{}", d);
      out = scratch;
      return true;
    }
    case dom::element_type::BOOL: {
      bool b = false;
      if (v.get_bool().get(b)) return false;
      out = b ? "true" : "false";
      return true;
    }
    default:
      return false;
  }
}

class Flattener {
 public:
  Flattener(EventBatch& batch, Event& e) : batch_(batch), e_(e) {}

  void add(std::string_view name, std::string_view value) { e_.add(batch_.copy(name), batch_.copy(value)); }

  void add_scalar(std::string_view name, dom::element v) {
    std::string_view text;
    if (scalar_text(v, scratch_, text)) add(name, text);
  }

  // A value that may be a scalar, {"#text":..}, an array (repeated fields) or an object (leaves by own name).
  void add_value(std::string_view name, dom::element v, size_t depth) {
    if (depth > kMaxDepth) return;
    switch (v.type()) {
      case dom::element_type::ARRAY:
        for (dom::element item : dom::array(v)) add_value(name, item, depth + 1);
        return;
      case dom::element_type::OBJECT: {
        dom::object o(v);
        dom::element text;
        if (!o["#text"].get(text)) {
          add_value(name, text, depth + 1);
          return;
        }
        leaves(v, depth + 1);
        return;
      }
      default:
        add_scalar(name, v);
    }
  }

  // Every leaf of an object by its own key; "#attributes" leaves as Parent_Attr.
  void leaves(dom::element v, size_t depth) {
    if (depth > kMaxDepth || v.type() != dom::element_type::OBJECT) return;
    for (auto [key, value] : dom::object(v)) {
      if (key == "#attributes") continue;
      add_value(key, value, depth + 1);
    }
  }

  // Nested objects under dotted names ("host.name"); arrays repeat the name.
  void dotted(std::string& prefix, dom::element v, size_t depth) {
    if (depth > kMaxDepth) return;
    if (v.type() == dom::element_type::OBJECT) {
      for (auto [key, value] : dom::object(v)) {
        size_t keep = prefix.size();
        if (!prefix.empty()) prefix.push_back('.');
        prefix.append(key);
        dotted(prefix, value, depth + 1);
        prefix.resize(keep);
      }
    } else if (v.type() == dom::element_type::ARRAY) {
      for (dom::element item : dom::array(v)) dotted(prefix, item, depth + 1);
    } else {
      add_scalar(prefix, v);
    }
  }

  std::string scratch_;

 private:
  EventBatch& batch_;
  Event& e_;
};

void set_time_from(Event& e, std::string_view name) {
  if (e.time_us != kNoTime) return;
  if (const std::string_view* v = e.find(name))
    if (auto t = parse_time(*v)) e.time_us = *t;
}

// {"Event":{"System":{...},"EventData":{...}}}: System leaves named as the EVTX decoder names them.
void flatten_evtx_shape(Flattener& f, dom::object event) {
  dom::element system;
  if (!event["System"].get(system) && system.type() == dom::element_type::OBJECT) {
    for (auto [key, value] : dom::object(system)) {
      if (value.type() == dom::element_type::OBJECT) {
        dom::object o(value);
        dom::element text, attrs;
        if (!o["#text"].get(text)) f.add_scalar(key, text);
        if (!o["#attributes"].get(attrs) && attrs.type() == dom::element_type::OBJECT) {
          for (auto [ak, av] : dom::object(attrs)) {
            if (key == "TimeCreated" && ak == "SystemTime") {
              f.add_scalar("TimeCreated", av);
              continue;
            }
            std::string name(key);
            name.push_back('_');
            name.append(ak);
            f.add_scalar(name, av);
          }
        }
      } else {
        f.add_scalar(key, value);
      }
    }
  }
  for (const char* section : {"EventData", "UserData"}) {
    dom::element data;
    if (event[section].get(data)) continue;
    if (data.type() == dom::element_type::OBJECT) {
      f.leaves(data, 1);
    } else if (data.type() == dom::element_type::ARRAY) {
      f.add_value("Data", data, 1);
    }
  }
}

// Winlogbeat / Elastic Common Schema.
void flatten_winlog_shape(Flattener& f, dom::object root, dom::object winlog) {
  struct Rename {
    const char* key;
    const char* name;
  };
  static constexpr Rename kRenames[] = {
      {"channel", "Channel"},           {"event_id", "EventID"},          {"computer_name", "Computer"},
      {"provider_name", "Provider_Name"}, {"provider_guid", "Provider_Guid"}, {"record_id", "EventRecordID"},
      {"task", "Task"},                 {"opcode", "Opcode"},             {"version", "Version"},
      {"level", "Level"},
  };
  for (const Rename& r : kRenames) {
    dom::element v;
    if (!winlog[r.key].get(v)) f.add_scalar(r.name, v);
  }
  dom::element v;
  if (!winlog.at_pointer("/process/pid").get(v)) f.add_scalar("Execution_ProcessID", v);
  if (!winlog.at_pointer("/process/thread/id").get(v)) f.add_scalar("Execution_ThreadID", v);
  if (!winlog.at_pointer("/user/identifier").get(v)) f.add_scalar("Security_UserID", v);
  if (!root["@timestamp"].get(v)) f.add_scalar("TimeCreated", v);
  for (const char* section : {"event_data", "user_data"}) {
    dom::element data;
    if (!winlog[section].get(data)) f.leaves(data, 1);
  }
  // The rest of the document (host.name, agent.*, event.*) under dotted names, for context and host lookup.
  std::string prefix;
  for (auto [key, value] : root) {
    if (key == "winlog" || key == "@timestamp" || key == "message") continue;
    prefix.assign(key);
    f.dotted(prefix, value, 1);
  }
}

// Flat exports: top-level scalars by name, nested objects by dotted names. Aliases the names Sigma rules use
// when the export used others (Mordor's SourceName/Hostname).
void flatten_flat_shape(Flattener& f, Event& e, dom::object root) {
  std::string prefix;
  for (auto [key, value] : root) {
    prefix.assign(key);
    f.dotted(prefix, value, 1);
  }
  if (!e.find("Provider_Name"))
    if (const std::string_view* s = e.find("SourceName")) f.add("Provider_Name", *s);
  if (!e.find("Computer"))
    if (const std::string_view* s = e.find("Hostname")) f.add("Computer", *s);
}

struct ThreadState {
  dom::parser parser;
  std::string padded;
};

ThreadState& thread_state() {
  thread_local ThreadState s;
  return s;
}

bool decode_object(dom::element root, EventBatch& batch, Event& e, std::string* error) {
  if (root.type() != dom::element_type::OBJECT) {
    if (error) *error = "not a JSON object";
    return false;
  }
  dom::object obj(root);
  Flattener f(batch, e);
  dom::element event, winlog;
  if (!obj["Event"].get(event) && event.type() == dom::element_type::OBJECT) {
    flatten_evtx_shape(f, dom::object(event));
  } else if (!obj["winlog"].get(winlog) && winlog.type() == dom::element_type::OBJECT) {
    flatten_winlog_shape(f, obj, dom::object(winlog));
  } else {
    flatten_flat_shape(f, e, obj);
  }
  for (std::string_view name : {"TimeCreated", "@timestamp", "EventTime", "UtcTime", "timestamp", "ts"})
    set_time_from(e, name);
  return true;
}

bool parse_padded(std::string_view doc, dom::element& root, std::string* error) {
  ThreadState& ts = thread_state();
  ts.padded.assign(doc);
  ts.padded.append(simdjson::SIMDJSON_PADDING, ' ');
  auto err = ts.parser.parse(ts.padded.data(), doc.size(), false).get(root);
  if (err) {
    if (error) *error = simdjson::error_message(err);
    return false;
  }
  return true;
}

class JsonLogDecoder final : public Decoder {
 public:
  JsonLogDecoder(std::shared_ptr<const Buffer> buf, std::shared_ptr<const FileInfo> info, DecodeOptions opt)
      : buf_(std::move(buf)), info_(std::move(info)), opt_(opt) {
    split();
  }

  size_t unit_count() const override { return units_.size(); }

  std::pair<uint64_t, uint64_t> unit_span(size_t index) const override {
    if (index >= units_.size() || units_[index].first >= units_[index].second) return {0, 0};
    return {docs_[units_[index].first].begin, docs_[units_[index].second - 1].end};
  }

  void decode_unit(size_t index, EventBatch& out) const override {
    out.clear();
    out.file = info_;
    out.keepalive = buf_;
    if (index >= units_.size()) return;
    const std::string_view text = buf_->view();
    for (size_t d = units_[index].first; d < units_[index].second; ++d) {
      const Doc& doc = docs_[d];
      std::string_view body = text.substr(doc.begin, doc.end - doc.begin);
      out.bytes += body.size();
      Event& e = out.next();
      std::string error;
      dom::element root;
      bool ok = parse_padded(body, root, &error);
      if (ok && root.type() == dom::element_type::ARRAY) {
        // A top-level array: each element is an event.
        out.drop_last();
        size_t i = 0;
        for (dom::element item : dom::array(root)) {
          Event& ee = out.next();
          ee.record_id = doc.line;
          ee.offset = doc.begin;
          if (!decode_object(item, out, ee, &error)) {
            out.drop_last();
            report(out, doc, fmt::format("array element {}: {}", i, error));
          }
          ++i;
        }
        continue;
      }
      if (ok) ok = decode_object(root, out, e, &error);
      if (!ok) {
        out.drop_last();
        report(out, doc, "not a JSON event: " + error);
        continue;
      }
      e.record_id = doc.line;
      e.offset = doc.begin;
      e.raw = body;
    }
  }

 private:
  void report(EventBatch& out, const Doc& doc, std::string message) const {
    ++out.errors;
    if (out.diagnostics.size() < opt_.max_diagnostics_per_unit)
      out.diagnostics.push_back(Diagnostic{Severity::kError, info_->path, doc.line, true, std::move(message)});
  }

  // Finds document boundaries: a brace-depth scan that knows strings, so pretty-printed and concatenated
  // objects work; a line that does not balance is cut at the next line that starts a new object, so one
  // broken line cannot swallow the rest of the file.
  void split() {
    const std::string_view t = buf_->view();
    const size_t n = t.size();
    size_t i = 0;
    uint64_t line = 1;
    // Skip a UTF-8 BOM.
    if (n >= 3 && std::memcmp(t.data(), "\xEF\xBB\xBF", 3) == 0) i = 3;
    while (i < n) {
      char c = t[i];
      if (c == '\n') {
        ++line;
        ++i;
        continue;
      }
      if (c == ' ' || c == '\t' || c == '\r' || c == ',') {
        ++i;
        continue;
      }
      size_t begin = i;
      uint64_t begin_line = line;
      if (c != '{' && c != '[') {
        // Garbage up to the end of the line: one error.
        size_t eol = t.find('\n', i);
        if (eol == std::string_view::npos) eol = n;
        add_doc(Doc{begin, eol, begin_line});
        i = eol;
        continue;
      }
      int depth = 0;
      bool in_string = false;
      size_t end = n;
      size_t last_line_start = std::string_view::npos;  // first line start inside the doc that begins with '{'
      for (; i < n; ++i) {
        char ch = t[i];
        if (in_string) {
          if (ch == '\\') {
            ++i;
          } else if (ch == '"') {
            in_string = false;
          } else if (ch == '\n') {
            // JSON strings cannot hold raw newlines: the string (and the document) is broken here.
            in_string = false;
            ++line;
            if (i + 1 < n && t[i + 1] == '{' && last_line_start == std::string_view::npos) last_line_start = i + 1;
          }
          continue;
        }
        if (ch == '"') {
          in_string = true;
        } else if (ch == '{' || ch == '[') {
          ++depth;
        } else if (ch == '}' || ch == ']') {
          if (--depth == 0) {
            end = i + 1;
            ++i;
            break;
          }
        } else if (ch == '\n') {
          ++line;
          if (i + 1 < n && t[i + 1] == '{' && last_line_start == std::string_view::npos) last_line_start = i + 1;
        }
      }
      if (end == n && depth != 0) {
        // Unbalanced: cut at the first following line that starts an object, if any.
        if (last_line_start != std::string_view::npos) {
          end = last_line_start;
          i = last_line_start;
          line = begin_line + uint64_t(std::count(t.begin() + begin, t.begin() + end, '\n'));
        }
      }
      add_doc(Doc{begin, end, begin_line});
    }
    if (unit_first_ < docs_.size()) units_.emplace_back(unit_first_, docs_.size());
  }

  // Records a document and closes a unit every kUnitBytes; the pages of a closed unit are released (the scan
  // touched them all; decoding maps them again as needed), so scanning a huge file keeps little resident.
  void add_doc(Doc d) {
    unit_bytes_ += d.end - d.begin;
    docs_.push_back(d);
    if (unit_bytes_ >= kUnitBytes) {
      units_.emplace_back(unit_first_, docs_.size());
      const auto sp = unit_span(units_.size() - 1);
      buf_->release_pages(sp.first, sp.second - sp.first);
      unit_first_ = docs_.size();
      unit_bytes_ = 0;
    }
  }
  size_t unit_first_ = 0, unit_bytes_ = 0;

  std::shared_ptr<const Buffer> buf_;
  std::shared_ptr<const FileInfo> info_;
  DecodeOptions opt_;
  std::vector<Doc> docs_;
  std::vector<std::pair<size_t, size_t>> units_;
};

}  // namespace

bool looks_like_json(std::string_view head) {
  size_t i = 0;
  if (head.size() >= 3 && head.substr(0, 3) == "\xEF\xBB\xBF") i = 3;
  while (i < head.size() && (head[i] == ' ' || head[i] == '\t' || head[i] == '\r' || head[i] == '\n')) ++i;
  return i < head.size() && (head[i] == '{' || head[i] == '[');
}

Result<std::unique_ptr<Decoder>> open_json_log(std::shared_ptr<const Buffer> buf, std::shared_ptr<const FileInfo> info,
                                               const DecodeOptions& opt) {
  if (!looks_like_json(buf->view().substr(0, 4096)))
    return Status::Error(info->path + ": not a JSON log (the first character is not '{' or '[')");
  return std::unique_ptr<Decoder>(new JsonLogDecoder(std::move(buf), std::move(info), opt));
}

bool decode_json_document(std::string_view doc, EventBatch& batch, Event& e, std::string* error) {
  dom::element root;
  if (!parse_padded(doc, root, error)) return false;
  return decode_object(root, batch, e, error);
}

}  // namespace trawl

// Fuzzes the outputs with attacker-chosen detection values: the input is split on NUL bytes into tenant,
// host, rule id, title, source path, a tag and field name/value pairs. Checks the invariants every sink
// promises: JSON lines parse and equal core's slow JSON writer once decoded, CSV rows have exactly the 14
// columns and no formula at a cell start, HTML and terminal text carry no markup or control characters.
#include <simdjson.h>

#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "core/text.h"
#include "output/sink.h"
#include "output/text_render.h"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

std::vector<std::string> parse_csv_row(const std::string& s, size_t& consumed) {
  std::vector<std::string> cells;
  std::string cell;
  bool in_quotes = false;
  size_t i = 0;
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (in_quotes) {
      if (c == '"' && i + 1 < s.size() && s[i + 1] == '"') {
        cell.push_back('"');
        ++i;
      } else if (c == '"') {
        in_quotes = false;
      } else {
        cell.push_back(c);
      }
    } else if (c == '"' && cell.empty()) {
      in_quotes = true;
    } else if (c == ',') {
      cells.push_back(cell);
      cell.clear();
    } else if (c == '\r' && i + 1 < s.size() && s[i + 1] == '\n') {
      cells.push_back(cell);
      consumed = i + 2;
      return cells;
    } else {
      cell.push_back(c);
    }
  }
  consumed = i;
  cells.push_back(cell);
  return cells;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::vector<std::string> parts(1);
  for (size_t i = 1; i < size; ++i) {
    if (data[i] == 0)
      parts.emplace_back();
    else
      parts.back().push_back(char(data[i]));
  }
  trawl::Detection d;
  d.level = trawl::Level(data[0] % 5);
  d.kind = trawl::DetectionKind((data[0] >> 3) % 4);
  d.time_us = (data[0] & 0x80) ? trawl::kNoTime : int64_t(data[0]) * 1000003;
  auto take = [&](size_t i) { return i < parts.size() ? parts[i] : std::string(); };
  d.tenant = take(0);
  d.host = take(1);
  d.rule_id = take(2);
  d.title = take(3);
  d.source_path = take(4);
  if (parts.size() > 5) d.tags.push_back(parts[5]);
  for (size_t i = 6; i + 1 < parts.size(); i += 2) d.fields.emplace_back(parts[i], parts[i + 1]);

  // JSON: valid, one line, no raw control bytes, and each value decodes like core's plain writer does.
  std::string line;
  trawl::append_detection_json(line, d);
  check(trawl::is_valid_utf8(line));
  for (char c : line) check(static_cast<unsigned char>(c) >= 0x20);
  static simdjson::dom::parser parser;
  {
    simdjson::padded_string ps(line);
    simdjson::dom::element e;
    check(parser.parse(ps).get(e) == simdjson::SUCCESS);
  }
  for (const std::string& v : parts) {
    std::string fast, slow;
    trawl::output::append_json_text(fast, v);
    trawl::append_json_string(slow, v);
    simdjson::padded_string pf(fast), ps(slow);
    std::string_view a, b;
    check(parser.parse(pf).get_string().get(a) == simdjson::SUCCESS);
    std::string decoded(a);
    check(parser.parse(ps).get_string().get(b) == simdjson::SUCCESS);
    check(decoded == b);
  }

  // CSV: a header and one row of exactly 14 cells; no cell opens a formula.
  {
    std::ostringstream out;
    auto sink = trawl::make_csv_sink(out);
    check(sink->begin(trawl::RunInfo{}).ok());
    check(sink->write(d).ok());
    check(sink->finish(trawl::RunStats{}).ok());
    const std::string csv = out.str();
    check(trawl::is_valid_utf8(csv));
    size_t used = 0;
    parse_csv_row(csv, used);
    const std::string rest = csv.substr(used);
    const auto cells = parse_csv_row(rest, used);
    check(cells.size() == 14 && used == rest.size());
    for (const std::string& c : cells)
      check(c.empty() || (c[0] != '=' && c[0] != '+' && c[0] != '-' && c[0] != '@' && c[0] != '\t' && c[0] != '\r'));
  }

  // HTML and terminal text.
  for (const std::string& v : parts) {
    std::string h;
    trawl::output::append_html_escaped(h, v);
    check(trawl::is_valid_utf8(h));
    for (char c : h) check(c != '<' && c != '>' && c != '"' && c != '\'');
    const std::string t = trawl::output::terminal_safe(v);
    check(trawl::is_valid_utf8(t));
    for (size_t i = 0; i < t.size();) {
      uint32_t cp = 0;
      const size_t l = trawl::output::decode_utf8(t, i, cp);
      check(l > 0 && cp >= 0x20 && !(cp >= 0x7f && cp <= 0x9f));
      i += l;
    }
  }
  {
    std::ostringstream out;
    auto sink = trawl::make_table_sink(out, trawl::TableOptions{false, 5, 80});
    check(sink->begin(trawl::RunInfo{}).ok());
    check(sink->write(d).ok());
    check(sink->finish(trawl::RunStats{}).ok());
    const std::string t = out.str();
    check(trawl::is_valid_utf8(t));
    for (char c : t) check(c == '\n' || static_cast<unsigned char>(c) >= 0x20);
  }
  return 0;
}

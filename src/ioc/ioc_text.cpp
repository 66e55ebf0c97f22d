// Line-based loaders: plain lists (maltrail, LOKI hash/C2 lists, Unit 42 lists), LOKI filename regex lists,
// and CSV / TSV / Markdown tables with a header row. Also the shared LoadContext and format detection.
#include <algorithm>
#include <string>
#include <vector>

#include "core/text.h"
#include "ioc/ioc_loaders.h"
#include "ioc/ioc_value.h"

namespace trawl::ioc {

// ---- LoadContext ----

std::string LoadContext::where(uint32_t line) const {
  return line ? name_ + ":" + std::to_string(line) : name_;
}

void LoadContext::reject(uint32_t line, std::string_view why) {
  rep_->rejected++;
  if (rep_->rejected_lines.size() < opt_->max_rejected_lines) rep_->rejected_lines.push_back(where(line) + ": " + std::string(why));
}

void LoadContext::note(uint32_t line, std::string_view what) {
  if (rep_->notes.size() < opt_->max_rejected_lines) rep_->notes.push_back(where(line) + ": " + std::string(what));
}

bool LoadContext::generic_domain_default(IocType t) const {
  return t == IocType::kDomain && opt_->domain_subdomains;
}

void LoadContext::add(IocType type, bool generic_domain, std::string_view value, std::string_view label,
                      uint32_t line, Level level, std::string_view source) {
  if (generic_domain && type == IocType::kDomain && opt_->domain_subdomains) type = IocType::kDomainTree;
  bool dup = false;
  std::string why;
  if (!b_->add(type, value, label, source.empty() ? std::string_view(name_) : source, source.empty() ? line : 0,
               level, &dup, &why)) {
    std::string shown(trim(value).substr(0, 120));
    reject(line, why + ": \"" + shown + "\"");
    return;
  }
  if (dup) rep_->duplicates++;
  else rep_->accepted++;
}

void LoadContext::add_inferred(std::string_view value, std::string_view label, uint32_t line, Level level) {
  IocType t;
  std::string norm, why;
  if (!classify(value, &t, &norm, &why)) {
    std::string shown(trim(value).substr(0, 120));
    reject(line, why + ": \"" + shown + "\"");
    return;
  }
  if (generic_domain_default(t)) t = IocType::kDomainTree;
  bool dup = false;
  if (!b_->add_normalised(t, norm, label, name_, line, level, &dup, &why)) {
    reject(line, why + ": \"" + std::string(trim(value).substr(0, 120)) + "\"");
    return;
  }
  if (dup) rep_->duplicates++;
  else rep_->accepted++;
}

bool LoadContext::type_from_name(std::string_view name, IocType* type, bool* generic_domain) const {
  if (!parse_ioc_type(name, type)) return false;
  std::string n = to_lower(trim(name));
  *generic_domain = n == "domain" || n == "domain-name" || n == "domain_name" || n == "dns";
  return true;
}

// ---- format detection ----

IocFormat detect_format(std::string_view content, std::string_view name) {
  std::string_view s = content;
  if (s.size() >= 3 && s.substr(0, 3) == "\xEF\xBB\xBF") s.remove_prefix(3);
  size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')) ++i;
  if (i < s.size() && (s[i] == '{' || s[i] == '[')) {
    // STIX bundles and objects say "spec_version" or "type": "bundle"/"indicator"; MISP says Event/Attribute.
    std::string_view head = s.substr(i, 4096);
    bool stix = head.find("\"spec_version\"") != std::string_view::npos ||
                head.find("\"bundle\"") != std::string_view::npos ||
                head.find("\"indicator--") != std::string_view::npos;
    bool misp = head.find("\"Event\"") != std::string_view::npos ||
                head.find("\"Attribute\"") != std::string_view::npos ||
                head.find("\"response\"") != std::string_view::npos ||
                head.find("\"to_ids\"") != std::string_view::npos;
    if (stix && !misp) return IocFormat::kStix;
    if (misp) return IocFormat::kMisp;
    if (s[i] == '{') return IocFormat::kStix;  // reported as "not a STIX bundle" with the reason
    return IocFormat::kMisp;
  }
  if (i < s.size() && s[i] == '|') return IocFormat::kCsv;  // Markdown table
  std::string base = to_lower(path_basename(name));
  if (iends_with(base, ".csv") || iends_with(base, ".tsv") || iends_with(base, ".md")) return IocFormat::kCsv;
  // LOKI decides a list's kind by its file name; so do we for its filename-iocs lists.
  if (base.find("filename") != std::string::npos && base.find(".json") == std::string::npos)
    return IocFormat::kLokiFilename;
  return IocFormat::kText;
}

namespace {

std::string_view strip_bom(std::string_view s) {
  if (s.size() >= 3 && s.substr(0, 3) == "\xEF\xBB\xBF") s.remove_prefix(3);
  return s;
}

// Words that head a column of indicators ("SHA256", "Domains", "IOC"): never an indicator themselves.
bool is_header_word(std::string_view w) {
  if (w.size() > 20 || w.find_first_of(".:/\\") != std::string_view::npos) return false;
  static constexpr std::string_view kWords[] = {
      "indicator", "indicators", "ioc", "iocs", "value", "values", "hash", "hashes", "domains",
      "ips", "urls", "hostnames", "filenames", "observable", "observables", "sha256s", "md5s", "sha1s"};
  IocType t;
  if (parse_ioc_type(w, &t)) return true;
  for (std::string_view k : kWords)
    if (iequals(w, k)) return true;
  return false;
}

std::string comment_text(std::string_view line) {
  size_t i = 0;
  while (i < line.size() && (line[i] == '#' || line[i] == ' ' || line[i] == '\t')) ++i;
  std::string_view t = trim(line.substr(i));
  // Ruler lines ("# ------") and empty comments do not label anything.
  if (t.find_first_not_of("-=*_ ") == std::string_view::npos) return std::string();
  return std::string(t.substr(0, 200));
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

Level level_from_score(int score, Level dflt) {
  if (score <= 0) return dflt;
  if (score >= 75) return Level::kHigh;
  if (score >= 50) return Level::kMedium;
  return Level::kLow;
}

int parse_score(std::string_view s) {
  s = trim(s);
  if (!all_digits(s) || s.size() > 4) return 0;
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

}  // namespace

// ---- plain text ----

void load_text(std::string_view content, LoadContext& cx) {
  std::string section;  // the last "# ..." comment: labels the entries below it
  for_each_line(strip_bom(content), [&](uint32_t n, std::string_view raw) {
    std::string_view line = trim(raw);
    if (line.empty()) return;
    if (line[0] == '#' || (line.size() > 1 && line[0] == '/' && line[1] == '/')) {
      std::string c = comment_text(line);
      if (!c.empty()) section = std::move(c);
      return;
    }
    std::string_view value = line, comment;
    size_t semi = line.find(';');
    if (semi != std::string_view::npos) {
      value = trim(line.substr(0, semi));
      comment = trim(line.substr(semi + 1));
    }
    if (is_header_word(value) && comment.empty()) {
      cx.note(n, "header line skipped: \"" + std::string(value) + "\"");
      return;
    }
    std::string label = section;
    if (!comment.empty() && !all_digits(comment)) label = std::string(comment.substr(0, 200));
    Level lvl = cx.opt().level;
    if (all_digits(comment)) lvl = level_from_score(parse_score(comment), lvl);
    cx.add_inferred(value, label, n, lvl);
  });
}

// ---- LOKI filename-iocs ----

void load_loki_filename(std::string_view content, LoadContext& cx) {
  std::string section;
  for_each_line(strip_bom(content), [&](uint32_t n, std::string_view raw) {
    std::string_view line = trim(raw);
    if (line.empty()) return;
    if (line[0] == '#') {
      std::string c = comment_text(line);
      if (!c.empty()) section = std::move(c);
      return;
    }
    // REGEX;SCORE[;EXCLUDE]. The regex may not hold ';' (LOKI splits the same way).
    std::vector<std::string_view> parts;
    size_t pos = 0;
    while (true) {
      size_t semi = line.find(';', pos);
      parts.push_back(line.substr(pos, semi == std::string_view::npos ? std::string_view::npos : semi - pos));
      if (semi == std::string_view::npos) break;
      pos = semi + 1;
    }
    std::string_view regex = trim(parts[0]);
    int score = parts.size() > 1 ? parse_score(parts[1]) : 0;
    if (parts.size() > 1 && score == 0 && !trim(parts[1]).empty()) {
      cx.reject(n, "LOKI score is not a number: \"" + std::string(trim(parts[1]).substr(0, 40)) + "\"");
      return;
    }
    if (parts.size() > 3) {
      cx.reject(n, "more than three ';'-separated columns (REGEX;SCORE;EXCLUDE expected)");
      return;
    }
    std::string value(regex);
    if (parts.size() == 3 && !trim(parts[2]).empty()) value += "\t" + std::string(trim(parts[2]));
    std::string label = section;
    if (score) label += (label.empty() ? "" : " ") + std::string("(LOKI score ") + std::to_string(score) + ")";
    cx.add(IocType::kFileRegex, false, value, label, n, level_from_score(score, cx.opt().level));
  });
}

// ---- CSV / TSV / Markdown tables ----

namespace {

struct Row {
  uint32_t line = 0;
  std::vector<std::string> cells;
};

// RFC 4180 records: quoted fields may hold the delimiter, "" and line breaks. Bounded: a record stops at
// 1 MiB of quoted text (an unterminated quote then ends at the end of its line, reported by the caller).
class CsvReader {
 public:
  CsvReader(std::string_view s, char delim) : s_(s), delim_(delim) {}
  bool next(Row* row, bool* unterminated) {
    *unterminated = false;
    if (pos_ >= s_.size()) return false;
    row->cells.clear();
    row->line = line_;
    std::string cell;
    bool in_quotes = false, was_quoted = false;
    size_t quote_start = 0;
    uint32_t quote_line = line_;
    while (pos_ < s_.size()) {
      char c = s_[pos_];
      if (in_quotes) {
        if (c == '"') {
          if (pos_ + 1 < s_.size() && s_[pos_ + 1] == '"') {
            cell += '"';
            pos_ += 2;
            continue;
          }
          in_quotes = false;
          ++pos_;
          continue;
        }
        if (c == '\n') ++line_;
        if (pos_ - quote_start > (1u << 20)) {
          // Runaway quote: give up on it at the end of the line where it started.
          *unterminated = true;
          size_t nl = s_.find('\n', quote_start);
          pos_ = nl == std::string_view::npos ? s_.size() : nl + 1;
          line_ = quote_line + 1;
          return true;
        }
        cell += c;
        ++pos_;
        continue;
      }
      if (c == '"' && trim(cell).empty() && !was_quoted) {
        in_quotes = was_quoted = true;
        cell.clear();
        quote_start = pos_;
        quote_line = line_;
        ++pos_;
        continue;
      }
      if (c == delim_) {
        row->cells.push_back(std::move(cell));
        cell.clear();
        was_quoted = false;
        ++pos_;
        continue;
      }
      if (c == '\n') {
        ++pos_;
        ++line_;
        break;
      }
      if (c != '\r') cell += c;
      ++pos_;
    }
    if (in_quotes) *unterminated = true;
    row->cells.push_back(std::move(cell));
    return true;
  }

 private:
  std::string_view s_;
  char delim_;
  size_t pos_ = 0;
  uint32_t line_ = 1;
};

char pick_delimiter(std::string_view header) {
  const char cands[] = {',', '\t', ';', '|'};
  char best = ',';
  size_t best_n = 0;
  for (char d : cands) {
    size_t n = 0;
    bool q = false;
    for (char c : header) {
      if (c == '"') q = !q;
      else if (c == d && !q) ++n;
    }
    if (n > best_n) {
      best_n = n;
      best = d;
    }
  }
  return best;
}

// "[text](url)" -> "text"; `code` -> code.
std::string markdown_cell(std::string_view c) {
  c = trim(c);
  if (c.size() >= 2 && c.front() == '`' && c.back() == '`') c = c.substr(1, c.size() - 2);
  if (!c.empty() && c.front() == '[') {
    size_t close = c.find("](");
    if (close != std::string_view::npos && c.back() == ')') return std::string(c.substr(1, close - 1));
  }
  return std::string(c);
}

std::vector<std::string> split_markdown(std::string_view line) {
  line = trim(line);
  if (!line.empty() && line.front() == '|') line.remove_prefix(1);
  if (!line.empty() && line.back() == '|') line.remove_suffix(1);
  std::vector<std::string> cells;
  size_t pos = 0;
  while (true) {
    size_t bar = line.find('|', pos);
    // A '|' inside a link's text or url would split it; Markdown escapes those as "\|".
    while (bar != std::string_view::npos && bar > 0 && line[bar - 1] == '\\') bar = line.find('|', bar + 1);
    cells.push_back(markdown_cell(line.substr(pos, bar == std::string_view::npos ? std::string_view::npos : bar - pos)));
    if (bar == std::string_view::npos) break;
    pos = bar + 1;
  }
  return cells;
}

bool is_markdown_rule(const std::vector<std::string>& cells) {
  for (const std::string& c : cells)
    if (c.find_first_not_of("-: ") != std::string::npos || c.find('-') == std::string::npos) return false;
  return !cells.empty();
}

struct Columns {
  int value = -1, type = -1, level = -1, source = -1, exclude = -1;
  std::vector<int> labels;
  bool value_names_type = false;  // the value column's header is a type ("SHA256", "domain")
  IocType value_type = IocType::kIp;
  bool value_generic_domain = false;
  bool value_any_hash = false;  // "Hash": MD5/SHA1/SHA256 by length
};

Columns find_columns(const std::vector<std::string>& header, const LoadContext& cx) {
  Columns c;
  static constexpr std::string_view kValue[] = {"value", "indicator", "ioc", "observable", "ioc_value",
                                                "indicator_value", "observable_value", "data"};
  static constexpr std::string_view kType[] = {"type", "ioc_type", "indicator_type", "attribute_type",
                                               "observable_type", "kind"};
  static constexpr std::string_view kLabel[] = {"label", "comment", "description", "family", "malware",
                                                "name", "tags", "title", "info", "threat", "reference"};
  for (size_t i = 0; i < header.size(); ++i) {
    std::string h = to_lower(trim(header[i]));
    for (std::string_view k : kValue)
      if (h == k && c.value < 0) c.value = int(i);
    for (std::string_view k : kType)
      if (h == k && c.type < 0) c.type = int(i);
    for (std::string_view k : kLabel)
      if (h == k) c.labels.push_back(int(i));
    if ((h == "level" || h == "severity") && c.level < 0) c.level = int(i);
    if (h == "source" && c.source < 0) c.source = int(i);
    if (h == "exclude" && c.exclude < 0) c.exclude = int(i);
  }
  if (c.value < 0) {
    for (size_t i = 0; i < header.size(); ++i) {
      std::string h = to_lower(trim(header[i]));
      IocType t;
      bool generic = false;
      if (h == "hash" || h == "hashes") {
        c.value = int(i);
        c.value_any_hash = true;
        break;
      }
      if (cx.type_from_name(h, &t, &generic) && h != "file" && h != "name") {
        c.value = int(i);
        c.value_names_type = true;
        c.value_type = t;
        c.value_generic_domain = generic;
        break;
      }
    }
  }
  // A "type" column next to a "Hash"-like value column may hold file types ("Win32 DLL"): still consulted,
  // but an unknown type name falls back to inference rather than rejecting the row.
  c.labels.erase(std::remove(c.labels.begin(), c.labels.end(), c.value), c.labels.end());
  return c;
}

void load_rows(const std::vector<Row>& rows, size_t first, const Columns& c, LoadContext& cx) {
  for (size_t r = first; r < rows.size(); ++r) {
    const Row& row = rows[r];
    bool blank = true;
    for (const std::string& cell : row.cells)
      if (!trim(cell).empty()) blank = false;
    if (blank) continue;
    if (!row.cells.empty() && !trim(row.cells[0]).empty() && trim(row.cells[0])[0] == '#') continue;
    if (int(row.cells.size()) <= c.value) {
      cx.reject(row.line, "row has " + std::to_string(row.cells.size()) + " columns, the value is in column " +
                              std::to_string(c.value + 1));
      continue;
    }
    std::string_view value = trim(row.cells[size_t(c.value)]);
    if (value.empty()) {
      cx.reject(row.line, "empty value");
      continue;
    }
    // A file regex's false-positive exclusion (LOKI's third column) travels as "REGEX\tEXCLUDE".
    std::string with_exclusion;
    if (c.exclude >= 0 && c.exclude < int(row.cells.size()) && !trim(row.cells[size_t(c.exclude)]).empty()) {
      with_exclusion = std::string(value) + "\t" + std::string(trim(row.cells[size_t(c.exclude)]));
      value = with_exclusion;
    }
    std::string label;
    for (int li : c.labels) {
      if (li >= int(row.cells.size())) continue;
      std::string_view l = trim(row.cells[size_t(li)]);
      if (l.empty()) continue;
      if (!label.empty()) label += "; ";
      label += l.substr(0, 200);
    }
    Level lvl = cx.opt().level;
    if (c.level >= 0 && c.level < int(row.cells.size())) {
      auto pl = parse_level(row.cells[size_t(c.level)]);
      if (pl) lvl = *pl;
    }
    std::string source;
    if (c.source >= 0 && c.source < int(row.cells.size())) source = std::string(trim(row.cells[size_t(c.source)]));
    IocType t;
    bool generic = false;
    // A value column named by its type ("SHA256", "Hash") decides: a "Type" column beside it then holds file
    // types ("Win32 DLL", RedDrip7's tables), not indicator types.
    bool typed_value = c.value_names_type || c.value_any_hash;
    std::string_view type_cell;
    if (c.type >= 0 && c.type < int(row.cells.size())) type_cell = trim(row.cells[size_t(c.type)]);
    if (!typed_value && !type_cell.empty()) {
      if (cx.type_from_name(type_cell, &t, &generic)) cx.add(t, generic, value, label, row.line, lvl, source);
      else cx.reject(row.line, "unsupported indicator type \"" + std::string(type_cell.substr(0, 60)) + "\"");
    } else if (c.value_names_type) {
      cx.add(c.value_type, c.value_generic_domain, value, label, row.line, lvl, source);
    } else if (c.value_any_hash) {
      IocType ht = value.size() == 40 ? IocType::kSha1 : value.size() == 64 ? IocType::kSha256 : IocType::kMd5;
      cx.add(ht, false, value, label, row.line, lvl, source);
    } else {
      IocType it;
      std::string norm, why;
      if (!classify(value, &it, &norm, &why)) {
        cx.reject(row.line, why + ": \"" + std::string(value.substr(0, 120)) + "\"");
        continue;
      }
      cx.add(it, true, norm, label, row.line, lvl, source);
    }
  }
}

}  // namespace

void load_csv(std::string_view content, LoadContext& cx) {
  content = strip_bom(content);
  std::vector<Row> rows;
  // Skip leading blank and '#' comment lines to find the header.
  size_t start = 0;
  uint32_t skipped_lines = 0;
  while (start < content.size()) {
    size_t nl = content.find('\n', start);
    std::string_view l = trim(content.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start));
    if (!l.empty() && l[0] != '#') break;
    ++skipped_lines;
    if (nl == std::string_view::npos) {
      start = content.size();
      break;
    }
    start = nl + 1;
  }
  std::string_view body = content.substr(start);
  if (body.empty()) {
    cx.note(0, "no rows");
    return;
  }
  bool markdown = trim(body).front() == '|';
  if (markdown) {
    for_each_line(body, [&](uint32_t n, std::string_view line) {
      if (trim(line).empty()) return;
      Row r;
      r.line = n + skipped_lines;
      r.cells = split_markdown(line);
      if (is_markdown_rule(r.cells)) return;
      rows.push_back(std::move(r));
    });
  } else {
    size_t nl = body.find('\n');
    char delim = pick_delimiter(body.substr(0, nl));
    CsvReader rd(body, delim);
    Row r;
    bool unterminated = false;
    while (rd.next(&r, &unterminated)) {
      r.line += skipped_lines;
      if (unterminated) {
        cx.reject(r.line, "unterminated quoted field");
        continue;
      }
      rows.push_back(r);
    }
  }
  if (rows.empty()) return;
  Columns c = find_columns(rows[0].cells, cx);
  if (c.value < 0) {
    // No header naming a value column: a header-less table when its first cell is an indicator.
    IocType t;
    std::string norm, why;
    if (!rows[0].cells.empty() && classify(rows[0].cells[0], &t, &norm, &why)) {
      Columns nc;
      nc.value = 0;
      for (size_t i = 1; i < rows[0].cells.size(); ++i) nc.labels.push_back(int(i));
      cx.note(rows[0].line, "no header row: values taken from the first column");
      load_rows(rows, 0, nc, cx);
      return;
    }
    for (const Row& row : rows) {
      bool blank = true;
      for (const std::string& cell : row.cells)
        if (!trim(cell).empty()) blank = false;
      if (!blank)
        cx.reject(row.line, row.line == rows[0].line ? "header names no value column (value, indicator, ioc, "
                                                       "a type name such as sha256/domain/ip, or hash)"
                                                     : "table has no value column");
    }
    return;
  }
  load_rows(rows, 1, c, cx);
}

}  // namespace trawl::ioc

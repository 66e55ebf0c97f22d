#include "ingest/zeek/zeek_decoder.h"

#include <simdjson.h>

#include <algorithm>
#include <functional>
#include <cstring>

#include "core/text.h"
#include "core/utf8.h"
#include "core/time.h"

namespace trawl {

namespace {

constexpr std::string_view kNormalisedIdKeys[][2] = {
    {"id_orig_h", "id.orig_h"}, {"id_orig_p", "id.orig_p"}, {"id_resp_h", "id.resp_h"}, {"id_resp_p", "id.resp_p"}};

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Writes the \xHH-decoded form of s to out (which has room for s.size() bytes); returns the length.
size_t unescape_into(std::string_view s, char* out) {
  size_t n = 0;
  for (size_t i = 0; i < s.size();) {
    if (s[i] == '\\' && i + 3 < s.size() && s[i + 1] == 'x') {
      int hi = hex_value(s[i + 2]), lo = hex_value(s[i + 3]);
      if (hi >= 0 && lo >= 0) {
        out[n++] = char(hi * 16 + lo);
        i += 4;
        continue;
      }
    }
    out[n++] = s[i++];
  }
  return n;
}

std::string_view first_line(std::string_view s) {
  size_t nl = s.find('\n');
  std::string_view l = nl == std::string_view::npos ? s : s.substr(0, nl);
  if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
  return l;
}

// One TSV header block: the directives in force for the data lines from begin_offset on.
struct TsvSchema {
  uint64_t begin_offset = 0;
  char sep = '\t';
  std::string set_sep = ",";
  std::string empty = "(empty)";
  std::string unset = "-";
  std::string path;
  std::vector<std::string> names;
  int ts_col = -1;
  std::shared_ptr<FileInfo> file;  // the caller's FileInfo with zeek_log_type from #path
};

struct UnitSpan {
  uint64_t begin = 0, end = 0;  // byte range [begin, end)
  uint64_t first_line = 1;      // 1-based line number of the line at begin
  size_t schema = 0;            // TSV: index of the schema in force at begin (may be kNoSchema)
};
constexpr size_t kNoSchema = size_t(-1);

// Everything events may point into; kept alive by each batch.
struct ZeekFileState {
  std::shared_ptr<const Buffer> buf;
  std::vector<TsvSchema> schemas;
  std::shared_ptr<FileInfo> file;  // JSON: the caller's FileInfo with the log type from _path
};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Fast path for Zeek's "1517336042.090842"; anything else goes to parse_time.
bool parse_epoch_fast(std::string_view s, int64_t* out) {
  size_t i = 0;
  int64_t sec = 0;
  if (s.empty() || s.size() > 40) return false;
  size_t digits = 0;
  while (i < s.size() && is_digit(s[i])) {
    if (++digits > 12) return false;
    sec = sec * 10 + (s[i++] - '0');
  }
  if (digits == 0) return false;
  int64_t frac = 0;
  int fd = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && is_digit(s[i])) {
      if (fd < 6) {
        frac = frac * 10 + (s[i] - '0');
        ++fd;
      }
      ++i;
    }
  }
  if (i != s.size()) return false;
  while (fd < 6) {
    frac *= 10;
    ++fd;
  }
  *out = sec * 1000000 + frac;
  return true;
}

void add_diag(EventBatch& out, const DecodeOptions& opt, const FileInfo* fi, uint64_t line, Severity sev,
              std::string msg) {
  if (out.diagnostics.size() >= opt.max_diagnostics_per_unit) return;
  Diagnostic d;
  d.severity = sev;
  d.path = fi ? fi->path : std::string();
  d.offset = line;
  d.line_based = true;
  d.message = std::move(msg);
  out.diagnostics.push_back(std::move(d));
}

// Splits [0, size) into ~kZeekUnitBytes units at newlines, counting lines.
template <class OnLine>
void for_each_line(std::string_view text, OnLine on_line) {
  size_t pos = 0;
  uint64_t line = 1;
  while (pos < text.size()) {
    const char* nl = static_cast<const char*>(std::memchr(text.data() + pos, '\n', text.size() - pos));
    size_t end = nl ? size_t(nl - text.data()) : text.size();
    on_line(pos, end, line, nl != nullptr);
    pos = end + 1;
    ++line;
  }
}

// ---------------------------------------------------------------------------------------------------------
// TSV

class ZeekTsvDecoder final : public Decoder {
 public:
  ZeekTsvDecoder(std::shared_ptr<ZeekFileState> st, std::vector<UnitSpan> units, DecodeOptions opt)
      : st_(std::move(st)), units_(std::move(units)), opt_(opt) {}
  size_t unit_count() const override { return units_.size(); }
  void decode_unit(size_t index, EventBatch& out) const override;
  std::pair<uint64_t, uint64_t> unit_span(size_t i) const override {
    return i < units_.size() ? std::make_pair(units_[i].begin, units_[i].end) : std::make_pair(uint64_t(0), uint64_t(0));
  }
  std::string log_type() const { return st_->schemas.empty() ? std::string() : st_->schemas[0].file->zeek_log_type; }
  std::vector<Diagnostic>& diags() { return file_diagnostics_; }

 private:
  std::shared_ptr<ZeekFileState> st_;
  std::vector<UnitSpan> units_;
  DecodeOptions opt_;
};

void ZeekTsvDecoder::decode_unit(size_t index, EventBatch& out) const {
  out.clear();
  if (index >= units_.size()) return;
  const UnitSpan& u = units_[index];
  out.keepalive = st_;
  out.file = st_->schemas.empty() ? nullptr : st_->schemas[0].file;
  out.bytes = u.end - u.begin;
  const char* base = reinterpret_cast<const char*>(st_->buf->data());
  size_t schema = u.schema;
  const TsvSchema* sc = schema == kNoSchema ? nullptr : &st_->schemas[schema];
  const FileInfo* fi = out.file.get();
  uint64_t line_no = u.first_line;
  uint64_t pos = u.begin;
  const uint64_t end = u.end;
  while (pos < end) {
    const char* lp = base + pos;
    const char* nl = static_cast<const char*>(std::memchr(lp, '\n', end - pos));
    const uint64_t lend = nl ? uint64_t(nl - base) : end;
    const bool complete = nl != nullptr;
    const uint64_t line_off = pos;
    const uint64_t this_line = line_no;
    pos = lend + 1;
    ++line_no;
    size_t len = lend - line_off;
    if (len > 0 && lp[len - 1] == '\r') --len;
    if (len == 0) continue;
    if (lp[0] == '#') continue;  // directives were read by open_zeek into the schema table
    while (schema + 1 < st_->schemas.size() && st_->schemas[schema + 1].begin_offset <= line_off) {
      ++schema;
      sc = &st_->schemas[schema];
    }
    if (!sc || sc->names.empty()) {
      ++out.errors;
      add_diag(out, opt_, fi, this_line, Severity::kError,
               sc ? "data line under a #fields header that names no column: skipped"
                  : "data line before any #fields header: skipped");
      continue;
    }
    const size_t ncols = sc->names.size();
    const std::string_view line(lp, len);
    const bool has_escape = std::memchr(lp, '\\', len) != nullptr;
    Event& e = out.next();
    e.file = sc->file.get();
    e.record_id = this_line;
    e.offset = line_off;
    e.raw = line;
    std::vector<Field>& fields = e.mutable_fields();
    size_t col = 0;
    const char* p = lp;
    const char* le = lp + len;
    const char sep = sc->sep;
    const std::string_view unset = sc->unset, empty = sc->empty;
    while (true) {
      const char* q = static_cast<const char*>(std::memchr(p, sep, size_t(le - p)));
      const char* te = q ? q : le;
      if (col < ncols) {
        std::string_view tok(p, size_t(te - p));
        if (tok != unset) {
          std::string_view name = sc->names[col];
          if (tok == empty) {
            fields.push_back(Field{name, std::string_view(p, 0)});
          } else {
            if (has_escape && std::memchr(tok.data(), '\\', tok.size())) {
              char* dst = out.arena.allocate(tok.size());
              tok = std::string_view(dst, unescape_into(tok, dst));
            }
            fields.push_back(Field{name, tok});
            if (int(col) == sc->ts_col) {
              int64_t t;
              if (parse_epoch_fast(tok, &t)) {
                e.time_us = t;
              } else if (auto pt = parse_time(tok)) {
                e.time_us = *pt;
              }
            }
          }
        }
      }
      ++col;
      if (!q) break;
      p = q + 1;
    }
    if (col > ncols || (col < ncols && (!complete || col * 2 < ncols))) {
      out.drop_last();
      ++out.errors;
      add_diag(out, opt_, fi, this_line, Severity::kError,
               std::string(complete ? "" : "cut line at end of file: ") + std::to_string(col) +
                   " columns where #fields declares " + std::to_string(ncols) + ": skipped");
      continue;
    }
    if (col < ncols)
      add_diag(out, opt_, fi, this_line, Severity::kWarning,
               std::to_string(col) + " columns where #fields declares " + std::to_string(ncols) +
                   ": the trailing fields are left absent");
  }
}

// Parses the header directives of a whole TSV file, fills schemas and unit spans. Returns false when the
// file has no usable header at all.
bool scan_tsv(std::string_view text, const std::shared_ptr<const FileInfo>& info, ZeekFileState& st,
              std::vector<UnitSpan>& units, std::vector<Diagnostic>& diags,
              const std::function<void(size_t, size_t)>& release) {
  TsvSchema cur;
  bool dirty = false, ever_fields = false, closed = false;
  uint64_t data_lines = 0;
  UnitSpan unit;
  unit.schema = kNoSchema;
  auto diag = [&](Severity s, uint64_t line, std::string msg) {
    if (diags.size() >= 64) return;
    Diagnostic d;
    d.severity = s;
    d.path = info ? info->path : std::string();
    d.offset = line;
    d.line_based = true;
    d.message = std::move(msg);
    diags.push_back(std::move(d));
  };
  auto split = [](std::string_view l, char sep, std::vector<std::string_view>& parts) {
    parts.clear();
    size_t s = 0;
    while (true) {
      size_t q = l.find(sep, s);
      parts.push_back(l.substr(s, q == std::string_view::npos ? std::string_view::npos : q - s));
      if (q == std::string_view::npos) break;
      s = q + 1;
    }
  };
  std::vector<std::string_view> parts;
  uint64_t last_line = 0;
  bool last_complete = true;
  for_each_line(text, [&](size_t b, size_t e, uint64_t line, bool complete) {
    last_line = line;
    last_complete = complete;
    if (b - unit.begin >= kZeekUnitBytes) {
      unit.end = b;
      units.push_back(unit);
      if (release) release(unit.begin, unit.end - unit.begin);
      unit.begin = b;
      unit.first_line = line;
      unit.schema = st.schemas.empty() ? kNoSchema : st.schemas.size() - 1;
    }
    std::string_view l = text.substr(b, e - b);
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    if (l.empty()) return;
    if (l[0] != '#') {
      ++data_lines;
      closed = false;
      if (dirty && ever_fields) {
        cur.begin_offset = b;
        st.schemas.push_back(cur);
        dirty = false;
      }
      return;
    }
    if (l.rfind("#separator", 0) == 0) {
      std::string v = zeek_unescape(trim(l.substr(10)));
      if (v.size() == 1) {
        cur.sep = v[0];
      } else {
        diag(Severity::kWarning, line, "#separator is not one byte; using tab");
        cur.sep = '\t';
      }
      dirty = true;
      return;
    }
    split(l, cur.sep, parts);
    std::string_view d = parts[0];
    if (d == "#fields") {
      cur.names.clear();
      cur.ts_col = -1;
      for (size_t i = 1; i < parts.size(); ++i) {
        // A trailing separator leaves an empty name: not a column.
        if (i + 1 == parts.size() && parts[i].empty()) break;
        if (parts[i] == "ts" && cur.ts_col < 0) cur.ts_col = int(cur.names.size());
        cur.names.emplace_back(parts[i]);
      }
      ever_fields = true;
      dirty = true;
    } else if (d == "#set_separator") {
      cur.set_sep = parts.size() > 1 ? zeek_unescape(parts[1]) : ",";
      dirty = true;
    } else if (d == "#empty_field") {
      cur.empty = parts.size() > 1 ? zeek_unescape(parts[1]) : "(empty)";
      dirty = true;
    } else if (d == "#unset_field") {
      cur.unset = parts.size() > 1 ? zeek_unescape(parts[1]) : "-";
      dirty = true;
    } else if (d == "#path") {
      cur.path = parts.size() > 1 ? std::string(parts[1]) : std::string();
      dirty = true;
    } else if (d == "#close") {
      closed = true;
    }
    // #open, #types and unknown directives change nothing we use.
  });
  unit.end = text.size();
  if (unit.end > unit.begin) units.push_back(unit);
  if (release && unit.end > unit.begin) release(unit.begin, unit.end - unit.begin);
  if (st.schemas.empty() && ever_fields) {  // headers without data: still a Zeek log
    cur.begin_offset = text.size();
    st.schemas.push_back(cur);
  }
  if (st.schemas.empty()) return false;
  for (auto& s : st.schemas) {
    auto fi = std::make_shared<FileInfo>(info ? *info : FileInfo());
    fi->format = InputFormat::kZeekTsv;
    // #path wins over the name, except that RITA's open-connection logs (open_conn.log) may say "#path conn":
    // there the name carries what #path lacks.
    if (!s.path.empty() && fi->zeek_log_type != "open_" + s.path) fi->zeek_log_type = s.path;
    s.file = std::move(fi);
  }
  // Units that start before the first schema but contain it: decode_unit advances to it.
  if (!last_complete)
    diag(Severity::kWarning, last_line, "file ends in the middle of line " + std::to_string(last_line) +
                                            ": the log is truncated (cut while written or copied)");
  if (!closed && data_lines > 0)
    diag(Severity::kWarning, last_line, "no #close line after the last record: the log is truncated or still open");
  return true;
}

// ---------------------------------------------------------------------------------------------------------
// JSON

struct JsonScratch {
  simdjson::ondemand::parser parser;
  std::string padded;
  std::string text;  // array joins and unescapes before they go to the arena
};

JsonScratch& json_scratch() {
  thread_local JsonScratch s;
  return s;
}

// Appends the JSON-unescaped content of a string token body (without quotes). Invalid escapes are kept as is.
void json_unescape_append(std::string_view body, std::string& out) {
  for (size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (c != '\\' || i + 1 >= body.size()) {
      out.push_back(c);
      continue;
    }
    char n = body[++i];
    switch (n) {
      case '"': out.push_back('"'); break;
      case '\\': out.push_back('\\'); break;
      case '/': out.push_back('/'); break;
      case 'b': out.push_back('\b'); break;
      case 'f': out.push_back('\f'); break;
      case 'n': out.push_back('\n'); break;
      case 'r': out.push_back('\r'); break;
      case 't': out.push_back('\t'); break;
      case 'u': {
        auto hex4 = [&](size_t at, uint32_t* v) {
          if (at + 4 > body.size()) return false;
          uint32_t r = 0;
          for (size_t k = 0; k < 4; ++k) {
            int h = hex_value(body[at + k]);
            if (h < 0) return false;
            r = r * 16 + uint32_t(h);
          }
          *v = r;
          return true;
        };
        uint32_t cp;
        if (!hex4(i + 1, &cp)) {
          out += "\\u";
          break;
        }
        i += 4;
        if (cp >= 0xD800 && cp < 0xDC00) {
          uint32_t lo;
          if (i + 2 < body.size() && body[i + 1] == '\\' && body[i + 2] == 'u' && hex4(i + 3, &lo) && lo >= 0xDC00 &&
              lo < 0xE000) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            i += 6;
          } else {
            cp = 0xFFFD;
          }
        } else if (cp >= 0xDC00 && cp < 0xE000) {
          cp = 0xFFFD;
        }
        append_utf8(out, cp);
        break;
      }
      default:
        out.push_back('\\');
        out.push_back(n);
    }
  }
}

std::string_view rtrim_ws(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// Decodes one JSON line into e. `line` is the original text (in the Buffer); the parser runs over a padded copy
// and zero-copy views are mapped back onto `line`.
class JsonLineDecoder {
 public:
  JsonLineDecoder(EventBatch& out, std::string_view line, const char* copy)
      : out_(out), line_(line), copy_(copy) {}

  // Returns an error message, or empty on success.
  std::string decode(Event& e, simdjson::ondemand::parser& parser, std::string& padded) {
    simdjson::ondemand::document doc;
    auto err = parser.iterate(padded.data(), line_.size(), padded.size()).get(doc);
    if (err) return simdjson::error_message(err);
    simdjson::ondemand::object obj;
    err = doc.get_object().get(obj);
    if (err) return std::string("not a JSON object: ") + simdjson::error_message(err);
    std::string e2 = walk_object(obj, e, std::string_view(), 0);
    if (!e2.empty()) return e2;
    return std::string();
  }

 private:
  // The body of a key whose text starts at p (just after the opening quote), up to the closing quote.
  std::string_view key_body(const char* p) const {
    const char* end = copy_ + line_.size();
    const char* q = p;
    while (q < end && *q != '"') q += (*q == '\\' && q + 1 < end) ? 2 : 1;
    if (q > end) q = end;
    return std::string_view(p, size_t(q - p));
  }
  std::string_view map(std::string_view in_copy) const {
    size_t off = size_t(in_copy.data() - copy_);
    if (off > line_.size() || in_copy.size() > line_.size() - off) return out_.copy(in_copy);
    return std::string_view(line_.data() + off, in_copy.size());
  }
  std::string_view name_for(std::string_view key, std::string_view prefix) {
    if (prefix.empty()) {
      for (auto& kv : kNormalisedIdKeys)
        if (key == kv[0]) return kv[1];
      return key;
    }
    std::string& t = json_scratch().text;
    t.assign(prefix);
    t.push_back('.');
    t.append(key);
    return out_.copy(t);
  }
  std::string walk_object(simdjson::ondemand::object& obj, Event& e, std::string_view prefix, int depth) {
    if (depth > 16) return "JSON nested too deeply";
    for (auto fr : obj) {
      simdjson::ondemand::field f;
      if (auto err = std::move(fr).get(f)) return simdjson::error_message(err);
      std::string_view raw_key = key_body(f.key().raw());
      std::string_view key;
      if (raw_key.find('\\') != std::string_view::npos) {
        std::string t;
        json_unescape_append(raw_key, t);
        key = out_.copy(t);
      } else {
        key = map(raw_key);
      }
      std::string_view name = name_for(key, prefix);
      simdjson::ondemand::value v = f.value();
      simdjson::ondemand::json_type type;
      if (auto err = v.type().get(type)) return simdjson::error_message(err);
      switch (type) {
        case simdjson::ondemand::json_type::object: {
          simdjson::ondemand::object sub;
          if (auto err = v.get_object().get(sub)) return simdjson::error_message(err);
          std::string r = walk_object(sub, e, name, depth + 1);
          if (!r.empty()) return r;
          break;
        }
        case simdjson::ondemand::json_type::array: {
          simdjson::ondemand::array arr;
          if (auto err = v.get_array().get(arr)) return simdjson::error_message(err);
          std::string joined;
          bool first = true;
          for (auto elr : arr) {
            simdjson::ondemand::value el;
            if (auto err = elr.get(el)) return simdjson::error_message(err);
            std::string_view tok = rtrim_ws(el.raw_json_token());
            simdjson::ondemand::json_type et;
            if (auto err = el.type().get(et)) return simdjson::error_message(err);
            if (et == simdjson::ondemand::json_type::null) continue;
            if (!first) joined.push_back(',');
            first = false;
            if (et == simdjson::ondemand::json_type::string && tok.size() >= 2) {
              json_unescape_append(tok.substr(1, tok.size() - 2), joined);
            } else if (et == simdjson::ondemand::json_type::array || et == simdjson::ondemand::json_type::object) {
              joined.append(et == simdjson::ondemand::json_type::array ? "[]" : "{}");  // Zeek never nests these
            } else {
              joined.append(tok);
            }
          }
          e.add(name, joined.empty() ? std::string_view(line_.data(), 0) : out_.copy(joined));
          break;
        }
        case simdjson::ondemand::json_type::null:
          break;  // absent
        case simdjson::ondemand::json_type::string: {
          std::string_view tok = rtrim_ws(v.raw_json_token());
          if (tok.size() < 2) return "bad string token";
          std::string_view body = tok.substr(1, tok.size() - 2);
          std::string_view value;
          if (body.find('\\') == std::string_view::npos) {
            value = map(body);
          } else {
            std::string t;
            json_unescape_append(body, t);
            value = t.empty() ? std::string_view(line_.data(), 0) : out_.copy(t);
          }
          e.add(name, value);
          if (prefix.empty() && key == "ts" && e.time_us == kNoTime) {
            if (auto pt = parse_zeek_time(value)) e.time_us = *pt;
          }
          break;
        }
        default: {  // number, boolean: their JSON text
          std::string_view tok = map(rtrim_ws(v.raw_json_token()));
          e.add(name, tok);
          if (prefix.empty() && key == "ts" && e.time_us == kNoTime) {
            int64_t t;
            if (parse_epoch_fast(tok, &t)) {
              e.time_us = t;
            } else if (auto pt = parse_zeek_time(tok)) {
              e.time_us = *pt;
            }
          }
        }
      }
    }
    return std::string();
  }

  EventBatch& out_;
  std::string_view line_;
  const char* copy_;
};

class ZeekJsonDecoder final : public Decoder {
 public:
  ZeekJsonDecoder(std::shared_ptr<ZeekFileState> st, std::vector<UnitSpan> units, DecodeOptions opt)
      : st_(std::move(st)), units_(std::move(units)), opt_(opt) {}
  size_t unit_count() const override { return units_.size(); }
  std::pair<uint64_t, uint64_t> unit_span(size_t i) const override {
    return i < units_.size() ? std::make_pair(units_[i].begin, units_[i].end) : std::make_pair(uint64_t(0), uint64_t(0));
  }
  void decode_unit(size_t index, EventBatch& out) const override {
    out.clear();
    if (index >= units_.size()) return;
    const UnitSpan& u = units_[index];
    out.keepalive = st_;
    out.file = st_->file;
    out.bytes = u.end - u.begin;
    const char* base = reinterpret_cast<const char*>(st_->buf->data());
    JsonScratch& scratch = json_scratch();
    uint64_t line_no = u.first_line;
    uint64_t pos = u.begin;
    while (pos < u.end) {
      const char* lp = base + pos;
      const char* nl = static_cast<const char*>(std::memchr(lp, '\n', u.end - pos));
      const uint64_t lend = nl ? uint64_t(nl - base) : u.end;
      const uint64_t line_off = pos, this_line = line_no;
      pos = lend + 1;
      ++line_no;
      std::string_view line(lp, lend - line_off);
      while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
      size_t lead = 0;
      while (lead < line.size() && (line[lead] == ' ' || line[lead] == '\t')) ++lead;
      line.remove_prefix(lead);
      if (line.empty()) continue;
      scratch.padded.assign(line);
      scratch.padded.append(simdjson::SIMDJSON_PADDING, ' ');
      Event& e = out.next();
      e.record_id = this_line;
      e.offset = line_off + lead;
      e.raw = line;
      JsonLineDecoder d(out, line, scratch.padded.data());
      std::string err = d.decode(e, scratch.parser, scratch.padded);
      if (!err.empty()) {
        out.drop_last();
        ++out.errors;
        add_diag(out, opt_, out.file.get(), this_line, Severity::kError,
                 std::string(nl ? "" : "cut line at end of file: ") + "not a JSON object (" + err + "): skipped");
      }
    }
  }
  std::string log_type() const { return st_->file->zeek_log_type; }
  std::vector<Diagnostic>& diags() { return file_diagnostics_; }

 private:
  std::shared_ptr<ZeekFileState> st_;
  std::vector<UnitSpan> units_;
  DecodeOptions opt_;
};

// Looks for a top-level JSON key in the first object's text (cheap sniffing; no full parse).
bool has_json_key(std::string_view obj, std::string_view key) {
  size_t pos = 0;
  while (true) {
    size_t q = obj.find(key, pos);
    if (q == std::string_view::npos) return false;
    size_t after = q + key.size();
    if (q > 0 && obj[q - 1] == '"' && after < obj.size() && obj[after] == '"') {
      size_t k = after + 1;
      while (k < obj.size() && (obj[k] == ' ' || obj[k] == '\t')) ++k;
      if (k < obj.size() && obj[k] == ':') return true;
    }
    pos = q + 1;
  }
}

std::string json_string_value(std::string_view obj, std::string_view key) {
  std::string pat = "\"" + std::string(key) + "\"";
  size_t q = obj.find(pat);
  if (q == std::string_view::npos) return std::string();
  size_t k = q + pat.size();
  while (k < obj.size() && (obj[k] == ' ' || obj[k] == ':' || obj[k] == '\t')) ++k;
  if (k >= obj.size() || obj[k] != '"') return std::string();
  size_t e = obj.find('"', k + 1);
  if (e == std::string_view::npos || e - k - 1 > 64) return std::string();
  return std::string(obj.substr(k + 1, e - k - 1));
}

bool looks_like_zeek_json(std::string_view line) {
  if (line.empty() || line[0] != '{') return false;
  if (has_json_key(line, "_path")) return true;
  if (!has_json_key(line, "ts")) return false;
  return has_json_key(line, "uid") || has_json_key(line, "id.orig_h") || has_json_key(line, "id_orig_h");
}

std::string_view skip_blank_lines(std::string_view s) {
  size_t i = 0;
  if (s.size() >= 3 && uint8_t(s[0]) == 0xEF && uint8_t(s[1]) == 0xBB && uint8_t(s[2]) == 0xBF) i = 3;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')) ++i;
  return s.substr(i);
}

}  // namespace

std::string zeek_unescape(std::string_view s) {
  std::string out(s.size(), '\0');
  out.resize(unescape_into(s, out.data()));
  return out;
}

std::optional<int64_t> parse_zeek_time(std::string_view s) {
  int64_t t;
  if (parse_epoch_fast(s, &t)) return t;
  return parse_time(s);
}

bool looks_like_zeek(std::string_view head, InputFormat* format_out) {
  std::string_view s = skip_blank_lines(head);
  if (s.rfind("#separator", 0) == 0) {
    if (format_out) *format_out = InputFormat::kZeekTsv;
    return true;
  }
  if (looks_like_zeek_json(first_line(s))) {
    if (format_out) *format_out = InputFormat::kZeekJson;
    return true;
  }
  return false;
}

Result<std::unique_ptr<Decoder>> open_zeek(std::shared_ptr<const Buffer> buf, std::shared_ptr<const FileInfo> info,
                                           const DecodeOptions& opt) {
  const std::string path = info ? info->path : std::string("<buffer>");
  if (!buf) return Status::Error(path + ": no data");
  std::string_view text = buf->view();
  InputFormat fmt = InputFormat::kUnknown;
  if (!looks_like_zeek(text.substr(0, std::min<size_t>(text.size(), 64 * 1024)), &fmt)) {
    std::string_view s = skip_blank_lines(text);
    if (s.empty()) return Status::Error(path + ": not a Zeek log: the file is empty");
    if (s[0] == '#')
      return Status::Error(path + ": not a Zeek log: a Zeek TSV log starts with a #separator line");
    if (s[0] == '{')
      return Status::Error(path + ": not a Zeek log: the first JSON object has no Zeek keys (ts with uid or id.orig_h)");
    return Status::Error(path +
                         ": not a Zeek log: no #separator/#fields header (TSV) and no JSON object with Zeek keys");
  }
  auto st = std::make_shared<ZeekFileState>();
  st->buf = buf;
  std::vector<UnitSpan> units;
  if (fmt == InputFormat::kZeekTsv) {
    std::vector<Diagnostic> diags;
    // The scan touches every page; let them go unit by unit (decoding maps them again as needed).
    auto release = [&buf](size_t off, size_t len) { buf->release_pages(off, len); };
    if (!scan_tsv(text, info, *st, units, diags, release))
      return Status::Error(path + ": not a Zeek log: #separator found but no #fields header");
    auto d = std::make_unique<ZeekTsvDecoder>(st, std::move(units), opt);
    d->diags() = std::move(diags);
    return std::unique_ptr<Decoder>(std::move(d));
  }
  auto fi = std::make_shared<FileInfo>(info ? *info : FileInfo());
  fi->format = InputFormat::kZeekJson;
  std::string_view first = first_line(skip_blank_lines(text));
  std::string p = json_string_value(first, "_path");
  if (p.empty()) p = json_string_value(first, "@stream");
  if (!p.empty()) fi->zeek_log_type = p;
  st->file = fi;
  UnitSpan unit;
  uint64_t line = 1;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t target = std::min(text.size(), pos + kZeekUnitBytes);
    size_t end = text.size();
    if (target < text.size()) {
      const char* nl = static_cast<const char*>(std::memchr(text.data() + target, '\n', text.size() - target));
      end = nl ? size_t(nl - text.data()) + 1 : text.size();
    }
    unit.begin = pos;
    unit.end = end;
    unit.first_line = line;
    units.push_back(unit);
    line += uint64_t(std::count(text.data() + pos, text.data() + end, '\n'));
    buf->release_pages(pos, end - pos);  // the scan touched every page; decoding maps them again as needed
    pos = end;
  }
  auto d = std::make_unique<ZeekJsonDecoder>(st, std::move(units), opt);
  if (!text.empty() && text.back() != '\n') {
    Diagnostic dg;
    dg.severity = Severity::kWarning;
    dg.path = path;
    dg.offset = line;
    dg.line_based = true;
    dg.message = "file ends in the middle of line " + std::to_string(line) + ": the log is truncated";
    d->diags().push_back(std::move(dg));
  }
  return std::unique_ptr<Decoder>(std::move(d));
}

std::string zeek_log_type_of(const Decoder& d) {
  if (auto* t = dynamic_cast<const ZeekTsvDecoder*>(&d)) return t->log_type();
  if (auto* j = dynamic_cast<const ZeekJsonDecoder*>(&d)) return j->log_type();
  return std::string();
}

}  // namespace trawl

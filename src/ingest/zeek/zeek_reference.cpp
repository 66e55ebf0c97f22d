// The slow reference twin of the Zeek decoder (see zeek_decoder.h): plain std::string code, one line at a
// time, a hand-written JSON scanner instead of simdjson. Tests compare it with the fast decoder on real logs.
#include <cstring>

#include "core/text.h"
#include "ingest/zeek/zeek_decoder.h"

namespace trawl {

namespace {

std::vector<std::string> split_all(const std::string& s, const std::string& sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t q = s.find(sep, start);
    if (q == std::string::npos) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, q - start));
    start = q + sep.size();
  }
}

void utf8_append(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += char(cp);
  } else if (cp < 0x800) {
    out += char(0xC0 | (cp >> 6));
    out += char(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += char(0xE0 | (cp >> 12));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  } else {
    out += char(0xF0 | (cp >> 18));
    out += char(0x80 | ((cp >> 12) & 0x3F));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  }
}

// A minimal JSON scanner for one Zeek object per line.
struct RefJson {
  const std::string& s;
  size_t i = 0;
  bool ok = true;
  std::vector<std::pair<std::string, std::string>>* out;

  void ws() {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')) ++i;
  }
  bool eat(char c) {
    ws();
    if (i < s.size() && s[i] == c) {
      ++i;
      return true;
    }
    return false;
  }
  static constexpr uint32_t kBad = 0xFFFFFFFF;
  uint32_t hex4(size_t at) const {
    if (at + 4 > s.size()) return kBad;
    uint32_t v = 0;
    for (size_t k = at; k < at + 4; ++k) {
      char c = s[k];
      int h = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
      if (h < 0) return kBad;
      v = v * 16 + uint32_t(h);
    }
    return v;
  }
  std::string str() {
    std::string r;
    if (!eat('"')) {
      ok = false;
      return r;
    }
    while (i < s.size() && s[i] != '"') {
      char c = s[i++];
      if (c != '\\') {
        r += c;
        continue;
      }
      if (i >= s.size()) break;
      char n = s[i++];
      const char* simple = "\"\\/bfnrt";
      const char* mapped = "\"\\/\b\f\n\r\t";
      if (const char* p = std::strchr(simple, n); p && n) {
        r += mapped[p - simple];
      } else if (n == 'u' && i + 4 <= s.size()) {
        uint32_t cp = hex4(i);
        if (cp == kBad) {
          r += "\\u";
          continue;
        }
        i += 4;
        if (cp >= 0xD800 && cp < 0xDC00 && i + 6 <= s.size() && s[i] == '\\' && s[i + 1] == 'u') {
          uint32_t lo = hex4(i + 2);
          if (lo != kBad && lo >= 0xDC00 && lo < 0xE000) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            i += 6;
          } else {
            cp = 0xFFFD;
          }
        } else if (cp >= 0xD800 && cp < 0xE000) {
          cp = 0xFFFD;
        }
        utf8_append(r, cp);
      } else {
        r += '\\';
        r += n;
      }
    }
    if (!eat('"')) ok = false;
    return r;
  }
  // A scalar's text; kind: 's' string, 'n' null, 'o' other.
  std::string scalar(char* kind) {
    ws();
    if (i < s.size() && s[i] == '"') {
      *kind = 's';
      return str();
    }
    size_t b = i;
    while (i < s.size() && s[i] != ',' && s[i] != '}' && s[i] != ']' && s[i] != ' ') ++i;
    std::string t = s.substr(b, i - b);
    *kind = t == "null" ? 'n' : 'o';
    if (t.empty()) ok = false;
    return t;
  }
  std::string name(const std::string& prefix, const std::string& key) {
    if (!prefix.empty()) return prefix + "." + key;
    if (key == "id_orig_h") return "id.orig_h";
    if (key == "id_orig_p") return "id.orig_p";
    if (key == "id_resp_h") return "id.resp_h";
    if (key == "id_resp_p") return "id.resp_p";
    return key;
  }
  void object(const std::string& prefix, int depth) {
    if (!eat('{') || depth > 16) {
      ok = false;
      return;
    }
    if (eat('}')) return;
    while (ok) {
      std::string key = str();
      if (!ok || !eat(':')) {
        ok = false;
        return;
      }
      std::string n = name(prefix, key);
      ws();
      if (i < s.size() && s[i] == '{') {
        object(n, depth + 1);
      } else if (i < s.size() && s[i] == '[') {
        ++i;
        std::string joined;
        bool first = true;
        if (!eat(']')) {
          while (ok) {
            ws();
            char k;
            std::string v;
            if (i < s.size() && (s[i] == '[' || s[i] == '{')) {
              ok = false;  // not produced by Zeek; the reference does not model it
              return;
            }
            v = scalar(&k);
            if (k != 'n') {
              if (!first) joined += ',';
              first = false;
              joined += v;
            }
            if (eat(']')) break;
            if (!eat(',')) ok = false;
          }
        }
        out->emplace_back(n, joined);
      } else {
        char k;
        std::string v = scalar(&k);
        if (k != 'n') out->emplace_back(n, v);
      }
      if (eat('}')) return;
      if (!eat(',')) ok = false;
    }
  }
};

}  // namespace

ZeekReferenceResult zeek_reference_decode(std::string_view text_view) {
  ZeekReferenceResult r;
  InputFormat fmt;
  if (!looks_like_zeek(text_view.substr(0, 65536), &fmt)) return r;
  std::string text(text_view);
  std::vector<std::string> lines = split_all(text, "\n");
  if (!text.empty() && text.back() == '\n') lines.pop_back();
  if (fmt == InputFormat::kZeekJson) {
    r.ok = true;
    for (size_t n = 0; n < lines.size(); ++n) {
      std::string l = std::string(trim(lines[n]));
      if (l.empty()) continue;
      ZeekReferenceRecord rec;
      rec.line = n + 1;
      RefJson js{l, 0, true, &rec.fields};
      js.object("", 0);
      if (!js.ok) {
        ++r.errors;
        continue;
      }
      for (auto& [k, v] : rec.fields)
        if (k == "ts") {
          if (auto t = parse_zeek_time(v)) rec.time_us = *t;
          break;
        }
      if (r.log_type.empty())
        for (auto& [k, v] : rec.fields)
          if (k == "_path" || k == "@stream") r.log_type = v;
      r.records.push_back(std::move(rec));
    }
    return r;
  }
  std::string sep = "\t", empty = "(empty)", unset = "-";
  std::vector<std::string> names;
  bool have = false, ever = false;
  for (size_t n = 0; n < lines.size(); ++n) {
    std::string l = lines[n];
    if (!l.empty() && l.back() == '\r') l.pop_back();
    if (l.empty()) continue;
    if (l[0] == '#') {
      if (l.rfind("#separator", 0) == 0) {
        std::string v = zeek_unescape(trim(std::string_view(l).substr(10)));
        sep = v.size() == 1 ? v : "\t";
        continue;
      }
      std::vector<std::string> parts = split_all(l, sep);
      if (parts[0] == "#fields") {
        names.assign(parts.begin() + 1, parts.end());
        if (!names.empty() && names.back().empty()) names.pop_back();
        have = !names.empty();
        ever = ever || have;
      } else if (parts[0] == "#empty_field" && parts.size() > 1) {
        empty = zeek_unescape(parts[1]);
      } else if (parts[0] == "#unset_field" && parts.size() > 1) {
        unset = zeek_unescape(parts[1]);
      } else if (parts[0] == "#path" && parts.size() > 1 && r.log_type.empty()) {
        r.log_type = parts[1];
      }
      continue;
    }
    if (!have) {
      ++r.errors;
      continue;
    }
    std::vector<std::string> cols = split_all(l, sep);
    bool complete = n + 1 < lines.size() || (!text.empty() && text.back() == '\n');
    if (cols.size() > names.size() || (cols.size() < names.size() && (!complete || cols.size() * 2 < names.size()))) {
      ++r.errors;
      continue;
    }
    ZeekReferenceRecord rec;
    rec.line = n + 1;
    for (size_t c = 0; c < cols.size(); ++c) {
      if (cols[c] == unset) continue;
      std::string v = cols[c] == empty ? std::string() : zeek_unescape(cols[c]);
      if (names[c] == "ts" && rec.time_us == kNoTime)
        if (auto t = parse_zeek_time(v)) rec.time_us = *t;
      rec.fields.emplace_back(names[c], v);
    }
    r.records.push_back(std::move(rec));
  }
  r.ok = ever;
  return r;
}

}  // namespace trawl

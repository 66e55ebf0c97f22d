#include "output/text_render.h"

#include <algorithm>
#include <cstring>

#include "core/time.h"

namespace trawl::output {

static constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

size_t decode_utf8(std::string_view s, size_t i, uint32_t& cp) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  const unsigned char c = p[i];
  if (c < 0x80) {
    cp = c;
    return 1;
  }
  if (c >= 0xC2 && c <= 0xDF) {
    if (i + 1 >= n || (p[i + 1] & 0xC0) != 0x80) return 0;
    cp = (uint32_t(c & 0x1F) << 6) | (p[i + 1] & 0x3F);
    return 2;
  }
  if (c >= 0xE0 && c <= 0xEF) {
    if (i + 2 >= n) return 0;
    const unsigned char c1 = p[i + 1], c2 = p[i + 2];
    if ((c1 & 0xC0) != 0x80 || (c2 & 0xC0) != 0x80) return 0;
    if (c == 0xE0 && c1 < 0xA0) return 0;  // overlong
    if (c == 0xED && c1 > 0x9F) return 0;  // UTF-16 surrogate
    cp = (uint32_t(c & 0x0F) << 12) | (uint32_t(c1 & 0x3F) << 6) | (c2 & 0x3F);
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (i + 3 >= n) return 0;
    const unsigned char c1 = p[i + 1], c2 = p[i + 2], c3 = p[i + 3];
    if ((c1 & 0xC0) != 0x80 || (c2 & 0xC0) != 0x80 || (c3 & 0xC0) != 0x80) return 0;
    if (c == 0xF0 && c1 < 0x90) return 0;  // overlong
    if (c == 0xF4 && c1 > 0x8F) return 0;  // beyond U+10FFFF
    cp = (uint32_t(c & 0x07) << 18) | (uint32_t(c1 & 0x3F) << 12) | (uint32_t(c2 & 0x3F) << 6) | (c3 & 0x3F);
    return 4;
  }
  return 0;
}



// C0 controls other than \t \n \r, and DEL, as their visible control picture (U+2400 + c, U+2421).
static inline bool append_control_picture(std::string& out, unsigned char c) {
  if (c == 0x7F) {
    append_utf8(out, 0x2421);
    return true;
  }
  if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
    append_utf8(out, 0x2400 + c);
    return true;
  }
  return false;
}

// Appends the longest run starting at i of bytes that need no treatment (printable ASCII not in `special`),
// returning the new position.
template <class Special>
static inline size_t copy_plain_run(std::string& out, std::string_view s, size_t i, Special special) {
  size_t j = i;
  while (j < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[j]);
    if (c < 0x20 || c >= 0x7F || special(c)) break;
    ++j;
  }
  out.append(s.data() + i, j - i);
  return j;
}

static constexpr char kHexDigits[] = "0123456789abcdef";

static inline bool is_bidi_control(uint32_t cp) {
  return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200E || cp == 0x200F ||
         cp == 0x061C;
}

// True when one of the 8 bytes needs attention in a JSON string: < 0x20, '"', '\\', DEL or any byte >= 0x80.
static inline bool json_block_special(uint64_t w) {
  constexpr uint64_t k01 = 0x0101010101010101ULL, k80 = 0x8080808080808080ULL;
  const uint64_t below_space = (w - k01 * 0x20) & ~w;
  const uint64_t q = w ^ (k01 * uint64_t('"'));
  const uint64_t quote = (q - k01) & ~q;
  const uint64_t b = w ^ (k01 * uint64_t('\\'));
  const uint64_t backslash = (b - k01) & ~b;
  const uint64_t d = w ^ (k01 * 0x7F);
  const uint64_t del = (d - k01) & ~d;
  return ((below_space | quote | backslash | del) & k80) | (w & k80);
}

struct JsonPlainTable {
  bool plain[256];
  constexpr JsonPlainTable() : plain() {
    for (int c = 0; c < 256; ++c) plain[c] = c >= 0x20 && c < 0x7F && c != '"' && c != '\\';
  }
};
static constexpr JsonPlainTable kJsonPlain;
static inline bool json_plain(unsigned char c) { return kJsonPlain.plain[c]; }

static inline char* put_u_escape(char* p, uint32_t cp) {
  p[0] = '\\';
  p[1] = 'u';
  p[2] = kHexDigits[(cp >> 12) & 15];
  p[3] = kHexDigits[(cp >> 8) & 15];
  p[4] = kHexDigits[(cp >> 4) & 15];
  p[5] = kHexDigits[cp & 15];
  return p + 6;
}

template <bool kDoubleQuotes>
static inline char* put_quote(char* p) {
  *p++ = '"';
  if constexpr (kDoubleQuotes) *p++ = '"';
  return p;
}

template <bool kDoubleQuotes>
static char* write_json_text_impl(char* p, std::string_view s) {
  const char* in = s.data();
  const size_t n = s.size();
  p = put_quote<kDoubleQuotes>(p);
  size_t i = 0;
  while (i < n) {
    // Plain text moves 8 bytes at a time; a block with anything special goes byte by byte.
    if (i + 8 <= n) {
      uint64_t w;
      std::memcpy(&w, in + i, 8);
      if (!json_block_special(w)) {
        std::memcpy(p, &w, 8);
        p += 8;
        i += 8;
        continue;
      }
    }
    const unsigned char c = static_cast<unsigned char>(in[i]);
    if (json_plain(c)) {
      *p++ = char(c);
      ++i;
      continue;
    }
    if (c < 0x80) {
      char e = 0;
      switch (c) {
        case '"': e = '"'; break;
        case '\\': e = '\\'; break;
        case '\n': e = 'n'; break;
        case '\r': e = 'r'; break;
        case '\t': e = 't'; break;
        case '\b': e = 'b'; break;
        case '\f': e = 'f'; break;
        default: break;
      }
      if (e == '"') {
        *p++ = '\\';
        p = put_quote<kDoubleQuotes>(p);
      } else if (e) {
        p[0] = '\\';
        p[1] = e;
        p += 2;
      } else {
        p = put_u_escape(p, c);  // other C0 controls and DEL
      }
      ++i;
      continue;
    }
    uint32_t cp;
    const size_t l = decode_utf8(s, i, cp);
    if (l == 0) {
      std::memcpy(p, kReplacement.data(), 3);
      p += 3;
      ++i;
      continue;
    }
    if (cp <= 0x9F || is_bidi_control(cp)) {
      p = put_u_escape(p, cp);
    } else {
      std::memcpy(p, in + i, l);
      p += l;
    }
    i += l;
  }
  return put_quote<kDoubleQuotes>(p);
}

char* write_json_text(char* p, std::string_view s) { return write_json_text_impl<false>(p, s); }
char* write_json_text_csv(char* p, std::string_view s) { return write_json_text_impl<true>(p, s); }

void append_json_text(std::string& out, std::string_view s) {
  const size_t old = out.size();
  out.resize(old + json_text_bound(s.size()));
  char* end = write_json_text(out.data() + old, s);
  out.resize(size_t(end - out.data()));
}

void ByteBuffer::grow(size_t n) {
  size_t cap = std::max<size_t>(cap_ * 2, 4096);
  while (cap - size_ < n) cap *= 2;
  std::unique_ptr<char[]> d(new char[cap]);
  if (size_) std::memcpy(d.get(), data_.get(), size_);
  data_ = std::move(d);
  cap_ = cap;
}

void append_html_escaped(std::string& out, std::string_view s, size_t max_bytes) {
  const size_t limit = std::min(max_bytes, s.size());
  auto special = [](unsigned char c) { return c == '&' || c == '<' || c == '>' || c == '"' || c == '\''; };
  size_t i = 0;
  while (i < limit) {
    i = copy_plain_run(out, s.substr(0, limit), i, special);
    if (i >= limit) break;
    const unsigned char c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '&': out += "&amp;"; ++i; continue;
      case '<': out += "&lt;"; ++i; continue;
      case '>': out += "&gt;"; ++i; continue;
      case '"': out += "&quot;"; ++i; continue;
      case '\'': out += "&#39;"; ++i; continue;
      default: break;
    }
    if (append_control_picture(out, c)) {
      ++i;
      continue;
    }
    if (c < 0x80) {  // \t \n \r
      out.push_back(char(c));
      ++i;
      continue;
    }
    uint32_t cp;
    const size_t l = decode_utf8(s, i, cp);
    if (l == 0) {
      out += kReplacement;
      ++i;
      continue;
    }
    if (i + l > limit) break;  // a character straddling the cut is not rendered
    if (cp <= 0x9F || is_bidi_control(cp)) {
      // C1 controls and bidi overrides shown by name: "evil\u{202e}fdp.exe", never a reversed file name.
      char buf[4];
      out += "\\u{";
      for (int k = 0; k < 4; ++k) buf[k] = kHexDigits[(cp >> (12 - 4 * k)) & 15];
      out.append(buf, 4);
      out += "}";
    } else {
      out.append(s.data() + i, l);
    }
    i += l;
  }
  if (i < s.size()) {
    out += "\xE2\x80\xA6 (";  // U+2026
    out += std::to_string(s.size() - i);
    out += " more bytes)";
  }
}

// True when one of the 8 bytes needs attention in a CSV cell: < 0x20, '"', DEL or any byte >= 0x80.
static inline bool csv_block_special(uint64_t w) {
  constexpr uint64_t k01 = 0x0101010101010101ULL, k80 = 0x8080808080808080ULL;
  const uint64_t below_space = (w - k01 * 0x20) & ~w;
  const uint64_t q = w ^ (k01 * uint64_t('"'));
  const uint64_t quote = (q - k01) & ~q;
  const uint64_t d = w ^ (k01 * 0x7F);
  const uint64_t del = (d - k01) & ~d;
  return ((below_space | quote | del) & k80) | (w & k80);
}

// True when one of the 8 bytes is one that forces quoting: ',' '"' LF CR.
static inline bool csv_block_needs_quotes(uint64_t w) {
  constexpr uint64_t k01 = 0x0101010101010101ULL, k80 = 0x8080808080808080ULL;
  auto has = [&](uint8_t b) {
    const uint64_t x = w ^ (k01 * b);
    return (x - k01) & ~x & k80;
  };
  return has(',') | has('"') | has('\n') | has('\r');
}

static inline bool csv_byte_needs_quotes(char c) { return c == ',' || c == '"' || c == '\n' || c == '\r'; }

char* write_csv_cell(char* p, std::string_view s) {
  const char* in = s.data();
  const size_t n = s.size();
  bool quote = false;
  {
    size_t i = 0;
    for (; i + 8 <= n && !quote; i += 8) {
      uint64_t w;
      std::memcpy(&w, in + i, 8);
      quote = csv_block_needs_quotes(w);
    }
    for (; i < n && !quote; ++i) quote = csv_byte_needs_quotes(in[i]);
  }
  if (quote) *p++ = '"';
  if (n && (in[0] == '=' || in[0] == '+' || in[0] == '-' || in[0] == '@' || in[0] == '\t' || in[0] == '\r'))
    *p++ = '\'';
  size_t i = 0;
  while (i < n) {
    if (i + 8 <= n) {
      uint64_t w;
      std::memcpy(&w, in + i, 8);
      if (!csv_block_special(w)) {
        std::memcpy(p, &w, 8);
        p += 8;
        i += 8;
        continue;
      }
    }
    const unsigned char c = static_cast<unsigned char>(in[i]);
    if ((c >= 0x20 && c < 0x7F && c != '"') || c == '\t' || c == '\n' || c == '\r') {
      *p++ = char(c);
      ++i;
      continue;
    }
    if (c == '"') {
      p[0] = p[1] = '"';
      p += 2;
      ++i;
      continue;
    }
    if (c < 0x20 || c == 0x7F) {  // control picture U+2400 + c, or U+2421 for DEL: E2 90 xx
      p[0] = char(0xE2);
      p[1] = char(0x90);
      p[2] = char(0x80 + (c == 0x7F ? 0x21 : c));
      p += 3;
      ++i;
      continue;
    }
    uint32_t cp;
    const size_t l = decode_utf8(s, i, cp);
    if (l == 0) {
      std::memcpy(p, kReplacement.data(), 3);
      p += 3;
      ++i;
      continue;
    }
    std::memcpy(p, in + i, l);
    p += l;
    i += l;
  }
  if (quote) *p++ = '"';
  return p;
}

void append_csv_cell(std::string& out, std::string_view s) {
  const size_t old = out.size();
  out.resize(old + csv_cell_bound(s.size()));
  char* end = write_csv_cell(out.data() + old, s);
  out.resize(size_t(end - out.data()));
}

static constexpr const char* kHex = kHexDigits;

void append_terminal_safe(std::string& out, std::string_view s) {
  size_t i = 0;
  auto special = [](unsigned char) { return false; };
  while (i < s.size()) {
    i = copy_plain_run(out, s, i, special);
    if (i >= s.size()) break;
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '\t': out += "\\t"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        default:
          out += "\\x";
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 15]);
      }
      ++i;
      continue;
    }
    uint32_t cp;
    const size_t l = decode_utf8(s, i, cp);
    if (l == 0) {
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
      ++i;
      continue;
    }
    if ((cp >= 0x80 && cp <= 0x9F) || is_bidi_control(cp)) {
      out += "\\u{";
      for (int shift = 12; shift >= 0; shift -= 4) out.push_back(kHex[(cp >> shift) & 15]);
      out += "}";
    } else {
      out.append(s.data() + i, l);
    }
    i += l;
  }
}

std::string terminal_safe(std::string_view s) {
  std::string out;
  append_terminal_safe(out, s);
  return out;
}

static size_t codepoint_width(uint32_t cp) {
  if (cp < 0x300) return 1;
  if ((cp >= 0x300 && cp <= 0x36F) || (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x20D0 && cp <= 0x20FF) ||
      (cp >= 0xFE00 && cp <= 0xFE0F) || cp == 0xFEFF)
    return 0;
  if ((cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF && cp != 0x303F) ||
      (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFE30 && cp <= 0xFE4F) ||
      (cp >= 0xFF00 && cp <= 0xFF60) || (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1F64F) ||
      (cp >= 0x1F900 && cp <= 0x1F9FF) || (cp >= 0x20000 && cp <= 0x3FFFD))
    return 2;
  return 1;
}

size_t display_width(std::string_view s) {
  size_t w = 0;
  for (size_t i = 0; i < s.size();) {
    uint32_t cp;
    size_t l = decode_utf8(s, i, cp);
    if (l == 0) {
      ++w;
      ++i;
      continue;
    }
    w += codepoint_width(cp);
    i += l;
  }
  return w;
}

void append_fitted(std::string& out, std::string_view s, size_t cols, bool pad) {
  size_t w = display_width(s);
  if (w <= cols) {
    out.append(s);
    if (pad) out.append(cols - w, ' ');
    return;
  }
  if (cols == 0) return;
  // Keep characters while they fit in cols - 1, then the ellipsis.
  size_t used = 0, i = 0;
  while (i < s.size()) {
    uint32_t cp;
    size_t l = decode_utf8(s, i, cp);
    size_t cw = 1;
    if (l == 0)
      l = 1;
    else
      cw = codepoint_width(cp);
    if (used + cw > cols - 1) break;
    used += cw;
    i += l;
  }
  out.append(s.data(), i);
  out += "\xE2\x80\xA6";
  ++used;
  if (pad && used < cols) out.append(cols - used, ' ');
}

const std::pair<std::string, std::string>* key_field(const Detection& d) {
  // In order of how much they tell an analyst: what ran, what it touched, where it talked to.
  static constexpr std::string_view kKeys[] = {
      "CommandLine", "ScriptBlockText", "Payload",     "Image",          "TargetFilename", "TargetObject",
      "ImageLoaded", "QueryName",       "query",       "DestinationHostname", "DestinationIp", "ServiceName",
      "ImagePath",   "PipeName",        "TargetUserName", "server_name", "host",           "uri",
      "id.resp_h",   "dst",             "why",         "indicator",      "ParentImage"};
  for (std::string_view k : kKeys)
    for (const auto& f : d.fields)
      if (f.first == k && !f.second.empty()) return &f;
  return nullptr;
}

std::string_view utf8_prefix(std::string_view s, size_t max_bytes) {
  if (s.size() <= max_bytes) return s;
  size_t n = max_bytes;
  // Back up over continuation bytes so that a multi-byte character is not split (at most 3 steps).
  for (int k = 0; k < 3 && n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80; ++k) --n;
  return s.substr(0, n);
}

void append_message(std::string& out, const Detection& d, size_t max_value_bytes) {
  out.push_back('[');
  out += level_name(d.level);
  out += "] ";
  out += d.title;
  if (!d.host.empty()) {
    out += " on ";
    out += d.host;
  }
  if (const auto* k = key_field(d)) {
    out += ": ";
    out += k->first;
    out.push_back('=');
    std::string_view v = utf8_prefix(k->second, max_value_bytes);
    out += v;
    if (v.size() < k->second.size()) out += "\xE2\x80\xA6";
  }
}

bool TopDetections::more_important(const Kept& a, const Kept& b) {
  if (a.d.level != b.d.level) return a.d.level > b.d.level;
  const bool at = a.d.time_us != kNoTime, bt = b.d.time_us != kNoTime;
  if (at != bt) return at;
  if (at && a.d.time_us != b.d.time_us) return a.d.time_us < b.d.time_us;
  return a.seq < b.seq;
}

void TopDetections::offer(const Detection& d) {
  const uint64_t seq = seq_++;
  if (limit_ == 0) return;
  if (heap_.size() < limit_) {
    heap_.push_back(Kept{d, seq});
    std::push_heap(heap_.begin(), heap_.end(), more_important);
    return;
  }
  // Compare before copying: most detections of a big run are not kept.
  const Detection& worst = heap_.front().d;
  bool better;
  if (d.level != worst.level) {
    better = d.level > worst.level;
  } else {
    const bool dt = d.time_us != kNoTime, wt = worst.time_us != kNoTime;
    if (dt != wt)
      better = dt;
    else
      better = dt && d.time_us < worst.time_us;  // a tie keeps the earlier arrival
  }
  if (!better) return;
  std::pop_heap(heap_.begin(), heap_.end(), more_important);
  heap_.back() = Kept{d, seq};
  std::push_heap(heap_.begin(), heap_.end(), more_important);
}

std::vector<Detection> TopDetections::sorted() const {
  std::vector<Kept> v = heap_;
  std::sort(v.begin(), v.end(), more_important);
  std::vector<Detection> out;
  out.reserve(v.size());
  for (Kept& k : v) out.push_back(std::move(k.d));
  return out;
}

}  // namespace trawl::output

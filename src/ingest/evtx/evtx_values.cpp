// Substitution values in Windows' own text forms: GUIDs {XXXXXXXX-XXXX-...} uppercase, SIDs S-1-5-..., hex
// integers 0x1a4 (not zero-padded), FILETIME/SYSTEMTIME as ISO 8601 with 6 fractional digits, binary as
// uppercase hex, booleans true/false, arrays joined with ",". Pure functions, thread-safe.
#include <charconv>
#include <cstdio>
#include <cstring>
#include <string>

#include "core/time.h"
#include "ingest/evtx/evtx_binxml.h"

namespace trawl::evtx {

namespace {

// Windows-1252 code points for bytes 0x80..0x9F (0 = unassigned, rendered as U+FFFD).
constexpr uint16_t kCp1252High[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

void append_cp(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(char(cp));
  } else if (cp < 0x800) {
    out.push_back(char(0xC0 | (cp >> 6)));
    out.push_back(char(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(char(0xE0 | (cp >> 12)));
    out.push_back(char(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(char(0x80 | (cp & 0x3F)));
  }
}

void append_ansi(std::string& out, const uint8_t* p, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    uint8_t b = p[i];
    if (b < 0x80) {
      out.push_back(char(b));
    } else if (b < 0xA0) {
      uint16_t cp = kCp1252High[b - 0x80];
      append_cp(out, cp ? cp : 0xFFFD);
    } else {
      append_cp(out, b);
    }
  }
}

template <class T>
void append_int(std::string& out, T v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void append_hex(std::string& out, uint64_t v) {
  char buf[24];
  buf[0] = '0';
  buf[1] = 'x';
  auto r = std::to_chars(buf + 2, buf + sizeof buf, v, 16);
  out.append(buf, r.ptr);
}

void append_real(std::string& out, double v, bool single) {
  char buf[64];
  auto r = single ? std::to_chars(buf, buf + sizeof buf, float(v)) : std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

constexpr char kHexUpper[] = "0123456789ABCDEF";

void append_hex_bytes(std::string& out, const uint8_t* p, size_t n) {
  size_t old = out.size();
  out.resize(old + 2 * n);
  char* d = out.data() + old;
  for (size_t i = 0; i < n; ++i) {
    d[2 * i] = kHexUpper[p[i] >> 4];
    d[2 * i + 1] = kHexUpper[p[i] & 15];
  }
}

void append_guid(std::string& out, const uint8_t* p) {
  // {Data1-Data2-Data3-Data4[0..1]-Data4[2..7]}: the first three fields little-endian, the rest as bytes.
  static constexpr int kOrder[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
  char buf[38];
  char* d = buf;
  *d++ = '{';
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) *d++ = '-';
    uint8_t b = p[kOrder[i]];
    *d++ = kHexUpper[b >> 4];
    *d++ = kHexUpper[b & 15];
  }
  *d++ = '}';
  out.append(buf, 38);
}

// FILETIME -> "YYYY-MM-DDTHH:MM:SS.ffffffZ" (core's printf-free writer: it is in every record).
void append_filetime(std::string& out, uint64_t ft) {
  char buf[kTimeTextMax];
  out.append(buf, size_t(write_time_us(buf, filetime_to_us(ft)) - buf));
}

// SID: revision, sub-authority count, 48-bit big-endian authority, 32-bit little-endian sub-authorities.
bool append_sid(std::string& out, const uint8_t* p, size_t n) {
  if (n < 8) return false;
  uint8_t count = p[1];
  if (n < 8 + 4 * size_t(count)) return false;
  uint64_t auth = 0;
  for (int i = 2; i < 8; ++i) auth = (auth << 8) | p[i];
  out.append("S-");
  append_int(out, unsigned(p[0]));
  out.push_back('-');
  if (auth >= (uint64_t(1) << 32)) {
    append_hex(out, auth);
  } else {
    append_int(out, auth);
  }
  for (uint8_t i = 0; i < count; ++i) {
    out.push_back('-');
    append_int(out, rd32(p + 8 + 4 * i));
  }
  return true;
}

void append_systemtime(std::string& out, const uint8_t* p) {
  unsigned y = rd16(p), mo = rd16(p + 2), d = rd16(p + 6), h = rd16(p + 8), mi = rd16(p + 10), s = rd16(p + 12),
           ms = rd16(p + 14);
  char buf[48];
  int k = std::snprintf(buf, sizeof buf, "%04u-%02u-%02uT%02u:%02u:%02u.%06uZ", y, mo, d, h, mi, s, ms * 1000);
  out.append(buf, k > 0 ? size_t(k) : 0);
}

size_t fixed_size(uint8_t base) {
  switch (base) {
    case 0x03: case 0x04: return 1;
    case 0x05: case 0x06: return 2;
    case 0x07: case 0x08: case 0x0b: case 0x0d: case 0x14: return 4;
    case 0x09: case 0x0a: case 0x0c: case 0x11: case 0x15: return 8;
    case 0x0f: case 0x12: return 16;
    default: return 0;
  }
}

// Renders one fixed-size scalar at p (n >= fixed_size(base)).
void render_fixed(uint8_t base, const uint8_t* p, std::string& out) {
  switch (base) {
    case 0x03: append_int(out, int(int8_t(p[0]))); break;
    case 0x04: append_int(out, unsigned(p[0])); break;
    case 0x05: append_int(out, int(int16_t(rd16(p)))); break;
    case 0x06: append_int(out, unsigned(rd16(p))); break;
    case 0x07: append_int(out, int32_t(rd32(p))); break;
    case 0x08: append_int(out, rd32(p)); break;
    case 0x09: append_int(out, int64_t(rd64(p))); break;
    case 0x0a: append_int(out, rd64(p)); break;
    case 0x0b: {
      uint32_t bits = rd32(p);
      float f;
      std::memcpy(&f, &bits, 4);
      append_real(out, f, true);
      break;
    }
    case 0x0c: {
      uint64_t bits = rd64(p);
      double d;
      std::memcpy(&d, &bits, 8);
      append_real(out, d, false);
      break;
    }
    case 0x0d: out.append(rd32(p) != 0 ? "true" : "false"); break;
    case 0x0f: append_guid(out, p); break;
    case 0x11: append_filetime(out, rd64(p)); break;
    case 0x12: append_systemtime(out, p); break;
    case 0x14: append_hex(out, rd32(p)); break;
    case 0x15: append_hex(out, rd64(p)); break;
    default: break;
  }
}

// Strings in substitutions usually carry their terminating NUL(s); Windows does not print them.
size_t utf16_units_trimmed(const uint8_t* p, size_t n) {
  size_t units = n / 2;
  while (units > 0 && rd16(p + 2 * (units - 1)) == 0) --units;
  return units;
}

}  // namespace

bool split_array(uint8_t type, const uint8_t* p, size_t n, std::vector<std::pair<uint32_t, uint32_t>>& items) {
  const uint8_t base = type & 0x7f;
  switch (base) {
    case 0x01: {
      size_t units = n / 2, start = 0;
      for (size_t i = 0; i <= units; ++i) {
        if (i == units || rd16(p + 2 * i) == 0) {
          if (i == units && start == units) break;
          items.emplace_back(uint32_t(2 * start), uint32_t(2 * (i - start)));
          start = i + 1;
        }
      }
      return true;
    }
    case 0x02: {
      size_t start = 0;
      for (size_t i = 0; i <= n; ++i) {
        if (i == n || p[i] == 0) {
          if (i == n && start == n) break;
          items.emplace_back(uint32_t(start), uint32_t(i - start));
          start = i + 1;
        }
      }
      return true;
    }
    case 0x13: {
      size_t i = 0;
      while (i < n) {
        if (n - i < 8) return false;
        size_t len = 8 + 4 * size_t(p[i + 1]);
        if (n - i < len) return false;
        items.emplace_back(uint32_t(i), uint32_t(len));
        i += len;
      }
      return true;
    }
    default: {
      size_t fs = base == 0x10 ? (n % 8 == 0 ? 8 : 4) : fixed_size(base);
      if (fs == 0 || n % fs) return false;
      for (size_t i = 0; i < n; i += fs) items.emplace_back(uint32_t(i), uint32_t(fs));
      return true;
    }
  }
}

bool render_value(uint8_t type, const uint8_t* p, size_t n, std::string& out) {
  const uint8_t base = type & 0x7f;
  const bool array = (type & 0x80) != 0;
  if (base == 0x00 || n == 0) return true;
  if (!array) {
    switch (base) {
      case 0x01:
      case 0x23:  // EvtXml: XML text stored as UTF-16
        return append_utf16(out, p, utf16_units_trimmed(p, n));
      case 0x02: {
        while (n > 0 && p[n - 1] == 0) --n;
        append_ansi(out, p, n);
        return true;
      }
      case 0x0e:
        append_hex_bytes(out, p, n);
        return true;
      case 0x10:  // size_t: pointer-sized hex
        if (n == 4) append_hex(out, rd32(p));
        else if (n == 8) append_hex(out, rd64(p));
        else return false;
        return true;
      case 0x13:
        return append_sid(out, p, n);
      case 0x20:  // EvtHandle: an opaque handle value
        if (n == 4) append_int(out, rd32(p));
        else if (n == 8) append_int(out, rd64(p));
        else append_hex_bytes(out, p, n);
        return true;
      case 0x0d:  // BoolType: 32-bit, but tolerate narrower writers
        if (n >= 4) out.append(rd32(p) != 0 ? "true" : "false");
        else if (n == 2) out.append(rd16(p) != 0 ? "true" : "false");
        else out.append(p[0] != 0 ? "true" : "false");
        return true;
      default: {
        size_t fs = fixed_size(base);
        if (fs == 0) {
          // A type this decoder does not know (none is documented): its bytes, rather than losing the record.
          append_hex_bytes(out, p, n);
          return true;
        }
        if (n < fs) return false;
        render_fixed(base, p, out);
        return true;
      }
    }
  }
  // Arrays: items joined with ",". String arrays are NUL-separated.
  bool first = true;
  auto sep = [&] {
    if (!first) out.push_back(',');
    first = false;
  };
  switch (base) {
    case 0x01: {
      size_t units = n / 2, start = 0;
      for (size_t i = 0; i <= units; ++i) {
        if (i == units || rd16(p + 2 * i) == 0) {
          if (i == units && start == units) break;  // trailing terminator
          sep();
          if (!append_utf16(out, p + 2 * start, i - start)) return false;
          start = i + 1;
        }
      }
      return true;
    }
    case 0x02: {
      size_t start = 0;
      for (size_t i = 0; i <= n; ++i) {
        if (i == n || p[i] == 0) {
          if (i == n && start == n) break;
          sep();
          append_ansi(out, p + start, i - start);
          start = i + 1;
        }
      }
      return true;
    }
    case 0x10: case 0x14: case 0x15: {
      size_t fs = base == 0x14 ? 4 : base == 0x15 ? 8 : (n % 8 == 0 ? 8 : 4);
      if (n % fs) return false;
      for (size_t i = 0; i < n; i += fs) {
        sep();
        append_hex(out, fs == 4 ? rd32(p + i) : rd64(p + i));
      }
      return true;
    }
    case 0x13: {
      size_t i = 0;
      while (i < n) {
        if (n - i < 8) return false;
        size_t len = 8 + 4 * size_t(p[i + 1]);
        if (n - i < len) return false;
        sep();
        append_sid(out, p + i, len);
        i += len;
      }
      return true;
    }
    case 0x0e:
      append_hex_bytes(out, p, n);
      return true;
    default: {
      size_t fs = fixed_size(base);
      if (fs == 0) {
        append_hex_bytes(out, p, n);
        return true;
      }
      if (n % fs) return false;
      for (size_t i = 0; i < n; i += fs) {
        sep();
        render_fixed(base, p + i, out);
      }
      return true;
    }
  }
}

}  // namespace trawl::evtx

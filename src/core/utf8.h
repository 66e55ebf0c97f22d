// UTF-8 encoding of one code point, shared by every decoder and renderer. A surrogate (U+D800..U+DFFF, which
// UTF-8 cannot carry) and anything above U+10FFFF become U+FFFD, so the output is always valid UTF-8.
// Pure and header-only: the hot paths of the EVTX, Zeek and JSON code call it per character.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace trawl {

// Writes 1-4 bytes at `o` (room for 4 needed); returns how many.
inline size_t put_utf8(char* o, uint32_t cp) {
  if (cp < 0x80) {
    o[0] = char(cp);
    return 1;
  }
  if (cp < 0x800) {
    o[0] = char(0xC0 | (cp >> 6));
    o[1] = char(0x80 | (cp & 0x3F));
    return 2;
  }
  if ((cp >= 0xD800 && cp < 0xE000) || cp > 0x10FFFF) cp = 0xFFFD;
  if (cp < 0x10000) {
    o[0] = char(0xE0 | (cp >> 12));
    o[1] = char(0x80 | ((cp >> 6) & 0x3F));
    o[2] = char(0x80 | (cp & 0x3F));
    return 3;
  }
  o[0] = char(0xF0 | (cp >> 18));
  o[1] = char(0x80 | ((cp >> 12) & 0x3F));
  o[2] = char(0x80 | ((cp >> 6) & 0x3F));
  o[3] = char(0x80 | (cp & 0x3F));
  return 4;
}

inline void append_utf8(std::string& out, uint32_t cp) {
  char buf[4];
  out.append(buf, put_utf8(buf, cp));
}

}  // namespace trawl

// Text helpers shared by every stage: ASCII case folding, UTF-16LE -> UTF-8 (lossy, never failing: invalid
// code units become U+FFFD), and JSON string escaping that always yields valid UTF-8 whatever the input bytes.
// All functions are pure and thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace trawl {

inline char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? char(c + 32) : c; }
bool iequals(std::string_view a, std::string_view b);
std::string to_lower(std::string_view s);
bool istarts_with(std::string_view s, std::string_view prefix);
bool iends_with(std::string_view s, std::string_view suffix);
std::string_view trim(std::string_view s);

// Appends the UTF-8 form of `units` UTF-16LE code units at `p`. Unpaired surrogates become U+FFFD.
// Returns the number of replacement characters written (0 for well-formed input).
size_t append_utf16le_as_utf8(std::string& out, const uint8_t* p, size_t units);
// Same, into a caller buffer of at least units*3 bytes; returns bytes written.
size_t utf16le_to_utf8(char* out, const uint8_t* p, size_t units);

// Appends `s` as a JSON string literal (with quotes). Control characters are escaped; invalid UTF-8 bytes
// become U+FFFD so the output is always valid JSON text.
void append_json_string(std::string& out, std::string_view s);
bool is_valid_utf8(std::string_view s);

}  // namespace trawl

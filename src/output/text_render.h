// Internal to src/output: the escaping every sink relies on, because every value in a detection came from a
// log an attacker may have written. Each function appends valid UTF-8 (invalid bytes are replaced or shown
// as \xNN) and neutralises what is dangerous for its medium: HTML markup, spreadsheet formulas, terminal
// control sequences. Also the small shared pieces of presentation (key field, level order, top-N keeper).
// Pure functions, thread-safe; TopDetections is a plain value (one owner).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/detection.h"
#include "core/utf8.h"

namespace trawl::output {

// Decodes the UTF-8 sequence at s[i]: returns its length (1-4) and sets cp, or 0 when the bytes there are not
// valid UTF-8 (overlong, surrogate, truncated, > U+10FFFF).
size_t decode_utf8(std::string_view s, size_t i, uint32_t& cp);

// A JSON string literal (with quotes), the fast twin of core's append_json_string (tests compare them):
// the same decoded value, 8 bytes at a time on plain text, and stricter about what it leaves raw, so that a
// JSONL file printed on a terminal is inert: every C0 control and DEL, the C1 controls (U+0080..U+009F) and
// the bidirectional overrides/isolates are written as \u escapes; invalid UTF-8 becomes U+FFFD.
void append_json_text(std::string& out, std::string_view s);
// The raw form the sinks use: the caller guarantees json_text_bound(s.size()) writable bytes at p; returns the
// end of what was written.
constexpr size_t json_text_bound(size_t n) { return 6 * n + 4; }
char* write_json_text(char* p, std::string_view s);
// The same JSON text with every '"' doubled: JSON that is already the inside of a quoted CSV cell.
char* write_json_text_csv(char* p, std::string_view s);

// HTML text and attribute values: & < > " ' become entities; C0 controls other than \t \n \r (and DEL)
// become their visible Unicode "control picture" (U+2400 + c, U+2421); C1 controls and bidi overrides are
// shown as \u{202e} (no reversed file names); invalid UTF-8 becomes U+FFFD.
// At most max_bytes of input are rendered (at a character boundary), then "… (N more bytes)".
void append_html_escaped(std::string& out, std::string_view s, size_t max_bytes = SIZE_MAX);

// One RFC 4180 cell: quoted when it holds , " CR or LF (quotes doubled); a cell whose first character is
// = + - @ TAB or CR gets a leading ' so spreadsheets never evaluate it as a formula. C0 controls other than
// \t \n \r (and DEL) become control pictures; invalid UTF-8 becomes U+FFFD.
void append_csv_cell(std::string& out, std::string_view s);
constexpr size_t csv_cell_bound(size_t n) { return 3 * n + 3; }
char* write_csv_cell(char* p, std::string_view s);

// A growable byte buffer written through raw pointers: make room for a worst case once (room()), write, then
// commit() the end. Avoids a capacity check per byte, which is what makes the text sinks fast.
class ByteBuffer {
 public:
  char* room(size_t n) {
    if (cap_ - size_ < n) grow(n);
    return data_.get() + size_;
  }
  void commit(char* end) { size_ = size_t(end - data_.get()); }
  void append(std::string_view s) {
    char* p = room(s.size());
    if (!s.empty()) std::memcpy(p, s.data(), s.size());
    size_ += s.size();
  }
  void clear() { size_ = 0; }
  size_t size() const { return size_; }
  std::string_view view() const { return std::string_view(data_.get(), size_); }

 private:
  void grow(size_t n);
  std::unique_ptr<char[]> data_;
  size_t size_ = 0, cap_ = 0;
};

// Text safe to print on a terminal: printable UTF-8 passes; \t \n \r and other C0 controls, DEL and invalid
// bytes are written as \t \n \r \xNN; C1 controls (U+0080..U+009F, e.g. the 8-bit CSI) and bidirectional
// overrides/isolates (U+202A..U+202E, U+2066..U+2069, U+200E, U+200F, U+061C) as \u{XXXX}. No byte that a
// terminal interprets as a control ever passes.
void append_terminal_safe(std::string& out, std::string_view s);
std::string terminal_safe(std::string_view s);

// Columns a (valid UTF-8, control-free) string takes on a terminal: East Asian wide and emoji count 2,
// combining marks and zero-width characters 0, everything else 1.
size_t display_width(std::string_view s);
// Appends s cut to at most `cols` columns ("…" marks a cut), padded with spaces to exactly `cols` if pad.
void append_fitted(std::string& out, std::string_view s, size_t cols, bool pad);

// The one field that best says what a detection is about (CommandLine, Image, QueryName, ...), or nullptr.
const std::pair<std::string, std::string>* key_field(const Detection& d);

inline int level_rank(Level l) { return static_cast<int>(l); }  // informational 0 .. critical 4
constexpr size_t kLevels = 5;
using LevelCounts = std::array<uint64_t, kLevels>;

// "[high] Title on HOST: CommandLine=..." (the CSV message column); the key value is cut to at most
// max_value_bytes (at a character boundary, "…" marks the cut). Raw text: the caller escapes it.
void append_message(std::string& out, const Detection& d, size_t max_value_bytes = 1024);
// s cut to at most max_bytes without splitting a UTF-8 sequence.
std::string_view utf8_prefix(std::string_view s, size_t max_bytes);

// Keeps the `limit` most important detections seen (highest level, then earliest time, detections without
// time last, then arrival order) in O(limit) memory; sorted() returns them most important first.
class TopDetections {
 public:
  explicit TopDetections(size_t limit) : limit_(limit) {}
  void offer(const Detection& d);
  std::vector<Detection> sorted() const;
  uint64_t seen() const { return seq_; }

 private:
  struct Kept {
    Detection d;
    uint64_t seq;
  };
  static bool more_important(const Kept& a, const Kept& b);
  size_t limit_;
  uint64_t seq_ = 0;
  std::vector<Kept> heap_;  // heap whose front is the least important kept
};

}  // namespace trawl::output

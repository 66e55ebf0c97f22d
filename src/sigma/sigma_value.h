// SigmaValue: one compiled value of a Sigma detection item ("Image|endswith: '\cmd.exe'" -> a glob "*\cmd.exe"),
// after every modifier has been applied at load time (windash, base64offset, utf16 ... expand into several
// values). Matching a value against one field's text is pure and allocation-free, so compiled values are
// immutable and safe to share between threads.
//
// Semantics (Sigma 2.1, decisions documented in src/sigma/README.md): case-insensitive ASCII folding unless
// `cased`; `*` any run, `?` one character (UTF-8 code point); `\` escapes only `*`, `?` and `\`.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace trawl {

// A wildcard pattern: literal runs, `*` and `?`. Literals are stored ASCII-lower-cased unless `cased`.
struct GlobPattern {
  enum class TokenKind : uint8_t { kLiteral, kStar, kOne };
  struct Token {
    TokenKind kind;
    std::string text;  // kLiteral only
  };
  std::vector<Token> tokens;
  bool cased = false;

  // Parses Sigma string syntax (wildcards and escapes) into tokens.
  static GlobPattern parse(std::string_view sigma_text, bool cased);
  static GlobPattern literal(std::string_view text, bool cased);
  bool has_wildcards() const;
  bool matches(std::string_view s) const;
  // The longest literal run: a necessary substring of every match (caseless). Empty when there is none.
  std::string longest_literal() const;
  // Prefix/suffix '*' added (contains/startswith/endswith).
  void add_leading_star();
  void add_trailing_star();
};

enum class ValueKind : uint8_t {
  kGlob,      // string (with wildcards) match
  kRegex,     // RE2 partial match
  kCidr,      // IP address inside a network
  kCompare,   // numeric lt/lte/gt/gte
  kExists,    // field present (or absent when `expected` is false)
  kNull,      // field absent or empty
  kFieldRef,  // compare against another field's value
  kTimePart,  // minute/hour/day/week/month/year of a time value compared with a number
};

enum class CompareOp : uint8_t { kEq, kLt, kLte, kGt, kGte };
enum class TimePart : uint8_t { kMinute, kHour, kDay, kWeek, kMonth, kYear };
enum class FieldRefMode : uint8_t { kEquals, kContains, kStartsWith, kEndsWith };

struct CompiledRegex;  // RE2 program, defined in sigma_value.cpp

struct SigmaValue {
  ValueKind kind = ValueKind::kGlob;
  std::string text;  // as written in the rule (for messages) or the regex / referenced field name
  GlobPattern glob;
  std::shared_ptr<const CompiledRegex> regex;
  std::string regex_literal;  // a literal every regex match contains (caseless), or empty
  bool re_icase = false, re_multiline = false, re_dotall = false;  // the i / m / s sub-modifiers
  // kCidr
  std::array<uint8_t, 16> net{};
  int prefix = 0;
  bool v6 = false;
  // kCompare / kTimePart
  CompareOp op = CompareOp::kEq;
  double number = 0;
  TimePart part = TimePart::kMinute;
  // kExists
  bool expected = true;
  // kFieldRef
  FieldRefMode ref_mode = FieldRefMode::kEquals;
  bool cased = false;

  // Matches the text of one present field. kExists/kNull/kFieldRef are decided by the caller (they need the
  // event); here kExists is true and kNull is true only for an empty value.
  bool matches(std::string_view field_value) const;
  // A literal that every matching value contains (for the prefilter), or "" when none can be extracted.
  std::string required_literal() const;
};

Result<std::shared_ptr<const CompiledRegex>> compile_regex(std::string_view pattern, bool icase, bool multiline,
                                                           bool dotall);
bool regex_partial_match(const CompiledRegex& re, std::string_view s);
// A literal that must appear in any match of the regex, or "" (conservative).
std::string regex_required_literal(std::string_view pattern);

// Parses "10.0.0.0/8", "fe80::/10", or a bare address (full-length prefix).
bool parse_cidr(std::string_view s, std::array<uint8_t, 16>& net, int& prefix, bool& v6);
bool parse_ip(std::string_view s, std::array<uint8_t, 16>& addr, bool& v6);
bool cidr_contains(const SigmaValue& v, std::string_view ip_text);
// Decimal (with optional sign and fraction) or 0x hexadecimal.
bool parse_number(std::string_view s, double& out);

// Encodings used by the base64 / utf16 modifiers.
std::string base64_encode(std::string_view bytes);
// The three base64offset forms of `bytes` (offsets 0, 1, 2), as the stable middle parts.
std::vector<std::string> base64_offset_variants(std::string_view bytes);
std::string utf8_to_utf16(std::string_view utf8, bool big_endian, bool bom);
// Every windash permutation of a literal: each flag dash (a dash or slash at a word start) -> - / – — ―.
std::vector<std::string> windash_variants(std::string_view literal, size_t max_variants);

}  // namespace trawl

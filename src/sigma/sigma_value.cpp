// Sigma value matching: wildcard globs, RE2 regexes, CIDR, numbers, and the encoding transforms of modifiers.
#include "sigma/sigma_value.h"

#include <re2/re2.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/text.h"
#include "core/time.h"

namespace trawl {

struct CompiledRegex {
  std::unique_ptr<RE2> re;
};

// ---------------------------------------------------------------------------------------------------------------
// Glob

namespace {

void push_literal(std::vector<GlobPattern::Token>& toks, char c) {
  if (toks.empty() || toks.back().kind != GlobPattern::TokenKind::kLiteral)
    toks.push_back({GlobPattern::TokenKind::kLiteral, std::string()});
  toks.back().text.push_back(c);
}

size_t utf8_char_len(unsigned char c) {
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0) return 2;
  if ((c & 0xF0) == 0xE0) return 3;
  if ((c & 0xF8) == 0xF0) return 4;
  return 1;  // stray continuation / invalid byte: one byte is one character
}

inline bool lit_at(std::string_view s, size_t pos, const std::string& lit, bool cased) {
  if (pos + lit.size() > s.size()) return false;
  if (cased) return std::memcmp(s.data() + pos, lit.data(), lit.size()) == 0;
  for (size_t i = 0; i < lit.size(); ++i)
    if (ascii_lower(s[pos + i]) != lit[i]) return false;
  return true;
}

// First position >= from where lit occurs, or npos.
size_t find_lit(std::string_view s, size_t from, const std::string& lit, bool cased) {
  if (lit.empty()) return from <= s.size() ? from : std::string_view::npos;
  if (lit.size() > s.size()) return std::string_view::npos;
  const size_t last = s.size() - lit.size();
  if (from > last) return std::string_view::npos;
  const char first = lit[0];
  const char first_up = (!cased && first >= 'a' && first <= 'z') ? char(first - 32) : first;
  // memchr (vectorised in libc) finds the candidates for the first byte, in both cases; the next position of
  // each case is kept, so each byte is looked at once by each search.
  const char* const base = s.data();
  const char* const stop = base + last + 1;
  auto next = [&](const char* from_p, char c) -> const char* {
    return from_p >= stop ? nullptr : static_cast<const char*>(std::memchr(from_p, c, size_t(stop - from_p)));
  };
  const char* lo = next(base + from, first);
  const char* up = first_up != first ? next(base + from, first_up) : nullptr;
  while (lo || up) {
    const char* p = !up || (lo && lo < up) ? lo : up;
    if (lit_at(s, size_t(p - base), lit, cased)) return size_t(p - base);
    if (p == lo) lo = next(p + 1, first);
    else up = next(p + 1, first_up);
  }
  return std::string_view::npos;
}

}  // namespace

GlobPattern GlobPattern::parse(std::string_view t, bool cased) {
  GlobPattern g;
  g.cased = cased;
  for (size_t i = 0; i < t.size(); ++i) {
    const char c = t[i];
    if (c == '\\') {
      // `\` escapes only the wildcards and itself; anywhere else (and at the very end) it is a plain backslash.
      if (i + 1 < t.size() && (t[i + 1] == '*' || t[i + 1] == '?' || t[i + 1] == '\\')) {
        push_literal(g.tokens, t[i + 1]);
        ++i;
      } else {
        push_literal(g.tokens, '\\');
      }
    } else if (c == '*') {
      if (g.tokens.empty() || g.tokens.back().kind != TokenKind::kStar) g.tokens.push_back({TokenKind::kStar, {}});
    } else if (c == '?') {
      g.tokens.push_back({TokenKind::kOne, {}});
    } else {
      push_literal(g.tokens, c);
    }
  }
  if (!cased)
    for (auto& tk : g.tokens)
      if (tk.kind == TokenKind::kLiteral) tk.text = to_lower(tk.text);
  return g;
}

GlobPattern GlobPattern::literal(std::string_view text, bool cased) {
  GlobPattern g;
  g.cased = cased;
  if (!text.empty()) g.tokens.push_back({TokenKind::kLiteral, cased ? std::string(text) : to_lower(text)});
  return g;
}

bool GlobPattern::has_wildcards() const {
  for (const auto& t : tokens)
    if (t.kind != TokenKind::kLiteral) return true;
  return false;
}

void GlobPattern::add_leading_star() {
  if (tokens.empty() || tokens.front().kind != TokenKind::kStar) tokens.insert(tokens.begin(), {TokenKind::kStar, {}});
}
void GlobPattern::add_trailing_star() {
  if (tokens.empty() || tokens.back().kind != TokenKind::kStar) tokens.push_back({TokenKind::kStar, {}});
}

std::string GlobPattern::longest_literal() const {
  std::string best;
  for (const auto& t : tokens)
    if (t.kind == TokenKind::kLiteral && t.text.size() > best.size()) best = t.text;
  return best;
}

bool GlobPattern::matches(std::string_view s) const {
  const size_t n = tokens.size();
  // Fast shapes: "lit", "*lit", "lit*", "*lit*".
  if (n == 0) return s.empty();
  if (n == 1) {
    if (tokens[0].kind == TokenKind::kStar) return true;
    if (tokens[0].kind == TokenKind::kLiteral) return s.size() == tokens[0].text.size() && lit_at(s, 0, tokens[0].text, cased);
  }
  if (n == 2 && tokens[0].kind == TokenKind::kStar && tokens[1].kind == TokenKind::kLiteral) {
    const auto& l = tokens[1].text;
    return s.size() >= l.size() && lit_at(s, s.size() - l.size(), l, cased);
  }
  if (n == 2 && tokens[0].kind == TokenKind::kLiteral && tokens[1].kind == TokenKind::kStar)
    return lit_at(s, 0, tokens[0].text, cased);
  if (n == 3 && tokens[0].kind == TokenKind::kStar && tokens[1].kind == TokenKind::kLiteral &&
      tokens[2].kind == TokenKind::kStar)
    return find_lit(s, 0, tokens[1].text, cased) != std::string_view::npos;

  // General case: greedy with backtracking to the last star. Each star retry advances the resume point, so the
  // work is bounded by O(|s| * |tokens|) (linear for a fixed rule).
  size_t ti = 0, si = 0;
  size_t star_ti = SIZE_MAX, star_si = 0;
  while (true) {
    if (ti == n) {
      if (si == s.size()) return true;
    } else if (tokens[ti].kind == TokenKind::kStar) {
      star_ti = ti++;
      star_si = si;
      continue;
    } else if (tokens[ti].kind == TokenKind::kOne) {
      if (si < s.size()) {
        si += std::min(utf8_char_len(static_cast<unsigned char>(s[si])), s.size() - si);
        ++ti;
        continue;
      }
    } else {
      const auto& lit = tokens[ti].text;
      if (star_ti != SIZE_MAX && ti == star_ti + 1) {
        // Right after a star: jump to the next occurrence instead of probing each position.
        size_t pos = find_lit(s, si, lit, cased);
        if (pos == std::string_view::npos) return false;
        star_si = pos;
        si = pos + lit.size();
        ++ti;
        continue;
      }
      if (lit_at(s, si, lit, cased)) {
        si += lit.size();
        ++ti;
        continue;
      }
    }
    if (star_ti == SIZE_MAX) return false;
    ++star_si;
    if (star_si > s.size()) return false;
    si = star_si;
    ti = star_ti + 1;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Regex

Result<std::shared_ptr<const CompiledRegex>> compile_regex(std::string_view pattern, bool icase, bool multiline,
                                                           bool dotall) {
  RE2::Options o;
  o.set_log_errors(false);
  o.set_case_sensitive(!icase);
  o.set_dot_nl(dotall);
  o.set_max_mem(8 << 20);
  o.set_encoding(RE2::Options::EncodingUTF8);
  std::string p;
  if (multiline) p = "(?m)";
  p.append(pattern);
  auto cr = std::make_shared<CompiledRegex>();
  cr->re = std::make_unique<RE2>(p, o);
  if (!cr->re->ok()) return Status::Error("regex not supported by RE2 (linear-time engine): " + cr->re->error());
  // Counted repetitions (".{1000,}", "[a-z]{64}") make programs of thousands of instructions whose DFA does not
  // fit RE2's default budget; RE2 then falls back to its NFA, linear but some thousand times slower per byte
  // (milliseconds per long command line). Such regexes get a larger budget, used only as the DFA grows.
  if (cr->re->ProgramSize() > 1000) {
    o.set_max_mem(int64_t(64) << 20);
    cr->re = std::make_unique<RE2>(p, o);
    if (!cr->re->ok()) return Status::Error("regex not supported by RE2 (linear-time engine): " + cr->re->error());
  }
  return std::shared_ptr<const CompiledRegex>(std::move(cr));
}

bool regex_partial_match(const CompiledRegex& re, std::string_view s) {
  return RE2::PartialMatch(re2::StringPiece(s.data(), s.size()), *re.re);
}

std::string regex_required_literal(std::string_view p) {
  // Conservative: only literal runs at group depth 0 count, and none when the pattern has an alternation at
  // depth 0 (an alternation inside a group leaves the literals around the group required). A character
  // followed by a quantifier that allows zero repetitions (or any quantifier, to stay simple) ends a run
  // without being part of it.
  std::string best, cur;
  auto flush = [&]() {
    if (cur.size() > best.size()) best = cur;
    cur.clear();
  };
  int depth = 0;
  size_t i = 0;
  // Leading inline flags such as (?i) are not literals.
  while (i < p.size()) {
    char c = p[i];
    std::string lit;  // the literal character(s) this step contributes, if any
    bool is_lit = false;
    size_t next = i + 1;
    if (c == '\\') {
      if (i + 1 >= p.size()) return {};
      char e = p[i + 1];
      next = i + 2;
      if (std::strchr(".*+?()[]{}|^$\\/-", e) != nullptr || e == ' ' || e == '#' || e == '"' || e == '\'' ||
          e == ':' || e == ',' || e == '=' || e == '<' || e == '>' || e == '%' || e == '@' || e == '&' ||
          e == '!' || e == '~' || e == ';' || e == '_') {
        lit.push_back(e);
        is_lit = true;
      } else {
        flush();  // \d, \w, \s, \b, \x.., \Q ... : not a plain literal
        if (e == 'Q' || e == 'x' || e == 'p' || e == 'P') return best.size() >= 3 ? best : std::string();
      }
    } else if (c == '(') {
      flush();
      ++depth;
    } else if (c == ')') {
      flush();
      if (depth > 0) --depth;
    } else if (c == '[') {
      flush();
      // skip the class
      size_t j = i + 1;
      if (j < p.size() && p[j] == '^') ++j;
      if (j < p.size() && p[j] == ']') ++j;
      while (j < p.size() && p[j] != ']') {
        if (p[j] == '\\') ++j;
        ++j;
      }
      next = j + 1;
    } else if (c == '|') {
      if (depth == 0) return {};
      flush();
    } else if (c == '.' || c == '^' || c == '$') {
      flush();
    } else if (c == '*' || c == '+' || c == '?' || c == '{') {
      // quantifier of the previous character: that character is optional/repeated, drop it from the run
      if (!cur.empty()) cur.pop_back();
      flush();
      if (c == '{') {
        size_t j = p.find('}', i);
        if (j == std::string_view::npos) return {};
        next = j + 1;
      }
    } else {
      lit.push_back(c);
      is_lit = true;
    }
    if (is_lit) {
      if (depth == 0) {
        // A literal followed by a quantifier is dropped by the quantifier branch above.
        cur.append(lit);
      } else {
        flush();
      }
    }
    i = next;
  }
  flush();
  // Non-ASCII bytes would fold differently in RE2 (Unicode) and the caseless prefilter (ASCII): keep ASCII only.
  for (char ch : best)
    if (static_cast<unsigned char>(ch) >= 0x80) return {};
  return best.size() >= 2 ? to_lower(best) : std::string();
}

// ---------------------------------------------------------------------------------------------------------------
// IP / CIDR / numbers

bool parse_ip(std::string_view s, std::array<uint8_t, 16>& a, bool& v6) {
  a.fill(0);
  s = trim(s);
  if (s.empty() || s.size() > 64) return false;
  if (s.find(':') == std::string_view::npos) {
    v6 = false;
    int part = 0;
    size_t i = 0;
    while (part < 4) {
      if (i >= s.size() || s[i] < '0' || s[i] > '9') return false;
      unsigned v = 0;
      size_t digits = 0;
      while (i < s.size() && s[i] >= '0' && s[i] <= '9' && digits < 4) {
        v = v * 10 + unsigned(s[i] - '0');
        ++i;
        ++digits;
      }
      if (v > 255 || digits > 3) return false;
      a[size_t(part)] = uint8_t(v);
      ++part;
      if (part < 4) {
        if (i >= s.size() || s[i] != '.') return false;
        ++i;
      }
    }
    return i == s.size();
  }
  v6 = true;
  // Strip a zone id ("fe80::1%eth0").
  if (auto pct = s.find('%'); pct != std::string_view::npos) s = s.substr(0, pct);
  uint16_t groups[8] = {};
  int n = 0, gap = -1;
  size_t i = 0;
  if (s.size() >= 2 && s[0] == ':' && s[1] == ':') {
    gap = 0;
    i = 2;
  } else if (!s.empty() && s[0] == ':') {
    return false;
  }
  while (i < s.size()) {
    if (n >= 8) return false;
    // embedded IPv4 at the end
    size_t end = s.find(':', i);
    std::string_view grp = s.substr(i, end == std::string_view::npos ? std::string_view::npos : end - i);
    if (grp.find('.') != std::string_view::npos) {
      std::array<uint8_t, 16> v4;
      bool is6 = false;
      if (end != std::string_view::npos || n > 6 || !parse_ip(grp, v4, is6) || is6) return false;
      groups[n++] = uint16_t(v4[0] << 8 | v4[1]);
      groups[n++] = uint16_t(v4[2] << 8 | v4[3]);
      i = s.size();
      break;
    }
    if (grp.empty() || grp.size() > 4) return false;
    unsigned v = 0;
    for (char c : grp) {
      int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
      if (d < 0) return false;
      v = v * 16 + unsigned(d);
    }
    groups[n++] = uint16_t(v);
    if (end == std::string_view::npos) {
      i = s.size();
      break;
    }
    i = end + 1;
    if (i < s.size() && s[i] == ':') {
      if (gap >= 0) return false;
      gap = n;
      ++i;
    } else if (i >= s.size()) {
      return false;  // trailing single colon
    }
  }
  if (gap < 0 && n != 8) return false;
  if (gap >= 0 && n > 7) return false;
  uint16_t full[8] = {};
  if (gap >= 0) {
    int tail = n - gap;
    for (int k = 0; k < gap; ++k) full[k] = groups[k];
    for (int k = 0; k < tail; ++k) full[8 - tail + k] = groups[gap + k];
  } else {
    for (int k = 0; k < 8; ++k) full[k] = groups[k];
  }
  for (int k = 0; k < 8; ++k) {
    a[size_t(2 * k)] = uint8_t(full[k] >> 8);
    a[size_t(2 * k + 1)] = uint8_t(full[k] & 0xff);
  }
  return true;
}

bool parse_cidr(std::string_view s, std::array<uint8_t, 16>& net, int& prefix, bool& v6) {
  s = trim(s);
  auto slash = s.find('/');
  std::string_view addr = s.substr(0, slash);
  if (!parse_ip(addr, net, v6)) return false;
  const int maxp = v6 ? 128 : 32;
  if (slash == std::string_view::npos) {
    prefix = maxp;
    return true;
  }
  std::string_view p = s.substr(slash + 1);
  if (p.empty() || p.size() > 3) return false;
  int v = 0;
  for (char c : p) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  if (v > maxp) return false;
  prefix = v;
  return true;
}

bool cidr_contains(const SigmaValue& v, std::string_view ip_text) {
  std::array<uint8_t, 16> a;
  bool is6 = false;
  if (!parse_ip(ip_text, a, is6)) return false;
  if (is6 != v.v6) {
    // An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is compared as IPv4.
    if (is6 && !v.v6) {
      for (int k = 0; k < 10; ++k)
        if (a[size_t(k)] != 0) return false;
      if (a[10] != 0xff || a[11] != 0xff) return false;
      std::array<uint8_t, 16> b{};
      for (int k = 0; k < 4; ++k) b[size_t(k)] = a[size_t(12 + k)];
      a = b;
    } else {
      return false;
    }
  }
  int bits = v.prefix;
  for (size_t k = 0; bits > 0; ++k, bits -= 8) {
    const uint8_t mask = bits >= 8 ? 0xff : uint8_t(0xff << (8 - bits));
    if ((a[k] & mask) != (v.net[k] & mask)) return false;
  }
  return true;
}

bool parse_number(std::string_view s, double& out) {
  s = trim(s);
  if (s.empty() || s.size() > 64) return false;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    uint64_t v = 0;
    for (size_t i = 2; i < s.size(); ++i) {
      char c = s[i];
      int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
      if (d < 0 || i > 17) return false;
      v = v * 16 + uint64_t(d);
    }
    out = double(v);
    return true;
  }
  size_t i = 0;
  bool neg = false;
  if (s[0] == '-' || s[0] == '+') {
    neg = s[0] == '-';
    i = 1;
  }
  if (i >= s.size()) return false;
  double v = 0;
  bool any = false;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
    v = v * 10 + (s[i] - '0');
    ++i;
    any = true;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    double scale = 0.1;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      v += (s[i] - '0') * scale;
      scale /= 10;
      ++i;
      any = true;
    }
  }
  if (!any || i != s.size()) return false;
  out = neg ? -v : v;
  return true;
}

// ---------------------------------------------------------------------------------------------------------------
// Value

namespace {

bool compare(double a, CompareOp op, double b) {
  switch (op) {
    case CompareOp::kEq: return a == b;
    case CompareOp::kLt: return a < b;
    case CompareOp::kLte: return a <= b;
    case CompareOp::kGt: return a > b;
    case CompareOp::kGte: return a >= b;
  }
  return false;
}

bool time_part(std::string_view s, TimePart part, double& out) {
  auto t = parse_time(s);
  if (!t) return false;
  int64_t us = *t;
  int64_t secs = us >= 0 ? us / 1000000 : -((-us + 999999) / 1000000);
  int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
  int64_t sod = secs - days * 86400;
  int64_t y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  switch (part) {
    case TimePart::kMinute: out = double((sod / 60) % 60); return true;
    case TimePart::kHour: out = double(sod / 3600); return true;
    case TimePart::kDay: out = double(d); return true;
    case TimePart::kMonth: out = double(m); return true;
    case TimePart::kYear: out = double(y); return true;
    case TimePart::kWeek: {
      // ISO 8601 week number.
      int64_t wd = ((days % 7) + 7 + 3) % 7;  // 0 = Monday (1970-01-01 was a Thursday)
      int64_t jan1 = days_from_civil(y, 1, 1);
      int64_t ordinal = days - jan1 + 1;
      int64_t week = (ordinal - (wd + 1) + 10) / 7;
      if (week < 1) {
        week = 52;  // belongs to the last week of the previous year (52 or 53; 52 is the common case)
        int64_t pj = days_from_civil(y - 1, 1, 1);
        int64_t pwd = ((pj % 7) + 7 + 3) % 7;
        bool leap = ((y - 1) % 4 == 0 && (y - 1) % 100 != 0) || (y - 1) % 400 == 0;
        if (pwd == 3 || (leap && pwd == 2)) week = 53;
      } else if (week == 53) {
        int64_t jwd = ((jan1 % 7) + 7 + 3) % 7;
        bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        if (!(jwd == 3 || (leap && jwd == 2))) week = 1;
      }
      out = double(week);
      return true;
    }
  }
  return false;
}

}  // namespace

bool SigmaValue::matches(std::string_view v) const {
  switch (kind) {
    case ValueKind::kGlob: return glob.matches(v);
    case ValueKind::kRegex: return regex && regex_partial_match(*regex, v);
    case ValueKind::kCidr: return cidr_contains(*this, v);
    case ValueKind::kCompare: {
      double d;
      return parse_number(v, d) && compare(d, op, number);
    }
    case ValueKind::kTimePart: {
      double d;
      return time_part(v, part, d) && compare(d, op, number);
    }
    case ValueKind::kExists: return expected;
    case ValueKind::kNull: return v.empty();
    case ValueKind::kFieldRef: return false;  // needs the event: handled by the evaluator
  }
  return false;
}

std::string SigmaValue::required_literal() const {
  switch (kind) {
    case ValueKind::kGlob: return glob.longest_literal();
    case ValueKind::kRegex: return regex_literal;
    default: return {};
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Encodings

std::string base64_encode(std::string_view in) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    uint32_t v = uint32_t(uint8_t(in[i])) << 16 | uint32_t(uint8_t(in[i + 1])) << 8 | uint8_t(in[i + 2]);
    out.push_back(kAlphabet[v >> 18]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(kAlphabet[(v >> 6) & 63]);
    out.push_back(kAlphabet[v & 63]);
  }
  if (in.size() - i == 1) {
    uint32_t v = uint32_t(uint8_t(in[i])) << 16;
    out.push_back(kAlphabet[v >> 18]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.append("==");
  } else if (in.size() - i == 2) {
    uint32_t v = uint32_t(uint8_t(in[i])) << 16 | uint32_t(uint8_t(in[i + 1])) << 8;
    out.push_back(kAlphabet[v >> 18]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(kAlphabet[(v >> 6) & 63]);
    out.push_back('=');
  }
  return out;
}

std::vector<std::string> base64_offset_variants(std::string_view bytes) {
  // Shifting the value by 0, 1 or 2 bytes inside a longer stream changes its encoding; the characters that
  // depend on the unknown neighbouring bytes are cut: the first 0/2/3 characters, and at the end 0, 3 or 2
  // characters depending on how the value ends relative to a 3-byte group.
  static const size_t kStartCut[3] = {0, 2, 3};
  static const size_t kEndCut[3] = {0, 3, 2};
  std::vector<std::string> out;
  for (size_t shift = 0; shift < 3; ++shift) {
    std::string padded(shift, ' ');
    padded.append(bytes);
    std::string enc = base64_encode(padded);
    size_t start = kStartCut[shift];
    size_t end_cut = kEndCut[(bytes.size() + shift) % 3];
    if (start + end_cut >= enc.size()) {
      out.push_back(std::string());
      continue;
    }
    out.push_back(enc.substr(start, enc.size() - start - end_cut));
  }
  return out;
}

std::string utf8_to_utf16(std::string_view s, bool big_endian, bool bom) {
  std::string out;
  auto put = [&](uint16_t u) {
    if (big_endian) {
      out.push_back(char(u >> 8));
      out.push_back(char(u & 0xff));
    } else {
      out.push_back(char(u & 0xff));
      out.push_back(char(u >> 8));
    }
  };
  if (bom) put(0xFEFF);
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    uint32_t cp = 0xFFFD;
    size_t len = utf8_char_len(c);
    if (i + len > s.size()) len = 1;
    if (len == 1) cp = c < 0x80 ? c : 0xFFFD;
    else if (len == 2) cp = (c & 0x1Fu) << 6 | (uint8_t(s[i + 1]) & 0x3Fu);
    else if (len == 3) cp = (c & 0x0Fu) << 12 | (uint8_t(s[i + 1]) & 0x3Fu) << 6 | (uint8_t(s[i + 2]) & 0x3Fu);
    else cp = (c & 0x07u) << 18 | (uint8_t(s[i + 1]) & 0x3Fu) << 12 | (uint8_t(s[i + 2]) & 0x3Fu) << 6 | (uint8_t(s[i + 3]) & 0x3Fu);
    i += len;
    if (cp >= 0x10000 && cp <= 0x10FFFF) {
      cp -= 0x10000;
      put(uint16_t(0xD800 + (cp >> 10)));
      put(uint16_t(0xDC00 + (cp & 0x3FF)));
    } else {
      put(uint16_t(cp > 0xFFFF ? 0xFFFD : cp));
    }
  }
  return out;
}

namespace {
bool is_word_byte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c >= 0x80;
}
}  // namespace

std::vector<std::string> windash_variants(std::string_view s, size_t max_variants) {
  static const std::string_view kDashes[5] = {"-", "/", "\xE2\x80\x93", "\xE2\x80\x94", "\xE2\x80\x95"};
  // Find flag dashes: a dash character not preceded by a word character and followed by one.
  struct Pos {
    size_t at, len;
  };
  std::vector<Pos> pos;
  for (size_t i = 0; i < s.size();) {
    size_t len = 0;
    for (auto d : kDashes)
      if (s.substr(i, d.size()) == d) {
        len = d.size();
        break;
      }
    if (len == 0) {
      ++i;
      continue;
    }
    bool prev_word = i > 0 && is_word_byte(static_cast<unsigned char>(s[i - 1]));
    bool next_word = i + len < s.size() && is_word_byte(static_cast<unsigned char>(s[i + len]));
    if (!prev_word && next_word) pos.push_back({i, len});
    i += len;
  }
  std::vector<std::string> out;
  size_t total = 1;
  for (size_t k = 0; k < pos.size(); ++k) {
    total *= 5;
    if (total > max_variants) return {};
  }
  for (size_t combo = 0; combo < total; ++combo) {
    std::string v;
    size_t last = 0, c = combo;
    for (const auto& p : pos) {
      v.append(s.substr(last, p.at - last));
      v.append(kDashes[c % 5]);
      c /= 5;
      last = p.at + p.len;
    }
    v.append(s.substr(last));
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace trawl

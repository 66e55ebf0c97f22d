#include "core/time.h"

#include <algorithm>
#include <cstdio>

namespace trawl {

// Howard Hinnant's days-from-civil algorithm (public domain description of the proleptic Gregorian calendar).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void civil_from_days(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += (m <= 2);
}

int64_t civil_to_us(int64_t y, unsigned mon, unsigned d, unsigned h, unsigned min, unsigned s, int64_t us) {
  int64_t days = days_from_civil(y, mon, d);
  return ((days * 86400) + h * 3600 + min * 60 + s) * 1000000LL + us;
}

static inline char* two_digits(char* p, unsigned v) {
  p[0] = char('0' + v / 10);
  p[1] = char('0' + v % 10);
  return p + 2;
}

char* write_time_us(char* p, int64_t us) {
  // Floor division: times before 1970 count back from the epoch.
  int64_t secs = us / 1000000, frac = us % 1000000;
  if (frac < 0) {
    frac += 1000000;
    --secs;
  }
  int64_t days = secs / 86400, rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  int64_t y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  if (y < 0 || y > 9999) {  // outside what four digits hold: the general form
    int n = std::snprintf(p, kTimeTextMax, "%04lld-%02u-%02uT%02u:%02u:%02u.%06lldZ", static_cast<long long>(y), m, d,
                          unsigned(rem / 3600), unsigned((rem / 60) % 60), unsigned(rem % 60),
                          static_cast<long long>(frac));
    return p + (n > 0 ? std::min<size_t>(size_t(n), kTimeTextMax - 1) : 0);
  }
  p = two_digits(p, unsigned(y / 100));
  p = two_digits(p, unsigned(y % 100));
  *p++ = '-';
  p = two_digits(p, m);
  *p++ = '-';
  p = two_digits(p, d);
  *p++ = 'T';
  p = two_digits(p, unsigned(rem / 3600));
  *p++ = ':';
  p = two_digits(p, unsigned(rem / 60 % 60));
  *p++ = ':';
  p = two_digits(p, unsigned(rem % 60));
  *p++ = '.';
  unsigned f = unsigned(frac);
  for (int k = 5; k >= 0; --k) {
    p[k] = char('0' + f % 10);
    f /= 10;
  }
  p += 6;
  *p++ = 'Z';
  return p;
}

void append_time_us(std::string& out, int64_t us) {
  char buf[kTimeTextMax];
  out.append(buf, size_t(write_time_us(buf, us) - buf));
}

std::string format_time_us(int64_t us) {
  std::string s;
  append_time_us(s, us);
  return s;
}

static bool digits(std::string_view s, size_t pos, size_t n, unsigned& v) {
  if (pos + n > s.size()) return false;
  v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + unsigned(s[i] - '0');
  }
  return true;
}

std::optional<int64_t> parse_time(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '"')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '"')) s.remove_suffix(1);
  if (s.empty()) return std::nullopt;
  // Epoch seconds (Zeek "ts"): digits, optional fraction, nothing else.
  if (s.size() < 19 || s[4] != '-') {
    int64_t sec = 0;
    size_t i = 0;
    if (s[0] == '-') return std::nullopt;
    for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
      if (sec > 100000000000LL) return std::nullopt;
      sec = sec * 10 + (s[i] - '0');
    }
    if (i == 0) return std::nullopt;
    int64_t us = 0;
    if (i < s.size()) {
      if (s[i] != '.') return std::nullopt;
      ++i;
      int64_t scale = 100000;
      for (; i < s.size(); ++i) {
        if (s[i] < '0' || s[i] > '9') return std::nullopt;
        us += (s[i] - '0') * scale;
        scale /= 10;
      }
    }
    return sec * 1000000 + us;
  }
  unsigned y, mo, d, h, mi, se;
  if (!digits(s, 0, 4, y) || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-' || !digits(s, 8, 2, d))
    return std::nullopt;
  if (s[10] != 'T' && s[10] != ' ' && s[10] != 't') return std::nullopt;
  if (!digits(s, 11, 2, h) || s[13] != ':' || !digits(s, 14, 2, mi) || s[16] != ':' || !digits(s, 17, 2, se))
    return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) return std::nullopt;
  size_t i = 19;
  int64_t us = 0;
  if (i < s.size() && (s[i] == '.' || s[i] == ',')) {
    ++i;
    int64_t scale = 100000;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      us += (s[i] - '0') * scale;
      scale /= 10;
      ++i;
    }
  }
  int64_t offset_s = 0;
  if (i < s.size()) {
    char z = s[i];
    if (z == 'Z' || z == 'z') {
      ++i;
    } else if (z == '+' || z == '-') {
      unsigned oh, om = 0;
      if (!digits(s, i + 1, 2, oh)) return std::nullopt;
      size_t j = i + 3;
      if (j < s.size() && s[j] == ':') ++j;
      if (j < s.size() && !digits(s, j, 2, om)) return std::nullopt;
      if (j < s.size()) j += 2;
      offset_s = (oh * 3600 + om * 60) * (z == '+' ? 1 : -1);
      i = j;
    }
  }
  if (i != s.size()) return std::nullopt;
  return civil_to_us(y, mo, d, h, mi, se, us) - offset_s * 1000000;
}

}  // namespace trawl

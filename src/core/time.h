// Time: every event time is int64 microseconds since the Unix epoch, UTC. Conversions from the forms logs use
// (Windows FILETIME, SYSTEMTIME, ISO 8601 text with any number of fractional digits and a zone, Zeek's epoch
// seconds) and to the one form trawl prints: "2019-03-19T23:35:40.123456Z". Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace trawl {

// 100 ns ticks since 1601-01-01 -> microseconds since 1970-01-01.
inline int64_t filetime_to_us(uint64_t ft) { return int64_t(ft / 10) - 11644473600000000LL; }

int64_t days_from_civil(int64_t y, unsigned m, unsigned d);
// The inverse: the civil (proleptic Gregorian) date of a day count since 1970-01-01.
void civil_from_days(int64_t days, int64_t& y, unsigned& m, unsigned& d);
// Microseconds for a civil UTC date-time; no range checks beyond what the caller did.
int64_t civil_to_us(int64_t y, unsigned mon, unsigned d, unsigned h, unsigned min, unsigned s, int64_t us);

// "2019-03-19T23:35:40.123456Z" (always 6 fractional digits).
std::string format_time_us(int64_t us);
void append_time_us(std::string& out, int64_t us);
// The same text written at p without printf, for the hot paths (decoders, record writers): kTimeTextSize bytes
// for years 0000-9999, at most kTimeTextMax otherwise. Returns the end.
constexpr size_t kTimeTextSize = 27;
constexpr size_t kTimeTextMax = 48;
char* write_time_us(char* p, int64_t us);

// Parses ISO 8601 / RFC 3339 ("2019-03-19T23:35:40.1234567Z", "2019-03-19 23:35:40", "+02:00" offsets,
// fraction optional), and plain epoch seconds with an optional fraction ("1555000000.123456").
std::optional<int64_t> parse_time(std::string_view s);

}  // namespace trawl

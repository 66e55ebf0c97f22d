// The escaping under every sink (output/text_render.h): HTML, CSV cells, terminal text, display widths, and
// the bounded top-N keeper against a plain full sort.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>

#include "core/text.h"
#include "core/time.h"
#include "output/json_record.h"
#include "output/text_render.h"

namespace trawl::output {
namespace {

std::string html(std::string_view s, size_t max = SIZE_MAX) {
  std::string out;
  append_html_escaped(out, s, max);
  return out;
}
std::string csv(std::string_view s) {
  std::string out;
  append_csv_cell(out, s);
  return out;
}

std::string random_bytes(std::mt19937& rng, size_t max_len) {
  // Biased towards the interesting bytes: controls, ESC, quotes, markup, UTF-8 lead and continuation bytes.
  static const unsigned char kInteresting[] = {0x00, 0x07, 0x09, 0x0a, 0x0d, 0x1b, 0x7f, '"', '\'', '<', '>', '&',
                                               '=',  '+',  '-',  '@',  ',',  0x80, 0x9b, 0xbf, 0xc2, 0xe2, 0x80,
                                               0xae, 0xed, 0xa0, 0xf0, 0x9f, 0xf4, 0x90, 0xff, 0xc0, 'a'};
  std::string s(rng() % (max_len + 1), '\0');
  for (char& c : s)
    c = (rng() % 3 == 0) ? char(rng() & 0xff) : char(kInteresting[rng() % sizeof kInteresting]);
  return s;
}

TEST(OutputEscape, HtmlEscapesMarkupAndControls) {
  EXPECT_EQ(html("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;");
  EXPECT_EQ(html("a\x1b[31mb\x7f\t\n"), "a\xE2\x90\x9B[31mb\xE2\x90\xA1\t\n");  // U+241B, U+2421
  EXPECT_EQ(html(std::string("\0", 1)), "\xE2\x90\x80");                        // U+2400
  EXPECT_EQ(html("\xff\xc3\xa9"), "\xEF\xBF\xBD\xC3\xA9");
  EXPECT_EQ(html("evil\xe2\x80\xae" "fdp.exe \xc2\x9b"), "evil\\u{202e}fdp.exe \\u{009b}");
  // The cut never splits a character and says how much was left out.
  EXPECT_EQ(html("ab\xC3\xA9z", 3), "ab\xE2\x80\xA6 (3 more bytes)");
  EXPECT_EQ(html("<<<<", 2), "&lt;&lt;\xE2\x80\xA6 (2 more bytes)");
}

TEST(OutputEscape, HtmlOfRandomBytesIsInertValidUtf8) {
  std::mt19937 rng(7);
  for (int i = 0; i < 3000; ++i) {
    const std::string s = random_bytes(rng, 40);
    const std::string h = html(s);
    ASSERT_TRUE(is_valid_utf8(h));
    for (char c : h) {
      ASSERT_TRUE(c != '<' && c != '>' && c != '"' && c != '\'') << h;
      const auto u = static_cast<unsigned char>(c);
      ASSERT_TRUE(u >= 0x20 || c == '\t' || c == '\n' || c == '\r');
      ASSERT_NE(u, 0x7f);
    }
    // Every '&' starts one of our entities.
    for (size_t p = h.find('&'); p != std::string::npos; p = h.find('&', p + 1)) {
      const std::string_view rest = std::string_view(h).substr(p);
      ASSERT_TRUE(rest.starts_with("&amp;") || rest.starts_with("&lt;") || rest.starts_with("&gt;") ||
                  rest.starts_with("&quot;") || rest.starts_with("&#39;"))
          << h;
    }
  }
}

// The fast JSON string writer against core's plain one: both valid, both decode to the same value.
TEST(OutputEscape, JsonTextMatchesCoreJsonString) {
  std::mt19937 rng(13);
  simdjson::dom::parser parser;
  for (int i = 0; i < 4000; ++i) {
    std::string s = random_bytes(rng, 64);
    if (i % 4 == 0) s = "plain ascii text that is long enough for several blocks " + s;
    std::string fast, slow;
    append_json_text(fast, s);
    append_json_string(slow, s);
    ASSERT_TRUE(is_valid_utf8(fast));
    simdjson::padded_string pf(fast), ps(slow);
    std::string_view vf, vs;
    ASSERT_EQ(parser.parse(pf).get_string().get(vf), simdjson::SUCCESS) << fast;
    std::string decoded_fast(vf);
    ASSERT_EQ(parser.parse(ps).get_string().get(vs), simdjson::SUCCESS) << slow;
    ASSERT_EQ(decoded_fast, std::string(vs));
    // Nothing a terminal would act on is left raw.
    for (size_t k = 0; k < fast.size();) {
      uint32_t cp;
      const size_t l = decode_utf8(fast, k, cp);
      ASSERT_FALSE(cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e)) << fast;
      k += l;
    }
  }
  std::string out;
  append_json_text(out, "a\x1b\x7f\xc2\x9b\xe2\x80\xae\"\\\n");
  EXPECT_EQ(out, "\"a\\u001b\\u007f\\u009b\\u202e\\\"\\\\\\n\"");
}

// An independent reference for the time text: the calendar of <chrono>, formatted with printf.
std::string reference_time_text(int64_t us) {
  using namespace std::chrono;
  const auto t = sys_time<microseconds>(microseconds(us));
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss<microseconds> hms{t - day};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02lld:%02lld:%02lld.%06lldZ", int(ymd.year()),
                unsigned(ymd.month()), unsigned(ymd.day()), static_cast<long long>(hms.hours().count()),
                static_cast<long long>(hms.minutes().count()), static_cast<long long>(hms.seconds().count()),
                static_cast<long long>(hms.subseconds().count()));
  return buf;
}

// The printf-free time writer (and core's formatter, which uses it) against <chrono>, over the whole range logs
// can hold.
TEST(OutputEscape, TimeWriterMatchesCore) {
  std::mt19937_64 rng(17);
  std::vector<int64_t> times = {0, -1, 1, 999999, -999999, -1000000, 951782400000000 /* 2000-02-29 */,
                                253402300799999999 /* 9999-12-31T23:59:59.999999Z */, -62135596800000000,
                                253402300800000000, -62135596800000001};
  for (int i = 0; i < 20000; ++i) times.push_back(int64_t(rng() % 600000000000000000ULL) - 300000000000000000LL);
  for (int64_t t : times) {
    char buf[64];
    const char* end = write_time_us(buf, t);
    ASSERT_EQ(std::string(buf, size_t(end - buf)), reference_time_text(t)) << t;
    ASSERT_EQ(format_time_us(t), reference_time_text(t)) << t;
  }
}

TEST(OutputEscape, CsvQuotingAndFormulaGuard) {
  EXPECT_EQ(csv("plain"), "plain");
  EXPECT_EQ(csv(""), "");
  EXPECT_EQ(csv("a,b"), "\"a,b\"");
  EXPECT_EQ(csv("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(csv("=1+1"), "'=1+1");
  EXPECT_EQ(csv("+1"), "'+1");
  EXPECT_EQ(csv("-1"), "'-1");
  EXPECT_EQ(csv("@SUM(A1)"), "'@SUM(A1)");
  EXPECT_EQ(csv("\t=1"), "'\t=1");
  EXPECT_EQ(csv("\r=1"), "\"'\r=1\"");
  EXPECT_EQ(csv("=HYPERLINK(\"http://x\",\"y\")"), "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"");
  EXPECT_EQ(csv("1=1"), "1=1");  // only the first character matters
  EXPECT_EQ(csv("a\x1b[2Jb\xff"), "a\xE2\x90\x9B[2Jb\xEF\xBF\xBD");
}

TEST(OutputEscape, TerminalSafeNeverPassesControls) {
  EXPECT_EQ(terminal_safe("C:\\Windows\\cmd.exe /c whoami"), "C:\\Windows\\cmd.exe /c whoami");
  EXPECT_EQ(terminal_safe("\x1b]0;owned\x07\x1b[2J"), "\\x1b]0;owned\\x07\\x1b[2J");
  EXPECT_EQ(terminal_safe("a\tb\nc\rd\x7f"), "a\\tb\\nc\\rd\\x7f");
  EXPECT_EQ(terminal_safe("\xc2\x9b" "31m"), "\\u{009b}31m");         // the 8-bit CSI
  EXPECT_EQ(terminal_safe("x\xe2\x80\xae" "exe.txt"), "x\\u{202e}exe.txt");  // right-to-left override
  EXPECT_EQ(terminal_safe("\xff\xc3\xa9\xe6\x97\xa5"), "\\xff\xc3\xa9\xe6\x97\xa5");
  std::mt19937 rng(11);
  for (int i = 0; i < 3000; ++i) {
    const std::string t = terminal_safe(random_bytes(rng, 40));
    ASSERT_TRUE(is_valid_utf8(t));
    for (size_t k = 0; k < t.size();) {
      uint32_t cp;
      const size_t l = decode_utf8(t, k, cp);
      ASSERT_GT(l, 0u);
      ASSERT_FALSE(cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) << "control U+" << std::hex << cp << " in " << t;
      ASSERT_FALSE((cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069));
      k += l;
    }
  }
}

TEST(OutputEscape, DecodeUtf8AgreesWithCoreValidator) {
  std::mt19937 rng(3);
  for (int i = 0; i < 5000; ++i) {
    const std::string s = random_bytes(rng, 8);
    bool ok = true;
    for (size_t k = 0; k < s.size();) {
      uint32_t cp;
      const size_t l = decode_utf8(s, k, cp);
      if (!l) {
        ok = false;
        break;
      }
      std::string re;
      append_utf8(re, cp);
      ASSERT_EQ(re, s.substr(k, l));  // decoding then encoding gives the same bytes back
      k += l;
    }
    ASSERT_EQ(ok, is_valid_utf8(s)) << "input of " << s.size() << " bytes";
  }
}

TEST(OutputEscape, DisplayWidthAndFitting) {
  EXPECT_EQ(display_width("abc"), 3u);
  EXPECT_EQ(display_width("日本支社"), 8u);
  EXPECT_EQ(display_width("e\xcc\x81"), 1u);  // e + combining acute
  EXPECT_EQ(display_width("ПК-01"), 5u);
  std::string out;
  append_fitted(out, "abcdef", 4, true);
  EXPECT_EQ(out, "abc\xE2\x80\xA6");
  out.clear();
  append_fitted(out, "ab", 4, true);
  EXPECT_EQ(out, "ab  ");
  out.clear();
  append_fitted(out, "日本支社", 5, true);  // 2 + 2 + ellipsis = 5 columns
  EXPECT_EQ(out, "日本\xE2\x80\xA6");
  EXPECT_EQ(display_width(out), 5u);
  out.clear();
  append_fitted(out, "日本支社", 4, true);  // a wide character never overflows the column: pad instead
  EXPECT_EQ(display_width(out), 4u);
}

TEST(OutputEscape, Utf8PrefixKeepsWholeCharacters) {
  EXPECT_EQ(utf8_prefix("abc", 10), "abc");
  EXPECT_EQ(utf8_prefix("a\xE6\x97\xA5", 2), "a");
  EXPECT_EQ(utf8_prefix("a\xE6\x97\xA5", 3), "a");
  EXPECT_EQ(utf8_prefix("a\xE6\x97\xA5", 4), "a\xE6\x97\xA5");
}

TEST(OutputEscape, KeyFieldPrefersCommandLine) {
  Detection d;
  d.fields = {{"Image", "a.exe"}, {"CommandLine", ""}, {"QueryName", "x.example"}};
  ASSERT_NE(key_field(d), nullptr);
  EXPECT_EQ(key_field(d)->first, "Image");  // an empty CommandLine says nothing
  d.fields.push_back({"CommandLine", "a.exe /x"});
  EXPECT_EQ(key_field(d)->second, "a.exe /x");
  d.fields = {{"Other", "1"}};
  EXPECT_EQ(key_field(d), nullptr);
}

// The bounded keeper against its slow twin: sort everything, take the first N.
TEST(OutputEscape, TopDetectionsMatchesFullSort) {
  std::mt19937 rng(5);
  for (int round = 0; round < 50; ++round) {
    const size_t limit = rng() % 12;
    std::vector<Detection> all(rng() % 60);
    for (size_t i = 0; i < all.size(); ++i) {
      all[i].level = Level(rng() % 5);
      all[i].time_us = rng() % 4 == 0 ? kNoTime : int64_t(rng() % 10);
      all[i].rule_id = std::to_string(i);
    }
    TopDetections top(limit);
    for (const Detection& d : all) top.offer(d);
    std::vector<Detection> ref = all;
    std::stable_sort(ref.begin(), ref.end(), [](const Detection& a, const Detection& b) {
      if (a.level != b.level) return a.level > b.level;
      const bool at = a.time_us != kNoTime, bt = b.time_us != kNoTime;
      if (at != bt) return at;
      return at && a.time_us < b.time_us;
    });
    if (ref.size() > limit) ref.resize(limit);
    const std::vector<Detection> got = top.sorted();
    ASSERT_EQ(got.size(), ref.size());
    for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i].rule_id, ref[i].rule_id) << "round " << round;
    EXPECT_EQ(top.seen(), all.size());
  }
}

}  // namespace
}  // namespace trawl::output

#include <gtest/gtest.h>

#include "core/event.h"
#include "core/text.h"
#include "core/time.h"

using namespace trawl;

TEST(Time, FormatsAndParsesRoundTrip) {
  auto t = parse_time("2019-03-19T23:35:40.123456Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(format_time_us(*t), "2019-03-19T23:35:40.123456Z");
  EXPECT_EQ(*parse_time("2019-03-19T23:35:40.1234567Z"), *t);  // 7 digits: Windows' own precision
  EXPECT_EQ(*parse_time("2019-03-20T01:35:40.123456+02:00"), *t);
  EXPECT_EQ(*parse_time("2019-03-19 23:35:40.123456"), *t);
  EXPECT_EQ(format_time_us(0), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(*parse_time("1553038540.123456"), *t);  // Zeek epoch seconds
  EXPECT_FALSE(parse_time("not a time"));
  EXPECT_FALSE(parse_time("2019-13-19T23:35:40Z"));
  EXPECT_FALSE(parse_time(""));
}

TEST(Time, FiletimeEpoch) {
  EXPECT_EQ(filetime_to_us(116444736000000000ULL), 0);
  EXPECT_EQ(format_time_us(filetime_to_us(132223363430000000ULL)), "2020-01-01T07:12:23.000000Z");
}

TEST(Text, JsonStringAlwaysValid) {
  std::string out;
  append_json_string(out, std::string_view("a\"b\\c\n\x01\xff\xc3\xa9", 10));
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\n\\u0001\xEF\xBF\xBD\xC3\xA9\"");
  EXPECT_TRUE(is_valid_utf8(out));
}

TEST(Text, Utf16WithUnpairedSurrogate) {
  const uint8_t in[] = {'A', 0, 0x00, 0xD8, 'B', 0, 0x3D, 0xD8, 0x00, 0xDE};
  std::string out;
  EXPECT_EQ(append_utf16le_as_utf8(out, in, 5), 1u);
  EXPECT_EQ(out, "A\xEF\xBF\xBD" "B\xF0\x9F\x98\x80");
}

TEST(Event, FindIsExactThenCaseless) {
  EventBatch b;
  Event& e = b.next();
  e.add("CommandLine", b.copy("cmd.exe /c whoami"));
  e.add("Image", "C:\\x.exe");
  ASSERT_NE(e.find("CommandLine"), nullptr);
  EXPECT_EQ(e.find("commandline"), nullptr);
  ASSERT_NE(e.find_nocase("commandline"), nullptr);
  EXPECT_EQ(*e.find_nocase("commandline"), "cmd.exe /c whoami");
  EXPECT_EQ(e.find("User"), nullptr);
}

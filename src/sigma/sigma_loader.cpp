// Sigma YAML -> SigmaRule. Every problem becomes a RuleLoadEntry with the file, the rule and what is wrong.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include "core/parallel.h"
#include "core/text.h"
#include "core/yaml_util.h"
#include "sigma/sigma_rule.h"

namespace trawl {

const char* rule_load_status_name(RuleLoadStatus s) {
  switch (s) {
    case RuleLoadStatus::kLoaded: return "loaded";
    case RuleLoadStatus::kUnusable: return "unusable";
    case RuleLoadStatus::kNeedsValues: return "needs-values";
    case RuleLoadStatus::kCorrelation: return "correlation";
    case RuleLoadStatus::kInvalidFile: return "invalid";
  }
  return "?";
}

namespace {

constexpr size_t kMaxFileBytes = 8u << 20;
constexpr size_t kMaxValuesPerRule = 200000;
constexpr size_t kMaxWindashVariants = 625;
constexpr size_t kMaxExpandVariants = 4096;

// yaml-cpp recurses per nesting level; refuse absurd nesting (flow brackets, or long runs of block indicators
// such as "- - - - ..." / deep indentation) before handing it the bytes.
bool nesting_too_deep(std::string_view s) {
  int depth = 0;
  char quote = 0;
  size_t line_prefix = 0;
  bool in_prefix = true;
  for (char c : s) {
    if (c == '\n') {
      quote = 0;
      line_prefix = 0;
      in_prefix = true;
      continue;
    }
    if (in_prefix) {
      if (c == ' ' || c == '-' || c == '?' || c == ':' || c == '\t') {
        if (++line_prefix > 256) return true;
      } else {
        in_prefix = false;
      }
    }
    if (quote) {
      if (c == quote) quote = 0;
      continue;
    }
    if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == '[' || c == '{') {
      if (++depth > 64) return true;
    } else if (c == ']' || c == '}') {
      if (depth > 0) --depth;
    }
  }
  return false;
}

std::string scalar(const YAML::Node& n) {
  if (!n || !n.IsScalar()) return {};
  return n.Scalar();
}


YAML::Node deep_merge(const YAML::Node& base, const YAML::Node& over, int depth = 0) {
  if (!base || base.IsNull()) return YAML::Clone(over);
  if (!over || over.IsNull()) return YAML::Clone(base);
  if (!base.IsMap() || !over.IsMap() || depth > 32) return YAML::Clone(over);
  YAML::Node out = YAML::Clone(base);
  for (const auto& kv : over) {
    const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : std::string();
    if (out[key] && out[key].IsMap() && kv.second.IsMap())
      out[key] = deep_merge(out[key], kv.second, depth + 1);
    else
      out[key] = YAML::Clone(kv.second);
  }
  return out;
}

// A raw value from the rule: Sigma string syntax, or already-plain bytes after an encoding modifier.
struct RawValue {
  std::string s;
  bool plain = false;  // bytes, no wildcard syntax
  bool null = false;
};

struct ModifierSet {
  bool contains = false, startswith = false, endswith = false, all = false, cased = false, neq = false;
  bool exists = false, re = false, re_i = false, re_m = false, re_s = false, cidr = false, fieldref = false;
  bool expand = false, time = false;
  CompareOp op = CompareOp::kEq;
  TimePart part = TimePart::kMinute;
  std::vector<std::string> transforms;  // windash, base64, base64offset, utf16le, utf16be, utf16, wide (in order)
};

class RuleError {
 public:
  explicit RuleError(std::string m) : msg(std::move(m)) {}
  std::string msg;
};
// The rule is fine; only the user's values for its placeholders are missing.
class PlaceholderMissing : public RuleError {
 public:
  using RuleError::RuleError;
};

// Sigma string syntax -> plain bytes; fails when the string has wildcards.
std::string to_plain(const RawValue& v, const std::string& key, const char* modifier) {
  if (v.plain) return v.s;
  GlobPattern g = GlobPattern::parse(v.s, true);
  if (g.has_wildcards())
    throw RuleError("'" + key + "': value '" + v.s + "' has wildcards, which the " + modifier +
                    " modifier cannot encode");
  std::string out;
  for (const auto& t : g.tokens) out += t.text;
  return out;
}

ModifierSet parse_modifiers(const std::vector<std::string>& mods, const std::string& key) {
  ModifierSet m;
  for (size_t i = 0; i < mods.size(); ++i) {
    const std::string mod = to_lower(mods[i]);
    if (mod == "contains") m.contains = true;
    else if (mod == "startswith") m.startswith = true;
    else if (mod == "endswith") m.endswith = true;
    else if (mod == "all") m.all = true;
    else if (mod == "cased") m.cased = true;
    else if (mod == "neq") m.neq = true;
    else if (mod == "exists") m.exists = true;
    else if (mod == "re") m.re = true;
    else if (mod == "i" || mod == "m" || mod == "s") {
      if (!m.re) throw RuleError("'" + key + "': regex sub-modifier '" + mod + "' without a preceding 're'");
      (mod == "i" ? m.re_i : mod == "m" ? m.re_m : m.re_s) = true;
    } else if (mod == "cidr") m.cidr = true;
    else if (mod == "fieldref") m.fieldref = true;
    else if (mod == "expand") m.expand = true;
    else if (mod == "lt") m.op = CompareOp::kLt;
    else if (mod == "lte") m.op = CompareOp::kLte;
    else if (mod == "gt") m.op = CompareOp::kGt;
    else if (mod == "gte") m.op = CompareOp::kGte;
    else if (mod == "minute" || mod == "hour" || mod == "day" || mod == "week" || mod == "month" || mod == "year") {
      m.time = true;
      m.part = mod == "minute" ? TimePart::kMinute : mod == "hour" ? TimePart::kHour : mod == "day" ? TimePart::kDay
             : mod == "week" ? TimePart::kWeek : mod == "month" ? TimePart::kMonth : TimePart::kYear;
    } else if (mod == "windash" || mod == "base64" || mod == "base64offset" || mod == "utf16le" ||
               mod == "utf16be" || mod == "utf16" || mod == "wide") {
      m.transforms.push_back(mod);
    } else {
      throw RuleError("'" + key + "': unknown modifier '" + mods[i] + "'");
    }
  }
  int kinds = int(m.re) + int(m.cidr) + int(m.exists) + int(m.fieldref) + int(m.op != CompareOp::kEq && !m.time);
  if (kinds > 1) throw RuleError("'" + key + "': modifiers re/cidr/exists/fieldref/lt.. cannot be combined");
  if ((m.re || m.cidr || m.exists || (m.op != CompareOp::kEq && !m.time)) &&
      (m.contains || m.startswith || m.endswith))
    throw RuleError("'" + key + "': contains/startswith/endswith cannot be combined with re/cidr/exists/lt..");
  if (int(m.contains) + int(m.startswith) + int(m.endswith) > 1)
    throw RuleError("'" + key + "': only one of contains/startswith/endswith may be used");
  if (!m.transforms.empty() && (m.re || m.cidr || m.exists || m.fieldref || m.op != CompareOp::kEq || m.time))
    throw RuleError("'" + key + "': encoding/windash modifiers apply to string values only");
  return m;
}

std::vector<RawValue> expand_placeholders(const RawValue& v, const RuleLoadOptions& opt, const std::string& key) {
  // Splits on %name% (a `\%` is a plain percent sign) and substitutes every combination of supplied values.
  std::vector<std::string> acc{std::string()};
  const std::string& s = v.s;
  for (size_t i = 0; i < s.size();) {
    if (s[i] == '\\' && i + 1 < s.size() && s[i + 1] == '%') {
      for (auto& a : acc) a.push_back('%');
      i += 2;
      continue;
    }
    if (s[i] == '%') {
      size_t end = s.find('%', i + 1);
      if (end != std::string::npos && end > i + 1) {
        std::string name = s.substr(i + 1, end - i - 1);
        auto it = opt.placeholders.find(name);
        if (it == opt.placeholders.end() || it->second.empty())
          throw PlaceholderMissing("'" + key + "': placeholder %" + name +
                                   "% has no value (supply it with --vars FILE)");
        std::vector<std::string> next;
        for (const auto& a : acc)
          for (const auto& val : it->second) {
            next.push_back(a + val);
            if (next.size() > kMaxExpandVariants)
              throw RuleError("'" + key + "': placeholder expansion yields more than 4096 values");
          }
        acc = std::move(next);
        i = end + 1;
        continue;
      }
    }
    for (auto& a : acc) a.push_back(s[i]);
    ++i;
  }
  std::vector<RawValue> out;
  for (auto& a : acc) out.push_back(RawValue{std::move(a), false, false});
  return out;
}

bool parse_bool(const std::string& s, bool& out) {
  std::string l = to_lower(s);
  if (l == "true" || l == "yes") {
    out = true;
    return true;
  }
  if (l == "false" || l == "no") {
    out = false;
    return true;
  }
  return false;
}

std::vector<SigmaValue> compile_values(const std::vector<RawValue>& raw_in, const ModifierSet& m,
                                       const std::string& key, bool keyword, const RuleLoadOptions& opt) {
  std::vector<SigmaValue> out;
  if (raw_in.empty()) throw RuleError("'" + key + "': empty value list");
  for (const RawValue& rv : raw_in) {
    if (m.exists) {
      bool b = false;
      if (rv.null || !parse_bool(rv.s, b)) throw RuleError("'" + key + "': exists needs true or false");
      SigmaValue v;
      v.kind = ValueKind::kExists;
      v.expected = b;
      v.text = rv.s;
      out.push_back(std::move(v));
      continue;
    }
    if (rv.null) {
      SigmaValue v;
      v.kind = ValueKind::kNull;
      v.text = "null";
      out.push_back(std::move(v));
      continue;
    }
    if (m.fieldref) {
      SigmaValue v;
      v.kind = ValueKind::kFieldRef;
      v.text = rv.s;
      v.cased = m.cased;
      v.ref_mode = m.contains ? FieldRefMode::kContains : m.startswith ? FieldRefMode::kStartsWith
                 : m.endswith ? FieldRefMode::kEndsWith : FieldRefMode::kEquals;
      if (rv.s.empty()) throw RuleError("'" + key + "': fieldref needs a field name");
      out.push_back(std::move(v));
      continue;
    }
    if (m.re) {
      auto re = compile_regex(rv.s, m.re_i, m.re_m, m.re_s);
      if (!re.ok()) throw RuleError("'" + key + "': " + re.status().message() + " in /" + rv.s + "/");
      SigmaValue v;
      v.kind = ValueKind::kRegex;
      v.text = rv.s;
      v.regex = re.value();
      v.re_icase = m.re_i;
      v.re_multiline = m.re_m;
      v.re_dotall = m.re_s;
      std::string lit = regex_required_literal(rv.s);
      if (m.re_i || rv.s.find("(?") != std::string::npos) {
        // RE2 folds case with Unicode rules (k ~ U+212A KELVIN SIGN, s ~ U+017F LONG S); the prefilter folds
        // ASCII only, so keep the longest piece without k or s.
        std::string best, cur;
        for (char c : lit) {
          if (c == 'k' || c == 's') {
            if (cur.size() > best.size()) best = cur;
            cur.clear();
          } else {
            cur.push_back(c);
          }
        }
        if (cur.size() > best.size()) best = cur;
        lit = best.size() >= 2 ? best : std::string();
      }
      v.regex_literal = lit;
      out.push_back(std::move(v));
      continue;
    }
    if (m.cidr) {
      SigmaValue v;
      v.kind = ValueKind::kCidr;
      v.text = rv.s;
      if (!parse_cidr(rv.s, v.net, v.prefix, v.v6)) throw RuleError("'" + key + "': '" + rv.s + "' is not a CIDR");
      out.push_back(std::move(v));
      continue;
    }
    if (m.time || m.op != CompareOp::kEq) {
      SigmaValue v;
      v.kind = m.time ? ValueKind::kTimePart : ValueKind::kCompare;
      v.op = m.op;
      v.part = m.part;
      v.text = rv.s;
      if (!parse_number(rv.s, v.number)) throw RuleError("'" + key + "': '" + rv.s + "' is not a number");
      out.push_back(std::move(v));
      continue;
    }
    // String values: expand, then the transforms in the order written, then the match shape.
    std::vector<RawValue> items;
    if (m.expand) items = expand_placeholders(rv, opt, key);
    else items.push_back(rv);
    for (const std::string& t : m.transforms) {
      std::vector<RawValue> next;
      for (const RawValue& it : items) {
        if (t == "windash") {
          auto vars = windash_variants(it.s, kMaxWindashVariants);
          if (vars.empty()) throw RuleError("'" + key + "': windash yields too many permutations");
          for (auto& x : vars) next.push_back(RawValue{std::move(x), it.plain, false});
        } else if (t == "base64") {
          next.push_back(RawValue{base64_encode(to_plain(it, key, "base64")), true, false});
        } else if (t == "base64offset") {
          for (auto& x : base64_offset_variants(to_plain(it, key, "base64offset")))
            next.push_back(RawValue{std::move(x), true, false});
        } else {
          const bool be = t == "utf16be";
          const bool bom = t == "utf16";
          next.push_back(RawValue{utf8_to_utf16(to_plain(it, key, t.c_str()), be, bom), true, false});
        }
      }
      items = std::move(next);
    }
    for (const RawValue& it : items) {
      SigmaValue v;
      v.kind = ValueKind::kGlob;
      v.text = it.s;
      v.glob = it.plain ? GlobPattern::literal(it.s, m.cased) : GlobPattern::parse(it.s, m.cased);
      const bool implicit_contains = keyword && !m.startswith && !m.endswith;
      if (m.contains || m.endswith || implicit_contains) v.glob.add_leading_star();
      if (m.contains || m.startswith || implicit_contains) v.glob.add_trailing_star();
      out.push_back(std::move(v));
      if (out.size() > kMaxValuesPerRule) throw RuleError("'" + key + "': too many values");
    }
  }
  return out;
}

void collect_raw(const YAML::Node& n, std::vector<RawValue>& out, const std::string& key, int depth = 0) {
  if (depth > 8) throw RuleError("'" + key + "': values nested too deeply");
  if (!n || n.IsNull()) {
    out.push_back(RawValue{std::string(), false, true});
  } else if (n.IsScalar()) {
    out.push_back(RawValue{n.Scalar(), false, false});
  } else if (n.IsSequence()) {
    if (n.size() == 0) throw RuleError("'" + key + "': empty value list");
    for (const auto& x : n) {
      collect_raw(x, out, key, depth + 1);
      if (out.size() > kMaxValuesPerRule) throw RuleError("'" + key + "': too many values");
    }
  } else {
    throw RuleError("'" + key + "': a value cannot be a map");
  }
}

SigmaPredicate make_predicate(const std::string& key, const YAML::Node& values, const RuleLoadOptions& opt) {
  SigmaPredicate p;
  p.key = key;
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t bar = key.find('|', start);
    parts.push_back(key.substr(start, bar == std::string::npos ? std::string::npos : bar - start));
    if (bar == std::string::npos) break;
    start = bar + 1;
  }
  p.field = std::string(trim(parts[0]));
  std::vector<std::string> mods(parts.begin() + 1, parts.end());
  for (auto& md : mods) md = std::string(trim(md));
  ModifierSet m = parse_modifiers(mods, key);
  p.all = m.all;
  p.negate = m.neq;
  std::vector<RawValue> raw;
  collect_raw(values, raw, key);
  if (p.field.empty() && (m.exists || m.fieldref))
    throw RuleError("'" + key + "': exists/fieldref need a field name");
  p.values = compile_values(raw, m, key, p.field.empty(), opt);
  return p;
}

std::vector<SigmaPredicate> make_map(const YAML::Node& map, const RuleLoadOptions& opt, const std::string& search) {
  std::vector<SigmaPredicate> preds;
  for (const auto& kv : map) {
    if (!kv.first.IsScalar()) throw RuleError("search '" + search + "': a field name is not a string");
    preds.push_back(make_predicate(kv.first.Scalar(), kv.second, opt));
  }
  if (preds.empty()) throw RuleError("search '" + search + "' is an empty map");
  return preds;
}

SigmaSearch make_search(const std::string& name, const YAML::Node& n, const RuleLoadOptions& opt) {
  SigmaSearch s;
  s.name = name;
  if (!n || n.IsNull()) throw RuleError("search '" + name + "' is empty");
  if (n.IsMap()) {
    s.alternatives.push_back(make_map(n, opt, name));
  } else if (n.IsSequence()) {
    YAML::Node keywords(YAML::NodeType::Sequence);
    for (const auto& item : n) {
      if (item.IsMap()) s.alternatives.push_back(make_map(item, opt, name));
      else if (item.IsScalar() || item.IsNull()) keywords.push_back(item);
      else throw RuleError("search '" + name + "': a list item is a nested list");
    }
    if (keywords.size() > 0) s.alternatives.push_back({make_predicate("", keywords, opt)});
    if (s.alternatives.empty()) throw RuleError("search '" + name + "' is an empty list");
  } else {
    s.alternatives.push_back({make_predicate("", n, opt)});
  }
  return s;
}

}  // namespace

Status load_placeholder_file(const std::string& path, RuleLoadOptions& opt) {
  try {
    YAML::Node root = YAML::LoadFile(path);  // JSON is YAML
    if (!root.IsMap()) return Status::Error(path + ": placeholder file must be a map of name -> value(s)");
    for (const auto& kv : root) {
      std::string name = kv.first.Scalar();
      if (name.size() >= 2 && name.front() == '%' && name.back() == '%') name = name.substr(1, name.size() - 2);
      std::vector<std::string> vals = yaml_string_list(kv.second);
      if (vals.empty()) return Status::Error(path + ": placeholder '" + name + "' has no values");
      opt.placeholders[name] = vals;
    }
  } catch (const std::exception& e) {
    return Status::Error(path + ": " + e.what());
  }
  return Status();
}

void RuleSet::merge(RuleSet&& o) {
  for (auto& r : o.rules_) rules_.push_back(std::move(r));
  for (auto& r : o.correlations_) correlations_.push_back(std::move(r));
  for (auto& e : o.report_.entries) report_.entries.push_back(std::move(e));
  report_.files += o.report_.files;
  report_.loaded += o.report_.loaded;
  report_.unusable += o.report_.unusable;
  report_.needs_values += o.report_.needs_values;
  report_.correlations += o.report_.correlations;
  report_.invalid_files += o.report_.invalid_files;
}

RuleSet RuleSet::from_text(std::string_view yaml, const std::string& name, const RuleLoadOptions& opt) {
  RuleSet rs;
  rs.load_text(yaml, name, opt);
  return rs;
}

RuleSet RuleSet::load(const std::vector<std::string>& paths, const RuleLoadOptions& opt) {
  namespace fs = std::filesystem;
  RuleSet rs;
  std::vector<std::string> files;
  for (const auto& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<std::string> found;
      for (auto it = fs::recursive_directory_iterator(p, fs::directory_options::skip_permission_denied, ec);
           it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (ec) break;
        if (it->is_directory(ec)) {
          const std::string dn = it->path().filename().string();
          if (std::find(opt.exclude_dirs.begin(), opt.exclude_dirs.end(), dn) != opt.exclude_dirs.end())
            it.disable_recursion_pending();
          continue;
        }
        const std::string ext = to_lower(it->path().extension().string());
        // info.yml files in a rule tree are SigmaHQ-style regression test metadata, not rules.
        if (it->path().filename() == "info.yml") continue;
        if (ext == ".yml" || ext == ".yaml") found.push_back(it->path().string());
      }
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else {
      files.push_back(p);
    }
  }
  // Files are parsed on all cores (YAML parsing dominates start-up with thousands of rules), each into its own
  // set, then merged in file order: the result does not depend on the thread count.
  std::vector<RuleSet> parts(files.size());
  auto load_one = [&](size_t i) {
    const std::string& f = files[i];
    RuleSet& out = parts[i];
    auto invalid = [&](const char* why) {
      out.report_.files++;
      out.report_.invalid_files++;
      out.report_.entries.push_back({f, 0, "", "", RuleLoadStatus::kInvalidFile, why});
    };
    std::ifstream in(f, std::ios::binary);
    if (!in) return invalid("cannot open file");
    std::error_code size_ec;
    const auto fsize = std::filesystem::file_size(f, size_ec);
    if (!size_ec && fsize > kMaxFileBytes) return invalid("file larger than 8 MiB");
    std::string text;
    char chunk[65536];
    while (in.read(chunk, sizeof(chunk)) || in.gcount() > 0) {
      text.append(chunk, size_t(in.gcount()));
      if (text.size() > kMaxFileBytes) break;
    }
    if (text.size() > kMaxFileBytes) return invalid("file larger than 8 MiB");
    out.load_text(text, f, opt);
  };
  parallel_for(files.size(), std::min(files.size() / 64 + 1, hardware_threads()), load_one);
  for (auto& part : parts) rs.merge(std::move(part));
  return rs;
}

void RuleSet::load_text(std::string_view yaml, const std::string& name, const RuleLoadOptions& opt) {
  report_.files++;
  auto invalid = [&](const std::string& why) {
    report_.invalid_files++;
    report_.entries.push_back({name, 0, "", "", RuleLoadStatus::kInvalidFile, why});
  };
  if (nesting_too_deep(yaml)) return invalid("not valid Sigma YAML: flow collections nested deeper than 64");
  std::vector<YAML::Node> docs;
  try {
    docs = yaml_load_all(yaml);
  } catch (const YAML::Exception& e) {
    return invalid("not valid YAML: " + e.msg + " (line " + std::to_string(e.mark.line + 1) + ", column " +
                   std::to_string(e.mark.column + 1) + ")");
  } catch (const std::exception& e) {
    return invalid(std::string("not valid YAML: ") + e.what());
  }
  // yaml-cpp reads some malformed text as no document at all instead of failing: text that yields nothing is
  // not a rule file either.
  if (std::none_of(docs.begin(), docs.end(), [](const YAML::Node& d) { return d && !d.IsNull(); }) &&
      yaml_has_content(yaml))
    return invalid("not valid YAML: no document could be read from the text");
  YAML::Node global, prev;
  for (size_t di = 0; di < docs.size(); ++di) {
    RuleLoadEntry entry{name, di, "", "", RuleLoadStatus::kLoaded, ""};
    try {
      YAML::Node doc = docs[di];
      if (!doc || doc.IsNull()) continue;  // empty document (e.g. a trailing ---)
      if (!doc.IsMap()) {
        if (docs.size() == 1) return invalid("not a Sigma rule: the document is not a YAML map");
        throw RuleError("document is not a YAML map");
      }
      const std::string action = scalar(doc["action"]);
      if (action == "global") {
        global = deep_merge(global, doc);
        global.remove("action");
        continue;
      }
      if (action == "reset") {
        global = YAML::Node();
        continue;
      }
      if (action == "repeat") doc = deep_merge(prev, doc);
      else doc = deep_merge(global, doc);
      doc.remove("action");
      prev = doc;
      SigmaRule r;
      r.file = name;
      r.document = di;
      r.id = scalar(doc["id"]);
      r.title = scalar(doc["title"]);
      entry.id = r.id;
      entry.title = r.title;
      r.description = scalar(doc["description"]);
      r.status = scalar(doc["status"]);
      r.author = scalar(doc["author"]);
      r.date = scalar(doc["date"]);
      r.modified = scalar(doc["modified"]);
      r.tags = yaml_string_list(doc["tags"]);
      r.falsepositives = yaml_string_list(doc["falsepositives"]);
      r.references = yaml_string_list(doc["references"]);
      r.regression_tests_path = scalar(doc["regression_tests_path"]);
      if (doc["logsource"] && doc["logsource"].IsMap()) {
        r.logsource.product = scalar(doc["logsource"]["product"]);
        r.logsource.category = scalar(doc["logsource"]["category"]);
        r.logsource.service = scalar(doc["logsource"]["service"]);
      }
      if (doc["level"]) {
        auto lv = parse_level(scalar(doc["level"]));
        if (!lv) throw RuleError("unknown level '" + scalar(doc["level"]) + "'");
        r.level = *lv;
      }
      if (doc["correlation"] || to_lower(scalar(doc["type"])) == "correlation") {
        r.correlation = true;
        YAML::Emitter em;
        em << doc;
        r.source_yaml = em.c_str();
        entry.status = RuleLoadStatus::kCorrelation;
        entry.reason = "correlation rule (evaluated by the correlator)";
        report_.correlations++;
        report_.entries.push_back(entry);
        correlations_.push_back(std::move(r));
        continue;
      }
      if (doc["filter"] && !doc["detection"]) throw RuleError("Sigma filter document (meta filter) is not supported");
      if (r.title.empty()) throw RuleError("missing 'title'");
      const YAML::Node det = doc["detection"];
      if (!det || !det.IsMap()) throw RuleError("missing or malformed 'detection' (must be a map)");
      const YAML::Node cond = det["condition"];
      if (!cond) throw RuleError("detection has no 'condition'");
      std::vector<std::string> ids;
      for (const auto& kv : det) {
        if (!kv.first.IsScalar()) throw RuleError("detection key is not a string");
        const std::string key = kv.first.Scalar();
        if (key == "condition" || key == "timeframe" || key == "fields") continue;
        r.searches.push_back(make_search(key, kv.second, opt));
        ids.push_back(key);
      }
      r.condition_text = yaml_string_list(cond);
      if (r.condition_text.empty()) throw RuleError("condition is empty or not a string");
      for (const auto& ct : r.condition_text) {
        auto c = parse_sigma_condition(ct);
        if (!c.ok()) throw RuleError(c.status().message() + " in '" + ct + "'");
        Status st = resolve_sigma_condition(c.value(), ids);
        if (!st.ok()) throw RuleError(st.message());
        r.conditions.push_back(std::move(c.value()));
      }
      report_.loaded++;
      report_.entries.push_back(entry);
      rules_.push_back(std::move(r));
    } catch (const PlaceholderMissing& e) {
      entry.status = RuleLoadStatus::kNeedsValues;
      entry.reason = e.msg;
      report_.needs_values++;
      report_.entries.push_back(entry);
    } catch (const RuleError& e) {
      entry.status = RuleLoadStatus::kUnusable;
      entry.reason = e.msg;
      report_.unusable++;
      report_.entries.push_back(entry);
    } catch (const YAML::Exception& e) {
      entry.status = RuleLoadStatus::kUnusable;
      entry.reason = "malformed rule: " + e.msg;
      report_.unusable++;
      report_.entries.push_back(entry);
    } catch (const std::exception& e) {
      entry.status = RuleLoadStatus::kUnusable;
      entry.reason = std::string("malformed rule: ") + e.what();
      report_.unusable++;
      report_.entries.push_back(entry);
    }
  }
  if (docs.empty()) invalid("empty file: no YAML document");
}

}  // namespace trawl

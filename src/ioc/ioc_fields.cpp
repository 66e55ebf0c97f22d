// IocFieldMap: the YAML field map (rules/ioc/fields.yml, embedded) and user extensions of the same shape.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "core/text.h"
#include "ioc/ioc.h"

namespace trawl {

namespace {
struct RoleName {
  std::string_view name;
  uint16_t role;
};
constexpr RoleName kRoleNames[] = {
    {"ip", IocFieldMap::kRoleIp},           {"domain", IocFieldMap::kRoleDomain},
    {"url", IocFieldMap::kRoleUrlText},     {"hash_list", IocFieldMap::kRoleHashList},
    {"hash", IocFieldMap::kRoleHash},       {"imphash", IocFieldMap::kRoleImphash},
    {"file", IocFieldMap::kRoleFile},       {"http_host", IocFieldMap::kRoleHttpHost},
    {"http_uri", IocFieldMap::kRoleHttpUri},
};
}  // namespace

const IocFieldMap& IocFieldMap::builtin() {
  static const IocFieldMap m = [] {
    auto r = parse_yaml(IocSet::embedded_fields_text(), "builtin:fields.yml");
    // The embedded map is tested (IocFields.*); should it ever not parse, no field is matched rather than crash.
    return r.ok() ? r.value() : IocFieldMap();
  }();
  return m;
}

Result<IocFieldMap> IocFieldMap::parse_yaml(std::string_view text, std::string_view display_name) {
  IocFieldMap m;
  try {
    YAML::Node root = YAML::Load(std::string(text));
    if (!root || root.IsNull()) return m;
    if (!root.IsMap()) return Status::Error(std::string(display_name) + ": a field map is a mapping of kind -> field list");
    for (YAML::const_iterator it = root.begin(); it != root.end(); ++it) {
      // Copies, not references: yaml-cpp's iterator hands out a temporary key/value pair.
      const YAML::Node key_node = it->first;
      const YAML::Node list = it->second;
      std::string key = key_node.as<std::string>();
      uint16_t role = 0;
      for (const RoleName& r : kRoleNames)
        if (key == r.name) role = r.role;
      if (!role)
        return Status::Error(std::string(display_name) + ": unknown kind '" + key +
                             "' (expected ip, domain, url, hash_list, hash, imphash, file, http_host, http_uri)");
      if (list.IsScalar()) {
        m.add(list.as<std::string>(), role);
      } else if (list.IsSequence()) {
        for (YAML::const_iterator f_it = list.begin(); f_it != list.end(); ++f_it) {
          const YAML::Node f = *f_it;
          if (!f.IsScalar()) return Status::Error(std::string(display_name) + ": '" + key + "' lists a non-string");
          m.add(f.as<std::string>(), role);
        }
      } else if (!list.IsNull()) {
        return Status::Error(std::string(display_name) + ": '" + key + "' must be a list of field names");
      }
    }
  } catch (const YAML::Exception& e) {
    return Status::Error(std::string(display_name) + ": " + e.what());
  }
  return m;
}

Result<IocFieldMap> IocFieldMap::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Error(path + ": cannot read the field map");
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_yaml(ss.str(), path);
}

void IocFieldMap::add(std::string_view field, uint16_t roles) {
  field = trim(field);
  if (field.empty()) return;
  auto it = std::lower_bound(entries_.begin(), entries_.end(), field,
                             [](const auto& e, std::string_view f) { return e.first < f; });
  if (it != entries_.end() && it->first == field) it->second |= roles;
  else entries_.insert(it, {std::string(field), roles});
}

void IocFieldMap::merge(const IocFieldMap& other) {
  for (const auto& [f, r] : other.entries_) add(f, r);
}

uint16_t IocFieldMap::roles(std::string_view field) const {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), field,
                             [](const auto& e, std::string_view f) { return e.first < f; });
  return (it != entries_.end() && it->first == field) ? it->second : 0;
}

}  // namespace trawl

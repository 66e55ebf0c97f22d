// Log-source mapping files -> LogSourceEntry list.
#include "sigma/logsource_map.h"

#include "core/builtin_data.h"

#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/text.h"
#include "core/yaml_util.h"

namespace trawl {

std::string builtin_mappings_dir() {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (const char* env = std::getenv("TRAWL_MAPPINGS_DIR"); env && *env && fs::is_directory(env, ec)) return env;
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (n > 0) {
    exe[n] = 0;
    fs::path p = fs::path(exe).parent_path();
    for (const char* rel : {"mappings", "../share/trawl/mappings", "../mappings"}) {
      fs::path c = p / rel;
      if (fs::is_directory(c, ec)) return c.string();
    }
  }
#ifdef TRAWL_SOURCE_DIR
  {
    fs::path c = fs::path(TRAWL_SOURCE_DIR) / "mappings";
    if (fs::is_directory(c, ec)) return c.string();
  }
#endif
  return {};
}

Result<LogSourceMap> LogSourceMap::builtin() {
  namespace fs = std::filesystem;
  // The copy compiled into the binary (mappings/*.yml at build time), unless TRAWL_MAPPINGS_DIR points elsewhere:
  // the binary then works from any directory, with no data folder installed beside it.
  const char* override_dir = std::getenv("TRAWL_MAPPINGS_DIR");
  if (!override_dir || !*override_dir) {
    LogSourceMap map;
    for (const EmbeddedFile& f : builtin_mapping_files()) {
      auto m = from_text(f.text, "builtin:" + std::string(f.name));
      if (!m.ok()) return m.status();
      map.add(m.value());
    }
    if (!map.entries_.empty()) return map;
  }
  std::string dir = builtin_mappings_dir();
  if (dir.empty()) return Status::Error("built-in log-source mappings not found (set TRAWL_MAPPINGS_DIR)");
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string ext = to_lower(e.path().extension().string());
    if (ext == ".yml" || ext == ".yaml") files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  LogSourceMap map;
  for (const auto& f : files) {
    auto m = from_file(f);
    if (!m.ok()) return m.status();
    map.add(m.value());
  }
  if (map.entries_.empty()) return Status::Error("no log-source mappings in " + dir);
  return map;
}

Result<LogSourceMap> LogSourceMap::from_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Error(path + ": cannot open mapping file");
  std::stringstream ss;
  ss << in.rdbuf();
  return from_text(ss.str(), path);
}

Result<LogSourceMap> LogSourceMap::from_text(std::string_view yaml, const std::string& origin) {
  LogSourceMap map;
  try {
    YAML::Node root = YAML::Load(std::string(yaml));
    if (!root.IsMap() || !root["sources"] || !root["sources"].IsSequence())
      return Status::Error(origin + ": a mapping file needs a 'sources:' list");
    size_t idx = 0;
    for (const auto& s : root["sources"]) {
      ++idx;
      const std::string where = origin + ": source #" + std::to_string(idx);
      if (!s.IsMap()) return Status::Error(where + " is not a map");
      LogSourceEntry e;
      e.origin = origin;
      e.name = s["name"] && s["name"].IsScalar() ? s["name"].Scalar() : "source" + std::to_string(idx);
      const YAML::Node ls = s["logsource"];
      if (!ls || !ls.IsMap()) return Status::Error(where + " (" + e.name + ") has no 'logsource' map");
      if (ls["product"]) e.product = to_lower(ls["product"].Scalar());
      if (ls["category"]) e.category = to_lower(ls["category"].Scalar());
      if (ls["service"]) e.service = to_lower(ls["service"].Scalar());
      if (const YAML::Node c = s["conditions"]) {
        if (!c.IsMap()) return Status::Error(where + " (" + e.name + "): 'conditions' must be a map");
        for (const auto& kv : c) {
          const std::string field = kv.first.Scalar();
          std::vector<std::string> vals = yaml_string_list(kv.second);
          if (vals.empty()) return Status::Error(where + " (" + e.name + "): condition '" + field + "' has no values");
          if (field == "Channel") {
            for (auto& v : vals) e.channels.push_back(to_lower(v));
          } else if (field == "EventID") {
            e.event_ids = vals;
          } else if (field == "zeek_log_type") {
            for (auto& v : vals) e.zeek_types.push_back(to_lower(v));
          } else {
            e.conditions.emplace_back(field, vals);
          }
        }
      }
      if (e.channels.empty() && e.zeek_types.empty())
        return Status::Error(where + " (" + e.name + "): needs a Channel or zeek_log_type condition");
      if (const YAML::Node fm = s["fieldmappings"]) {
        if (!fm.IsMap()) return Status::Error(where + " (" + e.name + "): 'fieldmappings' must be a map");
        for (const auto& kv : fm) e.field_renames[kv.first.Scalar()] = kv.second.Scalar();
      }
      map.entries_.push_back(std::move(e));
    }
  } catch (const std::exception& ex) {
    return Status::Error(origin + ": " + ex.what());
  }
  return map;
}

void LogSourceMap::add(const LogSourceMap& other) {
  for (const auto& e : other.entries_) {
    auto it = std::find_if(entries_.begin(), entries_.end(), [&](const LogSourceEntry& x) { return x.name == e.name; });
    if (it != entries_.end()) *it = e;
    else entries_.push_back(e);
  }
}

std::vector<uint32_t> LogSourceMap::entries_for(const SigmaLogSource& ls) const {
  std::vector<uint32_t> out;
  const std::string p = to_lower(ls.product), c = to_lower(ls.category), s = to_lower(ls.service);
  if (p.empty() && c.empty() && s.empty()) return out;
  for (size_t i = 0; i < entries_.size(); ++i) {
    const auto& e = entries_[i];
    if (!p.empty() && p != e.product) continue;
    if (!c.empty() && c != e.category) continue;
    if (!s.empty() && s != e.service) continue;
    out.push_back(uint32_t(i));
  }
  return out;
}

bool LogSourceMap::entry_matches(const LogSourceEntry& e, const Event& ev) {
  if (!e.zeek_types.empty()) {
    if (!ev.file) return false;
    const std::string t = to_lower(ev.file->zeek_log_type);
    if (std::find(e.zeek_types.begin(), e.zeek_types.end(), t) == e.zeek_types.end()) return false;
  }
  if (!e.channels.empty()) {
    const std::string_view* ch = ev.find("Channel");
    if (!ch) return false;
    bool ok = false;
    for (const auto& c : e.channels) ok = ok || iequals(*ch, c);
    if (!ok) return false;
  }
  if (!e.event_ids.empty()) {
    const std::string_view* id = ev.find("EventID");
    if (!id) return false;
    bool ok = false;
    for (const auto& c : e.event_ids) ok = ok || *id == c;
    if (!ok) return false;
  }
  return conditions_hold(e, ev);
}

bool LogSourceMap::conditions_hold(const LogSourceEntry& e, const Event& ev) {
  for (const auto& [field, vals] : e.conditions) {
    const std::string_view* v = ev.find(field);
    if (!v) return false;
    bool ok = false;
    for (const auto& c : vals) ok = ok || iequals(*v, c);
    if (!ok) return false;
  }
  return true;
}

}  // namespace trawl

#include "ingest/zeek/zeek_files.h"

#include <algorithm>
#include <array>
#include <filesystem>

#include "core/text.h"
#include "ingest/source.h"

namespace trawl {

Result<std::shared_ptr<const Buffer>> read_zeek_file(const std::string& path, size_t max_bytes, bool* truncated) {
  if (truncated) *truncated = false;
  auto mapped = Buffer::map_file(path);
  if (!mapped.ok()) return mapped.status();
  std::string_view v = mapped.value()->view();
  if (v.size() >= 2 && uint8_t(v[0]) == 0x1f && uint8_t(v[1]) == 0x8b) {
    std::string cut;
    auto r = gunzip(v, max_bytes, &cut);
    if (!r.ok()) return Status::Error(path + ": " + r.status().message());
    if (truncated) *truncated = !cut.empty();
    return Buffer::from_string(std::move(r.value()));
  }
  return mapped;
}

bool zeek_not_a_log_by_name(std::string_view name) {
  const size_t slash = name.find_last_of("/!");
  const std::string n = to_lower(slash == std::string_view::npos ? name : name.substr(slash + 1));
  if (n.empty() || n[0] == '.') return true;
  for (const char* ext : {".md", ".yaml", ".yml", ".xlsx", ".pcap", ".pcapng", ".txt", ".png", ".json.schema"})
    if (iends_with(n, ext)) return true;
  return n == "license" || n == "readme";
}

std::vector<std::string> list_zeek_files(const std::vector<std::string>& paths) {
  namespace fs = std::filesystem;
  std::vector<std::string> out;
  // (This helper reads plain files only: archives are for the source walker.)
  auto skip = [](const fs::path& p) {
    return zeek_not_a_log_by_name(p.string()) || iends_with(to_lower(p.filename().string()), ".zip");
  };
  for (const std::string& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<std::string> found;
      for (auto it = fs::recursive_directory_iterator(p, fs::directory_options::skip_permission_denied, ec);
           it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (ec) break;
        if (it->is_regular_file(ec) && !skip(it->path())) found.push_back(it->path().string());
      }
      std::sort(found.begin(), found.end());
      out.insert(out.end(), found.begin(), found.end());
    } else {
      out.push_back(p);
    }
  }
  return out;
}

std::string zeek_log_type_from_name(std::string_view path) {
  size_t slash = path.find_last_of('/');
  std::string name = to_lower(slash == std::string_view::npos ? path : path.substr(slash + 1));
  size_t dot = name.find('.');
  std::string base = dot == std::string::npos ? name : name.substr(0, dot);
  static const char* kKnown[] = {"open_conn", "open_http", "open_ssl", "dce_rpc", "smb_files", "smb_mapping",
                                 "known_hosts", "known_services", "known_certs", "capture_loss", "loaded_scripts",
                                 "packet_filter", "conn", "dns", "http", "ssl", "x509", "files", "dhcp", "dpd",
                                 "kerberos", "notice", "weird", "pe", "ntlm", "rdp", "smtp", "ssh", "ftp", "sip",
                                 "snmp", "software", "stats", "tunnel", "analyzer", "ntp", "radius", "mysql", "irc"};
  for (const char* k : kKnown) {
    std::string_view t(k);
    if (base == t) return base;
    if (base.size() > t.size() + 1 && base.compare(base.size() - t.size(), t.size(), t) == 0 &&
        (base[base.size() - t.size() - 1] == '_' || base[base.size() - t.size() - 1] == '-')) {
      // "NASHUA_conn" -> "conn", but "open_conn" was matched whole above (listed first).
      std::string_view before(base.data(), base.size() - t.size() - 1);
      if (t == "conn" || t == "http" || t == "ssl") {
        if (before.size() >= 4 && before.substr(before.size() - 4) == "open") return "open_" + std::string(t);
      }
      return std::string(t);
    }
  }
  return std::string();
}

}  // namespace trawl

#include "analytics/msp/msp_analytics.h"

#include <algorithm>
#include <climits>
#include <iterator>
#include <deque>
#include <map>
#include <set>
#include <tuple>
#include <unordered_map>

#include "core/text.h"
#include "core/time.h"

namespace trawl {

namespace {

enum ArtifactKind : char { kDomain = 'D', kHash = 'H', kService = 'S', kTask = 'T', kPipe = 'P' };

const char* artifact_kind_name(char k) {
  switch (k) {
    case kDomain: return "domain";
    case kHash: return "file_hash";
    case kService: return "service_name";
    case kTask: return "scheduled_task";
    case kPipe: return "named_pipe";
  }
  return "artifact";
}

std::string_view field(const Event& e, std::string_view name) {
  const std::string_view* v = e.find(name);
  return v ? trim(*v) : std::string_view();
}

bool parse_u64(std::string_view s, uint64_t& out) {
  s = trim(s);
  if (s.empty() || s.size() > 19) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + uint64_t(c - '0');
  }
  out = v;
  return true;
}

int hour_of(int64_t us) {
  const int64_t h = (us / 3600000000LL) % 24;
  return int(h < 0 ? h + 24 : h);
}

// An account's working window: the shortest stretch of the (circular) day that holds every hour it was seen
// at, widened by two hours on each side (an admin who worked 8-15 on the first days may well stay until 17). A baseline of single hours would call every hour an admin happened not to
// use in the first days "unusual"; the window only calls hours outside the account's working day unusual.
bool near_hour(uint32_t mask, int hour) {
  if (mask == 0) return false;
  // The longest run of unseen hours (circularly) is the account's off time; the rest is its window.
  int best_len = 0, best_start = 0;
  for (int start = 0; start < 24; ++start) {
    if (mask & (1u << start)) continue;
    if (mask & (1u << ((start + 23) % 24)) ? false : true) continue;  // not the first hour of a run
    int len = 0;
    while (len < 24 && !(mask & (1u << ((start + len) % 24)))) ++len;
    if (len > best_len) {
      best_len = len;
      best_start = start;
    }
  }
  if (best_len <= 4) return true;  // seen at (nearly) every hour: nothing is unusual
  // Off time without its first and last two hours (the widening).
  const int off = (hour - best_start + 24) % 24;
  return !(off >= 2 && off <= best_len - 3);
}

// Sysmon "SHA1=..,MD5=..,SHA256=..,IMPHASH=.." -> the strongest hash, upper-case.
std::string pick_hash(std::string_view hashes) {
  std::string_view best;
  int rank = 0;
  while (!hashes.empty()) {
    size_t comma = hashes.find(',');
    std::string_view part = trim(hashes.substr(0, comma));
    hashes = comma == std::string_view::npos ? std::string_view() : hashes.substr(comma + 1);
    size_t eq = part.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view algo = part.substr(0, eq), value = trim(part.substr(eq + 1));
    if (value.empty() || value.size() > 128) continue;
    int r = iequals(algo, "SHA256") ? 3 : iequals(algo, "SHA1") ? 2 : iequals(algo, "MD5") ? 1 : 0;
    if (r > rank) {
      rank = r;
      best = value;
    }
  }
  std::string out(best);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = char(c - 32);
  return out;
}

std::string get_field(const Detection& d, const std::string& name) {
  for (const auto& [k, v] : d.fields)
    if (k == name) return v;
  return {};
}

Level level_of_score(int score) {
  if (score >= 80) return Level::kCritical;
  if (score >= 40) return Level::kHigh;
  if (score >= 15) return Level::kMedium;
  if (score > 0) return Level::kLow;
  return Level::kInformational;
}

int weight(Level l) {
  switch (l) {
    case Level::kCritical: return 40;
    case Level::kHigh: return 20;
    case Level::kMedium: return 8;
    case Level::kLow: return 2;
    case Level::kInformational: return 0;
  }
  return 0;
}

}  // namespace

struct MspAnalyzer::State {
  struct Sighting {
    uint32_t tenant = 0, host = 0, path = 0;
    int64_t first = 0;
    uint64_t record = 0;
  };
  struct Artifact {
    uint32_t key = 0;  // pool id of kind + value
    bool many = false;
    std::vector<Sighting> seen;
  };
  struct Transfer {
    int64_t t = 0;
    uint32_t tenant = 0, client_ip = 0, msp_ip = 0, path = 0;
    uint32_t port = 0;
    uint64_t bytes = 0, record = 0;
    bool push = false;
  };
  std::unordered_map<uint32_t, uint32_t> artifact_index;
  std::vector<Artifact> artifacts;
  uint64_t artifacts_dropped = 0;
  std::vector<Transfer> transfers;
  std::set<std::string> tenants;
  const FileInfo* last_file = nullptr;
  uint32_t last_tenant = 0;
};

MspAnalyzer::MspAnalyzer(MspAnalyzer&&) noexcept = default;
MspAnalyzer& MspAnalyzer::operator=(MspAnalyzer&&) noexcept = default;
MspAnalyzer::~MspAnalyzer() = default;

Result<MspAnalyzer> MspAnalyzer::create(const MspOptions& o) {
  MspAnalyzer a;
  a.opt_ = o;
  if (!o.tenant_map_file.empty()) {
    Result<TenantMap> m = TenantMap::load_file(o.tenant_map_file);
    if (!m.ok()) return m.status();
    a.map_ = std::move(m).value();
  } else if (!o.tenant_map_text.empty()) {
    Result<TenantMap> m = TenantMap::parse(o.tenant_map_text);
    if (!m.ok()) return m.status();
    a.map_ = std::move(m).value();
  }
  if (!o.msp_tenant.empty()) a.map_.set_msp(o.msp_tenant);
  if (a.map_.msp().empty())
    return Status::Error("MSP analytics: no MSP tenant (give --msp-tenant NAME or `msp:` in the tenant map)");
  if (o.rare_max_hosts == 0 || o.min_history == 0 || o.chain_window_us <= 0 || o.transfer_window_us <= 0 ||
      o.many_tenants_window_us <= 0 || o.many_tenants_threshold < 2)
    return Status::Error("MSP analytics: thresholds must be positive (many_tenants_threshold at least 2)");
  a.graph_ = std::make_unique<LogonGraph>();
  a.st_ = std::make_unique<State>();
  return a;
}

void MspAnalyzer::add(const Event& e) {
  if (finished_) return;
  graph_->observe(e);
  State& s = *st_;
  StringPool& pool = graph_->pool();
  if (e.file != s.last_file || s.last_file == nullptr) {
    s.last_file = e.file;
    s.last_tenant = e.file ? pool.intern(e.file->tenant) : 0;
    if (e.file && !e.file->tenant.empty()) s.tenants.insert(e.file->tenant);
  }
  if (e.time_us == kNoTime) return;
  const uint32_t tenant = s.last_tenant;

  auto note = [&](char kind, std::string_view value, std::string_view host_name) {
    if (value.empty() || value.size() > 1024) return;
    std::string k(1, kind);
    k.append(value);
    const uint32_t key = pool.intern(k);
    auto [it, inserted] = s.artifact_index.try_emplace(key, uint32_t(s.artifacts.size()));
    if (inserted) {
      if (s.artifacts.size() >= opt_.max_artifacts) {
        s.artifact_index.erase(it);
        ++s.artifacts_dropped;
        return;
      }
      s.artifacts.emplace_back();
      s.artifacts.back().key = key;
    }
    State::Artifact& a = s.artifacts[it->second];
    if (a.many) return;
    const uint32_t host = pool.intern(short_host_name(host_name));
    for (State::Sighting& x : a.seen)
      if (x.tenant == tenant && x.host == host) {
        if (e.time_us < x.first) {
          x.first = e.time_us;
          x.path = e.file ? pool.intern(e.file->path) : 0;
          x.record = e.record_id;
        }
        return;
      }
    if (a.seen.size() >= opt_.rare_max_hosts) {
      a.many = true;
      std::vector<State::Sighting>().swap(a.seen);
      return;
    }
    a.seen.push_back({tenant, host, e.file ? pool.intern(e.file->path) : 0, e.time_us, e.record_id});
  };
  auto note_domain = [&](std::string_view q, std::string_view host) {
    q = trim(q);
    while (!q.empty() && q.back() == '.') q.remove_suffix(1);
    if (q.find('.') == std::string_view::npos || iends_with(q, ".in-addr.arpa") || iends_with(q, ".ip6.arpa") ||
        q == "-" || parse_ip(q))
      return;
    if (!map_.tenant_of_domain(q).empty()) return;  // a tenant's own DNS names are not artefacts
    note(kDomain, to_lower(q), host);
  };

  if (e.file && (e.file->format == InputFormat::kZeekTsv || e.file->format == InputFormat::kZeekJson)) {
    const std::string& type = e.file->zeek_log_type;
    if (type == "dns") {
      note_domain(field(e, "query"), {});
    } else if (type == "conn") {
      if (e.file->tenant == map_.msp()) return;  // the client side of the link says which client it is
      const std::string_view orig = field(e, "id.orig_h"), resp = field(e, "id.resp_h");
      const bool orig_msp = map_.is_msp_address(orig), resp_msp = map_.is_msp_address(resp);
      if (orig_msp == resp_msp) return;
      uint64_t ob = 0, rb = 0, port = 0;
      (void)parse_u64(field(e, "orig_bytes"), ob);
      (void)parse_u64(field(e, "resp_bytes"), rb);
      (void)parse_u64(field(e, "id.resp_p"), port);
      const uint64_t bytes = resp_msp ? ob : rb;  // bytes leaving the client toward the MSP
      if (bytes < opt_.transfer_bytes / 64 || port > 65535) return;
      State::Transfer t;
      t.t = e.time_us;
      t.tenant = tenant;
      t.client_ip = pool.intern(resp_msp ? orig : resp);
      t.msp_ip = pool.intern(resp_msp ? resp : orig);
      t.port = uint32_t(port);
      t.bytes = bytes;
      t.push = resp_msp;
      t.path = e.file ? pool.intern(e.file->path) : 0;
      t.record = e.record_id;
      s.transfers.push_back(t);
    }
    return;
  }

  const std::string_view* eid_text = e.find("EventID");
  if (!eid_text) return;
  uint64_t eid = 0;
  if (!parse_u64(*eid_text, eid)) return;
  const std::string_view channel = field(e, "Channel");
  const std::string_view host = event_host(e);
  const bool sysmon = channel.find("Sysmon") != std::string_view::npos;
  switch (eid) {
    case 22:
      if (sysmon) note_domain(field(e, "QueryName"), host);
      break;
    case 1:
    case 6:
    case 7:
    case 15:
    case 23:
    case 26:
    case 29:
      if (sysmon) note(kHash, pick_hash(field(e, "Hashes")), host);
      break;
    case 17:
    case 18:
      if (sysmon) note(kPipe, to_lower(field(e, "PipeName")), host);
      break;
    case 7045:
      if (channel.empty() || iequals(channel, "System")) note(kService, to_lower(field(e, "ServiceName")), host);
      break;
    case 4697:
      if (channel.empty() || iequals(channel, "Security")) note(kService, to_lower(field(e, "ServiceName")), host);
      break;
    case 4698:
      if (channel.empty() || iequals(channel, "Security")) note(kTask, to_lower(field(e, "TaskName")), host);
      break;
    default:
      break;
  }
}

std::vector<Detection> MspAnalyzer::finish() {
  std::vector<Detection> out;
  if (finished_) return out;
  finished_ = true;
  LogonGraph& g = *graph_;
  g.build(map_);
  const StringPool& pool = g.pool();
  const std::string& msp = map_.msp();
  for (const LogonGraph::Host& h : g.hosts())
    if (!h.tenant.empty()) st_->tenants.insert(h.tenant);

  auto evidence = [&](uint32_t path, uint64_t record) {
    return std::string(pool.str(path)) + "#" + std::to_string(record);
  };
  auto make = [&](const char* rule, const std::string& title, Level level, int64_t t, const std::string& tenant,
                  const std::string& host, uint32_t path, uint64_t record) {
    Detection d;
    d.kind = DetectionKind::kAnalytic;
    d.rule_id = rule;
    d.title = title;
    d.level = level;
    d.time_us = t;
    d.tenant = tenant;
    d.host = host;
    d.source_path = std::string(pool.str(path));
    d.record_id = record;
    d.tags = {"attack.lateral_movement", "attack.t1199", "attack.t1078"};
    return d;
  };

  // ---- Logon analytics, in time order.
  const auto& hosts = g.hosts();
  const auto& accounts = g.accounts();
  // Hours of day (UTC) form an account's baseline when seen during its first min_history logons, or later on
  // two different days; an hour seen once after the learning phase stays unusual (an intruder's night does not
  // become normal by happening once).
  struct AccountState {
    uint32_t hours = 0;
    uint64_t logons = 0;
    int64_t first_day = 0;
    int64_t last_day = INT64_MIN;
    uint32_t days = 0;  // distinct days with logons so far
    int64_t hour_day[24];  // last day each hour was seen on (after learning), or INT64_MIN
    std::set<std::pair<int64_t, std::string>> unusual_alerted;  // (day, destination tenant)
    std::deque<std::pair<int64_t, std::string>> recent;  // (time, client tenant) within the many-tenants window
    int64_t last_many = kNoTime;
  };
  std::vector<AccountState> ast(accounts.size());
  for (AccountState& a : ast) std::fill(std::begin(a.hour_day), std::end(a.hour_day), INT64_MIN);
  std::set<std::tuple<uint32_t, std::string, std::string>> paths_seen;
  struct Inbound {
    int64_t t;
    uint32_t account, src;
    uint32_t path;
    uint64_t record;
  };
  std::unordered_map<uint32_t, std::deque<Inbound>> inbound;  // client host -> recent logons from MSP hosts
  std::set<std::tuple<uint32_t, uint32_t, uint32_t, uint32_t>> chains_seen;
  auto is_msp_account = [&](const LogonGraph::Account& a) {
    return a.tenant == msp || map_.is_msp_account(a.domain, a.user);
  };
  auto qualified = [&](const LogonGraph::Account& a) { return a.domain.empty() ? a.user : a.domain + "\\" + a.user; };

  for (const LogonGraph::Logon& l : g.logons()) {
    if (l.account == LogonGraph::kNone || l.failed) continue;
    const LogonGraph::Account& acc = accounts[l.account];
    AccountState& as = ast[l.account];
    const int hour = hour_of(l.time_us);
    const int64_t day = l.time_us / 86400000000LL;
    if (as.logons == 0) as.first_day = day;
    // A baseline needs min_history logons spread over at least two days.
    const bool unusual = as.logons >= opt_.min_history && day > as.first_day && !near_hour(as.hours, hour);
    // A young baseline (few logons, few days) may have learned an intruder's hours or missed some of the
    // account's own: what it calls unusual is worth a look (medium), not an alarm (high).
    const bool mature = as.logons >= opt_.mature_logons && as.days >= opt_.mature_days;
    const LogonGraph::Host& dst = hosts[l.dst];
    const bool has_src = l.src != LogonGraph::kNone && l.src != l.dst && hosts[l.src].resolved;
    const std::string& D = dst.tenant;
    const std::string S = has_src ? hosts[l.src].tenant : std::string();
    const bool msp_acc = is_msp_account(acc);
    auto logon_fields = [&](Detection& d) {
      d.fields.emplace_back("account", qualified(acc));
      d.fields.emplace_back("account_tenant", acc.tenant);
      if (l.src != LogonGraph::kNone) {
        d.fields.emplace_back("src_tenant", hosts[l.src].tenant);
        d.fields.emplace_back("src_host", hosts[l.src].name);
      }
      if (l.src_ip) d.fields.emplace_back("src_ip", std::string(pool.str(l.src_ip)));
      d.fields.emplace_back("dst_tenant", D);
      d.fields.emplace_back("dst_host", dst.name);
      d.fields.emplace_back("method", logon_method_name(l.method));
      if (l.logon_type) d.fields.emplace_back("LogonType", std::to_string(l.logon_type));
      d.fields.emplace_back("EventID", std::to_string(l.event_id));
      d.fields.emplace_back("hour_utc", std::to_string(hour));
      d.fields.emplace_back("account_prior_logons", std::to_string(as.logons));
      d.fields.emplace_back("evidence", evidence(l.path, l.record_id));
    };

    // (a) First logon of this account across this tenant boundary.
    if (has_src && !S.empty() && !D.empty() && S != D && paths_seen.emplace(l.account, S, D).second) {
      Level lv;
      std::string why;
      if (S != msp && D != msp) {
        lv = Level::kCritical;
        why = "logon from one client's host into another client";
      } else if (S == msp) {
        lv = unusual ? (mature ? Level::kHigh : Level::kMedium) : Level::kLow;
        why = unusual ? "first MSP -> client logon of this account, at an hour it never uses"
                      : "first MSP -> client logon of this account (usual hours)";
      } else {
        lv = unusual && mature ? Level::kHigh : Level::kMedium;
        why = "logon from a client's host into the MSP";
      }
      Detection d = make("cross_tenant_logon", "First logon across a tenant boundary (" + S + " -> " + D + ")", lv,
                         l.time_us, D, dst.name, l.path, l.record_id);
      logon_fields(d);
      d.fields.emplace_back("why", why);
      out.push_back(std::move(d));
    }
    // (b) MSP account at an hour of day it has never used.
    if (msp_acc && unusual && as.unusual_alerted.emplace(day, D).second) {
      Detection d = make("msp_account_unusual_hour", "MSP account logs on outside its usual hours",
                         (!D.empty() && D != msp && mature) ? Level::kHigh : Level::kMedium, l.time_us, D, dst.name, l.path,
                         l.record_id);
      logon_fields(d);
      std::string seen;
      for (int h = 0; h < 24; ++h)
        if (as.hours & (1u << h)) seen += (seen.empty() ? "" : ",") + std::to_string(h);
      d.fields.emplace_back("usual_hours_utc", seen);
      d.fields.emplace_back("baseline", std::to_string(as.logons) + " logons on " + std::to_string(as.days) + " day(s)" +
                                            (mature ? "" : " (young: medium at most)"));
      out.push_back(std::move(d));
    }
    // (c) MSP account on many client tenants within the window.
    if (msp_acc && !D.empty() && D != msp) {
      as.recent.emplace_back(l.time_us, D);
      while (!as.recent.empty() && as.recent.front().first < l.time_us - opt_.many_tenants_window_us)
        as.recent.pop_front();
      std::set<std::string> distinct;
      for (const auto& r : as.recent) distinct.insert(r.second);
      if (distinct.size() >= opt_.many_tenants_threshold &&
          (as.last_many == kNoTime || l.time_us - as.last_many >= opt_.many_tenants_window_us)) {
        as.last_many = l.time_us;
        Detection d = make("msp_account_many_tenants", "MSP account logs on to hosts of many client tenants",
                           Level::kMedium, l.time_us, D, dst.name, l.path, l.record_id);
        logon_fields(d);
        d.fields.emplace_back("tenant_count", std::to_string(distinct.size()));
        for (const std::string& t : distinct) d.fields.emplace_back("tenants", t);
        out.push_back(std::move(d));
      }
    }
    // (d) Remote chains: MSP host -> client host H -> next host, by the same account name.
    if (has_src && !S.empty() && !D.empty()) {
      if (S == msp && D != msp) {
        auto& q = inbound[l.dst];
        q.push_back({l.time_us, l.account, l.src, l.path, l.record_id});
        if (q.size() > 16) q.pop_front();
      } else if (S != msp) {
        auto it = inbound.find(l.src);
        if (it != inbound.end()) {
          for (const Inbound& in : it->second) {
            if (in.t > l.time_us || l.time_us - in.t > opt_.chain_window_us) continue;
            if (in.account != l.account && !iequals(accounts[in.account].user, acc.user)) continue;
            if (!chains_seen.emplace(in.src, l.src, l.dst, l.account).second) continue;
            const bool crosses = D != S;
            Level lv = crosses ? Level::kCritical : (unusual ? Level::kHigh : Level::kMedium);
            Detection d = make("msp_remote_chain", "Remote chain from the MSP through a client host", lv, l.time_us,
                               D, dst.name, l.path, l.record_id);
            d.fields.emplace_back("hop1_src_tenant", hosts[in.src].tenant);
            d.fields.emplace_back("hop1_src_host", hosts[in.src].name);
            d.fields.emplace_back("hop1_account", qualified(accounts[in.account]));
            d.fields.emplace_back("hop1_time", format_time_us(in.t));
            d.fields.emplace_back("hop1_evidence", evidence(in.path, in.record));
            d.fields.emplace_back("via_tenant", S);
            d.fields.emplace_back("via_host", hosts[l.src].name);
            logon_fields(d);
            out.push_back(std::move(d));
            break;
          }
        }
      }
    }
    if (as.logons < opt_.min_history || day == as.first_day) {
      as.hours |= 1u << hour;
    } else if (!(as.hours & (1u << hour))) {
      if (as.hour_day[hour] != INT64_MIN && as.hour_day[hour] != day) as.hours |= 1u << hour;
      as.hour_day[hour] = day;
    }
    as.logons++;
    if (day != as.last_day) {
      as.last_day = day;
      ++as.days;
    }
  }

  // Hosts named by a high/critical logon analytic: a rare shared artefact on one of them is high, else medium
  // (MSP tooling legitimately repeats rare names and files across clients).
  // Only within a day of the logon analytic: a host attacked on day 3 does not make its day-1 software suspect.
  std::map<std::pair<std::string, std::string>, std::vector<int64_t>> hot_hosts;
  for (const Detection& d : out) {
    if (d.level < Level::kHigh) continue;
    hot_hosts[{d.tenant, d.host}].push_back(d.time_us);
    for (const auto& [k, v] : d.fields) {
      if (k == "src_host") hot_hosts[{get_field(d, "src_tenant"), v}].push_back(d.time_us);
      if (k == "via_host") hot_hosts[{get_field(d, "via_tenant"), v}].push_back(d.time_us);
    }
  }
  const int64_t kCorroborationUs = 24LL * 3600 * 1000000;
  // ---- The same rare artefact in two or more tenants.
  for (const State::Artifact& a : st_->artifacts) {
    if (a.many || a.seen.size() < 2) continue;
    std::map<uint32_t, const State::Sighting*> first_per_tenant;
    for (const State::Sighting& x : a.seen) {
      auto& f = first_per_tenant[x.tenant];
      if (!f || x.first < f->first) f = &x;
    }
    if (first_per_tenant.size() < 2) continue;
    const std::string_view key = pool.str(a.key);
    const char kind = key.empty() ? 'D' : key[0];
    const std::string value(key.substr(1));
    bool corroborated = false;
    for (const State::Sighting& y : a.seen) {
      auto h = hot_hosts.find({std::string(pool.str(y.tenant)), std::string(pool.str(y.host))});
      if (h == hot_hosts.end()) continue;
      for (int64_t t : h->second)
        if (t - y.first <= kCorroborationUs && y.first - t <= kCorroborationUs) corroborated = true;
    }
    const Level lv = corroborated ? Level::kHigh : Level::kMedium;
    for (const auto& [tenant, x] : first_per_tenant) {
      Detection d = make("shared_rare_artifact",
                         std::string("Rare ") + artifact_kind_name(kind) + " seen in " +
                             std::to_string(first_per_tenant.size()) + " tenants",
                         lv, x->first, std::string(pool.str(tenant)), std::string(pool.str(x->host)), x->path,
                         x->record);
      d.tags = {"attack.command_and_control", "attack.lateral_movement"};
      d.fields.emplace_back("artifact_kind", artifact_kind_name(kind));
      d.fields.emplace_back("artifact", value);
      d.fields.emplace_back("host_count", std::to_string(a.seen.size()));
      for (const auto& [t2, y] : first_per_tenant) d.fields.emplace_back("tenants", std::string(pool.str(t2)));
      for (const State::Sighting& y : a.seen) {
        d.fields.emplace_back("seen_on", std::string(pool.str(y.tenant)) + "/" + std::string(pool.str(y.host)) +
                                             " " + format_time_us(y.first));
        d.fields.emplace_back("evidence", evidence(y.path, y.record));
      }
      out.push_back(std::move(d));
    }
  }

  // ---- Large transfers from a client toward the MSP.
  {
    auto& tr = st_->transfers;
    std::stable_sort(tr.begin(), tr.end(), [](const State::Transfer& a, const State::Transfer& b) {
      return std::tie(a.tenant, a.client_ip, a.msp_ip, a.port, a.t) < std::tie(b.tenant, b.client_ip, b.msp_ip, b.port, b.t);
    });
    struct Window {
      size_t lo, hi;
      uint64_t bytes;
    };
    std::vector<Window> found;
    std::map<std::tuple<uint32_t, uint32_t, uint32_t, uint32_t>, std::set<int64_t>> days;  // path -> days
    std::map<uint32_t, std::set<uint32_t>> fanin;  // msp ip -> client tenants with large transfers to it
    for (size_t i = 0; i < tr.size();) {
      size_t j = i;
      while (j < tr.size() && std::tie(tr[j].tenant, tr[j].client_ip, tr[j].msp_ip, tr[j].port) ==
                                  std::tie(tr[i].tenant, tr[i].client_ip, tr[i].msp_ip, tr[i].port))
        ++j;
      // Sliding window over [i, j).
      uint64_t sum = 0;
      size_t lo = i;
      for (size_t k = i; k < j; ++k) {
        sum += tr[k].bytes;
        while (tr[k].t - tr[lo].t > opt_.transfer_window_us) sum -= tr[lo++].bytes;
        if (sum >= opt_.transfer_bytes) {
          found.push_back({lo, k + 1, sum});
          days[{tr[i].tenant, tr[i].client_ip, tr[i].msp_ip, tr[i].port}].insert(tr[lo].t / 86400000000LL);
          fanin[tr[i].msp_ip].insert(tr[i].tenant);
          sum = 0;
          lo = k + 1;
        }
      }
      i = j;
    }
    for (const Window& w : found) {
      const State::Transfer& f = tr[w.lo];
      const State::Transfer& l = tr[w.hi - 1];
      const std::string tenant(pool.str(f.tenant));
      const size_t nd = days[{f.tenant, f.client_ip, f.msp_ip, f.port}].size();
      const size_t fi = fanin[f.msp_ip].size();
      const bool recurring = nd > 1 || fi > 1;
      std::string host = g.host_of_ip(tenant, pool.str(f.client_ip));
      Detection d = make("msp_large_transfer", "Large transfer from a client host toward the MSP",
                         recurring ? Level::kMedium : Level::kHigh, f.t, tenant, host, f.path, f.record);
      d.tags = {"attack.exfiltration", "attack.t1570", "attack.t1074.002"};
      d.fields.emplace_back("client_ip", std::string(pool.str(f.client_ip)));
      d.fields.emplace_back("msp_ip", std::string(pool.str(f.msp_ip)));
      const std::string msp_host = g.host_of_ip(msp, pool.str(f.msp_ip));
      if (!msp_host.empty()) d.fields.emplace_back("msp_host", msp_host);
      d.fields.emplace_back("port", std::to_string(f.port));
      d.fields.emplace_back("bytes", std::to_string(w.bytes));
      d.fields.emplace_back("connections", std::to_string(w.hi - w.lo));
      d.fields.emplace_back("direction", f.push ? "client pushed to the MSP" : "the MSP pulled from the client");
      d.fields.emplace_back("first_time", format_time_us(f.t));
      d.fields.emplace_back("last_time", format_time_us(l.t));
      d.fields.emplace_back("days_with_large_transfers_on_this_path", std::to_string(nd));
      d.fields.emplace_back("client_tenants_sending_to_this_msp_address", std::to_string(fi));
      for (size_t k = w.lo; k < w.hi && k - w.lo < 32; ++k) d.fields.emplace_back("evidence", evidence(tr[k].path, tr[k].record));
      out.push_back(std::move(d));
    }
  }

  // ---- Per-tenant risk.
  std::map<std::string, std::vector<size_t>> by_tenant;
  for (size_t i = 0; i < out.size(); ++i) by_tenant[out[i].tenant].push_back(i);
  std::vector<Detection> risk;
  for (const std::string& t : st_->tenants) {
    // Different analytics corroborate each other; one analytic repeating (routine MSP work repeats by nature)
    // adds little: each analytic counts its strongest detection in full and the others at a quarter.
    int score = 0;
    const Detection* top = nullptr;
    std::map<std::string, int> counts;
    std::map<std::string, std::pair<int, int>> per_analytic;  // rule id -> (strongest weight, sum of all weights)
    for (size_t i : by_tenant[t]) {
      const Detection& d = out[i];
      auto& [strongest, sum] = per_analytic[d.rule_id];
      strongest = std::max(strongest, weight(d.level));
      sum += weight(d.level);
      counts[d.rule_id + " (" + level_name(d.level) + ")"]++;
      if (!top || d.level > top->level || (d.level == top->level && d.time_us < top->time_us)) top = &d;
    }
    for (const auto& [id, w] : per_analytic) score += w.first + (w.second - w.first) / 4;
    score = std::min(score, 100);
    Detection d = make("tenant_risk", "Cross-tenant risk score for " + t, level_of_score(score),
                       top ? top->time_us : kNoTime, t, top ? top->host : std::string(), 0, 0);
    d.source_path = top ? top->source_path : std::string();
    d.record_id = top ? top->record_id : 0;
    d.tags.clear();
    d.fields.emplace_back("score", std::to_string(score));
    d.fields.emplace_back("is_msp", t == msp ? "true" : "false");
    for (const auto& [k, n] : counts) d.fields.emplace_back("contributing", k + " x" + std::to_string(n));
    if (top) d.fields.emplace_back("top_detection", top->rule_id + " " + format_time_us(top->time_us));
    risk.push_back(std::move(d));
  }
  if (st_->artifacts_dropped)
    messages_.push_back("MSP analytics: " + std::to_string(st_->artifacts_dropped) +
                        " artefacts beyond the tracking cap were not considered");
  if (g.dropped())
    messages_.push_back("MSP analytics: " + std::to_string(g.dropped()) + " logons beyond the cap were not kept");

  auto less = [](const Detection& a, const Detection& b) {
    return std::tie(a.time_us, a.tenant, a.rule_id, a.host, a.fields) <
           std::tie(b.time_us, b.tenant, b.rule_id, b.host, b.fields);
  };
  std::stable_sort(out.begin(), out.end(), less);
  for (Detection& d : risk) out.push_back(std::move(d));
  st_ = std::make_unique<State>();
  return out;
}

}  // namespace trawl

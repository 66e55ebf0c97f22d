// Network analytics over Zeek conn/dns/http/ssl events (and the open_conn/open_http/open_ssl logs of RITA's
// open-connection Zeek plugin): C2 beaconing per (src, dst IP) and per (src, FQDN) where the FQDN comes from
// HTTP host (also proxied CONNECT host:port) or TLS SNI joined to conn records by uid; long connections
// (summed duration per pair, and connections still open); DNS tunnelling (unique subdomains per registrable
// domain, query length and entropy); exfiltration (bytes out per pair against the source host's own baseline,
// to rare destinations, asymmetric); strobes (very many connections per pair).
//
// Streaming with bounded memory: per pair, a compact vector of int32 centisecond offsets and a uint32 size per
// connection, counters, nothing else; strings are interned once. State is kept per tenant (FileInfo::tenant):
// two clients on the same private ranges never share a pair.
//
// Order: feed http/ssl (and open_*) logs before conn logs when you can. While no http/ssl record has been seen,
// conn records are kept in a bounded pending table (NetOptions::max_pending_uids) and joined to FQDN pairs in
// finish(); once http/ssl records have been seen, a conn record that matches none of them is not kept.
//
// Not thread-safe: feed one analyzer from one thread, or one per thread and merge() them.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "analytics/net/beacon_score.h"
#include "core/detection.h"
#include "core/event.h"
#include "core/status.h"

namespace trawl {

// Domains (a suffix match: "example.com" also allows "a.example.com") and CIDRs ("10.0.0.0/8", "fe80::/10",
// or a single address) whose findings are dropped. Text form: one entry per line, '#' comments, YAML list
// items ("- entry") and keys ("allow:", "domains:", "cidrs:") accepted so that a YAML file also loads.
class NetAllowList {
 public:
  static Result<NetAllowList> load(const std::string& path);
  static Result<NetAllowList> parse(std::string_view text);
  void add_domain(std::string_view d);
  bool add_cidr(std::string_view c);  // false when not an address or CIDR
  bool allows_domain(std::string_view fqdn) const;
  bool allows_ip(std::string_view ip) const;
  bool allows(std::string_view host) const { return allows_ip(host) || allows_domain(host); }
  bool empty() const { return domains_.empty() && cidrs_.empty(); }

 private:
  struct Cidr {
    bool v6 = false;
    uint8_t addr[16] = {};
    int bits = 0;
  };
  std::vector<std::string> domains_;
  std::vector<Cidr> cidrs_;
};

struct NetOptions {
  // Beacons (RITA v5 defaults).
  net::BeaconWeights weights;
  net::HistogramParams histogram;
  int duration_min_hours = 6;
  int duration_ideal_hours = 12;
  uint32_t beacon_min_connections = 4;  // fewer connections: not scored
  double beacon_min_score = 0.5;        // findings below are not reported
  // Prevalence: a beacon or long connection to a destination that more than this share of the tenant's
  // sources reach (at least common_min_sources of them) is what software on every host does (telemetry,
  // update checks, push channels), not an implant on one: its score is lowered and capped below "high".
  double common_destination_share = 0.5;
  uint32_t common_min_sources = 3;
  // Long connections: summed duration per pair, plus connections still open.
  // Summed duration from which a pair is reported: score 0.3 there, rising with the log of the summed and of the
  // longest single duration (half each) to 1.0 at 24 h, +0.1 when connections are still open. Low on purpose:
  // short captures (incident triage) matter.
  double long_connection_min_seconds = 300;
  // Strobes: a pair with at least this many connections (RITA: 86400 a day) is a strobe, not a beacon.
  uint64_t strobe_min_connections = 86400;
  // ... or the same rate (one connection a second) sustained over the pair's own active span, for datasets
  // shorter than a day: at least this many connections over at least this many seconds.
  uint64_t strobe_burst_min_connections = 300;
  double strobe_burst_min_span_seconds = 120;
  double strobe_burst_min_rate = 1.0;  // connections per second
  // DNS tunnelling.
  uint32_t dns_min_unique_subdomains = 20;
  uint32_t dns_saturation_subdomains = 1000;  // unique subdomains that alone give the full count sub-score
  uint32_t dns_max_tracked_subdomains = 200000;  // per domain; beyond, the count is a lower bound
  double dns_min_score = 0.4;
  // Registrable domains of CDNs and cloud front doors whose subdomains are machine-made by design (and so look
  // like tunnels): not scored for DNS tunnelling. Replace or clear to taste.
  std::vector<std::string> dns_ignore_domains = {"akamaiedge.net", "edgekey.net", "akadns.net", "akamai.net",
                                                 "akamaihd.net", "edgesuite.net", "cloudfront.net", "amazonaws.com",
                                                 "azureedge.net", "trafficmanager.net", "cloudapp.net",
                                                 "googlevideo.com", "1e100.net", "fastly.net", "cdn77.org"};
  // Exfiltration.
  uint64_t exfil_min_bytes = 50ull << 20;  // bytes out of one pair
  double exfil_min_ratio = 4.0;            // out / in
  double exfil_baseline_factor = 10.0;     // out vs the source's median bytes out per destination
  uint32_t exfil_max_dst_sources = 2;      // a destination reached by more sources (in the tenant) is not rare
  // Output.
  size_t top_n = 0;  // 0: every finding
  NetAllowList allow;
  size_t max_pending_uids = 1 << 20;  // conn records waiting for their http/ssl uid (see the file comment)
  // The time range the histogram and duration sub-scores are computed over. kDataset: the tenant's conn time
  // range (RITA). kSourceHost (default): the range in which the pair's source host was seen in conn logs, so a
  // host observed only for minutes (a per-host capture, a laptop that joined late) is judged on its own
  // presence rather than diluted by a multi-day dataset; for hosts seen all along both are the same.
  enum class BeaconWindow { kDataset, kSourceHost };
  BeaconWindow beacon_window = BeaconWindow::kSourceHost;
};

struct NetFinding {
  std::string analytic;  // "beacon", "long_connection", "dns_tunnel", "exfiltration", "strobe"
  double score = 0;      // [0, 1]
  std::string src, dst;  // dst: an IP, an FQDN (beacon via HTTP host / SNI), or a registrable domain (DNS)
  std::string why;
  int64_t first_us = kNoTime, last_us = kNoTime;
  std::string tenant;
  std::vector<std::pair<std::string, std::string>> evidence;
};

class NetAnalyzer {  // not thread-safe: feed from one thread (or one per thread + merge())
 public:
  explicit NetAnalyzer(NetOptions o);
  ~NetAnalyzer();
  NetAnalyzer(NetAnalyzer&&) noexcept;
  NetAnalyzer& operator=(NetAnalyzer&&) noexcept;

  void add(const Event& e);  // ignores events that are not Zeek conn/dns/http/ssl (or open_*)
  void merge(NetAnalyzer&& other);
  std::vector<NetFinding> finish();  // ranked, highest score first
  Detection to_detection(const NetFinding& f) const;  // kind analytic, rule_id = analytic name, level by score

  // Counters for reports and tests.
  struct Stats {
    uint64_t conn = 0, dns = 0, http = 0, ssl = 0, open_conn = 0, ignored = 0, bad = 0;
    uint64_t pending_dropped = 0;  // conn records not joinable because the pending table was full
    uint64_t ip_pairs = 0, fqdn_pairs = 0, dns_domains = 0;
  };
  Stats stats() const;

 private:
  struct State;
  std::unique_ptr<State> s_;
};

// Level from a finding score: >= 0.9 critical, >= 0.75 high, >= 0.6 medium, >= 0.4 low, else informational.
Level net_level_for_score(double score);

// Registrable domain of a DNS name ("a.b.example.co.uk" -> "example.co.uk"), with a built-in list of
// multi-label public suffixes (co.uk, com.au, ...). Lowercased, trailing dot removed. Empty for names with
// one label, IP literals, and reverse-lookup names.
std::string registrable_domain(std::string_view name);
// Shannon entropy (bits per character) of s.
double shannon_entropy(std::string_view s);

// CSV cell: quoted when needed; a cell starting with = + - @ (or tab / CR) gets a leading ' (formula injection).
std::string net_csv_cell(std::string_view s);

}  // namespace trawl

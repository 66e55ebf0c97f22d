#include "analytics/net/conn_generator.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>

namespace trawl {

namespace {

struct Rng {
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  double uniform() { return double(next() >> 11) * (1.0 / 9007199254740992.0); }
  double normal() {
    double u1 = std::max(uniform(), 1e-12), u2 = uniform();
    return std::sqrt(-2 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
  double exponential(double mean) { return -mean * std::log(std::max(uniform(), 1e-12)); }
};

struct Row {
  double ts;
  uint32_t src, dst;  // src: host index; dst: >= 0x80000000 internal server, else external index
  uint16_t port;
  uint8_t proto;      // 0 tcp, 1 udp
  float duration;
  uint32_t out, in;
};

std::string host_ip(uint32_t h) {
  char b[32];
  std::snprintf(b, sizeof b, "10.%u.%u.%u", 1 + (h >> 16) % 200, (h >> 8) & 0xFF, 1 + (h & 0xFF) % 254);
  return b;
}
std::string ext_ip(uint32_t d) {
  uint32_t x = d * 2654435761u + 0x5bd1e995u;
  uint32_t a = 11 + (x >> 24) % 200;
  if (a == 127 || a == 100 || a == 169 || a == 172 || a == 192) a += 1;
  char b[32];
  std::snprintf(b, sizeof b, "%u.%u.%u.%u", a, (x >> 16) & 0xFF, (x >> 8) & 0xFF, 1 + (x & 0xFF) % 254);
  return b;
}
const char* kServers[] = {"10.0.0.53", "10.0.0.123", "10.0.0.10"};  // DNS, NTP, file server

}  // namespace

Result<std::vector<PlantedBeacon>> generate_conn_log(const std::string& path, const ConnGeneratorOptions& o) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "wb"), &std::fclose);
  if (!f) return Status::Error(path + ": cannot create");
  Rng rng{o.seed * 0x2545F4914F6CDD1Dull + 7};
  const uint32_t hosts = std::max<uint32_t>(o.hosts, 10), dsts = std::max<uint32_t>(o.destinations, 10);
  // Zipf-like popularity over destinations via an inverse power transform.
  auto pick_dst = [&]() { return uint32_t(std::pow(rng.uniform(), 2.5) * dsts) % dsts; };
  std::vector<PlantedBeacon> planted;
  struct BeaconPlan {
    uint32_t src, dst;
    double period, next, jitter;
    uint32_t size;
    uint16_t port;
  };
  std::vector<BeaconPlan> plans;
  for (int b = 0; b < o.beacons; ++b) {
    BeaconPlan p;
    p.src = uint32_t(rng.next() % hosts);
    p.dst = dsts + 1000 + uint32_t(b);  // a destination nobody else uses
    p.period = 60.0 * double(1 + rng.next() % 15);  // 1-15 min
    p.next = rng.uniform() * p.period;
    p.jitter = o.jitter;
    p.size = uint32_t(200 + rng.next() % 2000);
    p.port = (b % 2) ? 443 : 80;
    plans.push_back(p);
    planted.push_back(PlantedBeacon{host_ip(p.src), ext_ip(p.dst), p.period, 0});
  }
  std::fputs("#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n", f.get());
  std::fputs("#open\t2023-11-14-22-13-20\n", f.get());
  std::fputs(
      "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\t"
      "conn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\t"
      "tunnel_parents\n",
      f.get());
  std::fputs(
      "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tbool\tcount\t"
      "string\tcount\tcount\tcount\tcount\tset[string]\n",
      f.get());
  // Beacon rows count towards N: estimate them first so the background fills the rest.
  uint64_t beacon_rows = 0;
  for (auto& p : plans) beacon_rows += uint64_t(86400.0 / p.period);
  const uint64_t background = o.rows > beacon_rows ? o.rows - beacon_rows : 0;
  uint64_t written = 0, uid_counter = 0;
  std::vector<Row> rows;
  std::string line;
  const char* uid_alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  for (int hour = 0; hour < 24; ++hour) {
    rows.clear();
    uint64_t n = background / 24 + (uint64_t(hour) < background % 24 ? 1 : 0);
    const double h0 = hour * 3600.0;
    for (uint64_t i = 0; i < n; ++i) {
      Row r;
      r.ts = h0 + rng.uniform() * 3600.0;
      r.src = uint32_t(rng.next() % hosts);
      double kind = rng.uniform();
      if (kind < 0.25) {  // DNS to the internal resolver
        r.dst = 0x80000000u;
        r.port = 53;
        r.proto = 1;
        r.duration = float(0.001 + rng.exponential(0.02));
        r.out = uint32_t(40 + rng.next() % 40);
        r.in = uint32_t(80 + rng.next() % 300);
      } else if (kind < 0.28) {  // NTP
        r.dst = 0x80000001u;
        r.port = 123;
        r.proto = 1;
        r.duration = 0.01f;
        r.out = 48;
        r.in = 48;
      } else if (kind < 0.35) {  // SMB to the file server
        r.dst = 0x80000002u;
        r.port = 445;
        r.proto = 0;
        r.duration = float(rng.exponential(30));
        r.out = uint32_t(std::exp(7 + 1.5 * rng.normal()));
        r.in = uint32_t(std::exp(9 + 2 * rng.normal()));
      } else {  // web
        r.dst = pick_dst();
        r.port = rng.uniform() < 0.8 ? 443 : 80;
        r.proto = 0;
        r.duration = float(rng.exponential(5));
        r.out = uint32_t(std::min(4e9, std::exp(6.5 + 1.2 * rng.normal())));
        r.in = uint32_t(std::min(4e9, std::exp(9 + 2.0 * rng.normal())));
      }
      rows.push_back(r);
    }
    for (auto& p : plans) {
      while (p.next < h0 + 3600.0) {
        if (p.next >= h0) {
          Row r;
          r.ts = p.next;
          r.src = p.src;
          r.dst = p.dst;
          r.port = p.port;
          r.proto = 0;
          r.duration = float(0.2 + rng.uniform() * 0.3);
          r.out = p.size + uint32_t(rng.next() % 16);
          r.in = 300 + uint32_t(rng.next() % 64);
          rows.push_back(r);
        }
        p.next += p.period * (1.0 + p.jitter * (2 * rng.uniform() - 1));
      }
    }
    std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.ts < b.ts; });
    for (const Row& r : rows) {
      line.clear();
      char buf[96];
      std::snprintf(buf, sizeof buf, "%.6f\tC", double(o.start_epoch) + r.ts);
      line += buf;
      uint64_t u = ++uid_counter * 0x9E3779B97F4A7C15ull ^ o.seed;
      for (int k = 0; k < 17; ++k) {
        line.push_back(uid_alpha[u % 62]);
        u = u / 62 + (uint64_t(k) * 7919);
      }
      line += '\t';
      line += host_ip(r.src);
      std::snprintf(buf, sizeof buf, "\t%u\t", unsigned(49152 + rng.next() % 16000));
      line += buf;
      line += r.dst >= 0x80000000u ? std::string(kServers[r.dst - 0x80000000u]) : ext_ip(r.dst);
      const char* service = r.port == 53 ? "dns" : r.port == 123 ? "ntp" : r.port == 443 ? "ssl" : r.port == 80 ? "http" : "smb";
      std::snprintf(buf, sizeof buf, "\t%u\t%s\t%s\t%.6f\t%u\t%u\tSF\tT\t%s\t0\t", r.port, r.proto ? "udp" : "tcp",
                    service, double(r.duration), r.out, r.in, r.dst >= 0x80000000u ? "T" : "F");
      line += buf;
      unsigned op = 1 + r.out / 1400, ip = 1 + r.in / 1400;
      std::snprintf(buf, sizeof buf, "%s\t%u\t%u\t%u\t%u\t-\n", r.proto ? "Dd" : "ShADadFf", op, r.out + 40 * op, ip,
                    r.in + 40 * ip);
      line += buf;
      std::fwrite(line.data(), 1, line.size(), f.get());
      ++written;
    }
  }
  std::fputs("#close\t2023-11-15-22-13-20\n", f.get());
  if (std::ferror(f.get())) return Status::Error(path + ": write failed");
  // Count what was planted.
  for (size_t b = 0; b < plans.size(); ++b) planted[b].connections = uint64_t(86400.0 / plans[b].period);
  (void)written;
  return planted;
}

}  // namespace trawl

// The terminal views: the table sink (summary per tenant/host and level, then the top detections) and the
// --stats block. Every value that came from a log goes through terminal_safe() before it is measured or
// printed, so a log cannot move the cursor, recolour, retitle or otherwise drive the analyst's terminal.
#include <algorithm>
#include <cstdio>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "core/time.h"
#include "output/sink.h"
#include "output/text_render.h"

namespace trawl {
namespace {

using output::append_fitted;
using output::display_width;
using output::kLevels;
using output::LevelCounts;
using output::terminal_safe;

constexpr const char* kLevelHeaders[kLevels] = {"INFO", "LOW", "MEDIUM", "HIGH", "CRITICAL"};
constexpr const char* kLevelColours[kLevels] = {"\x1b[2m", "\x1b[36m", "\x1b[33m", "\x1b[31m", "\x1b[1;31m"};
constexpr const char* kReset = "\x1b[0m";
constexpr const char* kBold = "\x1b[1m";
constexpr size_t kHostsPerTenant = 10;

uint64_t total(const LevelCounts& c) {
  uint64_t t = 0;
  for (uint64_t v : c) t += v;
  return t;
}

// Most severe first: compare counts from critical down, then the total.
bool more_severe(const LevelCounts& a, const LevelCounts& b) {
  for (size_t i = kLevels; i-- > 0;)
    if (a[i] != b[i]) return a[i] > b[i];
  return false;
}

std::string with_thousands(uint64_t v) {
  std::string digits = std::to_string(v), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

std::string human_bytes(uint64_t b) {
  static const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = double(b);
  size_t u = 0;
  while (v >= 1024 && u + 1 < std::size(kUnits)) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  if (u == 0)
    std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(b));
  else
    std::snprintf(buf, sizeof buf, "%.1f %s", v, kUnits[u]);
  return buf;
}

// "2019-03-19 23:35:40" (seconds are enough on a terminal), "-" without a time.
std::string short_time(int64_t us) {
  if (us == kNoTime) return "-";
  std::string t = format_time_us(us);
  if (t.size() >= 19) {
    t.resize(19);
    t[10] = ' ';
  }
  return t;
}

void pad_left(std::string& out, const std::string& s, size_t width) {
  size_t w = display_width(s);
  if (w < width) out.append(width - w, ' ');
  out += s;
}

class TableSink final : public DetectionSink {
 public:
  TableSink(std::ostream& out, const TableOptions& opt) : out_(out), opt_(opt), top_(opt.top) {}

  Status begin(const RunInfo&) override { return Status(); }

  Status write(const Detection& d) override {
    const size_t l = size_t(output::level_rank(d.level));
    Tenant& t = tenants_[d.tenant];
    ++t.counts[l];
    ++t.hosts[d.host][l];
    ++all_[l];
    top_.offer(d);
    return Status();
  }

  Status finish(const RunStats& stats) override {
    std::string s;
    render_summary(s);
    render_top(s);
    render_footer(s, stats);
    out_.write(s.data(), std::streamsize(s.size()));
    out_.flush();
    if (!out_) return Status::Error("cannot write the table (closed pipe?)");
    return Status();
  }

 private:
  struct Tenant {
    LevelCounts counts{};
    std::map<std::string, LevelCounts> hosts;
  };

  void colour(std::string& s, size_t level) const {
    if (opt_.colour) s += kLevelColours[level];
  }
  void reset(std::string& s) const {
    if (opt_.colour) s += kReset;
  }
  void bold(std::string& s) const {
    if (opt_.colour) s += kBold;
  }

  void render_summary(std::string& s) const {
    const uint64_t n = total(all_);
    if (n == 0) {
      s += "No detections.\n";
      return;
    }
    bold(s);
    s += with_thousands(n);
    s += n == 1 ? " detection" : " detections";
    reset(s);
    s += ":";
    for (size_t l = kLevels; l-- > 0;) {
      s += l == kLevels - 1 ? " " : ", ";
      if (all_[l]) colour(s, l);
      s += level_name(Level(l));
      s += " ";
      s += with_thousands(all_[l]);
      if (all_[l]) reset(s);
    }
    s += "\n\n";

    // Rows: a tenant, then its most severe hosts, indented.
    struct Row {
      std::string label;
      const LevelCounts* counts;
      bool tenant;
    };
    std::vector<Row> rows;
    std::deque<LevelCounts> rest_rows;  // stable addresses for the "more hosts" rows
    for (const auto& [name, t] : tenants_) {
      rows.push_back(Row{name.empty() ? "(no tenant)" : terminal_safe(name), &t.counts, true});
      std::vector<const std::pair<const std::string, LevelCounts>*> hosts;
      for (const auto& h : t.hosts) hosts.push_back(&h);
      std::stable_sort(hosts.begin(), hosts.end(),
                       [](const auto* a, const auto* b) { return more_severe(a->second, b->second); });
      for (size_t i = 0; i < hosts.size() && i < kHostsPerTenant; ++i)
        rows.push_back(Row{"  " + (hosts[i]->first.empty() ? std::string("(unknown host)")
                                                              : terminal_safe(hosts[i]->first)),
                           &hosts[i]->second, false});
      if (hosts.size() > kHostsPerTenant) {
        LevelCounts rest{};
        for (size_t i = kHostsPerTenant; i < hosts.size(); ++i)
          for (size_t l = 0; l < kLevels; ++l) rest[l] += hosts[i]->second[l];
        rest_rows.push_back(rest);
        rows.push_back(Row{"  (" + with_thousands(hosts.size() - kHostsPerTenant) + " more hosts)",
                           &rest_rows.back(), false});
      }
    }
    const std::string kLabelHeader = "TENANT / HOST";
    size_t label_w = display_width(kLabelHeader);
    for (const Row& r : rows) label_w = std::max(label_w, display_width(r.label));
    label_w = std::min<size_t>(label_w, 40);
    size_t num_w[kLevels + 1];
    for (size_t l = 0; l < kLevels; ++l) {
      num_w[l] = std::string_view(kLevelHeaders[l]).size();
      num_w[l] = std::max(num_w[l], with_thousands(all_[l]).size());
    }
    num_w[kLevels] = std::max<size_t>(5, with_thousands(n).size());
    if (opt_.width) {
      size_t numbers = 0;
      for (size_t w : num_w) numbers += w + 2;
      label_w = std::min(label_w, opt_.width > numbers + 12 ? opt_.width - numbers : size_t(12));
    }

    bold(s);
    append_fitted(s, kLabelHeader, label_w, true);
    for (size_t l = kLevels; l-- > 0;) {
      s += "  ";
      pad_left(s, kLevelHeaders[l], num_w[l]);
    }
    s += "  ";
    pad_left(s, "TOTAL", num_w[kLevels]);
    reset(s);
    s += '\n';
    auto counts_row = [&](const std::string& label, const LevelCounts& c, bool strong) {
      if (strong) bold(s);
      append_fitted(s, label, label_w, true);
      if (strong) reset(s);
      for (size_t l = kLevels; l-- > 0;) {
        s += "  ";
        if (c[l]) colour(s, l);
        pad_left(s, with_thousands(c[l]), num_w[l]);
        if (c[l]) reset(s);
      }
      s += "  ";
      pad_left(s, with_thousands(total(c)), num_w[kLevels]);
      s += '\n';
    };
    for (const Row& r : rows) counts_row(r.label, *r.counts, r.tenant);
    if (tenants_.size() > 1) counts_row("TOTAL", all_, true);
    s += '\n';
  }

  void render_top(std::string& s) const {
    std::vector<Detection> top = top_.sorted();
    if (top.empty()) return;
    struct Line {
      std::string time, tenant, host, title, key;
      Level level;
    };
    std::vector<Line> lines;
    lines.reserve(top.size());
    size_t tenant_w = 6, host_w = 4, title_w = 5, level_w = 5;
    for (const Detection& d : top) {
      Line ln{short_time(d.time_us), d.tenant.empty() ? "-" : terminal_safe(d.tenant),
              d.host.empty() ? "-" : terminal_safe(d.host), terminal_safe(d.title), std::string(), d.level};
      if (const auto* k = output::key_field(d)) {
        ln.key = terminal_safe(k->first);
        ln.key += '=';
        // Far more than any terminal line; the cut below finishes the job.
        output::append_terminal_safe(ln.key, output::utf8_prefix(k->second, 4096));
      }
      tenant_w = std::max(tenant_w, display_width(ln.tenant));
      host_w = std::max(host_w, display_width(ln.host));
      title_w = std::max(title_w, display_width(ln.title));
      level_w = std::max(level_w, std::string_view(level_name(d.level)).size());
      lines.push_back(std::move(ln));
    }
    tenant_w = std::min<size_t>(tenant_w, 16);
    host_w = std::min<size_t>(host_w, 28);
    title_w = std::min<size_t>(title_w, 50);
    constexpr size_t kTimeW = 19, kGap = 2, kMinKey = 24;
    size_t key_w = SIZE_MAX;  // unlimited when the width is unknown
    bool key_below = false;   // narrow terminal: the key field gets a line of its own
    if (opt_.width) {
      auto fixed = [&] { return kTimeW + tenant_w + host_w + level_w + title_w + 5 * kGap; };
      // Give the key field room by shrinking the title, then the host and tenant, down to a floor.
      while (fixed() + kMinKey > opt_.width && title_w > 20) --title_w;
      while (fixed() + kMinKey > opt_.width && host_w > 12) --host_w;
      while (fixed() + kMinKey > opt_.width && tenant_w > 8) --tenant_w;
      if (fixed() + kMinKey <= opt_.width) {
        key_w = opt_.width - fixed();
      } else {
        key_below = true;
        key_w = opt_.width > 4 + kMinKey ? opt_.width - 4 : kMinKey;
      }
    }

    bold(s);
    if (top_.seen() > top.size())
      s += "Top " + std::to_string(top.size()) + " of " + with_thousands(top_.seen()) +
           " detections (most severe first, then earliest)\n";
    else
      s += "Detections (most severe first, then earliest)\n";
    append_fitted(s, "TIME", kTimeW, true);
    s += "  ";
    append_fitted(s, "TENANT", tenant_w, true);
    s += "  ";
    append_fitted(s, "HOST", host_w, true);
    s += "  ";
    append_fitted(s, "LEVEL", level_w, true);
    s += "  ";
    append_fitted(s, "TITLE", title_w, !key_below);
    if (!key_below) s += "  KEY FIELD";
    reset(s);
    s += '\n';
    for (const Line& ln : lines) {
      const size_t l = size_t(output::level_rank(ln.level));
      append_fitted(s, ln.time, kTimeW, true);
      s += "  ";
      append_fitted(s, ln.tenant, tenant_w, true);
      s += "  ";
      append_fitted(s, ln.host, host_w, true);
      s += "  ";
      colour(s, l);
      append_fitted(s, level_name(ln.level), level_w, true);
      reset(s);
      s += "  ";
      append_fitted(s, ln.title, title_w, !ln.key.empty() && !key_below);
      if (!ln.key.empty() && key_below) {
        s += "\n    ";
        append_fitted(s, ln.key, key_w, false);
      } else if (!ln.key.empty()) {
        s += "  ";
        if (key_w == SIZE_MAX)
          s += ln.key;
        else
          append_fitted(s, ln.key, key_w, false);
      }
      s += '\n';
    }
    s += '\n';
  }

  void render_footer(std::string& s, const RunStats& st) const {
    s += "Read " + with_thousands(st.events) + " events from " + with_thousands(st.files_read) +
         (st.files_read == 1 ? " file (" : " files (") + human_bytes(st.bytes) + ")";
    char secs[32];
    std::snprintf(secs, sizeof secs, " in %.2f s", st.seconds >= 0 && st.seconds < 1e12 ? st.seconds : 0.0);
    s += secs;
    auto plural = [](uint64_t n, const char* one, const char* many) {
      return with_thousands(n) + (n == 1 ? one : many);
    };
    if (st.files_skipped) s += "; " + plural(st.files_skipped, " file skipped", " files skipped");
    if (st.decode_errors)
      s += "; " + plural(st.decode_errors, " record could not be decoded", " records could not be decoded");
    if (!st.diagnostics.empty())
      s += "; " + plural(st.diagnostics.size(), " problem reported", " problems reported") + " (--stats lists them)";
    s += ".\n";
  }

  std::ostream& out_;
  TableOptions opt_;
  output::TopDetections top_;
  std::map<std::string, Tenant> tenants_;
  LevelCounts all_{};
};

// Entries of a count map, largest first (ties by key), at most `limit`.
std::vector<std::pair<std::string, uint64_t>> largest(const std::map<std::string, uint64_t>& m, size_t limit) {
  std::vector<std::pair<std::string, uint64_t>> v(m.begin(), m.end());
  std::stable_sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  if (v.size() > limit) v.resize(limit);
  return v;
}

void stats_section(std::string& s, const char* title, const std::map<std::string, uint64_t>& m) {
  constexpr size_t kLimit = 25;
  if (m.empty()) return;
  s += title;
  if (m.size() > kLimit) s += " (top " + std::to_string(kLimit) + " of " + with_thousands(m.size()) + ")";
  s += '\n';
  auto v = largest(m, kLimit);
  std::vector<std::string> names;
  size_t w = 0;
  for (const auto& e : v) {
    names.push_back(terminal_safe(e.first.empty() ? "(none)" : e.first));
    w = std::max(w, display_width(names.back()));
  }
  w = std::min<size_t>(w, 60);
  for (size_t i = 0; i < v.size(); ++i) {
    s += "  ";
    append_fitted(s, names[i], w, true);
    s += "  ";
    pad_left(s, with_thousands(v[i].second), 12);
    s += '\n';
  }
}

}  // namespace

std::unique_ptr<DetectionSink> make_table_sink(std::ostream& out, const TableOptions& opt) {
  return std::make_unique<TableSink>(out, opt);
}

void write_stats(std::ostream& out, const RunStats& st) {
  std::string s = "Run statistics\n";
  auto row = [&](const char* name, const std::string& value) {
    s += "  ";
    append_fitted(s, name, 16, true);
    s += value;
    s += '\n';
  };
  row("files read", with_thousands(st.files_read));
  row("files skipped", with_thousands(st.files_skipped));
  row("bytes", with_thousands(st.bytes) + " (" + human_bytes(st.bytes) + ")");
  row("events", with_thousands(st.events));
  row("detections", with_thousands(st.detections));
  row("decode errors", with_thousands(st.decode_errors));
  {
    const double secs = st.seconds >= 0 && st.seconds < 1e12 ? st.seconds : 0.0;
    char buf[128];
    if (secs > 0)
      std::snprintf(buf, sizeof buf, "%.3f s (%.1f MiB/s, %.0f events/s)", secs, double(st.bytes) / 1048576.0 / secs,
                    double(st.events) / secs);
    else
      std::snprintf(buf, sizeof buf, "%.3f s", secs);
    row("time", buf);
  }
  stats_section(s, "Events per channel", st.events_per_channel);
  stats_section(s, "Events per EventID", st.events_per_event_id);
  stats_section(s, "Events per file", st.events_per_file);
  stats_section(s, "Detections per rule", st.detections_per_rule);
  if (!st.time_span_per_host.empty()) {
    constexpr size_t kLimit = 50;
    s += "Time span per host";
    if (st.time_span_per_host.size() > kLimit)
      s += " (first " + std::to_string(kLimit) + " of " + with_thousands(st.time_span_per_host.size()) + ")";
    s += '\n';
    size_t w = 0, i = 0;
    std::vector<std::string> names;
    for (const auto& [host, span] : st.time_span_per_host) {
      if (i++ == kLimit) break;
      names.push_back(terminal_safe(host));
      w = std::max(w, display_width(names.back()));
    }
    w = std::min<size_t>(w, 60);
    i = 0;
    for (const auto& [host, span] : st.time_span_per_host) {
      if (i == kLimit) break;
      s += "  ";
      append_fitted(s, names[i++], w, true);
      s += "  ";
      s += span.first == kNoTime ? "-" : format_time_us(span.first);
      s += " .. ";
      s += span.second == kNoTime ? "-" : format_time_us(span.second);
      s += '\n';
    }
  }
  if (!st.diagnostics.empty()) {
    constexpr size_t kLimit = 50;
    s += "Problems reported: " + with_thousands(st.diagnostics.size());
    if (st.diagnostics.size() > kLimit) s += " (first " + std::to_string(kLimit) + " shown)";
    s += '\n';
    for (size_t i = 0; i < st.diagnostics.size() && i < kLimit; ++i) {
      s += "  ";
      s += severity_name(st.diagnostics[i].severity);
      s += ": ";
      output::append_terminal_safe(s, st.diagnostics[i].to_string());
      s += '\n';
    }
  }
  out.write(s.data(), std::streamsize(s.size()));
}

}  // namespace trawl

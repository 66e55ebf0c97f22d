// The self-contained HTML report: inline CSS, a small inline script (sorting, filtering) allowed by a
// per-report nonce in a Content-Security-Policy that forbids everything else, every value from a log escaped
// by append_html_escaped, and machine-readable run data as JSON inside <script type="application/json"> with
// '<' '>' '&' written as \u003c \u003e \u0026 so that no value can close the element.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "core/text.h"
#include "core/time.h"
#include "output/sink.h"
#include "output/text_render.h"

namespace trawl {
namespace {

using output::append_html_escaped;
using output::kLevels;
using output::LevelCounts;

constexpr size_t kDefaultMaxRows = 5000;
constexpr size_t kMaxValueBytes = 4096;  // per field value in the report; the full value is in JSONL/CSV/db
constexpr size_t kMaxDiagnostics = 1000;
constexpr size_t kMaxStatRows = 100;
constexpr size_t kMaxHostRows = 1000;

constexpr const char* kStyle = R"css(
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 2em 2em;color:#1d2329;background:#fafbfc}
h1{font-size:1.6em;margin:.8em 0 .2em}h2{font-size:1.2em;margin:1.6em 0 .5em;border-bottom:1px solid #d0d7de}
table{border-collapse:collapse;background:#fff;margin-bottom:.5em}
th,td{border:1px solid #d0d7de;padding:3px 7px;text-align:left;vertical-align:top}
th{background:#eef1f4;position:sticky;top:0}
td.n{text-align:right;font-variant-numeric:tabular-nums}
#detections th{cursor:pointer;user-select:none}
.v{white-space:pre-wrap;word-break:break-all;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}
dl.run{display:grid;grid-template-columns:max-content auto;gap:2px 12px}dl.run dt{font-weight:600}dl.run dd{margin:0}
.lvl{font-weight:600;border-radius:3px;padding:0 5px}
.critical{background:#8b0000;color:#fff}.high{background:#d73a49;color:#fff}.medium{background:#f9c513}
.low{background:#c8e1ff}.informational{background:#e1e4e8}
details summary{cursor:pointer;color:#0550ae}
.note{color:#57606a}
#filter{margin:0 0 .5em;padding:4px 8px;width:24em}
)css";

// Sorting by a click on a column header (numeric when both cells carry data-sort) and a text filter.
constexpr const char* kScript = R"js(
(function(){
var t=document.getElementById('detections');if(!t||!t.tBodies.length)return;var b=t.tBodies[0];
var f=document.getElementById('filter');
if(f)f.addEventListener('input',function(){var q=f.value.toLowerCase();
for(var i=0;i<b.rows.length;i++){var r=b.rows[i];r.style.display=r.textContent.toLowerCase().indexOf(q)>=0?'':'none';}});
var hs=t.tHead.rows[0].cells;
for(var k=0;k<hs.length;k++)(function(c,h){h.addEventListener('click',function(){
var asc=h.getAttribute('data-dir')!=='asc';h.setAttribute('data-dir',asc?'asc':'desc');
var rows=Array.prototype.slice.call(b.rows);
rows.sort(function(x,y){var a=x.cells[c],d=y.cells[c];var p=a.getAttribute('data-sort'),q=d.getAttribute('data-sort');
var r=(p!==null&&q!==null)?(Number(p)-Number(q)):a.textContent.localeCompare(d.textContent);return asc?r:-r;});
for(var j=0;j<rows.length;j++)b.appendChild(rows[j]);});})(k,hs[k]);
})();
)js";

// JSON that can sit inside <script type="application/json">: nothing in it can close the element or open a
// comment, whatever the values hold.
void append_script_safe_json(std::string& out, const std::string& json) {
  for (char c : json) {
    switch (c) {
      case '<': out += "\\u003c"; break;
      case '>': out += "\\u003e"; break;
      case '&': out += "\\u0026"; break;
      default: out.push_back(c);
    }
  }
}

std::string random_nonce() {
  std::random_device rd;
  std::string n;
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = 0; i < 4; ++i) {
    uint32_t v = rd();
    for (int k = 0; k < 8; ++k) n.push_back(kHex[(v >> (4 * k)) & 15]);
  }
  return n;
}

void esc(std::string& out, std::string_view s) { append_html_escaped(out, s); }

std::string time_text(int64_t us) { return us == kNoTime ? std::string() : format_time_us(us); }

class HtmlSink final : public DetectionSink {
 public:
  HtmlSink(std::string path, std::ofstream file, size_t max_rows)
      : path_(std::move(path)), file_(std::move(file)), top_(max_rows) {}

  Status begin(const RunInfo& run) override {
    run_ = run;
    return Status();
  }

  Status write(const Detection& d) override {
    const size_t l = size_t(output::level_rank(d.level));
    ++tenants_[d.tenant][l];
    ++hosts_[{d.tenant, d.host}][l];
    RuleRow& r = rules_[d.rule_id];
    if (r.count == 0 || d.level > r.level) r.level = d.level;
    if (r.title.empty()) r.title = d.title;
    ++r.count;
    ++all_[l];
    top_.offer(d);
    return Status();
  }

  Status finish(const RunStats& stats) override {
    std::string h;
    h.reserve(1 << 20);
    const std::string nonce = random_nonce();
    h += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
    h += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
         "script-src 'nonce-" + nonce + "'; img-src 'none'; form-action 'none'; base-uri 'none'\">\n";
    h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
    h += "<meta name=\"referrer\" content=\"no-referrer\">\n<title>trawl report</title>\n<style>";
    h += kStyle;
    h += "</style>\n</head>\n<body>\n<h1>trawl report</h1>\n";
    render_run(h, stats);
    render_summary(h);
    render_rules(h);
    render_detections(h);
    render_stats(h, stats);
    render_diagnostics(h, stats);
    std::string json = "{\"run\":{\"command_line\":";
    output::append_json_text(json, run_.command_line);
    json += ",\"started\":";
    if (run_.started_us == kNoTime) {
      json += "null";
    } else {
      json.push_back('"');
      append_time_us(json, run_.started_us);
      json.push_back('"');
    }
    json += ",\"version\":";
    output::append_json_text(json, run_.trawl_version);
    json += ",\"inputs\":[";
    for (size_t i = 0; i < run_.inputs.size(); ++i) {
      if (i) json.push_back(',');
      output::append_json_text(json, run_.inputs[i]);
    }
    json += "]},\"stats\":";
    append_stats_json(json, stats);
    json += "}";
    h += "<script type=\"application/json\" id=\"trawl-run\">";
    append_script_safe_json(h, json);
    h += "</script>\n<script nonce=\"" + nonce + "\">";
    h += kScript;
    h += "</script>\n</body>\n</html>\n";
    file_.write(h.data(), std::streamsize(h.size()));
    file_.close();
    if (!file_) return Status::Error(path_ + ": cannot write the HTML report");
    return Status();
  }

 private:
  struct RuleRow {
    std::string title;
    Level level = Level::kInformational;
    uint64_t count = 0;
  };

  void render_run(std::string& h, const RunStats& st) const {
    h += "<dl class=\"run\">\n";
    auto item = [&](const char* name, std::string_view value) {
      h += "<dt>";
      h += name;
      h += "</dt><dd>";
      esc(h, value);
      h += "</dd>\n";
    };
    item("Command", run_.command_line);
    item("Started", time_text(run_.started_us));
    item("trawl version", run_.trawl_version);
    std::string inputs;
    for (size_t i = 0; i < run_.inputs.size(); ++i) {
      if (i) inputs += ", ";
      inputs += run_.inputs[i];
    }
    item("Inputs", inputs);
    item("Rules / IOCs", std::to_string(run_.rule_count) + " / " + std::to_string(run_.ioc_count));
    char buf[160];
    std::snprintf(buf, sizeof buf, "%llu files, %llu events, %llu bytes in %.2f s",
                  static_cast<unsigned long long>(st.files_read), static_cast<unsigned long long>(st.events),
                  static_cast<unsigned long long>(st.bytes), st.seconds >= 0 && st.seconds < 1e12 ? st.seconds : 0.0);
    item("Read", buf);
    uint64_t n = 0;
    for (uint64_t v : all_) n += v;
    item("Detections", std::to_string(n));
    h += "</dl>\n";
  }

  static void level_header(std::string& h) {
    for (size_t l = kLevels; l-- > 0;) {
      h += "<th>";
      h += level_name(Level(l));
      h += "</th>";
    }
    h += "<th>total</th>";
  }

  static void level_cells(std::string& h, const LevelCounts& c) {
    uint64_t t = 0;
    for (size_t l = kLevels; l-- > 0;) {
      t += c[l];
      h += c[l] ? "<td class=\"n\"><span class=\"lvl " + std::string(level_name(Level(l))) + "\">" +
                      std::to_string(c[l]) + "</span></td>"
                : std::string("<td class=\"n\">0</td>");
    }
    h += "<td class=\"n\">" + std::to_string(t) + "</td>";
  }

  void render_summary(std::string& h) const {
    h += "<h2 id=\"summary\">Detections by tenant and level</h2>\n";
    if (tenants_.empty()) {
      h += "<p>No detections.</p>\n";
      return;
    }
    h += "<table>\n<thead><tr><th>tenant</th>";
    level_header(h);
    h += "</tr></thead>\n<tbody>\n";
    for (const auto& [tenant, c] : tenants_) {
      h += "<tr><td>";
      esc(h, tenant);
      h += "</td>";
      level_cells(h, c);
      h += "</tr>\n";
    }
    h += "</tbody>\n<tfoot><tr><th>all</th>";
    level_cells(h, all_);
    h += "</tr></tfoot>\n</table>\n";

    h += "<h2 id=\"hosts\">Detections by host</h2>\n<table>\n<thead><tr><th>tenant</th><th>host</th>";
    level_header(h);
    h += "</tr></thead>\n<tbody>\n";
    size_t shown = 0;
    for (const auto& [key, c] : hosts_) {
      if (shown++ == kMaxHostRows) break;
      h += "<tr><td>";
      esc(h, key.first);
      h += "</td><td>";
      esc(h, key.second);
      h += "</td>";
      level_cells(h, c);
      h += "</tr>\n";
    }
    h += "</tbody>\n</table>\n";
    if (hosts_.size() > kMaxHostRows)
      h += "<p class=\"note\">The first " + std::to_string(kMaxHostRows) + " of " + std::to_string(hosts_.size()) +
           " hosts.</p>\n";
  }

  void render_rules(std::string& h) const {
    if (rules_.empty()) return;
    std::vector<const std::pair<const std::string, RuleRow>*> v;
    for (const auto& r : rules_) v.push_back(&r);
    std::stable_sort(v.begin(), v.end(), [](const auto* a, const auto* b) {
      if (a->second.level != b->second.level) return a->second.level > b->second.level;
      return a->second.count > b->second.count;
    });
    h += "<h2 id=\"rules\">Detections by rule</h2>\n<table>\n<thead><tr><th>level</th><th>rule</th><th>title</th>"
         "<th>detections</th></tr></thead>\n<tbody>\n";
    for (const auto* r : v) {
      h += "<tr><td><span class=\"lvl ";
      h += level_name(r->second.level);
      h += "\">";
      h += level_name(r->second.level);
      h += "</span></td><td>";
      esc(h, r->first);
      h += "</td><td>";
      esc(h, r->second.title);
      h += "</td><td class=\"n\">" + std::to_string(r->second.count) + "</td></tr>\n";
    }
    h += "</tbody>\n</table>\n";
  }

  void render_detections(std::string& h) const {
    std::vector<Detection> rows = top_.sorted();
    h += "<h2 id=\"detections-title\">Detections</h2>\n";
    if (rows.empty()) {
      h += "<p>No detections.</p>\n";
      return;
    }
    if (top_.seen() > rows.size())
      h += "<p class=\"note\">The " + std::to_string(rows.size()) + " most severe of " +
           std::to_string(top_.seen()) + " detections (the JSONL, CSV and case database outputs hold all).</p>\n";
    h += "<input id=\"filter\" type=\"search\" placeholder=\"Filter rows\" aria-label=\"Filter rows\">\n";
    h += "<table id=\"detections\">\n<thead><tr><th>time</th><th>tenant</th><th>host</th><th>level</th>"
         "<th>title</th><th>rule</th><th>key field</th><th>source</th><th>fields</th></tr></thead>\n<tbody>\n";
    for (const Detection& d : rows) {
      h += "<tr><td>";
      esc(h, time_text(d.time_us));
      h += "</td><td>";
      esc(h, d.tenant);
      h += "</td><td>";
      esc(h, d.host);
      h += "</td><td data-sort=\"" + std::to_string(output::level_rank(d.level)) + "\"><span class=\"lvl ";
      h += level_name(d.level);
      h += "\">";
      h += level_name(d.level);
      h += "</span></td><td>";
      esc(h, d.title);
      h += "</td><td>";
      esc(h, d.rule_id);
      if (!d.tags.empty()) {
        h += "<br><small>";
        for (size_t i = 0; i < d.tags.size(); ++i) {
          if (i) h += ", ";
          esc(h, d.tags[i]);
        }
        h += "</small>";
      }
      h += "</td><td class=\"v\">";
      if (const auto* k = output::key_field(d)) {
        esc(h, k->first);
        h += "=";
        append_html_escaped(h, k->second, 512);
      }
      h += "</td><td>";
      esc(h, d.source_path);
      h += " #" + std::to_string(d.record_id);
      h += "</td><td><details><summary>" + std::to_string(d.fields.size()) +
           " fields</summary><table>";
      for (const auto& f : d.fields) {
        h += "<tr><td>";
        esc(h, f.first);
        h += "</td><td class=\"v\">";
        append_html_escaped(h, f.second, kMaxValueBytes);
        h += "</td></tr>";
      }
      h += "</table></details></td></tr>\n";
    }
    h += "</tbody>\n</table>\n";
  }

  static void count_table(std::string& h, const char* title, const char* key_name,
                          const std::map<std::string, uint64_t>& m) {
    if (m.empty()) return;
    std::vector<std::pair<std::string, uint64_t>> v(m.begin(), m.end());
    std::stable_sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    h += "<h3>";
    h += title;
    h += "</h3>\n";
    if (v.size() > kMaxStatRows)
      h += "<p class=\"note\">The " + std::to_string(kMaxStatRows) + " largest of " + std::to_string(v.size()) +
           ".</p>\n";
    h += "<table><thead><tr><th>";
    h += key_name;
    h += "</th><th>count</th></tr></thead><tbody>\n";
    for (size_t i = 0; i < v.size() && i < kMaxStatRows; ++i) {
      h += "<tr><td>";
      esc(h, v[i].first);
      h += "</td><td class=\"n\">" + std::to_string(v[i].second) + "</td></tr>\n";
    }
    h += "</tbody></table>\n";
  }

  void render_stats(std::string& h, const RunStats& st) const {
    h += "<h2 id=\"stats\">Run statistics</h2>\n<table><tbody>\n";
    auto row = [&](const char* name, uint64_t v) {
      h += "<tr><th>";
      h += name;
      h += "</th><td class=\"n\">" + std::to_string(v) + "</td></tr>\n";
    };
    row("files read", st.files_read);
    row("files skipped", st.files_skipped);
    row("bytes", st.bytes);
    row("events", st.events);
    row("detections", st.detections);
    row("decode errors", st.decode_errors);
    h += "</tbody></table>\n";
    count_table(h, "Events per channel", "channel", st.events_per_channel);
    count_table(h, "Events per EventID", "EventID", st.events_per_event_id);
    count_table(h, "Events per file", "file", st.events_per_file);
    count_table(h, "Detections per rule", "rule", st.detections_per_rule);
    if (!st.time_span_per_host.empty()) {
      h += "<h3>Time span per host</h3>\n<table><thead><tr><th>tenant/host</th><th>first</th><th>last</th></tr>"
           "</thead><tbody>\n";
      size_t i = 0;
      for (const auto& [host, span] : st.time_span_per_host) {
        if (i++ == kMaxStatRows) break;
        h += "<tr><td>";
        esc(h, host);
        h += "</td><td>" + time_text(span.first) + "</td><td>" + time_text(span.second) + "</td></tr>\n";
      }
      h += "</tbody></table>\n";
    }
  }

  void render_diagnostics(std::string& h, const RunStats& st) const {
    h += "<h2 id=\"diagnostics\">Problems reported (" + std::to_string(st.diagnostics.size()) + ")</h2>\n";
    if (st.diagnostics.empty()) {
      h += "<p>None.</p>\n";
      return;
    }
    if (st.diagnostics.size() > kMaxDiagnostics)
      h += "<p class=\"note\">The first " + std::to_string(kMaxDiagnostics) + ".</p>\n";
    h += "<table><thead><tr><th>severity</th><th>file</th><th>where</th><th>problem</th></tr></thead><tbody>\n";
    for (size_t i = 0; i < st.diagnostics.size() && i < kMaxDiagnostics; ++i) {
      const Diagnostic& g = st.diagnostics[i];
      h += "<tr><td>";
      h += severity_name(g.severity);
      h += "</td><td>";
      esc(h, g.path);
      h += "</td><td>";
      if (g.line_based) {
        h += "line " + std::to_string(g.offset);
      } else {
        char buf[32];
        std::snprintf(buf, sizeof buf, "offset 0x%llx", static_cast<unsigned long long>(g.offset));
        h += buf;
      }
      h += "</td><td>";
      append_html_escaped(h, g.message, kMaxValueBytes);
      h += "</td></tr>\n";
    }
    h += "</tbody></table>\n";
  }

  std::string path_;
  std::ofstream file_;
  output::TopDetections top_;
  RunInfo run_;
  std::map<std::string, LevelCounts> tenants_;
  std::map<std::pair<std::string, std::string>, LevelCounts> hosts_;
  std::map<std::string, RuleRow> rules_;
  LevelCounts all_{};
};

}  // namespace

Result<std::unique_ptr<DetectionSink>> make_html_sink(const std::string& path, size_t max_rows) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!f) return Status::Error(path + ": cannot create the HTML report");
  return std::unique_ptr<DetectionSink>(std::make_unique<HtmlSink>(path, std::move(f), max_rows));
}

Result<std::unique_ptr<DetectionSink>> make_html_sink(const std::string& path) {
  return make_html_sink(path, kDefaultMaxRows);
}

}  // namespace trawl

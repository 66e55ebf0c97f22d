// End to end: a small `trawl simulate` dataset (MSP + 2 clients) decoded with open_decoder(), run through the
// MSP analytics and the logon graph; every intrusion step that crosses tenants (the answer key lists 2+ tenants)
// must be covered by an analytic detection, and no high/critical analytic may fall on benign activity.
// The tenant map is written from the answer key's tenant inventory (names, roles, domains, networks, hosts),
// never from its steps.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <unistd.h>

#include <filesystem>

#include "analytics/msp/msp_analytics.h"
#include "core/buffer.h"
#include "core/time.h"
#include "ingest/detect.h"
#include "simulate/answer_check.h"
#include "simulate/simulator.h"

namespace trawl {
namespace {

namespace fs = std::filesystem;

std::string tenant_map_from_answers(const std::string& answers_path, std::string& msp) {
  const YAML::Node doc = YAML::LoadFile(answers_path);
  std::string out = "tenants:\n";
  for (const auto& t : doc["tenants"]) {
    const std::string name = t["name"].as<std::string>();
    const bool is_msp = t["role"].as<std::string>() == "msp";
    if (is_msp) msp = name;
    out += "  " + name + ":\n    domains: [\"" + t["domain"].as<std::string>() + "\", \"" +
           t["dns_domain"].as<std::string>() + "\"]\n";
    if (is_msp) {
      out += "    ip_ranges: [\"" + t["network"].as<std::string>() + "\"]\n    hosts: [";
      bool first = true;
      for (const auto& h : t["hosts"]) {
        out += std::string(first ? "" : ", ") + "\"" + h["name"].as<std::string>() + "\"";
        first = false;
      }
      out += "]\n";
    }
  }
  return out;
}

TEST(MspSimulate, CrossTenantStepsAreCovered) {
  const fs::path dir = fs::temp_directory_path() / ("trawl_msp_sim_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  simulate::SimulateOptions so;
  so.out_dir = dir.string();
  so.tenants = 2;
  so.hosts = 4;
  so.days = 3;
  so.seed = 11;
  so.activity = 0.3;
  Result<simulate::SimulateSummary> sim = simulate::simulate(so);
  ASSERT_TRUE(sim.ok()) << sim.status().message();

  MspOptions o;
  o.tenant_map_text = tenant_map_from_answers((dir / "answers.json").string(), o.msp_tenant);
  ASSERT_FALSE(o.msp_tenant.empty());
  Result<MspAnalyzer> ar = MspAnalyzer::create(o);
  ASSERT_TRUE(ar.ok()) << ar.status().message();
  MspAnalyzer a = std::move(ar).value();

  size_t files = 0;
  uint64_t events = 0;
  for (const std::string& rel : sim->files) {
    if (rel == "answers.json") continue;
    const fs::path p = dir / rel;
    auto buf = Buffer::map_file(p.string());
    ASSERT_TRUE(buf.ok()) << p;
    auto info = std::make_shared<FileInfo>();
    info->path = rel;
    info->tenant = rel.substr(0, rel.find('/'));
    auto dec = open_decoder(*buf, info, {});
    ASSERT_TRUE(dec.ok()) << rel << ": " << dec.status().message();
    ++files;
    EventBatch batch;
    for (size_t u = 0; u < (*dec)->unit_count(); ++u) {
      batch.clear();
      (*dec)->decode_unit(u, batch);
      for (size_t i = 0; i < batch.count; ++i) a.add(batch.events[i]);
      events += batch.count;
    }
  }
  ASSERT_GT(files, 10u);
  std::vector<Detection> out = a.finish();
  Result<simulate::AnswerKey> key = simulate::load_answer_key((dir / "answers.json").string());
  fs::remove_all(dir);
  ASSERT_TRUE(key.ok()) << key.status().message();
  ASSERT_FALSE(a.graph().edges().empty());

  std::vector<Detection> analytics;
  for (const Detection& d : out)
    if (d.rule_id != "tenant_risk") analytics.push_back(d);
  std::string listing;
  for (const Detection& d : analytics)
    if (d.level >= Level::kMedium)
      listing += format_time_us(d.time_us) + " " + d.tenant + " " + d.host + " " + d.rule_id + " " +
                 level_name(d.level) + "\n";
  simulate::AnswerCheckOptions co;
  co.slack_us = 60LL * 1000000;
  const simulate::AnswerCheckReport report = simulate::check_answers(*key, analytics, co);
  size_t cross_steps = 0;
  for (size_t i = 0; i < key->steps.size(); ++i) {
    const simulate::AnswerStep& st = key->steps[i];
    // Movement and exfiltration that cross tenants (cleanup or C2 steps that merely leave traces in two tenants
    // are the Sigma/IOC/network detectors' job).
    if (st.tenants.size() < 2 || (st.tactic != "lateral-movement" && st.tactic != "exfiltration")) continue;
    ++cross_steps;
    EXPECT_TRUE(report.steps[i].covered()) << "cross-tenant step " << st.id << " (" << st.name << ", tenants "
                                           << st.tenants.size() << ") not covered\n"
                                           << report.summary() << listing;
  }
  EXPECT_GE(cross_steps, 3u) << report.summary();
  for (const simulate::BenignHit& b : report.benign_hits)
    ADD_FAILURE() << "high analytic on benign activity " << b.benign_id << ": "
                  << analytics[b.detection].rule_id << " " << analytics[b.detection].tenant << " "
                  << analytics[b.detection].host << " " << format_time_us(analytics[b.detection].time_us);
  EXPECT_GT(events, 1000u);
}

}  // namespace
}  // namespace trawl

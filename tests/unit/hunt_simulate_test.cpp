// End to end, the way a user runs it: `trawl simulate` writes an MSP with its clients and an embedded intrusion,
// `trawl hunt --tenant-dirs --msp-tenant msp` hunts it with everything on (built-in Cloud Hopper rules,
// correlation, APT10 indicators, network analytics, logon graph and cross-tenant analytics), and the detections
// are scored against the answer key:
//  - every intrusion step is covered by a detection in one of its tenants, inside its time window;
//  - every step that moves across tenants (lateral movement, exfiltration) by a cross-tenant analytic;
//  - no high or critical detection falls on the benign activity the key lists (admin work, backups, updates,
//    telemetry), and none falls outside both the steps and the benign activity.
// Several seeds and sizes, so that a pass is not the shape of one scenario.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "core/time.h"
#include "hunt/hunt.h"
#include "output/sink.h"
#include "simulate/answer_check.h"
#include "simulate/simulator.h"

namespace trawl {
namespace {

namespace fs = std::filesystem;

class VectorSink final : public DetectionSink {
 public:
  Status begin(const RunInfo&) override { return Status(); }
  Status write(const Detection& d) override {
    all.push_back(d);
    return Status();
  }
  Status finish(const RunStats&) override { return Status(); }
  std::vector<Detection> all;
};

// The MSP layer's cross-tenant analytics (tenant_risk only sums the others, so it does not count).
bool is_cross_tenant_analytic(const Detection& d) {
  return d.kind == DetectionKind::kAnalytic &&
         (d.rule_id == "cross_tenant_logon" || d.rule_id == "msp_remote_chain" ||
          d.rule_id == "msp_account_many_tenants" || d.rule_id == "msp_account_unusual_hour" ||
          d.rule_id == "msp_large_transfer" || d.rule_id == "shared_rare_artifact");
}

std::string describe(const Detection& d) {
  return format_time_us(d.time_us) + " " + d.tenant + " " + d.host + " " + level_name(d.level) + " " +
         detection_kind_name(d.kind) + " " + d.rule_id + " " + d.title;
}

struct Scenario {
  int tenants, hosts, days;
  uint64_t seed;
};
void PrintTo(const Scenario& s, std::ostream* os) {
  *os << s.tenants << " tenants, " << s.hosts << " hosts, " << s.days << " days, seed " << s.seed;
}

class HuntSimulate : public ::testing::TestWithParam<Scenario> {};

TEST_P(HuntSimulate, StepsCoveredAndBenignQuiet) {
  const Scenario sc = GetParam();
  const fs::path dir = fs::temp_directory_path() /
                       ("trawl_hunt_sim_" + std::to_string(::getpid()) + "_" + std::to_string(sc.seed));
  fs::remove_all(dir);
  simulate::SimulateOptions so;
  so.out_dir = dir.string();
  so.tenants = sc.tenants;
  so.hosts = sc.hosts;
  so.days = sc.days;
  so.seed = sc.seed;
  Result<simulate::SimulateSummary> sim = simulate::simulate(so);
  ASSERT_TRUE(sim.ok()) << sim.status().message();

  HuntOptions o;
  o.paths = {dir.string()};
  o.pipeline.source.tenant_dirs = true;
  o.msp_tenant = "msp";
  o.pipeline.threads = 2;
  VectorSink sink;
  Result<HuntReport> r = run_hunt(o, sink, nullptr);
  Result<simulate::AnswerKey> key = simulate::load_answer_key((dir / "answers.json").string());
  fs::remove_all(dir);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_TRUE(key.ok()) << key.status().message();
  ASSERT_GE(key->steps.size(), 8u);
  ASSERT_FALSE(key->benign.empty());

  simulate::AnswerCheckOptions co;
  co.slack_us = 60LL * 1000000;
  const simulate::AnswerCheckReport rep = simulate::check_answers(*key, sink.all, co);
  std::string noisy;
  for (const Detection& d : sink.all)
    if (d.level >= Level::kHigh) noisy += "  " + describe(d) + "\n";

  for (size_t i = 0; i < key->steps.size(); ++i) {
    const simulate::AnswerStep& st = key->steps[i];
    EXPECT_TRUE(rep.steps[i].covered()) << "step " << st.id << " (" << st.name << ") not covered\n" << rep.summary();
    if (st.tenants.size() < 2 || (st.tactic != "lateral-movement" && st.tactic != "exfiltration")) continue;
    bool cross = false;
    for (size_t di : rep.steps[i].detections) cross = cross || is_cross_tenant_analytic(sink.all[di]);
    EXPECT_TRUE(cross) << "cross-tenant step " << st.id << " (" << st.name
                       << ") has no cross-tenant analytic among its detections\n"
                       << rep.summary();
  }
  for (const simulate::BenignHit& b : rep.benign_hits)
    ADD_FAILURE() << "high/critical detection on benign activity " << b.benign_id << ": "
                  << describe(sink.all[b.detection]);
  for (size_t di : rep.unexplained)
    ADD_FAILURE() << "high/critical detection outside every step and every benign activity: "
                  << describe(sink.all[di]) << "\nall high/critical:\n"
                  << noisy;
}

INSTANTIATE_TEST_SUITE_P(Scenarios, HuntSimulate,
                         ::testing::Values(Scenario{2, 4, 3, 7}, Scenario{3, 5, 3, 23}, Scenario{4, 6, 4, 101},
                                           Scenario{5, 8, 5, 2026}, Scenario{3, 4, 7, 6}),
                         [](const ::testing::TestParamInfo<Scenario>& i) {
                           return "t" + std::to_string(i.param.tenants) + "_h" + std::to_string(i.param.hosts) +
                                  "_d" + std::to_string(i.param.days) + "_seed" + std::to_string(i.param.seed);
                         });

}  // namespace
}  // namespace trawl

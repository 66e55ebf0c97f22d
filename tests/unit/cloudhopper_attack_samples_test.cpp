// The built-in Cloud Hopper pack over the real attack samples (../shared/data/evtx/attack-samples, 8,255 events
// of unrelated techniques): it may fire only where the sample shows the behaviour a rule is about. Every
// (rule, file) pair that fires is listed below with why it is right; a new pair fails the test (a false positive
// to look at, or a justified hit to add here), and a listed pair that stops firing fails too (a lost detection).
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>
#include <string>

#include "hunt/hunt.h"
#include "output/sink.h"
#include "test_data.h"

using namespace trawl;

namespace {

class PairSink final : public DetectionSink {
 public:
  Status begin(const RunInfo&) override { return Status(); }
  Status write(const Detection& d) override {
    if (d.kind == DetectionKind::kSigma || d.kind == DetectionKind::kCorrelation)
      fired.emplace(d.rule_id, std::filesystem::path(d.source_path).filename().string());
    return Status();
  }
  Status finish(const RunStats&) override { return Status(); }
  std::set<std::pair<std::string, std::string>> fired;  // (rule id, sample file name)
};

// rule id -> sample file -> why the hit is right.
const std::map<std::pair<std::string, std::string>, const char*>& justified() {
  static const std::map<std::pair<std::string, std::string>, const char*> j = {
      {{"6bd4f76a-9488-496b-acf5-e2f98902b382", "sideloading_injection_persistence_run_key.evtx"},
       "tendyron.exe loads the unsigned OnKeyToken_KEB.dll from C:\\Users\\Public\\tools\\apt: DLL side-loading "
       "from a staging folder, the technique the rule is about"},
      {{"6bd4f76a-9488-496b-acf5-e2f98902b382", "CA_keefarce_keepass_credump.evtx"},
       "KeeFarce.exe loads the unsigned BootstrapDLL.dll next to it in C:\\Users\\Public: the same pattern (an "
       "attacker's executable and its DLL dropped together in a world-writable folder)"},
      {{"d896f4a5-9b21-41f2-b870-cc96f703e92e", "PanacheSysmon_vs_AtomicRedTeam01.evtx"},
       "Atomic Red Team T1077: net use \\\\host\\C$ with /user: and a password, lateral movement over admin shares"},
      {{"d6bb3833-9936-4dd2-bff3-498d146f090b", "PanacheSysmon_vs_AtomicRedTeam01.evtx"},
       "Atomic Red Team T1140: certutil -decode writes an executable"},
      {{"d7288822-ba20-4e04-9793-d97918774170", "temp_scheduled_task_4698_4699.evtx"},
       "a scheduled task registered and deleted within a second (4698 then 4699): the sample's very subject"},
      {{"d7288822-ba20-4e04-9793-d97918774170", "PrivEsc_SeImpersonatePriv_enabled_back_for_upnp_localsvc_4698.evtx"},
       "FullPowers registers a one-shot task and deletes it 1.5 s later to regain privileges: a one-shot task, "
       "the behaviour the correlation looks for"},
  };
  return j;
}

}  // namespace

TEST(CloudHopperRules, AttackSamplesFireOnlyWhereJustified) {
  REQUIRE_DATA("evtx/attack-samples");
  HuntOptions o;
  o.paths = {test::data_path("evtx/attack-samples")};
  o.builtin_rules = true;  // the pack alone: no SigmaHQ rules, no indicators, no network analytics
  o.builtin_iocs = false;
  o.net_analytics = false;
  o.pipeline.threads = 2;
  PairSink sink;
  Result<HuntReport> r = run_hunt(o, sink, nullptr);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->stats.events, 8255u);
  for (const auto& p : sink.fired)
    EXPECT_TRUE(justified().count(p)) << "Cloud Hopper rule " << p.first << " fires on " << p.second
                                      << ", which has nothing to do with it (or add the hit, with why, here)";
  for (const auto& [p, why] : justified())
    EXPECT_TRUE(sink.fired.count(p)) << "rule " << p.first << " no longer fires on " << p.second << " (" << why
                                     << ")";
}

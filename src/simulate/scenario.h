// Internal to src/simulate: the two scripts that drive SimWorld's emitters. generate_benign_hour() writes one hour
// of the normal life of every tenant (office users, MSP remote administration, backups, updates, maintenance
// tasks) and notes each activity in the BenignCatalogue; plan_intrusion() queues the whole APT10-style intrusion
// and returns its steps. Both draw only from the world's SimRandom, so the output is a function of the seed.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "simulate/sim_world.h"

namespace trawl::simulate {

struct ActivityWindow {
  int64_t start = 0, end = 0;
};

// A recurring benign-but-noisy activity: where and when it happened.
struct BenignActivity {
  std::string id, name, description;
  std::vector<std::string> looks_like;  // ATT&CK techniques it resembles
  std::set<std::string> tenants, hosts, accounts;
  std::vector<ActivityWindow> windows;  // sorted, merged when they touch
};

class BenignCatalogue {
 public:
  BenignCatalogue();
  // Records one occurrence of activity `id` (which must be one of the catalogue's ids).
  void note(const std::string& id, const std::string& tenant, const std::string& host, const std::string& account,
            int64_t start, int64_t end);
  const std::vector<BenignActivity>& activities() const { return list_; }

 private:
  std::vector<BenignActivity> list_;
  std::map<std::string, size_t> index_;
};

struct IntrusionStep {
  std::string id, name, tactic, technique, description;
  std::vector<std::string> techniques;  // every ATT&CK id involved (technique first)
  std::string tenant;                   // where the step's effect lands
  std::vector<std::string> tenants;     // every tenant that logged evidence of it
  std::vector<std::string> hosts;       // FQDNs
  std::vector<std::string> host_ips;
  std::vector<std::string> accounts;    // DOMAIN\name
  std::vector<int> evidence;            // indices in SimWorld::evidence
};

struct SimIndicators {
  std::vector<std::string> domains, ips, file_names, sha256;
};

void generate_benign_hour(SimWorld& w, BenignCatalogue& catalogue, int64_t hour_start, double activity);

struct BeaconPlan;

// The intrusion: plan() queues every one-shot step event (from 09:41 of the day that begins at `day1` to about
// 04:00 two days later); beacons_until() queues the implants' periodic C2 traffic up to a time, so beaconing
// lasts as long as the simulation does. Needs at least 2 client tenants and 4 hosts per tenant.
class Intrusion {
 public:
  Intrusion(SimWorld& w, int64_t day1);
  ~Intrusion();
  void plan();
  void beacons_until(int64_t until_us);
  int64_t last_step_time() const { return last_step_time_; }
  std::vector<IntrusionStep> steps;
  SimIndicators indicators;

 private:
  SimWorld& w_;
  int64_t day1_;
  int64_t last_step_time_ = 0;
  std::vector<BeaconPlan> beacons_;
};

}  // namespace trawl::simulate

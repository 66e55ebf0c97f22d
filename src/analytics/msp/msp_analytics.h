// MspAnalyzer: cross-tenant analytics for a managed service provider hunting over its own and its clients' logs.
// It sees every event (cheap reject for the ones it does not need), keeps compact interned state, and on finish()
// emits `kind analytic` detections, each with the evidence it rests on in its fields:
//   msp_account_unusual_hour   an MSP account logs on in an hour of day it has never used (given enough history)
//   msp_account_many_tenants   an MSP account logs on to hosts of many client tenants within a day
//   cross_tenant_logon         first time an account logs on across a tenant boundary: MSP -> client (high only
//                              when unusual for the account), client -> MSP, client -> client (critical)
//   msp_remote_chain           MSP host -> client host -> another host within a window by the same account name
//   shared_rare_artifact       the same rare domain, file hash, service, scheduled task or named pipe in 2+ tenants
//   msp_large_transfer         gigabytes from a client host toward the MSP's addresses (tenant map IP ranges)
//   tenant_risk                one summary per tenant: a score combining the detections above
// Tenants always come from where the logs come from (FileInfo::tenant); the tenant map only says which tenant is
// the MSP and which domains, host names, accounts and addresses belong to whom.
// Not thread-safe: feed it in input order from one thread. Analyses run on finish() over time-sorted state, so the
// input need not be time-ordered across files.
//
// Example:
//   MspOptions o; o.msp_tenant = "msp"; o.tenant_map_file = "tenants.yml";
//   Result<MspAnalyzer> a = MspAnalyzer::create(o);
//   for (const Event& e : events) a->add(e);
//   for (Detection& d : a->finish()) emit(d);
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "analytics/msp/logon_graph.h"
#include "analytics/msp/tenant_map.h"
#include "core/detection.h"
#include "core/event.h"
#include "core/status.h"

namespace trawl {

struct MspOptions {
  std::string msp_tenant;       // --msp-tenant; overrides the map's `msp:`
  std::string tenant_map_file;  // YAML tenant map (see tenant_map.h); optional
  std::string tenant_map_text;  // the same inline, used when tenant_map_file is empty
  size_t many_tenants_threshold = 4;               // distinct client tenants within many_tenants_window_us
  int64_t many_tenants_window_us = 24LL * 3600 * 1000000;
  size_t min_history = 10;                         // logons before an account's hours of day form a baseline
  // A baseline is mature (its unusual hours are high, not medium) after this many logons on this many days.
  size_t mature_logons = 30;
  uint32_t mature_days = 3;
  size_t rare_max_hosts = 3;                       // an artefact on at most this many hosts overall is rare
  int64_t chain_window_us = 8LL * 3600 * 1000000;  // between the two hops of a remote chain
  uint64_t transfer_bytes = 500ULL * 1000 * 1000;  // client -> MSP bytes within transfer_window_us
  int64_t transfer_window_us = 3600LL * 1000000;
  size_t max_artifacts = 4'000'000;                // distinct artefacts tracked (the rest are counted, not kept)
};

class MspAnalyzer {
 public:
  static Result<MspAnalyzer> create(const MspOptions& o);

  void add(const Event& e);
  std::vector<Detection> finish();
  // The logon graph; complete after finish().
  const LogonGraph& graph() const { return *graph_; }
  const TenantMap& tenant_map() const { return map_; }
  const std::vector<std::string>& messages() const { return messages_; }

  MspAnalyzer(MspAnalyzer&&) noexcept;
  MspAnalyzer& operator=(MspAnalyzer&&) noexcept;
  ~MspAnalyzer();

  struct State;

 private:
  MspAnalyzer() = default;
  MspOptions opt_;
  TenantMap map_;
  std::unique_ptr<LogonGraph> graph_;
  std::unique_ptr<State> st_;
  std::vector<std::string> messages_;
  bool finished_ = false;
};

}  // namespace trawl

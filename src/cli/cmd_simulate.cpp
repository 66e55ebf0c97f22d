// `trawl simulate OUTDIR`: writes the synthetic MSP dataset with an embedded intrusion and its answer key.
#include <cstdio>
#include <memory>

#include "cli/command.h"
#include "simulate/simulator.h"

namespace trawl::cli {
namespace {

CommandRegistration reg(60, [](CLI::App& app) -> std::function<int()> {
  auto* sub = app.add_subcommand(
      "simulate",
      "Write a synthetic multi-tenant MSP dataset (Windows event JSON, Zeek logs) with an embedded APT10-style "
      "intrusion and its answer key (OUTDIR/answers.json)");
  auto o = std::make_shared<simulate::SimulateOptions>();
  sub->add_option("OUTDIR", o->out_dir, "Output folder (created; must be empty)")->required();
  sub->add_option("--tenants", o->tenants, "Client tenants besides the MSP (>= 2)")->capture_default_str();
  sub->add_option("--hosts", o->hosts, "Hosts per tenant (>= 4)")->capture_default_str();
  auto* days = sub->add_option("--days", o->days, "Days to simulate (>= 3)")->capture_default_str();
  sub->add_option("--size-mb", o->size_mb, "Instead of --days: simulate until the output reaches this many MiB")
      ->excludes(days);
  sub->add_option("--seed", o->seed, "Random seed (same seed, same bytes)")->capture_default_str();
  sub->add_option("--start", o->start, "First day (UTC), e.g. 2019-03-01")->capture_default_str();
  sub->add_option("--activity", o->activity, "Scale of benign activity (1 = default)")->capture_default_str();
  return [o]() -> int {
    Result<simulate::SimulateSummary> r = simulate::simulate(*o);
    if (!r.ok()) return fail(r.status().message());
    std::fprintf(stderr, "trawl simulate: %zu files, %.1f MiB, %llu Windows events, %llu Zeek rows -> %s\n",
                 r->files.size(), double(r->bytes) / (1024.0 * 1024.0),
                 static_cast<unsigned long long>(r->windows_events), static_cast<unsigned long long>(r->zeek_rows),
                 o->out_dir.c_str());
    return 0;
  };
});

}  // namespace
}  // namespace trawl::cli

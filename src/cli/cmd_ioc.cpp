// `trawl ioc check FILE...` validates indicator lists (counts, rejected lines with reasons; exit 1 when nothing
// usable) and `trawl ioc list` summarises the built-in APT10 pack. A thin face over src/ioc.
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cli/command.h"
#include "ioc/ioc.h"

namespace trawl::cli {
namespace {

void print_counts(const IocSet& set) {
  for (size_t t = 0; t < kIocTypeCount; ++t)
    if (set.count(IocType(t))) std::printf("  %-12s %zu\n", ioc_type_name(IocType(t)), set.count(IocType(t)));
}

CommandRegistration reg(50, [](CLI::App& app) -> std::function<int()> {
  auto* ioc = app.add_subcommand("ioc", "Check indicator-of-compromise lists, or list the built-in APT10 pack");
  ioc->require_subcommand(1);

  struct CheckArgs {
    std::vector<std::string> paths;
    std::vector<std::string> fields;
    std::string format = "auto";
    bool verbose = false;
    bool exact_domains = false;
  };
  auto ca = std::make_shared<CheckArgs>();
  auto* check = ioc->add_subcommand("check", "Load IOC files (text, LOKI, CSV/TSV/Markdown, STIX 2.1, MISP JSON) "
                                             "and report what was accepted and what was rejected, and why");
  check->add_option("FILE", ca->paths, "Indicator files")->required();
  check->add_flag("-v,--verbose", ca->verbose, "Print every rejected line with its reason");
  check->add_option("--format", ca->format, "auto|text|loki-filename|csv|stix|misp (default auto)");
  check->add_option("--fields", ca->fields, "Extra YAML field map(s), same shape as rules/ioc/fields.yml");
  check->add_flag("--exact-domains", ca->exact_domains, "Plain domains match only themselves, not subdomains");

  auto lv = std::make_shared<bool>(false);
  auto* list = ioc->add_subcommand("list", "Summarise the built-in APT10 / Cloud Hopper indicator pack");
  list->add_flag("-v,--verbose", *lv, "Print every indicator (type, value, level, label, source)");

  return [ca, lv, check, list]() -> int {
    if (check->parsed()) {
      IocLoadOptions opt;
      if (!parse_ioc_format(ca->format, &opt.format)) return fail("unknown --format '" + ca->format + "'");
      opt.field_maps = ca->fields;
      opt.domain_subdomains = !ca->exact_domains;
      IocLoadReport rep;
      auto set = IocSet::load(ca->paths, opt, &rep);
      if (!set.ok()) return fail(set.status().message());
      std::printf("accepted %zu, duplicates %zu, rejected %zu\n", rep.accepted, rep.duplicates, rep.rejected);
      print_counts(**set);
      if (ca->verbose) {
        for (const std::string& n : rep.notes) std::printf("note: %s\n", n.c_str());
        for (const std::string& r : rep.rejected_lines) std::printf("rejected: %s\n", r.c_str());
        if (rep.rejected_lines.size() < rep.rejected)
          std::printf("(%zu more rejected lines not listed)\n", rep.rejected - rep.rejected_lines.size());
      } else if (rep.rejected) {
        std::printf("(-v lists the rejected lines with their reasons)\n");
      }
      if ((*set)->size() == 0) {
        std::fprintf(stderr, "trawl: no usable indicator in the given files\n");
        return 1;
      }
      return 0;
    }
    if (list->parsed()) {
      auto set = IocSet::builtin_apt10();
      std::printf("built-in pack: APT10 / menuPass / Cloud Hopper, %zu indicators (sources and licences: "
                  "NOTICE-IOC.md)\n", set->size());
      print_counts(*set);
      std::map<std::string, size_t> by_label;
      for (size_t i = 0; i < set->size(); ++i) by_label[std::string(set->indicator(i).label)]++;
      if (*lv) {
        for (size_t i = 0; i < set->size(); ++i) {
          const IocIndicator& ind = set->indicator(i);
          std::printf("%s\t%.*s\t%s\t%.*s\t%.*s\n", ioc_type_name(ind.type), int(ind.value.size()), ind.value.data(),
                      level_name(ind.level), int(ind.label.size()), ind.label.data(), int(ind.source.size()),
                      ind.source.data());
        }
      } else {
        std::printf("by label:\n");
        for (const auto& [label, n] : by_label) std::printf("  %6zu  %s\n", n, label.c_str());
      }
      return 0;
    }
    return fail("ioc: expected 'check' or 'list'");
  };
});

}  // namespace
}  // namespace trawl::cli

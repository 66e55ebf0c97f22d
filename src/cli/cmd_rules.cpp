// `trawl rules check|list|test PATH...`: load and compile Sigma rules, say which cannot be used and why, list
// them, and run SigmaHQ regression tests (regression_tests_path -> info.yml -> .evtx, at least match_count hits).
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli/command.h"
#include "core/detection.h"
#include "engine/program.h"
#include "engine/regression.h"
#include "sigma/logsource_map.h"
#include "sigma/sigma_rule.h"

namespace trawl::cli {
namespace {

struct RulesArgs {
  std::vector<std::string> paths;
  std::vector<std::string> mappings;
  std::string vars;
  std::vector<std::string> exclude;
  std::string regression;
  bool json_twins = false;
  bool quiet = false;
};

struct Loaded {
  RuleSet rules;
  LogSourceMap map;
};

// Loads rules and mappings; returns an exit code != 0 (after printing the reason) on a fatal error.
int load_all(const RulesArgs& a, Loaded& out) {
  RuleLoadOptions opt;
  opt.exclude_dirs = a.exclude;
  if (!a.vars.empty()) {
    Status s = load_placeholder_file(a.vars, opt);
    if (!s.ok()) return fail(s.message());
  }
  auto map = LogSourceMap::builtin();
  if (!map.ok()) return fail(map.status().message());
  out.map = std::move(map.value());
  for (const auto& m : a.mappings) {
    auto extra = LogSourceMap::from_file(m);
    if (!extra.ok()) return fail(extra.status().message());
    out.map.add(extra.value());
  }
  out.rules = RuleSet::load(a.paths, opt);
  return 0;
}

std::string logsource_text(const SigmaLogSource& ls) {
  std::string s;
  auto add = [&](const char* k, const std::string& v) {
    if (v.empty()) return;
    if (!s.empty()) s += " ";
    s += k;
    s += "=";
    s += v;
  };
  add("product", ls.product);
  add("category", ls.category);
  add("service", ls.service);
  return s.empty() ? "(none)" : s;
}

int run_check(const RulesArgs& a) {
  Loaded l;
  if (int rc = load_all(a, l)) return rc;
  const RuleLoadReport& rep = l.rules.report();
  for (const auto& e : rep.entries) {
    if (e.status == RuleLoadStatus::kLoaded) continue;
    if (e.status == RuleLoadStatus::kCorrelation && a.quiet) continue;
    std::string who = e.id.empty() ? e.title : e.id + (e.title.empty() ? "" : " (" + e.title + ")");
    std::printf("%s: %s%s%s: %s\n", rule_load_status_name(e.status), e.file.c_str(),
                e.document ? (" #" + std::to_string(e.document)).c_str() : "", who.empty() ? "" : (" " + who).c_str(),
                e.reason.c_str());
  }
  auto prog = Program::compile(l.rules, l.map, CompileOptions{});
  if (!prog.ok()) return fail("compile: " + prog.status().message());
  size_t unrouted = 0;
  for (size_t i = 0; i < prog.value()->rule_count(); ++i) {
    if (prog.value()->rule_routed(i)) continue;
    ++unrouted;
    if (!a.quiet) {
      const SigmaRule& r = prog.value()->rule(i);
      std::printf("no-source: %s %s (%s): no log-source mapping for %s (add one with --mapping)\n", r.file.c_str(),
                  r.id.c_str(), r.title.c_str(), logsource_text(r.logsource).c_str());
    }
  }
  const auto& st = prog.value()->stats();
  const size_t total = rep.loaded + rep.unusable + rep.needs_values;
  auto pct = [total](size_t n) { return total ? 100.0 * double(n) / double(total) : 0.0; };
  std::printf(
      "files: %zu, rules: %zu, loaded: %zu (%.2f%%), waiting for placeholder values: %zu, unusable: %zu, "
      "correlation: %zu, invalid files: %zu, without a log source here: %zu\n",
      rep.files, total, rep.loaded, pct(rep.loaded), rep.needs_values, rep.unusable, rep.correlations,
      rep.invalid_files, unrouted);
  if (rep.needs_values)
    std::printf("supported: %zu (%.2f%%) = loaded + waiting for values; give the values with --vars FILE "
                "(YAML: placeholder: [values])\n",
                rep.loaded + rep.needs_values, pct(rep.loaded + rep.needs_values));
  std::printf("compiled: %zu variants, %zu literal atoms in %zu databases, %zu variants always evaluated\n",
              st.variants, st.atoms, st.field_databases, st.always_variants);
  return rep.invalid_files ? 1 : 0;
}

int run_list(const RulesArgs& a) {
  Loaded l;
  if (int rc = load_all(a, l)) return rc;
  for (size_t i = 0; i < l.rules.size(); ++i) {
    const SigmaRule& r = l.rules.rule(i);
    std::printf("%s\t%s\t%s\t%s\n", r.id.c_str(), level_name(r.level), r.title.c_str(),
                logsource_text(r.logsource).c_str());
  }
  return l.rules.report().invalid_files ? 1 : 0;
}

int run_test(const RulesArgs& a) {
  Loaded l;
  if (int rc = load_all(a, l)) return rc;
  auto prog = Program::compile(l.rules, l.map, CompileOptions{});
  if (!prog.ok()) return fail("compile: " + prog.status().message());
  RegressionOptions ro;
  ro.json_twins = a.json_twins;
  ro.rules = &l.rules;
  RegressionReport rep = run_sigma_regression(prog.value(), a.regression, ro);
  for (const auto& c : rep.cases) {
    if (c.passed && a.quiet) continue;
    std::printf("%s  %s  %s  matches %zu/%zu (min %zu)%s%s\n", c.passed ? "PASS" : "FAIL", c.rule_id.c_str(),
                c.rule_title.c_str(), c.matches, c.events, c.min_matches, c.error.empty() ? "" : "  error: ",
                c.error.c_str());
  }
  std::printf("regression tests: %zu, passed: %zu, failed: %zu\n", rep.cases.size(), rep.passed, rep.failed);
  return rep.failed ? 1 : 0;
}

CommandRegistration reg(30, [](CLI::App& app) -> std::function<int()> {
  auto* rules = app.add_subcommand("rules", "Check, list and test Sigma rules");
  rules->require_subcommand(1);
  auto args = std::make_shared<RulesArgs>();
  auto common = [args](CLI::App* sub) {
    sub->add_option("PATH", args->paths, "Sigma rule files or folders (recursive *.yml/*.yaml)")->required();
    sub->add_option("--mapping", args->mappings, "Extra log-source mapping file (YAML; repeatable)");
    sub->add_option("--vars", args->vars, "YAML/JSON file of placeholder values for the expand modifier ({name: [values]}); rules whose "
                    "placeholders have no value are listed as needs-values and not used");
    sub->add_option("--exclude", args->exclude, "Folder name to skip while walking (repeatable)");
    sub->add_flag("-q,--quiet", args->quiet, "Only problems and the summary");
  };
  auto* check = rules->add_subcommand("check", "Load and compile rules; list each rule it cannot use (unusable, needs-values, no log source) and why");
  auto* list = rules->add_subcommand("list", "List loaded rules: id, level, title, logsource");
  auto* test = rules->add_subcommand("test", "Run SigmaHQ regression tests of the rules");
  common(check);
  common(list);
  common(test);
  test->add_option("--regression", args->regression, "SigmaHQ regression data folder (holds regression_data/); default: each rule's paths are resolved from "
                    "its own folder upwards (the built-in pack's layout)");
  test->add_flag("--json-twins", args->json_twins, "Read the .json twin of each test .evtx instead");
  return [args, check, list, test]() -> int {
    if (check->parsed()) return run_check(*args);
    if (list->parsed()) return run_list(*args);
    if (test->parsed()) return run_test(*args);
    return fail("rules: choose check, list or test");
  };
});

}  // namespace
}  // namespace trawl::cli

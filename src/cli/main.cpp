// trawl: threat hunting over Windows event logs, JSON logs and Zeek logs of many tenants at once.
#include <algorithm>
#include <cstdio>
#include <map>

#include "cli/command.h"

namespace trawl::cli {

namespace {
std::multimap<int, CommandSetup>& registry() {
  static std::multimap<int, CommandSetup> r;
  return r;
}
}  // namespace

CommandRegistration::CommandRegistration(int order, CommandSetup setup) {
  registry().emplace(order, std::move(setup));
}

int fail(const std::string& message) {
  std::fprintf(stderr, "trawl: %s\n", message.c_str());
  return 2;
}

}  // namespace trawl::cli

int main(int argc, char** argv) {
  using namespace trawl::cli;
  CLI::App app{
      "trawl - hunt through the Windows event logs and Zeek logs of many tenants at once with Sigma rules,\n"
      "indicators of compromise and network/cross-tenant analytics.\n"};
  app.set_version_flag("--version", std::string("trawl ") + TRAWL_VERSION);
  app.require_subcommand(1);
  std::vector<std::pair<CLI::App*, std::function<int()>>> actions;
  for (auto& [order, setup] : registry()) {
    size_t before = app.get_subcommands({}).size();
    auto action = setup(app);
    auto subs = app.get_subcommands({});
    if (subs.size() > before) actions.emplace_back(subs.back(), std::move(action));
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  for (auto& [sub, action] : actions)
    if (sub->parsed()) {
      try {
        return action();
      } catch (const std::exception& e) {
        return fail(e.what());
      }
    }
  return fail("no command given (see trawl --help)");
}

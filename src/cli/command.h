// The CLI is a thin face over libtrawl: each subcommand lives in its own cmd_*.cpp and registers itself here
// with a function that adds its options to the CLI11 app and returns the action to run when it was chosen.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

namespace trawl::cli {

// Adds a subcommand to `app`; returns the function to run (its exit code) when that subcommand is selected.
using CommandSetup = std::function<std::function<int()>(CLI::App& app)>;

struct CommandRegistration {
  CommandRegistration(int order, CommandSetup setup);
};

// Prints "trawl: <message>" on stderr (the one-line reason of a fatal error) and returns exit code 2.
int fail(const std::string& message);

}  // namespace trawl::cli

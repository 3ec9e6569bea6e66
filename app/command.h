// The subcommand registry of the `steptree` binary. Each app/cmd_*.cc registers one
// command with a static CommandRegistrar; main.cc dispatches on argv[1].
//
// Exit codes: 0 success; 2 bad usage or bad input (InputError / UsageError / cxxopts
// parse errors, printed as one line); 1 internal errors. main.cc maps exceptions to them,
// so commands just throw.
#pragma once

#include <cxxopts.hpp>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace steptree::app {

struct Command {
  std::string name;     // "grade"
  std::string summary;  // one line for `steptree --help`
  // argv[0] is "steptree NAME"; returns the exit code.
  std::function<int(int argc, char** argv)> run;
};

const std::vector<Command>& Commands();
// The command called `name`, or nullptr.
const Command* FindCommand(const std::string& name);
// Runs `command` with its arguments (without "steptree NAME"); "--n 5" and "--n=5" are
// accepted for one-letter flags. Exceptions propagate (main.cc maps them to exit codes).
int RunCommand(const Command& command, const std::vector<std::string>& args);

// Parses argv with `options`; when --help was given, prints the help and returns nullopt
// (the command then returns 0). Parse errors throw (exit 2 via main.cc).
std::optional<cxxopts::ParseResult> ParseOrHelp(cxxopts::Options& options, int argc, char** argv);

struct CommandRegistrar {
  explicit CommandRegistrar(Command command);
};

}  // namespace steptree::app

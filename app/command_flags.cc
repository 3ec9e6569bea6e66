// The flag convention of the commands (app/command_flags.h).
#include "app/command_flags.h"

#include <iostream>
#include <set>

#include "app/flag_config.h"
#include "app/flag_table.h"
#include "core/output_path.h"

namespace steptree::app {
namespace {

cxxopts::ParseResult Parse(cxxopts::Options& options, const std::string& command,
                           const std::vector<std::string>& words) {
  std::vector<const char*> argv = {command.c_str()};
  for (const std::string& word : words) argv.push_back(word.c_str());
  return options.parse(static_cast<int>(argv.size()), argv.data());
}

}  // namespace

void CommandFlags::WriteConfigBesideFile(const std::string& output) const {
  if (IsStdoutPath(output)) return;
  WriteResolvedConfig(ConfigPathBesideFile(output), resolved);
}

void CommandFlags::WriteConfigInDir(const std::string& dir) const {
  const size_t space = command.rfind(' ');
  WriteResolvedConfig(ConfigPathInDir(dir, command.substr(space == std::string::npos ? 0 : space + 1)), resolved);
}

std::optional<CommandFlags> ParseCommandFlags(cxxopts::Options& options, int argc, char** argv,
                                              const FlagConventions& conventions) {
  if (conventions.config) {
    options.add_options()("config",
                          "read flags from this JSON or YAML file, keys the long flag names (flags given here "
                          "override it); the resolved config written next to a run's outputs reproduces the run",
                          cxxopts::value<std::string>(), "FILE");
  }
  const std::string command = argv[0];
  const FlagTable table(options);
  std::vector<std::string> words(argv + 1, argv + argc);
  RewriteDeprecatedFlags(&words, table, conventions.deprecated, command, std::cerr);
  cxxopts::ParseResult args = Parse(options, command, words);
  if (args.count("help")) {
    std::cout << options.help() << std::endl;
    return std::nullopt;
  }
  if (conventions.config && args.count("config")) {
    std::set<std::string> given_lists;
    for (const FlagInfo& flag : table.flags()) {
      if (flag.kind == FlagKind::kTextList && args.count(flag.name)) given_lists.insert(flag.name);
    }
    std::vector<std::string> merged =
        ConfigFileWords(args["config"].as<std::string>(), table, conventions.deprecated, command, given_lists);
    merged.insert(merged.end(), words.begin(), words.end());
    args = Parse(options, command, merged);
  }
  CommandFlags flags{std::move(args), nlohmann::ordered_json(), command};
  flags.resolved = ResolvedConfig(table, flags.args);
  return flags;
}

}  // namespace steptree::app

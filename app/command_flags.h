// The one flag convention of the commands (docs/user-guide.md, "Flags shared by every
// command"), applied when a command parses its flags:
//   -o/--output FILE   one output file;  --run-dir DIR   an output directory;
//   --problems N       a problem count;  --seed / --problem-seed with one default each;
//   --config FILE      the flags from a JSON or YAML file (app/flag_config.h), the command
//                      line overriding it; the resolved config of a run is written next to
//                      its outputs and reproduces the run;
//   old flag names     hidden aliases printing a deprecation note (app/flag_aliases.h).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <cxxopts.hpp>
#include <nlohmann/json.hpp>

#include "app/flag_aliases.h"

namespace steptree::app {

struct FlagConventions {
  std::vector<DeprecatedFlag> deprecated;  // old names, hidden from --help
  bool config = true;                      // adds --config FILE
};

struct CommandFlags {
  cxxopts::ParseResult args;
  nlohmann::ordered_json resolved;  // every flag's effective value (app/flag_config.h)
  std::string command;              // "steptree search"

  // Writes the resolved config beside an output file (OUT.config.json; nothing for "-") ...
  void WriteConfigBesideFile(const std::string& output) const;
  // ... or into a run directory (DIR/NAME.config.json).
  void WriteConfigInDir(const std::string& dir) const;
};

// Parses argv (argv[0] is "steptree NAME") with `options` under the conventions: old names
// rewritten (a note on stderr for each), then --config's flags before the command line's.
// When --help was given, prints the help and returns nullopt (the command returns 0).
// Parse errors throw (exit 2 via main.cc), as do bad config files (InputError).
std::optional<CommandFlags> ParseCommandFlags(cxxopts::Options& options, int argc, char** argv,
                                              const FlagConventions& conventions);

}  // namespace steptree::app

// `--config FILE` and the resolved config of a run.
//
// A config file is a JSON or YAML mapping (core/config_text.h) whose keys are the command's
// long flag names and whose values are what the flags would be given: true/false for a
// switch, a number or a string for a value, a list (or one string) for a flag that repeats;
// null, or a flag's default value, leaves the flag unset. The config becomes the words of a
// command line, which cxxopts parses with the real one after it, so a config is checked
// exactly like flags and the command line overrides it (a repeatable flag given on the
// command line replaces the config's list). Paths in it are read as on the command line,
// from the working directory.
// A key that is no flag of the command, or a value of the wrong type, is an InputError
// naming the file, the key's line and what was expected (exit 2).
//
// The resolved config of a run is every flag's effective value (defaults included; flags
// without a default that were not given are left out) under its long name, deprecated names
// never. Commands write it next to their outputs when the run succeeds: OUT.config.json
// beside an output file, DIR/COMMAND.config.json in a run directory. `--config` of that file
// runs the same command again, with the same outputs byte for byte.
#pragma once

#include <set>
#include <string>
#include <vector>

#include <cxxopts.hpp>
#include <nlohmann/json.hpp>

#include "app/flag_aliases.h"
#include "app/flag_table.h"

namespace steptree::app {

// The words of a command line for the config file `path` of `command` ("steptree search"),
// leaving out the repeatable flags in `given_lists` (given on the command line).
std::vector<std::string> ConfigFileWords(const std::string& path, const FlagTable& table,
                                         const std::vector<DeprecatedFlag>& deprecated, const std::string& command,
                                         const std::set<std::string>& given_lists);

// Every flag's effective value in `args` under its long name ("help" and "config" left out).
nlohmann::ordered_json ResolvedConfig(const FlagTable& table, const cxxopts::ParseResult& args);

// Where the resolved config goes: OUT.config.json beside an output file ...
std::string ConfigPathBesideFile(const std::string& output);
// ... and DIR/NAME.config.json in a run directory (`command_name` "demo").
std::string ConfigPathInDir(const std::string& dir, const std::string& command_name);
// Writes `resolved` to `path` atomically (core/json_file.h), two-space indented.
void WriteResolvedConfig(const std::string& path, const nlohmann::ordered_json& resolved);

}  // namespace steptree::app

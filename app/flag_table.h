// What a command's flags are, read back from its cxxopts::Options: each flag's names, kind
// (switch, integer, number, text, list) and default. The deprecated aliases
// (app/flag_aliases.h), `--config FILE` (app/flag_config.h) and the resolved config of a
// run all work from this table, so they need nothing but the flags a command declares.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <cxxopts.hpp>

namespace steptree::app {

enum class FlagKind {
  kSwitch,    // no value: given or not
  kInteger,   // int or long
  kUnsigned,  // uint64_t (seeds)
  kNumber,    // float or double
  kText,      // std::string
  kTextList,  // std::vector<std::string>: the flag may repeat
};

struct FlagInfo {
  std::string name;        // the long name ("output"), or the one-letter name ("n")
  std::string short_name;  // "o" for -o; "" when none
  FlagKind kind = FlagKind::kText;
  std::optional<std::string> default_text;  // as declared; nullopt when the flag has none
};

// What a value of `kind` must be, for messages: "an integer", "true or false", ...
std::string ExpectedValue(FlagKind kind);

class FlagTable {
 public:
  // Reads every flag of `options` (all groups). Probes each flag's value type with one parse.
  explicit FlagTable(cxxopts::Options& options);

  const std::vector<FlagInfo>& flags() const { return flags_; }
  // The flag called `name` (long, one-letter or short name), or nullptr.
  const FlagInfo* Find(const std::string& name) const;

 private:
  std::vector<FlagInfo> flags_;
};

}  // namespace steptree::app

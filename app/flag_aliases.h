// Deprecated flag names: a command's old names keep working, hidden from its --help, each
// use printing one line on stderr ("steptree export: --out is deprecated; use --output"),
// so scripts written against them do not break. Old names are rewritten to the new ones
// before cxxopts parses, so the flags are declared once, under their new names only.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "app/flag_table.h"

namespace steptree::app {

struct DeprecatedFlag {
  std::string old_name;  // "out", or one letter for a short flag ("n" for -n)
  std::string new_name;  // "output": a flag of the command
};

// Rewrites the uses of `deprecated` names in `words` (the arguments after the command name)
// to the new names, writing one note per use to `notes` as "COMMAND: --old is deprecated;
// use --new". Values of flags are left alone (`table` says which flags take one), and so
// is everything after "--".
void RewriteDeprecatedFlags(std::vector<std::string>* words, const FlagTable& table,
                            const std::vector<DeprecatedFlag>& deprecated, const std::string& command,
                            std::ostream& notes);

}  // namespace steptree::app

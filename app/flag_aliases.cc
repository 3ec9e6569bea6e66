// Deprecated flag names rewritten to their new ones (app/flag_aliases.h).
#include "app/flag_aliases.h"

namespace steptree::app {
namespace {

std::string Spelled(const std::string& name) { return (name.size() == 1 ? "-" : "--") + name; }

const DeprecatedFlag* FindDeprecated(const std::vector<DeprecatedFlag>& deprecated, const std::string& name) {
  for (const DeprecatedFlag& flag : deprecated) {
    if (flag.old_name == name) return &flag;
  }
  return nullptr;
}

bool TakesValue(const FlagTable& table, const std::string& name) {
  const FlagInfo* flag = table.Find(name);
  return flag != nullptr && flag->kind != FlagKind::kSwitch;
}

}  // namespace

void RewriteDeprecatedFlags(std::vector<std::string>* words, const FlagTable& table,
                            const std::vector<DeprecatedFlag>& deprecated, const std::string& command,
                            std::ostream& notes) {
  for (size_t i = 0; i < words->size(); ++i) {
    std::string& word = (*words)[i];
    if (word == "--") return;
    if (word.size() < 2 || word[0] != '-') continue;  // a positional argument
    const bool long_form = word[1] == '-';
    // The name: "--name" or "--name=value"; "-x", "-xVALUE" (a one-letter flag).
    const size_t equals = word.find('=');
    const std::string name = long_form ? word.substr(2, equals == std::string::npos ? std::string::npos : equals - 2)
                                       : word.substr(1, 1);
    const bool value_attached = long_form ? equals != std::string::npos : word.size() > 2;
    std::string flag = name;
    if (const DeprecatedFlag* old = FindDeprecated(deprecated, name)) {
      notes << command << ": " << Spelled(old->old_name) << " is deprecated; use " << Spelled(old->new_name) << "\n";
      flag = old->new_name;
      const std::string value = long_form ? (value_attached ? word.substr(equals) : "")
                                          : (value_attached ? "=" + word.substr(2) : "");
      word = Spelled(flag) + value;
    }
    if (!value_attached && TakesValue(table, flag)) ++i;  // the next word is its value
  }
}

}  // namespace steptree::app

// A command's flags read back from its cxxopts::Options (app/flag_table.h).
#include "app/flag_table.h"

#include <cstdint>
#include <stdexcept>
#include <typeinfo>

namespace steptree::app {
namespace {

template <typename T>
bool Holds(const cxxopts::ParseResult& probe, const std::string& name) {
  try {
    probe[name].as<T>();
    return true;
  } catch (const std::bad_cast&) {
    return false;
  }
}

// The kind of a value flag, from the type its parsed value has.
FlagKind ValueKind(const cxxopts::ParseResult& probe, const std::string& name) {
  if (Holds<int>(probe, name) || Holds<long>(probe, name)) return FlagKind::kInteger;
  if (Holds<uint64_t>(probe, name)) return FlagKind::kUnsigned;
  if (Holds<double>(probe, name) || Holds<float>(probe, name)) return FlagKind::kNumber;
  if (Holds<std::string>(probe, name)) return FlagKind::kText;
  if (Holds<std::vector<std::string>>(probe, name)) return FlagKind::kTextList;
  throw std::logic_error("flag --" + name + " has a value type the flag table does not know");
}

}  // namespace

std::string ExpectedValue(FlagKind kind) {
  switch (kind) {
    case FlagKind::kSwitch: return "true or false";
    case FlagKind::kInteger: return "an integer";
    case FlagKind::kUnsigned: return "an integer >= 0";
    case FlagKind::kNumber: return "a number";
    case FlagKind::kText: return "a string (or a number)";
    case FlagKind::kTextList: return "a list of strings (or one string)";
  }
  return "";
}

FlagTable::FlagTable(cxxopts::Options& options) {
  // Every value flag given "0" and every switch given once: a parse that holds a value of
  // each flag's own type, which the kinds are read from.
  std::vector<std::string> words = {"probe"};
  for (const std::string& group : options.groups()) {
    for (const cxxopts::HelpOptionDetails& option : options.group_help(group).options) {
      FlagInfo flag;
      flag.name = option.l.empty() ? option.s : option.l.front();
      flag.short_name = option.l.empty() ? "" : option.s;
      flag.kind = option.is_boolean ? FlagKind::kSwitch : FlagKind::kText;
      if (option.has_default && !option.is_boolean) flag.default_text = option.default_value;
      if (flag.name.size() == 1) {  // a one-letter name is a short flag to cxxopts
        words.push_back("-" + flag.name);
        if (!option.is_boolean) words.push_back("0");
      } else {
        words.push_back("--" + flag.name + (option.is_boolean ? "" : "=0"));
      }
      flags_.push_back(std::move(flag));
    }
  }
  std::vector<const char*> argv;
  for (const std::string& word : words) argv.push_back(word.c_str());
  const cxxopts::ParseResult probe = options.parse(static_cast<int>(argv.size()), argv.data());
  for (FlagInfo& flag : flags_) {
    if (flag.kind != FlagKind::kSwitch) flag.kind = ValueKind(probe, flag.name);
  }
}

const FlagInfo* FlagTable::Find(const std::string& name) const {
  for (const FlagInfo& flag : flags_) {
    if (flag.name == name || (!flag.short_name.empty() && flag.short_name == name)) return &flag;
  }
  return nullptr;
}

}  // namespace steptree::app

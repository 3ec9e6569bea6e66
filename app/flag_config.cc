// `--config FILE` and the resolved config of a run (app/flag_config.h).
#include "app/flag_config.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <limits>

#include "core/config_text.h"
#include "core/input_error.h"
#include "core/json_file.h"

namespace steptree::app {
namespace {

// The line of top-level key `key` in a config's text ("key:" or "\"key\":" at the start of
// a line, or "\"key\"" anywhere for JSON on one line); 0 when not found.
long KeyLine(const std::string& text, const std::string& key) {
  long line = 1;
  for (size_t start = 0; start < text.size(); ++line) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string row = text.substr(start, end - start);
    const size_t first = row.find_first_not_of(" \t{,");
    if (first != std::string::npos) {
      for (const std::string& spelled : {key + ":", "\"" + key + "\"", "'" + key + "'"}) {
        if (row.compare(first, spelled.size(), spelled) == 0) return line;
      }
    }
    start = end + 1;
  }
  return text.find("\"" + key + "\"") != std::string::npos ? 1 : 0;
}

// The text of one value for a value flag of `kind`, or nullopt when `value` has the wrong type.
std::optional<std::string> ValueText(const nlohmann::ordered_json& value, FlagKind kind) {
  switch (kind) {
    case FlagKind::kInteger:
      if (value.is_number_integer()) return value.dump();
      return std::nullopt;
    case FlagKind::kUnsigned:
      if (value.is_number_unsigned() || (value.is_number_integer() && value.get<long long>() >= 0)) return value.dump();
      return std::nullopt;
    case FlagKind::kNumber:
      if (value.is_number()) return value.dump();
      return std::nullopt;
    case FlagKind::kText:
    case FlagKind::kTextList:
      if (value.is_string()) return value.get<std::string>();
      if (value.is_number()) return value.dump();
      return std::nullopt;
    case FlagKind::kSwitch:
      return std::nullopt;
  }
  return std::nullopt;
}

// A float as the shortest decimal that reads back as the same float, as a JSON number.
nlohmann::ordered_json FloatJson(float value) {
  char text[32];
  for (int digits = 1; digits <= 9; ++digits) {
    std::snprintf(text, sizeof text, "%.*g", digits, static_cast<double>(value));
    if (std::strtof(text, nullptr) == value) break;
  }
  return std::strtod(text, nullptr);
}

template <typename T>
bool TryAs(const cxxopts::ParseResult& args, const std::string& name, T* out) {
  try {
    *out = args[name].as<T>();
    return true;
  } catch (const std::bad_cast&) {
    return false;
  }
}

nlohmann::ordered_json TypedValue(const cxxopts::ParseResult& args, const FlagInfo& flag) {
  switch (flag.kind) {
    case FlagKind::kInteger: {
      int small = 0;
      if (TryAs(args, flag.name, &small)) return small;
      return args[flag.name].as<long>();
    }
    case FlagKind::kUnsigned:
      return args[flag.name].as<uint64_t>();
    case FlagKind::kNumber: {
      float single = 0;
      if (TryAs(args, flag.name, &single)) return FloatJson(single);
      return args[flag.name].as<double>();
    }
    case FlagKind::kText:
      return args[flag.name].as<std::string>();
    case FlagKind::kTextList:
      return args[flag.name].as<std::vector<std::string>>();
    case FlagKind::kSwitch:
      return args.count(flag.name) > 0;
  }
  return nullptr;
}

// Whether a value text means the flag's default (numbers compared as numbers: "0.001000"
// and "0.001" are one value).
bool IsDefault(const FlagInfo& flag, const std::string& text) {
  if (!flag.default_text) return false;
  if (flag.kind == FlagKind::kText) return text == *flag.default_text;
  char* end_a = nullptr;
  char* end_b = nullptr;
  const double a = std::strtod(text.c_str(), &end_a), b = std::strtod(flag.default_text->c_str(), &end_b);
  return *end_a == '\0' && *end_b == '\0' && a == b;
}

bool IsSpecial(const std::string& name) { return name == "help" || name == "config" || name == "h"; }

// "--name=value", or "-x value" for a one-letter flag (cxxopts reads those as short flags).
void AppendFlag(std::vector<std::string>* words, const std::string& name, const std::optional<std::string>& value) {
  if (name.size() == 1) {
    words->push_back("-" + name);
    if (value) words->push_back(*value);
  } else {
    words->push_back("--" + name + (value ? "=" + *value : ""));
  }
}

}  // namespace

std::vector<std::string> ConfigFileWords(const std::string& path, const FlagTable& table,
                                         const std::vector<DeprecatedFlag>& deprecated, const std::string& command,
                                         const std::set<std::string>& given_lists) {
  const std::string text = ReadTextFile(path, uint64_t{1} << 20, "a readable config file (JSON or YAML)");
  const nlohmann::ordered_json config = ParseConfigText(text, path, "config");
  if (!config.is_object()) {
    throw InputError(path, 0, "a mapping of " + command + "'s long flag names to their values");
  }
  std::vector<std::string> words;
  for (const auto& [key, value] : config.items()) {
    const long line = KeyLine(text, key);
    const FlagInfo* flag = IsSpecial(key) ? nullptr : table.Find(key);
    if (flag == nullptr || flag->name != key) {
      std::string hint = " (" + command + " --help lists them)";
      for (const DeprecatedFlag& old : deprecated) {
        if (old.old_name == key) hint = " (a deprecated name: use \"" + old.new_name + "\")";
      }
      throw InputError(path, line, "flags of " + command + " as keys, but \"" + key + "\" is not one" + hint);
    }
    if (value.is_null()) continue;
    const auto wrong = [&] {
      return InputError(path, line, "\"" + key + "\" to be " + ExpectedValue(flag->kind) + ", got " + value.dump());
    };
    if (flag->kind == FlagKind::kSwitch) {
      if (!value.is_boolean()) throw wrong();
      if (value.get<bool>()) AppendFlag(&words, flag->name, std::nullopt);
      continue;
    }
    if (flag->kind == FlagKind::kTextList) {
      if (given_lists.count(flag->name)) continue;  // the command line's list replaces it
      for (const nlohmann::ordered_json& item : value.is_array() ? value : nlohmann::ordered_json::array({value})) {
        const std::optional<std::string> item_text = ValueText(item, flag->kind);
        if (!item_text) throw wrong();
        AppendFlag(&words, flag->name, item_text);
      }
      continue;
    }
    const std::optional<std::string> value_text = ValueText(value, flag->kind);
    if (!value_text) throw wrong();
    // A default value leaves the flag unset, as on the command line without it: commands
    // that ask whether a flag was given (export --labels with --format sft) see the same.
    if (IsDefault(*flag, *value_text)) continue;
    AppendFlag(&words, flag->name, value_text);
  }
  return words;
}

nlohmann::ordered_json ResolvedConfig(const FlagTable& table, const cxxopts::ParseResult& args) {
  nlohmann::ordered_json resolved = nlohmann::ordered_json::object();
  for (const FlagInfo& flag : table.flags()) {
    if (IsSpecial(flag.name)) continue;
    if (flag.kind != FlagKind::kSwitch && !args.count(flag.name) && !flag.default_text) continue;
    resolved[flag.name] = TypedValue(args, flag);
  }
  return resolved;
}

std::string ConfigPathBesideFile(const std::string& output) { return output + ".config.json"; }

std::string ConfigPathInDir(const std::string& dir, const std::string& command_name) {
  return (std::filesystem::path(dir) / (command_name + ".config.json")).string();
}

void WriteResolvedConfig(const std::string& path, const nlohmann::ordered_json& resolved) {
  WriteFileAtomically(path, resolved.dump(2) + "\n");
}

}  // namespace steptree::app

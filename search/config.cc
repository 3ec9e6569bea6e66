#include "search/config.h"

#include <stdexcept>

#include "core/input_error.h"

namespace steptree {

namespace {

// The parameters of the configured mode, bound to their fields in *config.
std::vector<Param> ModeParams(SearchConfig* config) {
  switch (config->mode) {
    case SearchMode::kGreedy: return BindAll(GreedyParams::Table(), &config->greedy);
    case SearchMode::kMajority: return BindAll(MajorityParams::Table(), &config->maj);
    case SearchMode::kBestOfN: return BindAll(BestOfNParams::Table(), &config->bon);
    case SearchMode::kSbs: return BindAll(SbsParams::Table(), &config->sbs);
    case SearchMode::kMcts: return BindAll(MctsParams::Table(), &config->mcts);
    case SearchMode::kDvts: return BindAll(DvtsParams::Table(), &config->dvts);
  }
  throw std::logic_error("search config: unknown mode");
}

// Every parameter of the configured mode, then those every mode takes (SearchConfig::Table()).
std::vector<Param> ParamTable(SearchConfig* config) {
  std::vector<Param> table = ModeParams(config);
  for (const Param& param : BindAll(SearchConfig::Table(), config)) table.push_back(param);
  return table;
}

}  // namespace

const std::vector<SearchMode>& AllSearchModes() {
  static const std::vector<SearchMode> modes = {SearchMode::kGreedy, SearchMode::kMajority, SearchMode::kBestOfN,
                                                SearchMode::kSbs, SearchMode::kMcts, SearchMode::kDvts};
  return modes;
}

const char* SearchModeName(SearchMode mode) {
  switch (mode) {
    case SearchMode::kGreedy: return "greedy";
    case SearchMode::kMajority: return "maj";
    case SearchMode::kBestOfN: return "bon";
    case SearchMode::kSbs: return "sbs";
    case SearchMode::kMcts: return "mcts";
    case SearchMode::kDvts: return "dvts";
  }
  return "unknown";
}

std::optional<SearchMode> SearchModeFromName(const std::string& name) {
  for (SearchMode mode : AllSearchModes()) {
    if (name == SearchModeName(mode)) return mode;
  }
  return std::nullopt;
}

std::string SearchModeNameList() {
  const std::vector<SearchMode>& modes = AllSearchModes();
  std::string list;
  for (size_t i = 0; i < modes.size(); ++i) {
    if (i > 0) list += i + 1 == modes.size() ? " or " : ", ";
    list += SearchModeName(modes[i]);
  }
  return list;
}

std::vector<ParamDescription> DescribeParams(SearchMode mode) {
  SearchConfig defaults;
  defaults.mode = mode;
  std::vector<ParamDescription> descriptions;
  for (const Param& param : ParamTable(&defaults)) {
    if (param.presence == ParamPresence::kAlways) descriptions.push_back({param.key, param.help, TextOf(param)});
  }
  return descriptions;
}

void SetParam(SearchConfig* config, const std::string& key, const std::string& text) {
  std::string keys;
  for (const Param& param : ParamTable(config)) {
    if (key == param.key) return ParseInto(param, text);
    if (param.presence == ParamPresence::kAlways) keys += (keys.empty() ? "" : ", ") + std::string(param.key);
  }
  throw UsageError(std::string("search mode ") + SearchModeName(config->mode) + " has no parameter \"" + key +
                   "\" (it takes " + keys + ")");
}

void ValidateConfig(const SearchConfig& config) {
  SearchConfig copy = config;
  for (const Param& param : ParamTable(&copy)) ParseInto(param, TextOf(param));
  if (config.mode == SearchMode::kDvts && config.dvts.n % config.dvts.m != 0) {  // m >= 1: checked above
    throw UsageError("search parameter n: expected a multiple of m = " + std::to_string(config.dvts.m) +
                     " (n / m subtrees of width m), got \"" + std::to_string(config.dvts.n) + "\"");
  }
}

nlohmann::ordered_json ConfigToJson(const SearchConfig& config) {
  SearchConfig copy = config;
  SearchConfig defaults;
  defaults.mode = config.mode;
  const std::vector<Param> table = ParamTable(&copy);
  const std::vector<Param> default_table = ParamTable(&defaults);
  nlohmann::ordered_json json;
  json["mode"] = SearchModeName(config.mode);
  for (size_t i = 0; i < table.size(); ++i) {
    nlohmann::ordered_json value = ValueOf(table[i]);
    if (table[i].presence == ParamPresence::kUnlessDefault && value == ValueOf(default_table[i])) continue;
    json[table[i].key] = std::move(value);
  }
  return json;
}

SearchConfig ConfigFromJson(const nlohmann::json& json) {
  if (!json.is_object() || !json.contains("mode") || !json["mode"].is_string()) {
    throw UsageError("search config: expected an object with a \"mode\" string");
  }
  SearchConfig config;
  const std::string mode = json["mode"].get<std::string>();
  const std::optional<SearchMode> parsed = SearchModeFromName(mode);
  if (!parsed) throw UsageError("search config: expected mode " + SearchModeNameList() + ", got \"" + mode + "\"");
  config.mode = *parsed;
  for (const auto& [key, value] : json.items()) {
    if (key == "mode") continue;
    SetParam(&config, key, value.is_string() ? value.get<std::string>() : value.dump());
  }
  ValidateConfig(config);
  return config;
}

StepSampling StepControlsOf(const SearchConfig& config) {
  StepSampling controls;
  controls.top_k = config.top_k;
  controls.top_p = static_cast<float>(config.top_p);
  controls.max_step_tokens = config.max_step_tokens;
  controls.max_new_tokens = config.max_new_tokens;
  controls.stop = config.stop;
  return controls;
}

bool NeedsValueHead(const SearchConfig& config) {
  if (config.value_source == ValueSource::kOracle) return false;  // the oracle gives every value
  return config.mode == SearchMode::kBestOfN || config.mode == SearchMode::kSbs || config.mode == SearchMode::kMcts ||
         config.mode == SearchMode::kDvts;
}

}  // namespace steptree

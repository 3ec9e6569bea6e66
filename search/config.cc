#include "search/config.h"

#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <stdexcept>
#include <variant>

#include "core/input_error.h"

namespace steptree {

namespace {

using FieldRef = std::variant<int*, double*, uint64_t*, AnswerBy*, TerminalReward*>;

// Upper bounds of numeric parameters: far above any budget that finishes, low enough that a
// typo (k 100000000) is refused at once (exit 2) instead of running without end or
// allocating what the machine cannot hold.
constexpr double kMaxSamples = 4096;        // maj k, bon n, dvts n: solutions per problem
constexpr double kMaxBranching = 256;       // b2, dvts m, parallel_rollouts: children per expansion
constexpr double kMaxBeam = 1024;           // sbs b1
constexpr double kMaxIterations = 100000;   // mcts iterations
constexpr double kMaxDepthBound = 1000;     // max_depth: steps per solution
constexpr double kMaxTemperature = 100;
constexpr double kMaxCpuct = 1e6;
constexpr double kUnbounded = 1e300;

struct Param {
  const char* key;   // JSON key and CLI flag name
  const char* help;  // one line for --help
  FieldRef field;    // the field of SearchConfig it sets
  double min;        // lower bound of numeric values
  double max = kUnbounded;  // upper bound of numeric values
};

constexpr const char* kValueSourceKey = "value_source";

// Parameters several modes share: one key, one help text.
Param MaxDepth(int* field) {
  return {"max_depth", "steps before an unfinished solution is cut (reward -1)", field, 1, kMaxDepthBound};
}
Param Temperature(double* field) { return {"temperature", "sampling temperature (0 = greedy)", field, 0, kMaxTemperature}; }
Param CandidatesPerNode(int* field) {
  return {"b2", "candidate steps sampled per expanded node", field, 1, kMaxBranching};
}

// The parameters of the configured mode, bound to their fields in *config.
std::vector<Param> ModeParams(SearchConfig* config) {
  switch (config->mode) {
    case SearchMode::kGreedy:
      return {MaxDepth(&config->greedy.max_depth)};
    case SearchMode::kMajority:
      return {{"k", "solutions sampled; the answer is the most frequent", &config->maj.k, 1, kMaxSamples},
              Temperature(&config->maj.temperature), MaxDepth(&config->maj.max_depth)};
    case SearchMode::kBestOfN:
      return {{"n", "solutions sampled; the answer is the one valued highest", &config->bon.n, 1, kMaxSamples},
              Temperature(&config->bon.temperature), MaxDepth(&config->bon.max_depth)};
    case SearchMode::kSbs:
      return {{"b1", "beam width: partial solutions kept per depth", &config->sbs.b1, 1, kMaxBeam},
              CandidatesPerNode(&config->sbs.b2), Temperature(&config->sbs.temperature),
              MaxDepth(&config->sbs.max_depth)};
    case SearchMode::kMcts:
      return {{"iterations", "selections (each backs up one value)", &config->mcts.iterations, 1, kMaxIterations},
              CandidatesPerNode(&config->mcts.b2),
              Temperature(&config->mcts.temperature),
              {"c_puct", "exploration weight in PUCT", &config->mcts.c_puct, 0, kMaxCpuct},
              MaxDepth(&config->mcts.max_depth),
              {"parallel_rollouts", "leaves selected under virtual loss per batched expansion",
               &config->mcts.parallel_rollouts, 1, kMaxBranching},
              {"answer_by", "final answer by q_value | value | visits | majority", &config->mcts.answer_by, 0}};
    case SearchMode::kDvts:
      return {{"n", "beam budget: candidates per depth over all subtrees (n / m subtrees; a multiple of m)",
               &config->dvts.n, 1, kMaxSamples},
              {"m", "subtree width: candidates sampled per subtree per depth", &config->dvts.m, 1, kMaxBranching},
              Temperature(&config->dvts.temperature), MaxDepth(&config->dvts.max_depth)};
  }
  throw std::logic_error("search config: unknown mode");
}

// THE table: every parameter of the configured mode, then those every mode takes.
std::vector<Param> ParamTable(SearchConfig* config) {
  std::vector<Param> table = ModeParams(config);
  table.push_back({"seed", "run seed: every sample's seed derives from it", &config->seed, 0});
  table.push_back({"terminal_reward", "final answers scored by gold (+1/-1, data generation) | value (inference) | target "
                   "(+1/-1 by the question's own target, countdown; no gold)",
                   &config->terminal_reward, 0});
  return table;
}

[[noreturn]] void BadValue(const Param& param, const std::string& expected, const std::string& text) {
  throw UsageError(std::string("search parameter ") + param.key + ": expected " + expected + ", got \"" + text + "\"");
}

std::string NumberText(double x) {
  std::string text = std::to_string(x);
  text.erase(text.find_last_not_of('0') + 1);
  if (text.back() == '.') text.pop_back();
  return text;
}

// "an integer >= 1" or "an integer between 1 and 4096".
std::string InRange(const char* kind, const Param& param) {
  if (param.max >= kUnbounded) return std::string(kind) + " >= " + NumberText(param.min);
  return std::string(kind) + " between " + NumberText(param.min) + " and " + NumberText(param.max);
}

// Parses `text` into the parameter's field, checking type and range.
void ParseInto(const Param& param, const std::string& text) {
  struct Visitor {
    const Param& param;
    const std::string& text;
    void operator()(int* field) const {
      char* end = nullptr;
      errno = 0;
      const long long value = std::strtoll(text.c_str(), &end, 10);
      if (text.empty() || *end != '\0' || errno != 0 || value < param.min || value > INT_MAX ||
          static_cast<double>(value) > param.max) {
        BadValue(param, InRange("an integer", param), text);
      }
      *field = static_cast<int>(value);
    }
    void operator()(double* field) const {
      char* end = nullptr;
      const double value = std::strtod(text.c_str(), &end);
      if (text.empty() || *end != '\0' || !std::isfinite(value) || value < param.min ||
          value > param.max) {
        BadValue(param, InRange("a number", param), text);
      }
      *field = value;
    }
    void operator()(uint64_t* field) const {
      char* end = nullptr;
      errno = 0;
      const unsigned long long value = std::strtoull(text.c_str(), &end, 10);
      if (text.empty() || text[0] == '-' || *end != '\0' || errno != 0) BadValue(param, "a non-negative integer", text);
      *field = value;
    }
    void operator()(AnswerBy* field) const {
      const std::optional<AnswerBy> by = AnswerByFromName(text);
      if (!by) BadValue(param, "q_value, value, visits or majority", text);
      *field = *by;
    }
    void operator()(TerminalReward* field) const {
      if (text == TerminalRewardName(TerminalReward::kGold)) {
        *field = TerminalReward::kGold;
      } else if (text == TerminalRewardName(TerminalReward::kValue)) {
        *field = TerminalReward::kValue;
      } else if (text == TerminalRewardName(TerminalReward::kTarget)) {
        *field = TerminalReward::kTarget;
      } else {
        BadValue(param, "gold, value or target", text);
      }
    }
  };
  std::visit(Visitor{param, text}, param.field);
}

nlohmann::ordered_json ValueOf(const Param& param) {
  struct Visitor {
    nlohmann::ordered_json operator()(const int* field) const { return *field; }
    nlohmann::ordered_json operator()(const double* field) const { return *field; }
    nlohmann::ordered_json operator()(const uint64_t* field) const { return *field; }
    nlohmann::ordered_json operator()(const AnswerBy* field) const { return AnswerByName(*field); }
    nlohmann::ordered_json operator()(const TerminalReward* field) const { return TerminalRewardName(*field); }
  };
  return std::visit(Visitor{}, param.field);
}

// The value as flag text: strings bare, numbers as JSON prints them.
std::string TextOf(const Param& param) {
  const nlohmann::ordered_json value = ValueOf(param);
  return value.is_string() ? value.get<std::string>() : value.dump();
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
  for (const Param& param : ParamTable(&defaults)) descriptions.push_back({param.key, param.help, TextOf(param)});
  return descriptions;
}

void SetParam(SearchConfig* config, const std::string& key, const std::string& text) {
  std::string keys;
  for (const Param& param : ParamTable(config)) {
    if (key == param.key) return ParseInto(param, text);
    keys += (keys.empty() ? "" : ", ") + std::string(param.key);
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
  nlohmann::ordered_json json;
  json["mode"] = SearchModeName(config.mode);
  for (const Param& param : ParamTable(&copy)) json[param.key] = ValueOf(param);
  if (config.oracle_values) json[kValueSourceKey] = "oracle";
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
    if (key == kValueSourceKey) {
      const std::string source = value.is_string() ? value.get<std::string>() : value.dump();
      if (source != "model" && source != "oracle") {
        throw UsageError("search config: expected value_source model or oracle, got \"" + source + "\"");
      }
      config.oracle_values = source == "oracle";
      continue;
    }
    SetParam(&config, key, value.is_string() ? value.get<std::string>() : value.dump());
  }
  ValidateConfig(config);
  return config;
}

bool NeedsValueHead(const SearchConfig& config) {
  if (config.oracle_values) return false;  // the oracle gives every value
  return config.mode == SearchMode::kBestOfN || config.mode == SearchMode::kSbs || config.mode == SearchMode::kMcts ||
         config.mode == SearchMode::kDvts;
}

}  // namespace steptree

#include "sweep/sweep_spec.h"

#include <algorithm>
#include <climits>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include "core/config_text.h"
#include "core/input_error.h"
#include "core/json_file.h"

namespace steptree {
namespace {

// The budget key of a mode: the one a curve runs along.
std::string BudgetKey(SearchMode mode) {
  switch (mode) {
    case SearchMode::kGreedy: return "";
    case SearchMode::kMajority: return "k";
    case SearchMode::kBestOfN: return "n";
    case SearchMode::kSbs: return "b1";
    case SearchMode::kMcts: return "iterations";
    case SearchMode::kDvts: return "n";
  }
  return "";
}

std::string ValueText(const nlohmann::ordered_json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_float()) {
    std::ostringstream out;
    out << value.get<double>();
    return out.str();
  }
  return value.dump();
}

bool OnCheckpointLadder(int iterations) {
  for (int k = 5; k <= iterations; k *= 2) {
    if (k == iterations) return true;
  }
  return false;
}

std::string PointLabel(SearchMode mode, int budget, const SearchConfig& config) {
  switch (mode) {
    case SearchMode::kGreedy: return "greedy";
    case SearchMode::kMajority: return "maj@" + std::to_string(budget);
    case SearchMode::kBestOfN: return "best-of-" + std::to_string(budget);
    case SearchMode::kSbs: return "SBS(" + std::to_string(budget) + "," + std::to_string(config.sbs.b2) + ")";
    case SearchMode::kMcts: return "MCTS(" + std::to_string(budget) + ")";
    case SearchMode::kDvts: return "DVTS(" + std::to_string(budget) + "," + std::to_string(config.dvts.m) + ")";
  }
  return "";
}

std::string CurveName(SearchMode mode, const SearchConfig& config) {
  switch (mode) {
    case SearchMode::kGreedy: return "greedy";
    case SearchMode::kMajority: return "maj@k";
    case SearchMode::kBestOfN: return "best-of-n";
    case SearchMode::kSbs: return "SBS(b1," + std::to_string(config.sbs.b2) + ")";
    case SearchMode::kMcts: return "MCTS";
    case SearchMode::kDvts: return "DVTS(n," + std::to_string(config.dvts.m) + ")";
  }
  return "";
}

// Whether the curve's name already shows `key` (SBS(b1,5), DVTS(n,4)): a list of it makes
// one curve per value without a "key=value" suffix.
bool NamedByCurve(SearchMode mode, const std::string& key) {
  return key == "b2" || (mode == SearchMode::kDvts && key == "m");
}

// One grid point of a method: every key bound to one value.
using Assignment = std::vector<std::pair<std::string, nlohmann::ordered_json>>;

// The number of grid points of `method` (budget key excluded), saturating above `cap`.
size_t GridSize(const nlohmann::ordered_json& method, const std::string& skip_key, size_t cap) {
  size_t size = 1;
  for (const auto& [key, value] : method.items()) {
    if (key == "mode" || key == skip_key) continue;
    const size_t n = value.is_array() ? value.size() : 1;
    if (n == 0) return 0;
    if (size > cap / n) return cap + 1;
    size *= n;
  }
  return size;
}

std::vector<Assignment> Grid(const nlohmann::ordered_json& method, const std::string& skip_key) {
  std::vector<Assignment> grid{{}};
  for (const auto& [key, value] : method.items()) {
    if (key == "mode" || key == skip_key) continue;
    const std::vector<nlohmann::ordered_json> values =
        value.is_array() ? value.get<std::vector<nlohmann::ordered_json>>() : std::vector<nlohmann::ordered_json>{value};
    std::vector<Assignment> next;
    for (const Assignment& partial : grid) {
      for (const nlohmann::ordered_json& v : values) {
        Assignment extended = partial;
        extended.emplace_back(key, v);
        next.push_back(std::move(extended));
      }
    }
    grid = std::move(next);
  }
  return grid;
}

std::string Sanitize(std::string text) {
  for (char& c : text) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-') c = '_';
  }
  return text;
}

long IntField(const nlohmann::ordered_json& json, const std::string& key, long min, const std::string& file,
              long max = std::numeric_limits<long>::max()) {
  const nlohmann::ordered_json& v = json[key];
  if (!v.is_number_integer() || v.get<long>() < min || v.get<long>() > max) {
    const std::string range = max == std::numeric_limits<long>::max()
                                  ? ">= " + std::to_string(min)
                                  : "between " + std::to_string(min) + " and " + std::to_string(max);
    throw InputError(file, 0, "\"" + key + "\" to be an integer " + range + ", got " + v.dump());
  }
  return v.get<long>();
}

std::string StringField(const nlohmann::ordered_json& json, const std::string& key, const std::string& file) {
  if (!json[key].is_string()) throw InputError(file, 0, "\"" + key + "\" to be a string, got " + json[key].dump());
  return json[key].get<std::string>();
}

}  // namespace

SweepSpec LoadSweepSpec(const std::string& path) {
  return ParseSweepSpec(ReadTextFile(path, kMaxSweepConfigBytes, "a readable sweep config file (JSON or YAML)"),
                        path);
}

SweepSpec ParseSweepSpec(const std::string& text, const std::string& path) {
  const nlohmann::ordered_json json =
      ParseConfigText(text, path, "sweep config", {kMaxSweepConfigBytes, kMaxSweepConfigValues});
  SweepSpec spec = SweepSpecFromJson(json, path);
  if (!spec.data.empty() && std::filesystem::path(spec.data).is_relative()) {
    spec.data = (std::filesystem::path(path).parent_path() / spec.data).lexically_normal().string();
  }
  return spec;
}

SweepSpec SweepSpecFromJson(const nlohmann::ordered_json& json, const std::string& file) {
  if (!json.is_object()) throw InputError(file, 0, "a sweep config object {\"data\", \"seed\", \"methods\"}");
  static const std::set<std::string> known = {"data", "synthetic", "problem_seed", "family", "format", "question_field",
                                              "answer_field", "limit", "model", "seed", "terminal_reward",
                                              "subsets", "bootstrap", "methods"};
  for (const auto& [key, value] : json.items()) {
    if (!known.count(key)) {
      std::string list;
      for (const std::string& k : known) list += (list.empty() ? "" : ", ") + k;
      throw InputError(file, 0, "sweep keys among " + list + ", got \"" + key + "\"");
    }
  }
  SweepSpec spec;
  if (json.contains("data") == json.contains("synthetic")) {
    throw InputError(file, 0, "exactly one of \"data\" (a problem file) and \"synthetic\" (a problem count)");
  }
  if (json.contains("data")) spec.data = StringField(json, "data", file);
  if (json.contains("synthetic")) spec.synthetic = IntField(json, "synthetic", 1, file, kMaxProblemCount);
  if (json.contains("problem_seed")) spec.problem_seed = static_cast<uint64_t>(IntField(json, "problem_seed", 0, file));
  if (json.contains("family")) {
    const std::string family = StringField(json, "family", file);
    const std::optional<ProblemFamily> parsed = ProblemFamilyFromName(family);
    if (!parsed) throw InputError(file, 0, "\"family\" arithmetic or countdown, got \"" + family + "\"");
    spec.family = *parsed;
  }
  if (json.contains("format")) spec.loader.format = StringField(json, "format", file);
  if (json.contains("question_field")) spec.loader.question_field = StringField(json, "question_field", file);
  if (json.contains("answer_field")) spec.loader.answer_field = StringField(json, "answer_field", file);
  if (json.contains("limit")) spec.loader.limit = static_cast<size_t>(IntField(json, "limit", 0, file));
  if (json.contains("model")) spec.model = StringField(json, "model", file);
  if (json.contains("seed")) spec.seed = static_cast<uint64_t>(IntField(json, "seed", 0, file));
  if (json.contains("terminal_reward")) {
    const std::string reward = StringField(json, "terminal_reward", file);
    if (reward != "gold" && reward != "value" && reward != "target") {
      throw InputError(file, 0, "\"terminal_reward\" gold, value or target, got \"" + reward + "\"");
    }
    spec.terminal_reward = reward == "gold"    ? TerminalReward::kGold
                           : reward == "value" ? TerminalReward::kValue
                                               : TerminalReward::kTarget;
  }
  if (json.contains("subsets")) spec.subsets = static_cast<int>(IntField(json, "subsets", 1, file));
  if (json.contains("bootstrap")) spec.bootstrap = static_cast<int>(IntField(json, "bootstrap", 10, file));
  if (!json.contains("methods") || !json["methods"].is_array() || json["methods"].empty()) {
    throw InputError(file, 0, "\"methods\": a non-empty list of {\"mode\": ..., <search flags>}");
  }
  spec.methods = json["methods"];
  ExpandSweep(spec, file);  // validates every method now, before any search runs
  return spec;
}

nlohmann::ordered_json SweepSpecToJson(const SweepSpec& spec) {
  nlohmann::ordered_json json;
  if (!spec.data.empty()) {
    json["data"] = spec.data;
    json["format"] = spec.loader.format;
    if (!spec.loader.question_field.empty()) json["question_field"] = spec.loader.question_field;
    if (!spec.loader.answer_field.empty()) json["answer_field"] = spec.loader.answer_field;
    json["limit"] = spec.loader.limit;
  } else {
    json["synthetic"] = spec.synthetic;
    json["problem_seed"] = spec.problem_seed;
    if (spec.family != ProblemFamily::kArithmetic) json["family"] = ProblemFamilyName(spec.family);
  }
  json["model"] = spec.model;
  json["seed"] = spec.seed;
  json["terminal_reward"] = TerminalRewardName(spec.terminal_reward);
  json["subsets"] = spec.subsets;
  json["bootstrap"] = spec.bootstrap;
  json["methods"] = spec.methods;
  return json;
}

std::vector<SweepRun> ExpandSweep(const SweepSpec& spec, const std::string& file) {
  std::vector<SweepRun> runs;
  std::set<std::string> names;
  size_t grid_total = 0;  // grid points x budgets so far
  for (size_t m = 0; m < spec.methods.size(); ++m) {
    const nlohmann::ordered_json& method = spec.methods[m];
    const std::string where = "methods[" + std::to_string(m) + "]";
    if (!method.is_object() || !method.contains("mode") || !method["mode"].is_string()) {
      throw InputError(file, 0, where + " to be an object with a \"mode\" string");
    }
    const std::optional<SearchMode> mode = SearchModeFromName(method["mode"].get<std::string>());
    if (!mode) throw InputError(file, 0, where + ".mode " + SearchModeNameList() + ", got " + method["mode"].dump());
    const std::string budget_key = BudgetKey(*mode);
    std::vector<int> budgets;
    if (!budget_key.empty() && method.contains(budget_key)) {
      const nlohmann::ordered_json& b = method[budget_key];
      for (const nlohmann::ordered_json& v : b.is_array() ? b : nlohmann::ordered_json::array({b})) {
        // As long long first: get<int> would wrap 4294967297 to 1. The mode's own upper bound
        // (search/param_table.h) is checked when the runs are configured.
        if (!v.is_number_integer() || v.get<long long>() < 1 || v.get<long long>() > INT_MAX) {
          throw InputError(file, 0, where + "." + budget_key + " to be integers from 1 to " + std::to_string(INT_MAX) +
                                        ", got " + v.dump());
        }
        budgets.push_back(static_cast<int>(v.get<long long>()));
      }
      std::sort(budgets.begin(), budgets.end());
      budgets.erase(std::unique(budgets.begin(), budgets.end()), budgets.end());
      if (budgets.empty()) throw InputError(file, 0, where + "." + budget_key + " to list at least one value");
    }

    const size_t grid_points = GridSize(method, budget_key, kMaxSweepGridPoints);
    grid_total += grid_points * std::max<size_t>(1, budgets.size());
    if (grid_points > kMaxSweepGridPoints || grid_total > kMaxSweepGridPoints) {
      throw InputError(file, 0,
                       "at most " + std::to_string(kMaxSweepGridPoints) + " grid points in all methods, " + where +
                           " brings more");
    }
    for (const Assignment& assignment : Grid(method, budget_key)) {
      SearchConfig base;
      base.mode = *mode;
      base.seed = spec.seed;
      base.terminal_reward = spec.terminal_reward;
      std::string stem = SearchModeName(*mode);
      std::string curve_suffix;
      for (const auto& [key, value] : assignment) {
        if (value.is_array() || value.is_object()) throw InputError(file, 0, where + "." + key + " to be a value or a list of values");
        try {
          SetParam(&base, key, ValueText(value));
        } catch (const UsageError& e) {
          throw InputError(file, 0, where + ": " + e.what());
        }
        stem += "-" + key + "_" + ValueText(value);
        if (key == "value_source") {  // oracle runs make curves of their own, model runs the plain ones
          if (base.value_source == ValueSource::kOracle) curve_suffix += " oracle";
        } else if (method[key].is_array() && !NamedByCurve(*mode, key)) {
          curve_suffix += " " + key + "=" + ValueText(value);
        }
      }
      try {
        // At every listed budget: whether a config is valid may depend on it (dvts: n % m).
        if (budgets.empty()) ValidateConfig(base);
        for (int b : budgets) {
          SearchConfig sized = base;
          SetParam(&sized, budget_key, std::to_string(b));
          ValidateConfig(sized);
        }
      } catch (const UsageError& e) {
        throw InputError(file, 0, where + ": " + e.what());
      }
      const std::string curve = CurveName(*mode, base) + curve_suffix;

      // Which runs this grid point needs, and which points each gives.
      std::vector<std::pair<int, std::vector<SweepPointSpec>>> planned;  // run budget -> points
      auto point = [&](int budget, SweepPointSpec::Source source) {
        SweepPointSpec p;
        p.curve = curve;
        p.label = PointLabel(*mode, budget, base) + curve_suffix;
        p.mode = SearchModeName(*mode);
        p.budget = budget;
        p.source = source;
        return p;
      };
      if (budget_key.empty()) {
        planned.push_back({0, {point(1, SweepPointSpec::Source::kRun)}});
      } else if (budgets.empty()) {
        int default_budget = 0;
        const nlohmann::ordered_json config_json = ConfigToJson(base);
        default_budget = config_json[budget_key].get<int>();
        planned.push_back({default_budget, {point(default_budget, SweepPointSpec::Source::kRun)}});
      } else if (*mode == SearchMode::kMajority || *mode == SearchMode::kBestOfN) {
        std::vector<SweepPointSpec> points;
        for (int b : budgets) {
          points.push_back(point(b, b == budgets.back() ? SweepPointSpec::Source::kRun : SweepPointSpec::Source::kSubset));
        }
        planned.push_back({budgets.back(), points});
      } else if (*mode == SearchMode::kMcts) {
        int ladder_max = 0;
        for (int b : budgets) {
          if (OnCheckpointLadder(b)) ladder_max = b;
        }
        std::vector<SweepPointSpec> ladder;
        for (int b : budgets) {
          if (OnCheckpointLadder(b) && b != ladder_max) {
            ladder.push_back(point(b, SweepPointSpec::Source::kCheckpoint));
          } else if (b != ladder_max) {
            planned.push_back({b, {point(b, SweepPointSpec::Source::kRun)}});
          }
        }
        if (ladder_max > 0) {
          ladder.push_back(point(ladder_max, SweepPointSpec::Source::kRun));
          planned.push_back({ladder_max, ladder});
        }
      } else {  // sbs, dvts: one run per beam width (budget)
        for (int b : budgets) planned.push_back({b, {point(b, SweepPointSpec::Source::kRun)}});
      }

      for (auto& [budget, points] : planned) {
        SweepRun run;
        run.config = base;
        run.name = stem;
        if (!budget_key.empty()) {
          SetParam(&run.config, budget_key, std::to_string(budget));
          run.name += "-" + budget_key + "_" + std::to_string(budget);
        }
        run.name = Sanitize(run.name);
        std::sort(points.begin(), points.end(),
                  [](const SweepPointSpec& a, const SweepPointSpec& b) { return a.budget < b.budget; });
        run.points = std::move(points);
        if (!names.insert(run.name).second) {
          throw InputError(file, 0, where + " to add new runs, but run \"" + run.name + "\" is already in the sweep");
        }
        runs.push_back(std::move(run));
      }
    }
  }
  return runs;
}

}  // namespace steptree

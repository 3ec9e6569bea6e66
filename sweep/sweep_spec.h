// A budget sweep's configuration (JSON or YAML) and its expansion into search runs and
// measured points. No torch here.
//
// Config shape (keys of a method are the search flags, docs/user-guide.md "Budget sweeps"):
//   {"data": "problems.jsonl", "seed": 1,
//    "methods": [{"mode": "greedy"},
//                {"mode": "maj", "k": [1, 2, 4, 8, 16]},
//                {"mode": "sbs", "b1": [1, 2, 3], "b2": 5},
//                {"mode": "mcts", "iterations": [5, 10, 20, 40]}]}
// Any method key may hold a list: the method expands to the grid (cartesian product) of its
// lists. The budget key of a mode (maj k, bon n, sbs b1, mcts iterations) draws one curve;
// every other listed key makes one curve per value.
//
// Reuse instead of re-running (ExpandSweep):
//   - maj / bon: ONE run with the largest k (n); every smaller k is measured on random
//     subsets of its samples (sweep/sweep_points.h);
//   - mcts: ONE run with the largest iteration count on the checkpoint ladder 5, 10, 20,
//     40, ...; the ladder's counts are read from its answer_by_iteration (exactly what a run
//     with that count returns); counts off the ladder get runs of their own;
//   - greedy and sbs: one run per grid point.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "datasets/loaders.h"
#include "datasets/synthetic.h"
#include "search/config.h"

namespace steptree {

struct SweepSpec {
  // Problems: a data file (relative paths are read from the config file's folder), or
  // `synthetic` held-out synthetic problems of `problem_seed`.
  std::string data;
  LoaderOptions loader;
  long synthetic = 0;
  uint64_t problem_seed = kDefaultProblemSeed;
  ProblemFamily family = ProblemFamily::kArithmetic;  // of the synthetic problems (and the default model)
  std::string model;  // checkpoint directory; empty: the embedded default
  uint64_t seed = 1;  // search seed of every run (and of the subset draws)
  TerminalReward terminal_reward = TerminalReward::kValue;  // inference by default
  int subsets = 100;     // random subsets per problem for reused maj/bon points
  int bootstrap = 1000;  // bootstrap resamples of the problems for confidence intervals
  nlohmann::ordered_json methods = nlohmann::ordered_json::array();  // as given (lists kept)
};

// Limits on a sweep config (InputError naming the file): its size, kMaxJsonDepth nesting
// (core/json_file.h; a scan before either parser runs), the values a YAML document
// expands to (aliases may repeat a node: "billion laughs"), and the grid of runs.
// The config file's size: 1 MiB (real configs are under 1 KB; yaml-cpp holds ~300 bytes a
// node, so this also bounds its memory).
constexpr uint64_t kMaxSweepConfigBytes = uint64_t{1} << 20;
// JSON values a YAML config expands to, aliases counted at every use.
constexpr size_t kMaxSweepConfigValues = 100'000;
// Grid points x listed budgets of all methods together (each is a measured point).
constexpr size_t kMaxSweepGridPoints = 10'000;

// Parses a config file (".json" as JSON, anything else as YAML, of which JSON is a subset).
// Throws InputError(path, line, ...) for unreadable, malformed or invalid configs.
SweepSpec LoadSweepSpec(const std::string& path);
// The same from the file's text (`path` names it and decides JSON or YAML; relative data
// paths are resolved against its folder).
SweepSpec ParseSweepSpec(const std::string& text, const std::string& path);
// Validates a parsed config object; `file` names it in errors.
SweepSpec SweepSpecFromJson(const nlohmann::ordered_json& json, const std::string& file);
// The resolved config: every field with its value (saved in the run directory).
nlohmann::ordered_json SweepSpecToJson(const SweepSpec& spec);

// One measured point: a method at one budget.
struct SweepPointSpec {
  std::string curve;  // the line it belongs to: "maj@k", "SBS(b1,5)", "MCTS T=0.8"
  std::string label;  // "maj@4", "SBS(2,5)", "MCTS(20)"
  std::string mode;   // "greedy" | "maj" | "bon" | "sbs" | "mcts" | "dvts"
  int budget = 1;     // k, n, b1 or iterations; 1 for greedy
  // How it is read off its run: all of it, a subset size (maj/bon), or a checkpoint (mcts).
  enum class Source { kRun, kSubset, kCheckpoint } source = Source::kRun;
};

// One search run of the sweep and the points read off it.
struct SweepRun {
  std::string name;  // file stem, unique in the sweep: "maj-k16", "sbs-b1_2-b2_5"
  SearchConfig config;
  std::vector<SweepPointSpec> points;
};

// Expands the methods into runs (in config order). Throws InputError(file, 0, ...) for a
// bad method (unknown mode or key, bad value), naming the method's position.
std::vector<SweepRun> ExpandSweep(const SweepSpec& spec, const std::string& file);

}  // namespace steptree

// Search runs measured through a CountingBackend (bench/search_bench.h).
#include "bench/search_bench.h"

#include <chrono>
#include <cmath>

#include "bench/timing.h"
#include "core/input_error.h"
#include "search/run_to_file.h"

namespace steptree::bench {
namespace {

}  // namespace

std::vector<BenchSearchMode> BenchSearchModes(uint64_t seed) {
  std::vector<BenchSearchMode> modes;
  auto add = [&](const std::string& key, const std::string& label, SearchMode mode) -> SearchConfig& {
    SearchConfig config;
    config.mode = mode;
    config.seed = seed;
    config.terminal_reward = TerminalReward::kGold;
    modes.push_back({key, label, config});
    return modes.back().config;
  };
  add("greedy", "greedy", SearchMode::kGreedy);
  SearchConfig& sbs = add("sbs", "SBS(3,5)", SearchMode::kSbs);
  sbs.sbs.b1 = 3;
  sbs.sbs.b2 = 5;
  add("mcts", "MCTS(40)", SearchMode::kMcts).mcts.iterations = 40;
  return modes;
}

BenchSearchMode BenchSearchModeByKey(const std::string& key, uint64_t seed) {
  for (const BenchSearchMode& mode : BenchSearchModes(seed)) {
    if (mode.key == key) return mode;
  }
  throw UsageError("unknown bench search mode \"" + key + "\" (expected greedy, sbs or mcts)");
}

double SearchMeasurement::tokens_s() const { return Rate(static_cast<double>(generated_tokens()), seconds); }
double SearchMeasurement::nodes_s() const { return Rate(static_cast<double>(nodes), seconds); }
double SearchMeasurement::problems_s() const { return Rate(static_cast<double>(problems), seconds); }

double SearchMeasurement::kv_hit_rate() const {
  const long asked = cached_tokens() + prefill_tokens();
  return asked > 0 ? static_cast<double>(cached_tokens()) / asked : 0.0;
}

double PrefillPerGenerated(long prefill_tokens, long generated_tokens) {
  return generated_tokens > 0 ? static_cast<double>(prefill_tokens + generated_tokens) / generated_tokens : 0.0;
}

double SearchMeasurement::prefill_per_generated() const {
  return PrefillPerGenerated(prefill_tokens(), generated_tokens());
}

double SearchMeasurement::outside_model_fraction() const {
  const double worker_seconds = seconds * threads;
  return worker_seconds > 0 ? 1.0 - calls.inside_seconds / worker_seconds : 0.0;
}

SearchMeasurement MeasureSearch(const std::vector<Problem>& problems, const SearchBackend& backend,
                                const BenchSearchMode& mode, int threads, const std::string& scratch_dir) {
  CountingBackend counting(backend);
  SearchRunOptions run;
  run.out = scratch_dir + "/" + mode.key + "-threads" + std::to_string(threads) + ".jsonl";
  run.threads = threads;
  run.progress_label = "bench " + mode.label + " (" + std::to_string(threads) + " thread" +
                       (threads == 1 ? "" : "s") + ")";
  const auto start = std::chrono::steady_clock::now();
  const nlohmann::json summary = RunSearchToFile(problems, counting, mode.config, run);
  SearchMeasurement m;
  m.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  m.key = mode.key;
  m.label = mode.label;
  m.threads = threads;
  m.problems = summary["n"].get<long>();
  m.nodes = std::lround(summary["nodes_per_problem"].get<double>() * m.problems);
  m.accuracy = summary["accuracy"].is_number() ? summary["accuracy"].get<double>() : 0.0;
  m.calls = counting.stats();
  return m;
}

}  // namespace steptree::bench

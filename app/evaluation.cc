#include "app/evaluation.h"

#include <cstdio>
#include <map>

#include "app/default_model.h"
#include "datasets/synthetic.h"

namespace steptree::app {

std::vector<Problem> DefaultEvalProblems(long n, uint64_t seed, ProblemFamily family) {
  SyntheticOptions options;
  options.seed = seed;
  options.split = ProblemSplit::kHeldOut;
  options.family = family;
  if (family == ProblemFamily::kCountdown) {
    options.min_difficulty = kCountdownEvalMinLevel;
    options.max_difficulty = kCountdownEvalMaxLevel;
  }
  return MakeSyntheticProblems(options, n);
}

namespace {

// The "end" of an eval record (docs/formats.md): why the solution stopped.
const char* SolutionEndName(StepEnd end) {
  switch (end) {
    case StepEnd::kStep: return "delimiter";  // the step cap
    case StepEnd::kFinal: return "eos";
    case StepEnd::kCut: return "length";
    case StepEnd::kContext: return "context";
  }
  return "unknown";
}

}  // namespace

nlohmann::json SolutionRecord(const Problem& problem, const Solution& solution) {
  nlohmann::json record = {{"id", problem.id},
                           {"question", problem.question},
                           {"gold", problem.gold ? nlohmann::json(*problem.gold) : nlohmann::json()},
                           {"steps", solution.steps},
                           {"answer", solution.answer ? nlohmann::json(*solution.answer) : nlohmann::json()},
                           {"correct", solution.correct},
                           {"end", SolutionEndName(solution.end)},
                           {"generated_tokens", solution.generated_tokens}};
  if (problem.difficulty) record["difficulty"] = *problem.difficulty;
  return record;
}

nlohmann::json SummariseSolutions(const std::vector<Problem>& problems,
                                  const std::vector<Solution>& solutions, const SolveStats& stats) {
  std::map<int, std::pair<long, long>> by_difficulty;  // difficulty -> (correct, n)
  long correct = 0;
  long tokens = 0;
  for (size_t i = 0; i < problems.size(); ++i) {
    correct += solutions[i].correct;
    tokens += solutions[i].generated_tokens;
    if (problems[i].difficulty) {
      auto& [c, n] = by_difficulty[*problems[i].difficulty];
      c += solutions[i].correct;
      ++n;
    }
  }
  const long n = static_cast<long>(problems.size());
  nlohmann::json summary = {
      {"accuracy", n ? static_cast<double>(correct) / n : 0.0},
      {"n", n},
      {"correct", correct},
      {"by_difficulty", nlohmann::json::object()},
      {"tokens_per_problem", n ? static_cast<double>(tokens) / n : 0.0},
      {"tokens_per_second", stats.seconds > 0 ? stats.generation.generated_tokens / stats.seconds : 0.0},
      {"prefill_tokens", stats.generation.prefill_tokens},
      {"generated_tokens", stats.generation.generated_tokens},
      {"forward_calls", stats.generation.forward_calls},
      {"seconds", stats.seconds},
      {"seconds_per_problem", n ? stats.seconds / n : 0.0}};
  for (const auto& [d, cn] : by_difficulty) {
    summary["by_difficulty"][std::to_string(d)] = {
        {"accuracy", static_cast<double>(cn.first) / cn.second}, {"n", cn.second}};
  }
  return summary;
}

std::string FormatSummary(const nlohmann::json& summary) {
  std::string out;
  char line[160];
  if (!summary["by_difficulty"].empty()) {
    out += "difficulty   n   accuracy\n";
    for (const auto& [d, row] : summary["by_difficulty"].items()) {
      std::snprintf(line, sizeof line, "%10s %4ld   %6.1f%%\n", d.c_str(), row["n"].get<long>(),
                    100.0 * row["accuracy"].get<double>());
      out += line;
    }
  }
  std::snprintf(line, sizeof line,
                "%10s %4ld   %6.1f%%   (%.1f tokens/problem, %.0f tokens/s, %.1f s)\n", "all",
                summary["n"].get<long>(), 100.0 * summary["accuracy"].get<double>(),
                summary["tokens_per_problem"].get<double>(),
                summary["tokens_per_second"].get<double>(), summary["seconds"].get<double>());
  out += line;
  return out;
}

}  // namespace steptree::app

// Shared by `eval` and `demo`: the default held-out problems, per-solution records and
// the accuracy summary (table and JSON).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "datasets/problem.h"
#include "policy/solver.h"

namespace steptree::app {

// n held-out synthetic problems cycling through difficulties 1..8 (never trained on).
std::vector<Problem> DefaultEvalProblems(long n, uint64_t seed);

// {"id", "question", "gold", "difficulty", "steps", "answer", "correct", "end",
//  "generated_tokens"}
nlohmann::json SolutionRecord(const Problem& problem, const Solution& solution);

// {"accuracy", "n", "correct", "by_difficulty": {"1": {"accuracy", "n"}, ...},
//  "tokens_per_problem", "tokens_per_second", "seconds", "seconds_per_problem"}
nlohmann::json SummariseSolutions(const std::vector<Problem>& problems,
                                  const std::vector<Solution>& solutions, const SolveStats& stats);

// A human table of a SummariseSolutions object.
std::string FormatSummary(const nlohmann::json& summary);

}  // namespace steptree::app

// Shared by `eval` and `demo`: the default held-out problems, per-solution records and
// the accuracy summary (table and JSON).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "datasets/problem.h"
#include "datasets/synthetic.h"
#include "policy/engine/solver.h"

namespace steptree::app {

// n held-out synthetic problems of `family` (never trained on): arithmetic cycles through
// levels 1..8, countdown through kCountdownEvalMinLevel..kCountdownEvalMaxLevel.
std::vector<Problem> DefaultEvalProblems(long n, uint64_t seed, ProblemFamily family = ProblemFamily::kArithmetic);

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

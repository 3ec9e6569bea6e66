// Synthetic arithmetic problems made by a tool, so every label is right.
//
// Tool-based synthesis: the generator picks the operations and operands and does every
// calculation itself, so each reference step ("19*3=57") and the final answer are correct
// by construction, and any step a model writes in the same format can be checked
// (CheckCalculation) — which makes step-label quality measurable.
//
// Difficulty ladder (1..8): difficulty d has d calculation steps; operands and factors grow
// with d (SyntheticLevel). Two kinds: expressions with the parentheses precedence needs
// ("Compute (12+7)*3-15.") and word problems, one sentence per operation. Results are exact
// non-negative integers; divisions are exact.
//
// Reference solution: one calculation per line, "a op b=c" (op in + - * /), then
// "The answer is N".
//
// Determinism: problem i of a stream depends only on (seed, i) — the first n problems of a
// run of 1000 are the run of n. A fixed hash of the question text splits the problem space
// into train (90%) and held-out (10%) parts, so evaluation problems are never trained on.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "datasets/problem.h"

namespace steptree {

struct SyntheticLevel {
  int steps;         // calculation steps
  int max_operand;   // operands of + and - (and the starting number)
  int max_factor;    // factors of * and divisors of /
  int max_result;    // every intermediate result lies in [0, max_result]
};
inline constexpr int kMinDifficulty = 1;
inline constexpr int kMaxDifficulty = 8;
// d in [kMinDifficulty, kMaxDifficulty].
SyntheticLevel LevelFor(int difficulty);

enum class ProblemSplit { kAny, kTrain, kHeldOut };
// Stable partition of question texts: 10% held out.
bool IsHeldOutQuestion(const std::string& question);

struct SyntheticOptions {
  uint64_t seed = 1;
  int min_difficulty = 1;  // problem i has difficulty min + i % (max - min + 1) ...
  int max_difficulty = 8;
  // ... unless weights are given: weight w_k for level min + k, and levels repeat in a fixed
  // cycle holding level min + k exactly w_k times (e.g. {2, 1} -> min, min, min+1, ...).
  std::vector<int> difficulty_weights;
  double word_problem_share = 0.5;  // the rest are expressions
  ProblemSplit split = ProblemSplit::kAny;
};

Problem MakeSyntheticProblem(const SyntheticOptions& options, long index);
std::vector<Problem> MakeSyntheticProblems(const SyntheticOptions& options, long count);

// A calculation step "a op b=c" (spaces allowed, op one of + - * / x ×).
struct Calculation {
  long long lhs = 0;
  char op = '+';
  long long rhs = 0;
  long long result = 0;
};
std::optional<Calculation> ParseCalculation(const std::string& step);
// True when the step parses and its result is arithmetically right (exact division).
bool CheckCalculation(const std::string& step);

}  // namespace steptree

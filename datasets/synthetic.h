// Synthetic arithmetic problems made by a tool, so every label is right.
//
// Families (SyntheticOptions::family): arithmetic, described below, and countdown
// (datasets/countdown.h: reach a target from given numbers, with an exact solver). Both
// share the seed, the difficulty cycle (SyntheticDifficulty), the split and the id scheme;
// SyntheticStepRight and TargetCheck judge steps of either family from the question text.
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
// The most problems one command makes at once (gen-problems, search, eval and demo
// --problems, evolve --problems and --eval-problems, a sweep's "synthetic"). A million problems held in memory take
// about 1 GB; more is a typo, refused with exit 2 before any work.
inline constexpr long kMaxProblemCount = 1'000'000;
// The default seed of held-out evaluation problems, the same in every command that makes
// them (search, eval, demo, bench --problem-seed; evolve --eval-seed; a sweep's
// "problem_seed"), so their figures are on the same problems.
inline constexpr uint64_t kDefaultProblemSeed = 2026;
// d in [kMinDifficulty, kMaxDifficulty].
SyntheticLevel LevelFor(int difficulty);

enum class ProblemSplit { kAny, kTrain, kHeldOut };
// Stable partition of question texts: 10% held out.
bool IsHeldOutQuestion(const std::string& question);
// A generated problem of either family: `steps` then "The answer is ANSWER"; gold = ANSWER;
// the record holds id, question, answer, steps, difficulty, source and `extra`'s fields.
Problem GeneratedProblem(std::string id, std::string question, long long answer, std::vector<std::string> steps,
                         const std::string& source, int difficulty, const nlohmann::json& extra);
// True when `question` belongs to `split` (kAny: every question).
bool InSplit(const std::string& question, ProblemSplit split);

enum class ProblemFamily { kArithmetic, kCountdown };
// "arithmetic", "countdown".
const char* ProblemFamilyName(ProblemFamily family);
// The family of a name ProblemFamilyName writes; nullopt for any other text.
std::optional<ProblemFamily> ProblemFamilyFromName(const std::string& name);

struct SyntheticOptions {
  uint64_t seed = 1;
  int min_difficulty = 1;  // problem i has difficulty min + i % (max - min + 1) ...
  int max_difficulty = 8;
  // ... unless weights are given: weight w_k for level min + k, and levels repeat in a fixed
  // cycle holding level min + k exactly w_k times (e.g. {2, 1} -> min, min, min+1, ...).
  std::vector<int> difficulty_weights;
  double word_problem_share = 0.5;  // arithmetic: the rest are expressions
  ProblemSplit split = ProblemSplit::kAny;
  ProblemFamily family = ProblemFamily::kArithmetic;  // which generator makes the problems
};

// Problem `index` of options.family's stream; problems 0..count-1.
Problem MakeSyntheticProblem(const SyntheticOptions& options, long index);
std::vector<Problem> MakeSyntheticProblems(const SyntheticOptions& options, long count);

// The difficulty of problem `index` under the options' range and weights (the rule written
// on SyntheticOptions), the same for every family; throws std::invalid_argument for a
// range outside 1..8 or weights that do not fit it.
int SyntheticDifficulty(const SyntheticOptions& options, long index);
// "<prefix>-<seed>-<index>", with "-train-" / "-heldout-" in place of the middle "-" when
// options.split asks for one part: problem i of a seed differs between splits.
std::string SyntheticProblemId(const std::string& prefix, const SyntheticOptions& options, long index);

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

// Step truth for a synthetic problem of any family, from its question text: for a
// countdown question (ParseCountdownQuestion succeeds) CountdownStepRight, which needs the
// previous steps; for every other question the arithmetic rule CheckCalculation(step),
// which ignores them (so a final "The answer is N" step is false there: the grader
// judges it against gold).
bool SyntheticStepRight(const std::string& question, const std::vector<std::string>& previous_steps,
                        const std::string& step);
// True for questions that carry their own check (countdown questions).
bool HasTargetCheck(const std::string& question);
// Whether `steps` reach the question's target, for questions that carry one: for a
// countdown question CountdownSolutionRight; nullopt for every other question.
std::optional<bool> TargetCheck(const std::string& question, const std::vector<std::string>& steps);
// The grade of a finished solution: its answer equals the gold answer (AnswersEqual) and,
// where the question carries its own check, the whole path passes it (TargetCheck), so
// stating a countdown target after invalid steps is wrong. False without answer or gold.
bool SolutionCorrect(const std::string& question, const std::optional<std::string>& gold,
                     const std::vector<std::string>& steps, const std::optional<std::string>& answer);

}  // namespace steptree

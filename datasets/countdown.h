// The countdown family: reach a target from given numbers, each used exactly once, with
// + - * /, and an exact solver that gives every step its truth.
//
// Rules. "Use 3, 7, 25 and 50 to make 100 (each number once; + - * /)." A solution
// combines two available numbers at a time until one number is left, and that number must
// be the target. Every intermediate result must be a positive integer: no zero, no
// negatives, no fractions (a / b only when b divides a), and it must fit a long long. All
// numbers must be used. This is the game of the "Letters and Numbers" / Countdown TV shows;
// Gandhi et al. 2024 ("Stream of Search (SoS): Learning to Search in Language") use it as
// the domain in which a language model learns to search, because the arithmetic is easy
// and choosing the next step is what is hard.
//
// Step format (a calculator tool writes "RESULT>>" after the policy writes "<<a op b="):
//   a move        "<<a op b=c>> left: x, y, z"   op in + - * /, c = a op b exactly, and
//                 `left:` the numbers available afterwards: the previous list (the
//                 question's numbers in question order before the first move) with one
//                 occurrence each of a and b removed and c appended at the end.
//   the final     "The answer is N"              (the arithmetic family's wording, so the
//   step                                          grader's ExtractAnswer reads it)
// Spaces around tokens are optional when parsing; `left:` is compared as a multiset.
// Writing uses exactly the format above, the larger operand first. Example for 3, 7, 25,
// 50 -> 100:
//   <<50-25=25>> left: 3, 7, 25
//   <<7-3=4>> left: 25, 4
//   <<25*4=100>> left: 100
//   The answer is 100
// A reference solution is the n-1 moves that use all n numbers, then the final step.
//
// Levels (CountdownLevelFor; numbers drawn uniformly from 1..max_number, repeats allowed,
// shown in ascending order; the target is the result of a random valid reduction of them
// that lands in [min_target, max_target]):
//   difficulty  count  numbers  targets
//        1        3     1-10    10-50
//        2        3     1-13    10-99
//        3        4     1-13    10-99
//        4        4     1-25    10-199
//        5        5     1-13    10-199
//        6        5     1-25    100-499
//        7        6     1-25    100-999
//        8        6     1-50    100-999
//
// Solver (CanReachTarget, SolveCountdown): depth-first pair reduction over multisets.
// A state is the sorted multiset of the numbers left; from a state of k numbers it tries
// each distinct pair of values {x <= y} and each distinct positive-integer result of
// y+x, y-x, y*x, y/x, and recurses on the state with x and y replaced by the result. A
// state of one number reaches the target when it equals it; a state of two is decided
// directly. States of three or more numbers that cannot reach the target are remembered
// (memoisation on the sorted multiset), so each is explored once per query, and a state is
// cut when the target is not below the product of its (x+1) (no combination of positive
// integers x, y reaches (x+1)(y+1)). Cost: at most 15*4 = 60 children of a 6-number state,
// 10*4 of a 5-number state, ..., so a query visits at most about 60 five-number, 2,400
// four-number and 58,000 three-number states. Measured on 6 numbers from 1..50 with
// targets 100..999 (-O2, one core): median 0.25 ms, mean 0.7 ms, at most about 12 ms;
// unreachable targets, which must exhaust the space, mean 4 ms. Five numbers (the first
// step of a 6-number problem) take about 0.05 ms. The search is exact, never a heuristic.
//
// Step truth. A move is right when every step before it is a valid move, it is a valid
// move itself (its operands are available, c is the exact positive-integer result, its
// `left:` list is the numbers really left) and the numbers left can still reach the target
// (the solver). A final step is right when the moves before it are valid, exactly one
// number is left, it equals the target, and the stated answer equals the target. So a step
// is right exactly when some continuation of it is a correct solution: a perfect process
// verifier for search (oracle values), label audits and PRM data.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "datasets/problem.h"
#include "datasets/synthetic.h"

namespace steptree {

// Questions with more numbers are not countdown questions (ParseCountdownQuestion): the
// exact solver's cost grows about 50-fold per extra number.
inline constexpr int kMaxCountdownNumbers = 6;

struct CountdownProblem {
  std::vector<long long> numbers;  // positive, in question order
  long long target = 0;            // positive
};

struct CountdownLevel {
  int count;             // how many numbers
  int max_number;        // numbers are drawn from 1..max_number
  long long min_target;  // the target lies in [min_target, max_target]
  long long max_target;
};
// d in [kMinDifficulty, kMaxDifficulty]; throws std::out_of_range otherwise.
CountdownLevel CountdownLevelFor(int difficulty);

// "Use 3, 7 and 25 to make 46 (each number once; + - * /)."
std::string CountdownQuestion(const CountdownProblem& problem);
// The exact inverse of CountdownQuestion: the problem when `question` is exactly the text
// CountdownQuestion writes for 1..kMaxCountdownNumbers positive numbers and a positive
// target, nullopt for any other text.
std::optional<CountdownProblem> ParseCountdownQuestion(const std::string& question);

// Problem `index` of the countdown stream (options.family is not consulted): it depends
// only on (options.seed, index, options.split), its difficulty follows SyntheticDifficulty,
// and its reference solution is the random reduction that made the target.
// Problem::source is "countdown"; the id is "countdown-<seed>[-train|-heldout]-<index>".
Problem MakeCountdownProblem(const SyntheticOptions& options, long index);

// a op b under the rules: the result when it is a positive integer that fits a long long
// (a - b > 0, b divides a), nullopt otherwise or for an op outside + - * /.
std::optional<long long> CountdownCombine(long long a, char op, long long b);

// True when the numbers, each used exactly once, can make the target. One number: it
// equals the target. No numbers: false.
bool CanReachTarget(const std::vector<long long>& numbers, long long target);

// A solution in the step format (moves, then "The answer is TARGET"), nullopt when there is
// none. Deterministic: the solver's first solution in its fixed search order.
std::optional<std::vector<std::string>> SolveCountdown(const CountdownProblem& problem);

// A move as written, before any check against the problem.
struct CountdownMove {
  long long a = 0;
  char op = '+';
  long long b = 0;
  long long result = 0;          // c as written (may be wrong or negative)
  std::vector<long long> left;   // the `left:` list as written
};
// "<<a op b=c>> left: x, y, ..." with optional spaces between tokens; integers of at most
// 18 digits, a leading '-' allowed (so "<<3-7=-4>>" parses and then fails the rules);
// `left:` holds at least one number. Nullopt for anything else.
std::optional<CountdownMove> ParseCountdownMove(const std::string& step);
// The step text of a move: "<<a op b=c>> left: x, y, z".
std::string FormatCountdownMove(const CountdownMove& move);

// Why a step is right or wrong (JudgeCountdownStep).
enum class CountdownStepVerdict {
  kRight,               // a valid move that can still reach the target, or the right final step
  kBrokenHistory,       // a previous step is not a valid move
  kUnparsable,          // neither a move nor a final step with an answer
  kOperandUnavailable,  // a or b is not among the numbers left (or is used twice)
  kInvalidResult,       // a op b is not a positive integer (zero, negative, fraction, overflow)
  kWrongResult,         // c differs from a op b
  kWrongLeft,           // the `left:` list differs, as a multiset, from the numbers really left
  kDeadEnd,             // a valid move after which the target cannot be reached
  kUnfinished,          // a final step while more (or fewer) than one number is left
  kWrongAnswer,         // a final step whose number left or stated answer is not the target
};
const char* CountdownStepVerdictName(CountdownStepVerdict verdict);

// The numbers left after `steps`, all of which must be valid moves (in list order: the
// question's numbers, then per move a and b removed, c appended); nullopt when a step is
// not a valid move (unparsable, a final step, an operand not available, a result that is
// wrong or not a positive integer, or a `left:` list that is not the true multiset).
std::optional<std::vector<long long>> CountdownNumbersLeft(const CountdownProblem& problem,
                                                           const std::vector<std::string>& steps);

// The verdict on `step` after `previous_steps` (see "Step truth" above). A step is a final
// step when it is not a move and ExtractAnswer finds an answer in it; that answer must
// equal the target by AnswersEqual, as the grader compares answers with gold.
CountdownStepVerdict JudgeCountdownStep(const CountdownProblem& problem,
                                        const std::vector<std::string>& previous_steps,
                                        const std::string& step);
// JudgeCountdownStep(...) == kRight.
bool CountdownStepRight(const CountdownProblem& problem, const std::vector<std::string>& previous_steps,
                        const std::string& step);

// True when every step but the last is a valid move and the last is a right final step:
// the whole trajectory solves the problem. Stating the target without the moves is wrong.
bool CountdownSolutionRight(const CountdownProblem& problem, const std::vector<std::string>& steps);

}  // namespace steptree

#include "datasets/countdown.h"

#include <algorithm>
#include <cctype>
#include <stdexcept>
#include <unordered_set>

#include "datasets/answer.h"
#include "core/rng.h"

namespace steptree {
namespace {

// Level d is kCountdownLevels[d - 1] (the table in the header).
constexpr CountdownLevel kCountdownLevels[] = {
    {3, 10, 10, 50},   {3, 13, 10, 99},   {4, 13, 10, 99},   {4, 25, 10, 199},
    {5, 13, 10, 199},  {5, 25, 100, 499}, {6, 25, 100, 999}, {6, 50, 100, 999},
};

constexpr char kOps[] = {'+', '-', '*', '/'};

constexpr const char* kQuestionLead = "Use ";
constexpr const char* kQuestionMiddle = " to make ";
constexpr const char* kQuestionRules = " (each number once; + - * /).";
constexpr const char* kFinalStepLead = "The answer is ";

// Question numbers and targets have at most this many digits (their products then stay far
// from overflow for small counts; CountdownCombine checks anyway).
constexpr size_t kMaxQuestionDigits = 15;
// Integers in a written move have at most this many digits, so reading them cannot overflow.
constexpr size_t kMaxMoveDigits = 18;

// Generation: random reductions tried per draw of numbers, and draws before giving up
// (a level whose ranges make that happen is a bug in the table above).
constexpr int kReductionsPerDraw = 32;
constexpr int kMaxNumberDraws = 10000;

std::string JoinNumbers(const std::vector<long long>& numbers, const char* separator) {
  std::string text;
  for (size_t k = 0; k < numbers.size(); ++k) {
    if (k > 0) text += separator;
    text += std::to_string(numbers[k]);
  }
  return text;
}

// Removes the first occurrence of `value`; false when there is none.
bool RemoveOne(std::vector<long long>* numbers, long long value) {
  const auto found = std::find(numbers->begin(), numbers->end(), value);
  if (found == numbers->end()) return false;
  numbers->erase(found);
  return true;
}

bool SameMultiset(std::vector<long long> a, std::vector<long long> b) {
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  return a == b;
}

// ---------------------------------------------------------------------------------------
// The solver.

// One reduction of the solver's path: a op b = result, a >= b.
struct Reduction {
  long long a;
  char op;
  long long b;
  long long result;
};

struct MultisetHash {
  size_t operator()(const std::vector<long long>& numbers) const {
    uint64_t h = numbers.size();
    for (long long x : numbers) h = SplitMix64(h ^ static_cast<uint64_t>(x));
    return static_cast<size_t>(h);
  }
};

// False only when no reduction of `state` can reach `target`: every result of combining
// positive integers x and y is below (x+1)(y+1), so every value reachable from a state is
// below the product of its (x+1).
bool BelowReachBound(const std::vector<long long>& state, long long target) {
  long long bound = 1;
  for (long long x : state) {
    if (__builtin_mul_overflow(bound, x + 1, &bound)) return true;
  }
  return target < bound;
}

// Depth-first pair reduction towards one target (the algorithm in the header).
// Invariants: every state passed to Reach is sorted ascending; dead_ holds only states of
// three or more numbers that cannot reach target_ (true results return at once, so they
// need no memo).
class ReductionSearch {
 public:
  explicit ReductionSearch(long long target) : target_(target) {}

  // True when `state` can reach the target. When `path` is given and the answer is true,
  // the reductions that reach it are appended deepest first (the caller reverses them).
  bool Reach(const std::vector<long long>& state, std::vector<Reduction>* path) {
    const size_t n = state.size();
    if (n == 0) return false;
    if (n == 1) return state[0] == target_;
    if (n == 2) {
      for (char op : kOps) {
        const std::optional<long long> result = CountdownCombine(state[1], op, state[0]);
        if (result && *result == target_) {
          if (path) path->push_back({state[1], op, state[0], *result});
          return true;
        }
      }
      return false;
    }
    if (!BelowReachBound(state, target_) || dead_.count(state)) return false;
    std::vector<long long> child;
    child.reserve(n - 1);
    for (size_t i = 0; i < n; ++i) {
      if (i > 0 && state[i] == state[i - 1]) continue;  // each distinct pair of values once
      for (size_t j = i + 1; j < n; ++j) {
        if (j > i + 1 && state[j] == state[j - 1]) continue;
        const long long small = state[i];
        const long long large = state[j];
        long long tried[4];
        int tried_count = 0;
        for (char op : kOps) {
          const std::optional<long long> result = CountdownCombine(large, op, small);
          if (!result || std::find(tried, tried + tried_count, *result) != tried + tried_count) continue;
          tried[tried_count++] = *result;
          // child = state without positions i and j, with the result inserted in order.
          child.clear();
          bool inserted = false;
          for (size_t k = 0; k < n; ++k) {
            if (k == i || k == j) continue;
            if (!inserted && *result <= state[k]) {
              child.push_back(*result);
              inserted = true;
            }
            child.push_back(state[k]);
          }
          if (!inserted) child.push_back(*result);
          if (Reach(child, path)) {
            if (path) path->push_back({large, op, small, *result});
            return true;
          }
        }
      }
    }
    dead_.insert(state);
    return false;
  }

 private:
  const long long target_;
  std::unordered_set<std::vector<long long>, MultisetHash> dead_;
};

// ---------------------------------------------------------------------------------------
// Reading moves.

// A cursor over a step's text; every read skips the spaces before its token.
class StepReader {
 public:
  explicit StepReader(const std::string& text) : text_(text) {}

  bool Literal(const char* literal) {
    SkipSpaces();
    const size_t length = std::char_traits<char>::length(literal);
    if (text_.compare(i_, length, literal) != 0) return false;
    i_ += length;
    return true;
  }
  // An integer: an optional '-', then 1..kMaxMoveDigits digits.
  bool Integer(long long* out) {
    SkipSpaces();
    const bool negative = i_ < text_.size() && text_[i_] == '-';
    if (negative) ++i_;
    const size_t begin = i_;
    long long value = 0;
    while (i_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[i_]))) {
      if (i_ - begin >= kMaxMoveDigits) return false;
      value = value * 10 + (text_[i_] - '0');
      ++i_;
    }
    if (i_ == begin) return false;
    *out = negative ? -value : value;
    return true;
  }
  bool Op(char* out) {
    SkipSpaces();
    if (i_ >= text_.size() || std::find(std::begin(kOps), std::end(kOps), text_[i_]) == std::end(kOps)) {
      return false;
    }
    *out = text_[i_++];
    return true;
  }
  bool AtEnd() {
    SkipSpaces();
    return i_ == text_.size();
  }

 private:
  void SkipSpaces() {
    while (i_ < text_.size() && text_[i_] == ' ') ++i_;
  }
  const std::string& text_;
  size_t i_ = 0;
};

// Applies a parsed move to the numbers available before it: kRight with `after` set to the
// numbers left (first occurrences of a and b removed, the true result appended) when the
// move is valid, otherwise why it is not (never kDeadEnd: reachability is the caller's).
CountdownStepVerdict ApplyMove(const std::vector<long long>& before, const CountdownMove& move,
                               std::vector<long long>* after) {
  *after = before;
  if (!RemoveOne(after, move.a) || !RemoveOne(after, move.b)) return CountdownStepVerdict::kOperandUnavailable;
  const std::optional<long long> result = CountdownCombine(move.a, move.op, move.b);
  if (!result) return CountdownStepVerdict::kInvalidResult;
  if (*result != move.result) return CountdownStepVerdict::kWrongResult;
  after->push_back(*result);
  if (!SameMultiset(*after, move.left)) return CountdownStepVerdict::kWrongLeft;
  return CountdownStepVerdict::kRight;
}

// ---------------------------------------------------------------------------------------
// Generation.

struct MadeCountdown {
  CountdownProblem problem;
  std::vector<std::string> moves;  // the random reduction that made the target
};

// Draws numbers for `level` and reduces them at random (a random pair, a random op whose
// result is a positive integer, repeated until one number is left) until the last number
// lies in the level's target range; that reduction is the reference solution.
MadeCountdown DrawCountdown(Rng& rng, const CountdownLevel& level) {
  for (int draw = 0; draw < kMaxNumberDraws; ++draw) {
    std::vector<long long> numbers(level.count);
    for (long long& x : numbers) x = rng.Uniform(1, level.max_number);
    std::sort(numbers.begin(), numbers.end());  // question order: ascending
    for (int reduction = 0; reduction < kReductionsPerDraw; ++reduction) {
      std::vector<long long> left = numbers;
      std::vector<std::string> moves;
      while (left.size() > 1) {
        const size_t i = rng.Uniform(0, left.size() - 1);
        size_t j = rng.Uniform(0, left.size() - 2);
        if (j >= i) ++j;
        CountdownMove move{left[i], rng.Pick(kOps), left[j], 0, {}};
        if ((move.op == '-' || move.op == '/') && move.a < move.b) std::swap(move.a, move.b);
        const std::optional<long long> result = CountdownCombine(move.a, move.op, move.b);
        if (!result) continue;  // draw another pair and op
        RemoveOne(&left, move.a);
        RemoveOne(&left, move.b);
        left.push_back(*result);
        move.result = *result;
        move.left = left;
        moves.push_back(FormatCountdownMove(move));
      }
      if (left[0] >= level.min_target && left[0] <= level.max_target) {
        return {{numbers, left[0]}, moves};
      }
    }
  }
  throw std::logic_error("countdown level cannot make targets in its range");
}

}  // namespace

CountdownLevel CountdownLevelFor(int difficulty) {
  if (difficulty < kMinDifficulty || difficulty > kMaxDifficulty) {
    throw std::out_of_range("difficulty must be in 1..8");
  }
  return kCountdownLevels[difficulty - 1];
}

std::string CountdownQuestion(const CountdownProblem& problem) {
  std::string numbers;
  const size_t n = problem.numbers.size();
  for (size_t k = 0; k < n; ++k) {
    if (k > 0) numbers += k + 1 == n ? " and " : ", ";
    numbers += std::to_string(problem.numbers[k]);
  }
  return kQuestionLead + numbers + kQuestionMiddle + std::to_string(problem.target) + kQuestionRules;
}

std::optional<CountdownProblem> ParseCountdownQuestion(const std::string& question) {
  // Read every digit run as a number, the last one as the target; then the text must be
  // exactly what CountdownQuestion writes for them, which makes this its inverse.
  const std::string lead = kQuestionLead;
  if (question.compare(0, lead.size(), lead) != 0) return std::nullopt;
  const size_t middle = question.find(kQuestionMiddle);
  if (middle == std::string::npos) return std::nullopt;
  std::vector<long long> values;
  for (size_t i = lead.size(); i < question.size();) {
    if (!std::isdigit(static_cast<unsigned char>(question[i]))) {
      ++i;
      continue;
    }
    const size_t begin = i;
    while (i < question.size() && std::isdigit(static_cast<unsigned char>(question[i]))) ++i;
    if (i - begin > kMaxQuestionDigits) return std::nullopt;
    values.push_back(std::stoll(question.substr(begin, i - begin)));
  }
  if (values.size() < 2 || values.size() > static_cast<size_t>(kMaxCountdownNumbers) + 1) return std::nullopt;
  CountdownProblem problem;
  problem.target = values.back();
  values.pop_back();
  problem.numbers = std::move(values);
  if (problem.target < 1) return std::nullopt;
  for (long long x : problem.numbers) {
    if (x < 1) return std::nullopt;
  }
  if (CountdownQuestion(problem) != question) return std::nullopt;
  return problem;
}

Problem MakeCountdownProblem(const SyntheticOptions& options, long index) {
  const int difficulty = SyntheticDifficulty(options, index);
  const CountdownLevel level = CountdownLevelFor(difficulty);
  // The family's own streams, so countdown and arithmetic problems of a seed are unrelated.
  const uint64_t family_seed = DeriveSeed(options.seed, HashString("countdown"));
  // Draw attempts until the question falls in the requested split; attempt 0 for kAny.
  for (uint64_t attempt = 0;; ++attempt) {
    Rng rng(DeriveSeed(DeriveSeed(family_seed, static_cast<uint64_t>(index)), attempt));
    const MadeCountdown made = DrawCountdown(rng, level);
    const std::string question = CountdownQuestion(made.problem);
    if (!InSplit(question, options.split)) continue;
    return GeneratedProblem(SyntheticProblemId("countdown", options, index), question, made.problem.target,
                            made.moves, "countdown", difficulty,
                            {{"numbers", made.problem.numbers}, {"target", made.problem.target}});
  }
}

std::optional<long long> CountdownCombine(long long a, char op, long long b) {
  if (a < 1 || b < 1) return std::nullopt;
  long long result = 0;
  switch (op) {
    case '+':
      if (__builtin_add_overflow(a, b, &result)) return std::nullopt;
      return result;
    case '-':
      if (a <= b) return std::nullopt;
      return a - b;
    case '*':
      if (__builtin_mul_overflow(a, b, &result)) return std::nullopt;
      return result;
    case '/':
      if (a % b != 0) return std::nullopt;
      return a / b;
    default: return std::nullopt;
  }
}

bool CanReachTarget(const std::vector<long long>& numbers, long long target) {
  std::vector<long long> state = numbers;
  std::sort(state.begin(), state.end());
  return ReductionSearch(target).Reach(state, nullptr);
}

std::optional<std::vector<std::string>> SolveCountdown(const CountdownProblem& problem) {
  std::vector<long long> state = problem.numbers;
  std::sort(state.begin(), state.end());
  std::vector<Reduction> path;
  if (!ReductionSearch(problem.target).Reach(state, &path)) return std::nullopt;
  std::reverse(path.begin(), path.end());
  std::vector<std::string> steps;
  std::vector<long long> left = problem.numbers;
  for (const Reduction& reduction : path) {
    RemoveOne(&left, reduction.a);
    RemoveOne(&left, reduction.b);
    left.push_back(reduction.result);
    steps.push_back(FormatCountdownMove({reduction.a, reduction.op, reduction.b, reduction.result, left}));
  }
  steps.push_back(kFinalStepLead + std::to_string(problem.target));
  return steps;
}

std::optional<CountdownMove> ParseCountdownMove(const std::string& step) {
  StepReader reader(step);
  CountdownMove move;
  if (!reader.Literal("<<") || !reader.Integer(&move.a) || !reader.Op(&move.op) || !reader.Integer(&move.b) ||
      !reader.Literal("=") || !reader.Integer(&move.result) || !reader.Literal(">>") || !reader.Literal("left") ||
      !reader.Literal(":")) {
    return std::nullopt;
  }
  do {
    long long x = 0;
    if (!reader.Integer(&x)) return std::nullopt;
    move.left.push_back(x);
  } while (reader.Literal(","));
  if (!reader.AtEnd()) return std::nullopt;
  return move;
}

std::string FormatCountdownMove(const CountdownMove& move) {
  return "<<" + std::to_string(move.a) + move.op + std::to_string(move.b) + "=" + std::to_string(move.result) +
         ">> left: " + JoinNumbers(move.left, ", ");
}

const char* CountdownStepVerdictName(CountdownStepVerdict verdict) {
  switch (verdict) {
    case CountdownStepVerdict::kRight: return "right";
    case CountdownStepVerdict::kBrokenHistory: return "broken history";
    case CountdownStepVerdict::kUnparsable: return "unparsable";
    case CountdownStepVerdict::kOperandUnavailable: return "operand unavailable";
    case CountdownStepVerdict::kInvalidResult: return "invalid result";
    case CountdownStepVerdict::kWrongResult: return "wrong result";
    case CountdownStepVerdict::kWrongLeft: return "wrong left list";
    case CountdownStepVerdict::kDeadEnd: return "dead end";
    case CountdownStepVerdict::kUnfinished: return "unfinished";
    case CountdownStepVerdict::kWrongAnswer: return "wrong answer";
  }
  return "unknown";
}

std::optional<std::vector<long long>> CountdownNumbersLeft(const CountdownProblem& problem,
                                                           const std::vector<std::string>& steps) {
  std::vector<long long> left = problem.numbers;
  std::vector<long long> after;
  for (const std::string& step : steps) {
    const std::optional<CountdownMove> move = ParseCountdownMove(step);
    if (!move || ApplyMove(left, *move, &after) != CountdownStepVerdict::kRight) return std::nullopt;
    left.swap(after);
  }
  return left;
}

CountdownStepVerdict JudgeCountdownStep(const CountdownProblem& problem,
                                        const std::vector<std::string>& previous_steps,
                                        const std::string& step) {
  const std::optional<std::vector<long long>> before = CountdownNumbersLeft(problem, previous_steps);
  if (!before) return CountdownStepVerdict::kBrokenHistory;
  if (const std::optional<CountdownMove> move = ParseCountdownMove(step)) {
    std::vector<long long> after;
    const CountdownStepVerdict verdict = ApplyMove(*before, *move, &after);
    if (verdict != CountdownStepVerdict::kRight) return verdict;
    return CanReachTarget(after, problem.target) ? CountdownStepVerdict::kRight : CountdownStepVerdict::kDeadEnd;
  }
  const std::optional<std::string> answer = ExtractAnswer(step);
  if (!answer) return CountdownStepVerdict::kUnparsable;
  if (before->size() != 1) return CountdownStepVerdict::kUnfinished;
  if (before->front() != problem.target || !AnswersEqual(*answer, std::to_string(problem.target))) {
    return CountdownStepVerdict::kWrongAnswer;
  }
  return CountdownStepVerdict::kRight;
}

bool CountdownStepRight(const CountdownProblem& problem, const std::vector<std::string>& previous_steps,
                        const std::string& step) {
  return JudgeCountdownStep(problem, previous_steps, step) == CountdownStepVerdict::kRight;
}

bool CountdownSolutionRight(const CountdownProblem& problem, const std::vector<std::string>& steps) {
  if (steps.empty() || ParseCountdownMove(steps.back())) return false;  // must end with the final step
  const std::vector<std::string> moves(steps.begin(), steps.end() - 1);
  return JudgeCountdownStep(problem, moves, steps.back()) == CountdownStepVerdict::kRight;
}

}  // namespace steptree

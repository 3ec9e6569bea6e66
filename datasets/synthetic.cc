#include "datasets/synthetic.h"

#include <cctype>
#include <stdexcept>

#include "datasets/answer.h"
#include "datasets/countdown.h"
#include "core/rng.h"

namespace steptree {
namespace {

// Operand ranges grow with difficulty so long problems are also numerically harder.
// Levels 1-2 use small operands, so their facts are few and seen often: a small model
// learns them first, and the long, large-number levels keep the headroom search closes.
constexpr SyntheticLevel kLevels[] = {
    {1, 9, 9, 81},      {2, 12, 9, 120},    {3, 20, 9, 200},    {4, 50, 9, 500},
    {5, 99, 12, 999},   {6, 200, 12, 2000}, {7, 500, 15, 5000}, {8, 999, 20, 9999},
};

enum Precedence { kAtom = 3, kProduct = 2, kSum = 1 };

int PrecedenceOf(char op) { return op == '+' || op == '-' ? kSum : kProduct; }

long long Apply(long long a, char op, long long b) {
  switch (op) {
    case '+': return a + b;
    case '-': return a - b;
    case '*': return a * b;
    default: return a / b;
  }
}

// One operation of the chain: value_before (op) operand, or operand (op) value_before
// when operand_first (only in expressions; never for /).
struct Operation {
  char op;
  long long operand;
  bool operand_first;
};

// Picks an operation keeping the result an exact integer in [0, level.max_result];
// nullopt when the drawn operator has no valid operand for `value`.
std::optional<Operation> DrawOperation(Rng& rng, const SyntheticLevel& level, long long value,
                                       bool allow_operand_first) {
  static constexpr char kOps[] = {'+', '-', '*', '/'};
  const char op = kOps[rng.Uniform(0, 3)];
  switch (op) {
    case '+': {
      const long long hi = std::min<long long>(level.max_operand, level.max_result - value);
      if (hi < 1) return std::nullopt;
      return Operation{op, rng.Uniform(1, hi), allow_operand_first && rng.Bernoulli(0.3)};
    }
    case '-': {
      if (allow_operand_first && value < level.max_operand && rng.Bernoulli(0.3)) {
        return Operation{op, rng.Uniform(value + 1, level.max_operand), true};
      }
      const long long hi = std::min<long long>(level.max_operand, value - 1);
      if (hi < 1) return std::nullopt;
      return Operation{op, rng.Uniform(1, hi), false};
    }
    case '*': {
      if (value < 2) return std::nullopt;
      const long long hi = std::min<long long>(level.max_factor, level.max_result / value);
      if (hi < 2) return std::nullopt;
      return Operation{op, rng.Uniform(2, hi), allow_operand_first && rng.Bernoulli(0.3)};
    }
    default: {
      std::vector<long long> divisors;
      for (long long d = 2; d <= level.max_factor && d < value; ++d) {
        if (value % d == 0) divisors.push_back(d);
      }
      if (divisors.empty()) return std::nullopt;
      return Operation{op, divisors[rng.Uniform(0, divisors.size() - 1)], false};
    }
  }
}

struct Chain {
  long long start;
  std::vector<Operation> operations;
  std::vector<std::string> steps;  // "a op b=c" per operation
  long long answer;
};

Chain DrawChain(Rng& rng, const SyntheticLevel& level, bool allow_operand_first) {
  Chain chain;
  chain.start = rng.Uniform(2, level.max_operand);
  long long value = chain.start;
  while (static_cast<int>(chain.operations.size()) < level.steps) {
    std::optional<Operation> operation = DrawOperation(rng, level, value, allow_operand_first);
    if (!operation) continue;
    const long long lhs = operation->operand_first ? operation->operand : value;
    const long long rhs = operation->operand_first ? value : operation->operand;
    const long long result = Apply(lhs, operation->op, rhs);
    chain.steps.push_back(std::to_string(lhs) + operation->op + std::to_string(rhs) + "=" +
                          std::to_string(result));
    chain.operations.push_back(*operation);
    value = result;
  }
  chain.answer = value;
  return chain;
}

// Renders the chain with the parentheses its evaluation order needs, so that evaluating
// the expression by the usual rules performs exactly the reference steps, in order.
std::string RenderExpression(const Chain& chain) {
  std::string text = std::to_string(chain.start);
  int top = kAtom;  // precedence of the outermost operator of `text`
  for (const Operation& operation : chain.operations) {
    const int precedence = PrecedenceOf(operation.op);
    const std::string operand = std::to_string(operation.operand);
    if (operation.operand_first) {
      // The chain is the right operand: parenthesise it unless it is an atom or binds tighter.
      const std::string inner = top <= precedence ? "(" + text + ")" : text;
      text = operand + operation.op + inner;
    } else {
      const std::string inner = top < precedence ? "(" + text + ")" : text;
      text = inner + operation.op + operand;
    }
    top = precedence;
  }
  return text;
}

struct Person {
  const char* name;
  const char* pronoun;  // capitalised subject pronoun
};
constexpr Person kPeople[] = {{"Ava", "She"},  {"Ben", "He"},  {"Mia", "She"}, {"Leo", "He"},
                              {"Zoe", "She"},  {"Sam", "He"},  {"Ivy", "She"}, {"Max", "He"},
                              {"Lily", "She"}, {"Noah", "He"}, {"Emma", "She"}, {"Omar", "He"},
                              {"Nina", "She"}, {"Raj", "He"},  {"Sara", "She"}, {"Tom", "He"}};
constexpr const char* kItems[] = {"apples", "marbles", "stickers", "coins", "cards",
                                  "books",  "pencils", "stamps",   "shells", "beads"};
constexpr const char* kExpressionLeads[] = {"Compute", "Calculate", "Evaluate", "What is"};

std::string Sentence(Rng& rng, const Operation& operation, const char* pronoun) {
  const std::string n = std::to_string(operation.operand);
  const std::string p = pronoun;
  switch (operation.op) {
    case '+': {
      static constexpr const char* kVerbs[] = {"gets", "buys", "finds", "wins"};
      return p + " " + rng.Pick(kVerbs) + " " + n + " more.";
    }
    case '-': {
      static constexpr const char* kVerbs[] = {"gives away", "loses", "sells", "uses"};
      return p + " " + rng.Pick(kVerbs) + " " + n + ".";
    }
    case '*':
      return rng.Bernoulli(0.5) ? "Then " + std::string(pronoun[0] == 'S' ? "she" : "he") +
                                      " has " + n + " times as many."
                                : p + " multiplies them by " + n + ".";
    default:
      return rng.Bernoulli(0.5) ? p + " splits them into " + n + " equal piles and keeps one."
                                : p + " keeps one of " + n + " equal shares.";
  }
}

std::string RenderWordProblem(Rng& rng, const Chain& chain) {
  const Person& person = rng.Pick(kPeople);
  const std::string items = rng.Pick(kItems);
  std::string text = std::string(person.name) + " has " + std::to_string(chain.start) + " " + items + ".";
  for (const Operation& operation : chain.operations) {
    text += " " + Sentence(rng, operation, person.pronoun);
  }
  text += " How many " + items + " does " + person.name + " have now?";
  return text;
}

}  // namespace

SyntheticLevel LevelFor(int difficulty) {
  if (difficulty < kMinDifficulty || difficulty > kMaxDifficulty) {
    throw std::out_of_range("difficulty must be in 1..8");
  }
  return kLevels[difficulty - 1];
}

bool IsHeldOutQuestion(const std::string& question) {
  return HashString("steptree-split:" + question) % 10 == 0;
}

Problem GeneratedProblem(std::string id, std::string question, long long answer, std::vector<std::string> steps,
                         const std::string& source, int difficulty, const nlohmann::json& extra) {
  Problem problem;
  problem.id = std::move(id);
  problem.question = std::move(question);
  problem.gold = std::to_string(answer);
  problem.reference_steps = std::move(steps);
  problem.reference_steps.push_back("The answer is " + *problem.gold);
  problem.source = source;
  problem.difficulty = difficulty;
  problem.record = extra;
  problem.record["id"] = problem.id;
  problem.record["question"] = problem.question;
  problem.record["answer"] = *problem.gold;
  problem.record["steps"] = problem.reference_steps;
  problem.record["difficulty"] = difficulty;
  problem.record["source"] = source;
  return problem;
}

bool InSplit(const std::string& question, ProblemSplit split) {
  return split == ProblemSplit::kAny || IsHeldOutQuestion(question) == (split == ProblemSplit::kHeldOut);
}

const char* ProblemFamilyName(ProblemFamily family) {
  switch (family) {
    case ProblemFamily::kArithmetic: return "arithmetic";
    case ProblemFamily::kCountdown: return "countdown";
  }
  return "arithmetic";
}

std::optional<ProblemFamily> ProblemFamilyFromName(const std::string& name) {
  for (ProblemFamily family : {ProblemFamily::kArithmetic, ProblemFamily::kCountdown}) {
    if (name == ProblemFamilyName(family)) return family;
  }
  return std::nullopt;
}

int SyntheticDifficulty(const SyntheticOptions& options, long index) {
  if (options.min_difficulty < kMinDifficulty || options.max_difficulty > kMaxDifficulty ||
      options.min_difficulty > options.max_difficulty) {
    throw std::invalid_argument("difficulty range must lie in 1..8");
  }
  const int span = options.max_difficulty - options.min_difficulty + 1;
  if (options.difficulty_weights.empty()) return options.min_difficulty + static_cast<int>(index % span);
  if (static_cast<int>(options.difficulty_weights.size()) != span) {
    throw std::invalid_argument("difficulty_weights needs one weight per level of the range");
  }
  long cycle = 0;
  for (int w : options.difficulty_weights) {
    if (w < 0) throw std::invalid_argument("difficulty weights must be >= 0");
    cycle += w;
  }
  if (cycle == 0) throw std::invalid_argument("difficulty weights must not all be 0");
  long position = index % cycle;
  int level = 0;
  while (position >= options.difficulty_weights[level]) position -= options.difficulty_weights[level++];
  return options.min_difficulty + level;
}

std::string SyntheticProblemId(const std::string& prefix, const SyntheticOptions& options, long index) {
  static constexpr const char* kSplitTags[] = {"-", "-train-", "-heldout-"};
  return prefix + "-" + std::to_string(options.seed) + kSplitTags[static_cast<int>(options.split)] +
         std::to_string(index);
}

Problem MakeSyntheticProblem(const SyntheticOptions& options, long index) {
  if (options.family == ProblemFamily::kCountdown) return MakeCountdownProblem(options, index);
  const int difficulty = SyntheticDifficulty(options, index);
  const SyntheticLevel level = LevelFor(difficulty);
  // Draw attempts until the question falls in the requested split; attempt 0 for kAny.
  for (uint64_t attempt = 0;; ++attempt) {
    Rng rng(DeriveSeed(DeriveSeed(options.seed, static_cast<uint64_t>(index)), attempt));
    const bool word = rng.UniformReal() < options.word_problem_share;
    const Chain chain = DrawChain(rng, level, /*allow_operand_first=*/!word);
    std::string question;
    if (word) {
      question = RenderWordProblem(rng, chain);
    } else {
      const std::string lead = rng.Pick(kExpressionLeads);
      question = lead + " " + RenderExpression(chain) + (lead[0] == 'W' ? "?" : ".");
    }
    if (!InSplit(question, options.split)) continue;
    return GeneratedProblem(SyntheticProblemId("syn", options, index), question, chain.answer, chain.steps,
                            "synthetic", difficulty, {{"kind", word ? "word" : "expression"}});
  }
}

std::vector<Problem> MakeSyntheticProblems(const SyntheticOptions& options, long count) {
  std::vector<Problem> problems;
  problems.reserve(count);
  for (long i = 0; i < count; ++i) problems.push_back(MakeSyntheticProblem(options, i));
  return problems;
}

std::optional<Calculation> ParseCalculation(const std::string& step) {
  size_t i = 0;
  auto skip_spaces = [&] {
    while (i < step.size() && step[i] == ' ') ++i;
  };
  auto read_number = [&](long long* out) {
    skip_spaces();
    bool negative = false;
    if (i < step.size() && step[i] == '-') {
      negative = true;
      ++i;
    }
    const size_t begin = i;
    long long value = 0;
    while (i < step.size() && std::isdigit(static_cast<unsigned char>(step[i]))) {
      if (i - begin >= 15) return false;
      value = value * 10 + (step[i] - '0');
      ++i;
    }
    if (i == begin) return false;
    *out = negative ? -value : value;
    return true;
  };
  Calculation c;
  if (!read_number(&c.lhs)) return std::nullopt;
  skip_spaces();
  if (i >= step.size()) return std::nullopt;
  if (step.compare(i, 2, "\xc3\x97") == 0) {  // ×
    c.op = '*';
    i += 2;
  } else if (std::string("+-*/x").find(step[i]) != std::string::npos) {
    c.op = step[i] == 'x' ? '*' : step[i];
    ++i;
  } else {
    return std::nullopt;
  }
  if (!read_number(&c.rhs)) return std::nullopt;
  skip_spaces();
  if (i >= step.size() || step[i] != '=') return std::nullopt;
  ++i;
  if (!read_number(&c.result)) return std::nullopt;
  skip_spaces();
  if (i != step.size()) return std::nullopt;
  return c;
}

bool CheckCalculation(const std::string& step) {
  const std::optional<Calculation> c = ParseCalculation(step);
  if (!c) return false;
  if (c->op == '/') return c->rhs != 0 && c->lhs % c->rhs == 0 && c->lhs / c->rhs == c->result;
  return Apply(c->lhs, c->op, c->rhs) == c->result;
}

bool SyntheticStepRight(const std::string& question, const std::vector<std::string>& previous_steps,
                        const std::string& step) {
  if (const std::optional<CountdownProblem> countdown = ParseCountdownQuestion(question)) {
    return CountdownStepRight(*countdown, previous_steps, step);
  }
  return CheckCalculation(step);
}

bool HasTargetCheck(const std::string& question) { return ParseCountdownQuestion(question).has_value(); }

std::optional<bool> TargetCheck(const std::string& question, const std::vector<std::string>& steps) {
  if (const std::optional<CountdownProblem> countdown = ParseCountdownQuestion(question)) {
    return CountdownSolutionRight(*countdown, steps);
  }
  return std::nullopt;
}

bool SolutionCorrect(const std::string& question, const std::optional<std::string>& gold,
                     const std::vector<std::string>& steps, const std::optional<std::string>& answer) {
  if (!answer || !gold || !AnswersEqual(*answer, *gold)) return false;
  return TargetCheck(question, steps).value_or(true);
}

}  // namespace steptree

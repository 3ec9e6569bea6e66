// The countdown family: the exact solver against an independent brute force, the
// generator (solvable, in range, deterministic, split), step truth by hand, the
// family-generic entry points, and arithmetic problems left exactly as they were.
#include <doctest/doctest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "datasets/countdown.h"
#include "datasets/synthetic.h"
#include "tests/test_util.h"

using namespace steptree;

namespace {

// Every value some complete reduction of `numbers` ends with: every ordered pair (i, j),
// every op, recursively, with the rules written out again here (no memo, no symmetry).
void BruteForce(const std::vector<long long>& numbers, std::set<long long>* finals) {
  if (numbers.size() == 1) {
    finals->insert(numbers[0]);
    return;
  }
  for (size_t i = 0; i < numbers.size(); ++i) {
    for (size_t j = 0; j < numbers.size(); ++j) {
      if (i == j) continue;
      const long long a = numbers[i];
      const long long b = numbers[j];
      std::vector<long long> results = {a + b, a * b};
      if (a - b > 0) results.push_back(a - b);
      if (a % b == 0) results.push_back(a / b);
      for (long long result : results) {
        std::vector<long long> rest;
        for (size_t k = 0; k < numbers.size(); ++k) {
          if (k != i && k != j) rest.push_back(numbers[k]);
        }
        rest.push_back(result);
        BruteForce(rest, finals);
      }
    }
  }
}

std::set<long long> BruteForceFinals(const std::vector<long long>& numbers) {
  std::set<long long> finals;
  BruteForce(numbers, &finals);
  return finals;
}

// Every multiset of `count` numbers from lo..hi, ascending.
void Multisets(int count, long long lo, long long hi, std::vector<long long>* prefix,
               std::vector<std::vector<long long>>* out) {
  if (static_cast<int>(prefix->size()) == count) {
    out->push_back(*prefix);
    return;
  }
  for (long long x = prefix->empty() ? lo : prefix->back(); x <= hi; ++x) {
    prefix->push_back(x);
    Multisets(count, lo, hi, prefix, out);
    prefix->pop_back();
  }
}

std::vector<std::vector<long long>> AllMultisets(int count, long long lo, long long hi) {
  std::vector<std::vector<long long>> out;
  std::vector<long long> prefix;
  Multisets(count, lo, hi, &prefix, &out);
  return out;
}

// The classic example: (50-25)*(7-3) = 100.
const CountdownProblem kExample{{3, 7, 25, 50}, 100};
const std::vector<std::string> kExampleSolution = {
    "<<50-25=25>> left: 3, 7, 25",
    "<<7-3=4>> left: 25, 4",
    "<<25*4=100>> left: 100",
    "The answer is 100",
};

std::vector<std::string> Prefix(const std::vector<std::string>& steps, size_t length) {
  return {steps.begin(), steps.begin() + static_cast<long>(length)};
}

}  // namespace

TEST_SUITE("countdown") {

TEST_CASE("the solver agrees with a brute-force enumeration on every small multiset") {
  std::vector<std::vector<long long>> cases = AllMultisets(3, 1, 6);
  const std::vector<std::vector<long long>> fours = AllMultisets(4, 1, 6);
  cases.insert(cases.end(), fours.begin(), fours.end());
  // A few five-number multisets (the brute force grows about 50-fold per number).
  cases.push_back({1, 2, 3, 4, 5});
  cases.push_back({2, 2, 3, 7, 9});
  cases.push_back({1, 1, 4, 6, 6});
  REQUIRE(cases.size() == 56 + 126 + 3);
  long reachable = 0;
  for (const std::vector<long long>& numbers : cases) {
    const std::set<long long> finals = BruteForceFinals(numbers);
    for (long long target = 1; target <= 60; ++target) {
      const bool expected = finals.count(target) > 0;
      INFO(CountdownQuestion({numbers, target}));
      REQUIRE(CanReachTarget(numbers, target) == expected);
      const std::optional<std::vector<std::string>> solution = SolveCountdown({numbers, target});
      REQUIRE(solution.has_value() == expected);
      if (solution) {
        CHECK(solution->size() == numbers.size());  // n-1 moves and the final step
        CHECK(CountdownSolutionRight({numbers, target}, *solution));
      }
      reachable += expected;
    }
    // Order does not matter to the solver.
    std::vector<long long> reversed(numbers.rbegin(), numbers.rend());
    CHECK(CanReachTarget(reversed, *finals.rbegin()));
  }
  CHECK(reachable > 3000);  // the comparison is not vacuous
  CHECK(reachable < static_cast<long>(cases.size()) * 60);
}

TEST_CASE("the solver on one, two and six numbers") {
  CHECK(CanReachTarget({7}, 7));
  CHECK_FALSE(CanReachTarget({7}, 8));
  CHECK_FALSE(CanReachTarget({}, 1));
  CHECK(CanReachTarget({3, 12}, 4));
  CHECK_FALSE(CanReachTarget({3, 12}, 5));
  CHECK_FALSE(CanReachTarget({5, 5}, 0));  // no zero
  CHECK(CanReachTarget({1, 3, 7, 10, 25, 50}, 765));
  CHECK(CanReachTarget({25, 50, 75, 100, 3, 6}, 952));  // the famous Countdown round
  CHECK_FALSE(CanReachTarget({1, 1, 1, 1, 1, 1}, 100));
  CHECK_FALSE(CanReachTarget({2, 3, 5, 7, 11, 13}, 999999937));
  const std::optional<std::vector<std::string>> solution = SolveCountdown({{25, 50, 75, 100, 3, 6}, 952});
  REQUIRE(solution.has_value());
  CHECK(solution->size() == 6);
  CHECK(CountdownSolutionRight({{25, 50, 75, 100, 3, 6}, 952}, *solution));
  CHECK(SolveCountdown({{25, 50, 75, 100, 3, 6}, 952}) == solution);  // deterministic
  CHECK_FALSE(SolveCountdown({{1, 1, 1}, 5}).has_value());
  const std::optional<std::vector<std::string>> single = SolveCountdown({{9}, 9});
  REQUIRE(single.has_value());
  CHECK(*single == std::vector<std::string>{"The answer is 9"});
}

TEST_CASE("combining follows the rules") {
  CHECK(CountdownCombine(7, '+', 3) == 10);
  CHECK(CountdownCombine(7, '-', 3) == 4);
  CHECK_FALSE(CountdownCombine(3, '-', 7).has_value());
  CHECK_FALSE(CountdownCombine(3, '-', 3).has_value());
  CHECK(CountdownCombine(7, '*', 3) == 21);
  CHECK(CountdownCombine(21, '/', 3) == 7);
  CHECK_FALSE(CountdownCombine(7, '/', 3).has_value());
  CHECK_FALSE(CountdownCombine(3, '/', 7).has_value());
  CHECK_FALSE(CountdownCombine(7, 'x', 3).has_value());
  CHECK_FALSE(CountdownCombine(0, '+', 3).has_value());
  CHECK_FALSE(CountdownCombine(3000000000LL, '*', 4000000000LL).has_value());  // overflow
}

TEST_CASE("questions print and parse back exactly") {
  CHECK(CountdownQuestion({{3, 7, 25}, 46}) == "Use 3, 7 and 25 to make 46 (each number once; + - * /).");
  CHECK(CountdownQuestion(kExample) == "Use 3, 7, 25 and 50 to make 100 (each number once; + - * /).");
  CHECK(CountdownQuestion({{3, 7}, 10}) == "Use 3 and 7 to make 10 (each number once; + - * /).");
  for (const CountdownProblem& problem :
       {kExample, CountdownProblem{{3, 7}, 10}, CountdownProblem{{9}, 9}, CountdownProblem{{50, 1, 1, 2, 3, 99}, 999}}) {
    const std::optional<CountdownProblem> parsed = ParseCountdownQuestion(CountdownQuestion(problem));
    REQUIRE(parsed.has_value());
    CHECK(parsed->numbers == problem.numbers);
    CHECK(parsed->target == problem.target);
  }
  for (const char* other : {
           "",
           "Compute 3*8.",
           "Use 3, 7, 25 and 50 to make 100 (each number once; + - * /)",    // no period
           "Use 3, 7, 25 and 50 to make 100  (each number once; + - * /).",  // two spaces
           "Use 3, 7, 25, and 50 to make 100 (each number once; + - * /).",  // serial comma
           "Use 3, 7, 25, 50 to make 100 (each number once; + - * /).",
           "Use 3 7 25 and 50 to make 100 (each number once; + - * /).",
           "Use 03, 7 and 25 to make 46 (each number once; + - * /).",
           "Use 0, 7 and 25 to make 46 (each number once; + - * /).",
           "Use 3, 7 and 25 to make 0 (each number once; + - * /).",
           "Use 3, 7 and 25 to make -4 (each number once; + - * /).",
           "Use 1, 2, 3, 4, 5, 6 and 7 to make 100 (each number once; + - * /).",  // more than 6
           "Use 3, 7 and 25 to make 46 (each number once; + - * /). Then add 1.",
           "use 3, 7 and 25 to make 46 (each number once; + - * /).",
       }) {
    INFO(other);
    CHECK_FALSE(ParseCountdownQuestion(other).has_value());
  }
}

TEST_CASE("moves parse with optional spaces and print in one format") {
  const std::optional<CountdownMove> move = ParseCountdownMove("<<7-3=4>> left: 25, 50, 4");
  REQUIRE(move.has_value());
  CHECK(move->a == 7);
  CHECK(move->op == '-');
  CHECK(move->b == 3);
  CHECK(move->result == 4);
  CHECK(move->left == std::vector<long long>{25, 50, 4});
  CHECK(FormatCountdownMove(*move) == "<<7-3=4>> left: 25, 50, 4");
  const std::optional<CountdownMove> spaced = ParseCountdownMove("  << 7 - 3 = 4 >>left:25 ,50,  4 ");
  REQUIRE(spaced.has_value());
  CHECK(FormatCountdownMove(*spaced) == "<<7-3=4>> left: 25, 50, 4");
  const std::optional<CountdownMove> negative = ParseCountdownMove("<<3-7=-4>> left: 25, 50, -4");
  REQUIRE(negative.has_value());
  CHECK(negative->result == -4);
  for (const char* other : {"", "7-3=4", "<<7-3=4>>", "<<7-3=4>> left:", "<<7-3=4>> left: 25, 50,",
                            "<<7x3=21>> left: 21", "<<7-3=4>> left: 25, 50, 4.", "<<7-3=4>> right: 4",
                            "<<7-3=4.5>> left: 4", "<<7-3=4>> left: 25 50", "<<7/2=3.5>> left: 3.5",
                            "<<1234567890123456789+1=1>> left: 1", "The answer is 100"}) {
    INFO(other);
    CHECK_FALSE(ParseCountdownMove(other).has_value());
  }
}

TEST_CASE("generated problems are solvable, in range, and their reference steps are right") {
  for (ProblemSplit split : {ProblemSplit::kTrain, ProblemSplit::kHeldOut}) {
    for (int difficulty = kMinDifficulty; difficulty <= kMaxDifficulty; ++difficulty) {
      SyntheticOptions options;
      options.family = ProblemFamily::kCountdown;
      options.seed = 5;
      options.min_difficulty = difficulty;
      options.max_difficulty = difficulty;
      options.split = split;
      const CountdownLevel level = CountdownLevelFor(difficulty);
      for (const Problem& p : MakeSyntheticProblems(options, 200)) {
        INFO(p.id << ": " << p.question);
        const std::optional<CountdownProblem> problem = ParseCountdownQuestion(p.question);
        REQUIRE(problem.has_value());
        CHECK(p.source == "countdown");
        CHECK(p.difficulty == difficulty);
        CHECK(IsHeldOutQuestion(p.question) == (split == ProblemSplit::kHeldOut));
        CHECK(p.id.find(split == ProblemSplit::kHeldOut ? "-heldout-" : "-train-") != std::string::npos);
        CHECK(static_cast<int>(problem->numbers.size()) == level.count);
        for (long long x : problem->numbers) {
          CHECK(x >= 1);
          CHECK(x <= level.max_number);
        }
        CHECK(std::is_sorted(problem->numbers.begin(), problem->numbers.end()));
        CHECK(problem->target >= level.min_target);
        CHECK(problem->target <= level.max_target);
        CHECK(*p.gold == std::to_string(problem->target));
        CHECK(p.record["target"] == problem->target);
        CHECK(p.record["numbers"] == nlohmann::json(problem->numbers));
        CHECK(p.record["steps"] == nlohmann::json(p.reference_steps));
        CHECK(CanReachTarget(problem->numbers, problem->target));
        REQUIRE(p.reference_steps.size() == problem->numbers.size());
        CHECK(p.reference_steps.back() == "The answer is " + *p.gold);
        CHECK(CountdownSolutionRight(*problem, p.reference_steps));
        CHECK(TargetCheck(p.question, p.reference_steps) == true);
        for (size_t k = 0; k < p.reference_steps.size(); ++k) {
          INFO(p.reference_steps[k]);
          CHECK(CountdownStepRight(*problem, Prefix(p.reference_steps, k), p.reference_steps[k]));
          CHECK(SyntheticStepRight(p.question, Prefix(p.reference_steps, k), p.reference_steps[k]));
          // The reference writes exactly the canonical format.
          if (k + 1 < p.reference_steps.size()) {
            CHECK(FormatCountdownMove(*ParseCountdownMove(p.reference_steps[k])) == p.reference_steps[k]);
          }
        }
        const std::optional<std::vector<long long>> left =
            CountdownNumbersLeft(*problem, Prefix(p.reference_steps, p.reference_steps.size() - 1));
        REQUIRE(left.has_value());
        CHECK(*left == std::vector<long long>{problem->target});
      }
    }
  }
}

TEST_CASE("countdown generation is deterministic and problem i does not depend on how many are made") {
  SyntheticOptions options;
  options.family = ProblemFamily::kCountdown;
  options.seed = 11;
  const std::vector<Problem> a = MakeSyntheticProblems(options, 40);
  const std::vector<Problem> b = MakeSyntheticProblems(options, 80);
  for (size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i].record == b[i].record);
    CHECK(a[i].record == MakeCountdownProblem(options, static_cast<long>(i)).record);
    CHECK(a[i].id == "countdown-11-" + std::to_string(i));
    CHECK(a[i].difficulty == 1 + static_cast<int>(i % 8));
  }
  options.seed = 12;
  const std::vector<Problem> c = MakeSyntheticProblems(options, 40);
  int same = 0;
  for (size_t i = 0; i < a.size(); ++i) same += a[i].question == c[i].question;
  CHECK(same < 5);
  // The difficulty cycle is the arithmetic family's, weights included.
  options.min_difficulty = 2;
  options.max_difficulty = 4;
  options.difficulty_weights = {2, 1, 3};
  SyntheticOptions arithmetic = options;
  arithmetic.family = ProblemFamily::kArithmetic;
  for (long i = 0; i < 12; ++i) {
    CHECK(MakeSyntheticProblem(options, i).difficulty == MakeSyntheticProblem(arithmetic, i).difficulty);
    CHECK(MakeSyntheticProblem(options, i).difficulty == SyntheticDifficulty(options, i));
  }
  options.min_difficulty = 0;
  CHECK_THROWS(MakeSyntheticProblem(options, 0));
  CHECK_THROWS(CountdownLevelFor(9));
}

TEST_CASE("family names") {
  CHECK(std::string(ProblemFamilyName(ProblemFamily::kArithmetic)) == "arithmetic");
  CHECK(std::string(ProblemFamilyName(ProblemFamily::kCountdown)) == "countdown");
  CHECK(ProblemFamilyFromName("arithmetic") == ProblemFamily::kArithmetic);
  CHECK(ProblemFamilyFromName("countdown") == ProblemFamily::kCountdown);
  CHECK_FALSE(ProblemFamilyFromName("Countdown").has_value());
  CHECK_FALSE(ProblemFamilyFromName("").has_value());
  CHECK(SyntheticOptions().family == ProblemFamily::kArithmetic);
}

TEST_CASE("step truth by hand") {
  const CountdownProblem& p = kExample;
  CHECK(CountdownSolutionRight(p, kExampleSolution));
  for (size_t k = 0; k < kExampleSolution.size(); ++k) {
    CHECK(CountdownStepRight(p, Prefix(kExampleSolution, k), kExampleSolution[k]));
  }
  using V = CountdownStepVerdict;
  auto verdict = [&](const std::vector<std::string>& previous, const std::string& step) {
    return JudgeCountdownStep(p, previous, step);
  };
  // A valid move into a state that cannot reach the target is wrong (checked by brute force).
  CHECK(BruteForceFinals({3, 7, 2}).count(100) == 0);
  CHECK(verdict({}, "<<50/25=2>> left: 3, 7, 2") == V::kDeadEnd);
  CHECK(verdict({}, "<<7-3=4>> left: 25, 50, 4") == V::kRight);
  CHECK(BruteForceFinals({50, 100}).count(100) == 0);
  CHECK(verdict({"<<7-3=4>> left: 25, 50, 4"}, "<<25*4=100>> left: 50, 100") == V::kDeadEnd);
  // Spaces do not matter, the order of `left:` does not either.
  CHECK(verdict({}, "<< 7 - 3 = 4 >> left: 4, 50, 25") == V::kRight);
  // Operands that are not available, or used twice.
  CHECK(verdict({}, "<<8-3=5>> left: 7, 25, 50, 5") == V::kOperandUnavailable);
  CHECK(verdict({}, "<<3*3=9>> left: 7, 25, 50, 9") == V::kOperandUnavailable);
  CHECK(verdict({"<<7-3=4>> left: 25, 50, 4"}, "<<7+25=32>> left: 50, 4, 32") == V::kOperandUnavailable);
  // Wrong, negative, zero and fractional results.
  CHECK(verdict({}, "<<7-3=5>> left: 25, 50, 5") == V::kWrongResult);
  CHECK(verdict({}, "<<3-7=-4>> left: 25, 50, -4") == V::kInvalidResult);
  CHECK(verdict({}, "<<7/3=2>> left: 25, 50, 2") == V::kInvalidResult);
  CHECK(JudgeCountdownStep({{5, 5, 2}, 10}, {}, "<<5-5=0>> left: 2, 0") == V::kInvalidResult);
  CHECK(JudgeCountdownStep({{5, 5, 2}, 10}, {}, "<<5/5=1>> left: 2, 1") == V::kDeadEnd);
  CHECK(JudgeCountdownStep({{5, 5, 2}, 10}, {}, "<<5*2=10>> left: 5, 10") == V::kDeadEnd);
  CHECK(JudgeCountdownStep({{5, 5, 2}, 10}, {}, "<<5+5=10>> left: 2, 10") == V::kDeadEnd);
  CHECK(JudgeCountdownStep({{5, 5, 2}, 20}, {}, "<<5+5=10>> left: 2, 10") == V::kRight);
  // Wrong `left:` lists: an operand kept, the result missing, a wrong number, one too many.
  CHECK(verdict({}, "<<7-3=4>> left: 3, 25, 50, 4") == V::kWrongLeft);
  CHECK(verdict({}, "<<7-3=4>> left: 25, 50") == V::kWrongLeft);
  CHECK(verdict({}, "<<7-3=4>> left: 25, 50, 5") == V::kWrongLeft);
  CHECK(verdict({}, "<<7-3=4>> left: 25, 50, 4, 4") == V::kWrongLeft);
  // Text that is neither a move nor a final step.
  CHECK(verdict({}, "7-3=4") == V::kUnparsable);
  CHECK(verdict({}, "First subtract 3 from 7.") == V::kUnparsable);
  // The final step: right only with one number left, equal to the target.
  CHECK(verdict({}, "The answer is 100") == V::kUnfinished);
  CHECK(verdict(Prefix(kExampleSolution, 2), "The answer is 100") == V::kUnfinished);
  CHECK(verdict(Prefix(kExampleSolution, 3), "The answer is 100") == V::kRight);
  CHECK(verdict(Prefix(kExampleSolution, 3), "The answer is 99") == V::kWrongAnswer);
  CHECK(verdict(Prefix(kExampleSolution, 3), "The answer is 100.") == V::kRight);  // as the grader reads it
  const std::vector<std::string> to_150 = {"<<50-25=25>> left: 3, 7, 25", "<<7-3=4>> left: 25, 4",
                                           "<<25+4=29>> left: 29"};
  CHECK(CountdownNumbersLeft(p, to_150) == std::vector<long long>{29});
  CHECK(verdict(to_150, "The answer is 29") == V::kWrongAnswer);
  CHECK(verdict(to_150, "The answer is 100") == V::kWrongAnswer);
  CHECK(verdict(to_150, "<<29+1=30>> left: 30") == V::kOperandUnavailable);
  // Nothing right follows a wrong step.
  CHECK(verdict({"<<7-3=5>> left: 25, 50, 5"}, "<<25*4=100>> left: 50, 100") == V::kBrokenHistory);
  CHECK(verdict({"The answer is 100"}, "<<7-3=4>> left: 25, 50, 4") == V::kBrokenHistory);
  CHECK_FALSE(CountdownStepRight(p, {"<<50/25=2>> left: 3, 7, 5"}, "<<7-3=4>> left: 2, 4"));
  // Whole solutions: the target stated without the moves is wrong, so is a missing final
  // step, a wrong move anywhere, and anything after the final step.
  CHECK_FALSE(CountdownSolutionRight(p, {"The answer is 100"}));
  CHECK_FALSE(CountdownSolutionRight(p, {}));
  CHECK_FALSE(CountdownSolutionRight(p, Prefix(kExampleSolution, 3)));
  CHECK_FALSE(CountdownSolutionRight(p, {"<<50-25=25>> left: 3, 7, 25", "<<7-3=4>> left: 25, 4",
                                         "<<25*4=100>> left: 25, 100", "The answer is 100"}));
  std::vector<std::string> extra = kExampleSolution;
  extra.push_back("The answer is 100");
  CHECK_FALSE(CountdownSolutionRight(p, extra));
  CHECK(CountdownNumbersLeft(p, {}) == p.numbers);
  CHECK(CountdownNumbersLeft(p, {"<<7-3=4>> left: 25, 50, 4"}) == std::vector<long long>{25, 50, 4});
  CHECK_FALSE(CountdownNumbersLeft(p, {"The answer is 100"}).has_value());
  CHECK(std::string(CountdownStepVerdictName(V::kDeadEnd)) == "dead end");
}

TEST_CASE("the family-generic entry points read the family from the question") {
  const std::string question = CountdownQuestion(kExample);
  CHECK(TargetCheck(question, kExampleSolution) == true);
  CHECK(TargetCheck(question, {"The answer is 100"}) == false);
  CHECK(SyntheticStepRight(question, {}, "<<7-3=4>> left: 25, 50, 4"));
  CHECK_FALSE(SyntheticStepRight(question, {}, "<<50/25=2>> left: 3, 7, 2"));
  CHECK_FALSE(SyntheticStepRight(question, {}, "7-3=4"));  // an arithmetic step is no move
  CHECK_FALSE(SyntheticStepRight(question, {}, "The answer is 100"));
  // Arithmetic questions keep the context-free calculation check and have no target.
  const std::string arithmetic = "Compute (12+7)*3-15.";
  CHECK_FALSE(TargetCheck(arithmetic, {"12+7=19", "19*3=57", "57-15=42", "The answer is 42"}).has_value());
  CHECK_FALSE(TargetCheck("", {}).has_value());
  CHECK(SyntheticStepRight(arithmetic, {}, "12+7=19"));
  CHECK(SyntheticStepRight(arithmetic, {"nonsense"}, "19*3=57"));
  CHECK(SyntheticStepRight(arithmetic, {}, "2+2=4"));  // context-free, as before
  CHECK_FALSE(SyntheticStepRight(arithmetic, {}, "12+7=20"));
  CHECK_FALSE(SyntheticStepRight(arithmetic, {}, "The answer is 42"));
  for (const Problem& p : MakeSyntheticProblems(SyntheticOptions(), 16)) {
    CHECK_FALSE(TargetCheck(p.question, p.reference_steps).has_value());
    for (size_t k = 0; k + 1 < p.reference_steps.size(); ++k) {
      CHECK(SyntheticStepRight(p.question, Prefix(p.reference_steps, k), p.reference_steps[k]) ==
            CheckCalculation(p.reference_steps[k]));
    }
  }
}

TEST_CASE("arithmetic problems are exactly as before the countdown family") {
  // Recorded from the generator before countdown was added.
  const std::vector<Problem> problems = MakeSyntheticProblems(SyntheticOptions(), 4);
  CHECK(problems[0].id == "syn-1-0");
  CHECK(problems[0].question == "Calculate 3*8.");
  CHECK(problems[0].reference_steps == std::vector<std::string>{"3*8=24", "The answer is 24"});
  CHECK(problems[1].question == "What is 9*2-8?");
  CHECK(problems[1].reference_steps == std::vector<std::string>{"9*2=18", "18-8=10", "The answer is 10"});
  CHECK(problems[2].question ==
        "Raj has 15 apples. He wins 20 more. He multiplies them by 4. He gives away 1. How many apples does "
        "Raj have now?");
  CHECK(problems[2].reference_steps ==
        std::vector<std::string>{"15+20=35", "35*4=140", "140-1=139", "The answer is 139"});
  CHECK(problems[3].question == "Calculate (46-38+41+37)*4.");
  CHECK(problems[3].reference_steps ==
        std::vector<std::string>{"46-38=8", "8+41=49", "49+37=86", "86*4=344", "The answer is 344"});
  CHECK(problems[3].source == "synthetic");

  SyntheticOptions held;
  held.seed = 7;
  held.split = ProblemSplit::kHeldOut;
  const std::vector<Problem> held_out = MakeSyntheticProblems(held, 2);
  CHECK(held_out[0].id == "syn-7-heldout-0");
  CHECK(held_out[0].question == "Evaluate 8+4.");
  CHECK(held_out[1].id == "syn-7-heldout-1");
  CHECK(held_out[1].question ==
        "Zoe has 10 pencils. She loses 9. She gets 11 more. How many pencils does Zoe have now?");

  SyntheticOptions weighted;
  weighted.seed = 3;
  weighted.min_difficulty = 2;
  weighted.max_difficulty = 4;
  weighted.difficulty_weights = {2, 1, 3};
  const std::vector<Problem> cycle = MakeSyntheticProblems(weighted, 7);
  const int expected_difficulties[] = {2, 2, 3, 4, 4, 4, 2};
  for (size_t i = 0; i < cycle.size(); ++i) CHECK(cycle[i].difficulty == expected_difficulties[i]);
  CHECK(cycle[2].question == "Compute 7*13/7+20.");
  CHECK(cycle[4].question == "Calculate 37+(47+6*3-34).");
  CHECK(cycle[6].id == "syn-3-6");
}

}  // TEST_SUITE

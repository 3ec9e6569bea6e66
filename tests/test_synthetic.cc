// The synthetic generator: determinism, the held-out split, and the correctness of every
// reference step (checked independently of the generator's own arithmetic).
#include <doctest/doctest.h>

#include <set>
#include <string>

#include "datasets/math_expression.h"
#include "datasets/synthetic.h"

using namespace steptree;

namespace {

// The arithmetic expression inside an expression question ("Compute (3+4)*2." -> "(3+4)*2").
std::string ExpressionOf(const std::string& question) {
  const size_t space = question.find_first_of("0123456789(");
  std::string body = question.substr(space);
  body.pop_back();  // '.' or '?'
  return body;
}

}  // namespace

TEST_SUITE("synthetic") {

TEST_CASE("same seed, same problems, problem i does not depend on how many are made") {
  SyntheticOptions options;
  options.seed = 11;
  const auto a = MakeSyntheticProblems(options, 40);
  const auto b = MakeSyntheticProblems(options, 80);
  for (size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i].record == b[i].record);
  }
  options.seed = 12;
  const auto c = MakeSyntheticProblems(options, 40);
  int same = 0;
  for (size_t i = 0; i < a.size(); ++i) same += a[i].question == c[i].question;
  CHECK(same < 5);
}

TEST_CASE("every reference step is a correct calculation chained into the answer") {
  for (uint64_t seed : {1, 2, 3}) {
    SyntheticOptions options;
    options.seed = seed;
    for (const Problem& p : MakeSyntheticProblems(options, 400)) {
      const int d = *p.difficulty;
      const SyntheticLevel level = LevelFor(d);
      REQUIRE(p.reference_steps.size() == static_cast<size_t>(level.steps) + 1);
      long long previous = -1;
      for (int k = 0; k < level.steps; ++k) {
        const std::string& step = p.reference_steps[k];
        INFO(p.id << ": " << step);
        REQUIRE(CheckCalculation(step));
        const Calculation c = *ParseCalculation(step);
        CHECK(c.result >= 0);
        CHECK(c.result <= level.max_result);
        // Each step after the first uses the previous result as one operand.
        if (k > 0) CHECK((c.lhs == previous || c.rhs == previous));
        previous = c.result;
      }
      CHECK(p.reference_steps.back() == "The answer is " + std::to_string(previous));
      CHECK(*p.gold == std::to_string(previous));
      if (p.record["kind"] == "expression") {
        // The rendered expression, evaluated by an independent parser, gives the answer.
        const auto expression = MathExpression::Parse(ExpressionOf(p.question));
        REQUIRE(expression.has_value());
        CHECK(expression->Evaluate({}).real() == doctest::Approx(static_cast<double>(previous)));
      } else {
        CHECK(p.question.find("How many") != std::string::npos);
      }
    }
  }
}

TEST_CASE("difficulty cycles through the requested range") {
  SyntheticOptions options;
  options.min_difficulty = 3;
  options.max_difficulty = 5;
  const auto problems = MakeSyntheticProblems(options, 9);
  for (size_t i = 0; i < problems.size(); ++i) CHECK(*problems[i].difficulty == 3 + static_cast<int>(i % 3));
  options.min_difficulty = 0;
  CHECK_THROWS(MakeSyntheticProblem(options, 0));
}

TEST_CASE("train and held-out splits never share a question") {
  SyntheticOptions train;
  train.split = ProblemSplit::kTrain;
  SyntheticOptions held = train;
  held.split = ProblemSplit::kHeldOut;
  std::set<std::string> train_questions;
  for (const Problem& p : MakeSyntheticProblems(train, 2000)) {
    CHECK_FALSE(IsHeldOutQuestion(p.question));
    train_questions.insert(p.question);
  }
  for (const Problem& p : MakeSyntheticProblems(held, 300)) {
    CHECK(IsHeldOutQuestion(p.question));
    CHECK(train_questions.count(p.question) == 0);
    CHECK(p.id.find("heldout") != std::string::npos);
  }
  // About 10% of the space is held out.
  SyntheticOptions any;
  int held_out = 0;
  for (const Problem& p : MakeSyntheticProblems(any, 2000)) held_out += IsHeldOutQuestion(p.question);
  CHECK(held_out > 120);
  CHECK(held_out < 280);
}

TEST_CASE("calculation steps parse and check") {
  CHECK(CheckCalculation("12+7=19"));
  CHECK(CheckCalculation("19 * 3 = 57"));
  CHECK(CheckCalculation("57-60=-3"));
  CHECK(CheckCalculation("84/4=21"));
  CHECK(CheckCalculation("7x6=42"));
  CHECK(CheckCalculation("7\xc3\x97" "6=42"));
  CHECK_FALSE(CheckCalculation("7*6=12"));
  CHECK_FALSE(CheckCalculation("85/4=21"));
  CHECK_FALSE(CheckCalculation("5/0=0"));
  CHECK_FALSE(CheckCalculation("The answer is 5"));
  CHECK_FALSE(CheckCalculation("12+7=19 apples"));
  CHECK_FALSE(CheckCalculation("12+=19"));
  CHECK_FALSE(CheckCalculation("9999999999999999+1=1"));
  const auto c = ParseCalculation("19*3=57");
  REQUIRE(c.has_value());
  CHECK(c->lhs == 19);
  CHECK(c->op == '*');
  CHECK(c->rhs == 3);
  CHECK(c->result == 57);
}

}  // TEST_SUITE

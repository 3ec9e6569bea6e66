// A step budget: the bound on work that every grader parse and comparison, and the
// calculator tool, run under, so that a pathological input ends as "not equal" (or a
// calculator error) after a bounded amount of work instead of hanging.
//
// A step is one unit of the caller's choosing: a parsed token or expression node, an
// evaluated node, one byte of text normalised, one pair of items compared. Each top-level
// call (AnswersEqual, EvaluateCalculator) starts a fresh budget and threads it through;
// once it is spent every later Spend() fails too, and the callers turn that into "not
// equal" / "no value". The limits are far above what any real answer needs (a 4 KB answer
// costs well under 10^5 steps) and low enough that a spent budget costs milliseconds.
#pragma once

#include <cstdint>

namespace steptree {

// Steps for one AnswersEqual call (all normalisation, parsing and evaluation inside it).
inline constexpr int64_t kGraderStepBudget = 2'000'000;
// Steps for one calculator evaluation (the calculator reads at most 200 bytes, so this
// bound only matters as a second line of defence).
inline constexpr int64_t kCalculatorStepBudget = 100'000;

class StepBudget {
 public:
  explicit StepBudget(int64_t steps) : left_(steps) {}

  // Spends `steps`; false when the budget is (now or already) spent.
  bool Spend(int64_t steps = 1) {
    left_ -= steps;
    return left_ >= 0;
  }
  bool Spent() const { return left_ < 0; }

 private:
  int64_t left_;
};

}  // namespace steptree

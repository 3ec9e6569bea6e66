// A small, safe parser and evaluator for the arithmetic in math answers (LaTeX or plain).
//
// Grammar (recursive descent; nothing is ever executed, only this grammar is evaluated):
//   sum     := product (('+' | '-') product)*
//   product := unary (('*' | '/' | \cdot | \times | \div) unary | implicit-factor)*
//   unary   := ('-' | '+') unary | power
//   power   := postfix ('^' exponent)?          exponent := ('-' | '+')? postfix ('^' exponent)?
//   postfix := primary '!'*
//   primary := number | variable | ( sum ) | [ sum ] | { sum } | | sum |
//            | \frac{a}{b} | \sqrt{a} | \sqrt[n]{a} | \pi | \infty | \sin x, \ln(x), \log_b x ...
//   number  := digits ('.' digits)? (('e' | 'E') ('+' | '-')? digits)?     "1e3", "2.5E-4"
// Implicit multiplication: "2x", "2\sqrt{3}", "x(x+1)", "(a+5)(b+2)". Variables are single
// letters (optionally subscripted: a_1, a_{12}) and Greek letters; "i" is the imaginary unit
// and "e" Euler's number.
// Values are complex doubles, so square roots of negatives and powers of negatives stay
// defined and both sides of a comparison take the same principal branches. Only the literal
// \infty is infinite: a finite computation that overflows ("10^{10^{10}}", "e^{1000}") is
// undefined (NaN), so it equals nothing.
// Bounded: parsing and evaluation spend a StepBudget (answer_budget.h), one step per node;
// a spent budget fails the parse or makes the value undefined.
#pragma once

#include <complex>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "datasets/answer_budget.h"

namespace steptree {

class MathExpression {
 public:
  struct Node;

  // The parsed expression, or nullopt when `text` is not in the grammar above (for example
  // "52_8", "1 \pm \sqrt{2}", words). Inputs longer than 2000 bytes or nested too deeply
  // (about 50 levels of brackets) are rejected.
  static std::optional<MathExpression> Parse(const std::string& text,
                                             StepBudget* budget = nullptr);

  // The value with each variable set to the given real value (missing ones count as 0);
  // NaN when the budget runs out.
  std::complex<double> Evaluate(const std::map<std::string, double>& variables,
                                StepBudget* budget = nullptr) const;

  const std::set<std::string>& variables() const { return variables_; }
  bool IsConstant() const { return variables_.empty(); }

 private:
  std::shared_ptr<const Node> root_;
  std::set<std::string> variables_;
};

// True when a and b agree to a relative tolerance of 1e-6 (absolute 1e-9 near zero);
// infinities agree when they point the same way; NaNs never agree.
bool ValuesClose(std::complex<double> a, std::complex<double> b);

// True when the two expressions take close values at 8 pseudo-random points (fixed seed,
// each variable drawn from [0.3, 3.0]), ignoring points where either is undefined; at
// least 3 defined points are required. Constants are compared directly.
bool ExpressionsEquivalent(const MathExpression& a, const MathExpression& b,
                           StepBudget* budget = nullptr);

// True when the equations lhs_a = rhs_a and lhs_b = rhs_b describe the same set: the
// differences (lhs - rhs) are proportional with a non-zero constant factor.
bool EquationsEquivalent(const MathExpression& lhs_a, const MathExpression& rhs_a,
                         const MathExpression& lhs_b, const MathExpression& rhs_b,
                         StepBudget* budget = nullptr);

}  // namespace steptree

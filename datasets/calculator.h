// The calculator tool: exact arithmetic for GSM8K-style calculator calls in reasoning steps.
//
// Convention (Cobbe et al. 2021, "Training Verifiers to Solve Math Word Problems", the
// calculator annotations of GSM8K): a step may contain a call `<<EXPR=RESULT>>`. The policy
// writes `<<EXPR=`; as soon as that `=` appears, the engine evaluates EXPR with this tool and
// writes `RESULT>>` itself, e.g. the step "<<25*4=100>>" where "100>>" came from the tool.
// Tool-written bytes are not the policy's output, so training masks them out of the loss
// (ToolWrittenSpans).
//
// Grammar (recursive descent, our own code; nothing is executed but this grammar):
//   expression := sum <end>
//   sum        := product (('+' | '-') product)*                 left associative
//   product    := unary (('*' | 'x' | '×' | '/' | '÷') unary)*    left associative
//   unary      := ('+' | '-')* primary
//   primary    := number | '(' sum ')'
//   number     := digit+ ('.' digit+)?           "12", "0007", "0.5", "12.25"
// Spaces and tabs may appear between any two tokens, never inside a number. There are no
// thousands separators ("1,000" and "1 000" are syntax errors), no exponent, no ".5" or
// "5.". '×' (U+00D7) and '÷' (U+00F7) are matched as UTF-8 bytes. Error columns are
// 1-based byte offsets into the expression.
//
// Exactness and overflow: every value is a Rational, computed exactly (decimal literals too:
// "0.1" is 1/10, so "0.1+0.2" is "3/10"). Intermediates use 128-bit integers; a literal or
// a result whose reduced numerator or denominator does not fit in a 64-bit signed integer
// is an "overflow" error, never a wrapped or rounded value. A literal is reduced before the
// check ("0.50000000000000000000" is 1/2), but a literal larger than 2^63 - 1 overflows even
// after a unary minus. Division by zero is an error. Expressions longer than
// kCalculatorMaxBytes bytes or with parentheses nested deeper than kCalculatorMaxDepth are
// errors. When an expression has both a syntax error and an arithmetic error, the syntax
// error is reported; otherwise the leftmost arithmetic error is.
//
// Safety: the functions here never throw and never crash, whatever the bytes (fuzzed in
// tests/test_calculator.cc); recursion depth is bounded by kCalculatorMaxDepth, and the
// work by the step budget the grader uses too (answer_budget.h, kCalculatorStepBudget
// steps, one per operand; spent, it is the error "too many steps").
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "datasets/answer_budget.h"

namespace steptree {

inline constexpr size_t kCalculatorMaxBytes = 200;
inline constexpr int kCalculatorMaxDepth = 50;

// An exact rational number num/den.
// Invariant: always reduced (gcd(|num|, den) == 1, so zero is 0/1) and den > 0.
struct Rational {
  long long num = 0;
  long long den = 1;
};

inline bool operator==(const Rational& a, const Rational& b) {
  return a.num == b.num && a.den == b.den;  // well defined because both are reduced
}
inline bool operator!=(const Rational& a, const Rational& b) { return !(a == b); }

// The outcome of one evaluation. Invariant: exactly one of `value` and `error` is set; on
// success `text` is FormatRational(*value), on failure `text` is "error".
struct CalculatorResult {
  std::optional<Rational> value;
  std::string text;   // what the tool writes before ">>": "12", "-3", "7/2", "-7/2" or "error"
  std::string error;  // why evaluation failed, in a few words ("division by zero", "overflow",
                      // "syntax: expected a number at column 4", "too long", "too deep")
};

// "12", "-3", "7/2", "-7/2": the integer when den == 1, else "num/den".
std::string FormatRational(const Rational& value);

// Evaluates `expression` (the text between "<<" and "=") exactly; see the grammar above.
CalculatorResult EvaluateCalculator(const std::string& expression);

// What the tool writes after "<<EXPR=": EvaluateCalculator(expression).text + ">>".
std::string CalculatorReply(const std::string& expression);

// --- Tool calls in text -------------------------------------------------------------------
// Both functions below read text with one left-to-right scan, so they always agree:
// "<<" opens a call (in a run of '<', the last two; an earlier open call is abandoned),
// the first '=' after it ends the expression, and the first ">>" after that '=' closes the
// call. A ">>" before the '=' closes a call that has no expression (no tool was run).

// The byte position of the '=' that completes an open call: the first '=' after the last
// "<<" in `text`, when no ">>" follows that "<<". nullopt otherwise. The step generator
// calls the tool when this is the last byte of the text.
std::optional<size_t> OpenToolCallTrigger(const std::string& text);

// The bytes between the last "<<" that ends at or before `trigger` and the '=' at
// `trigger` ("so <<25*4=" -> "25*4"). Empty when text[trigger] is not '=' or no "<<"
// precedes it.
std::string ToolCallExpression(const std::string& text, size_t trigger);

// The [begin, end) byte ranges of the tool-written "RESULT>>" of every complete call
// "<<EXPR=RESULT>>" in `text`: begin is just after the '=', end just after the ">>".
// Ranges are in increasing order and disjoint; unclosed calls have no range.
std::vector<std::pair<size_t, size_t>> ToolWrittenSpans(const std::string& text);

}  // namespace steptree

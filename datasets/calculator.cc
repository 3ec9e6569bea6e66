// The calculator tool: an exact rational evaluator and the scanner for "<<EXPR=RESULT>>"
// calls. See calculator.h for the grammar and the rules.
#include "datasets/calculator.h"

#include <climits>
#include <cstdio>

#include "datasets/answer_text.h"  // IsDigit

namespace steptree {

namespace {

// Products of two 64-bit values fit in 127 bits, and so do sums of two such products
// (|a*d| + |c*b| < 2 * 2^63 * (2^63 - 1) < 2^127), which is all the arithmetic below needs.
__extension__ typedef __int128 Int128;
__extension__ typedef unsigned __int128 UInt128;

UInt128 Magnitude(Int128 x) { return x < 0 ? static_cast<UInt128>(-x) : static_cast<UInt128>(x); }

UInt128 GreatestCommonDivisor(UInt128 a, UInt128 b) {
  while (b != 0) {
    const UInt128 rest = a % b;
    a = b;
    b = rest;
  }
  return a;
}

bool FitsInt64(Int128 x) { return x >= LLONG_MIN && x <= LLONG_MAX; }

// num/den reduced to lowest terms with a positive denominator, or nullopt ("overflow") when
// a reduced part does not fit in 64-bit signed. Requires den != 0 and |num|, |den| < 2^127.
std::optional<Rational> ReducedRational(Int128 num, Int128 den) {
  if (den < 0) {
    num = -num;
    den = -den;
  }
  const UInt128 divisor = GreatestCommonDivisor(Magnitude(num), static_cast<UInt128>(den));
  // divisor >= 1 because den > 0; dividing by it cannot leave the 127-bit range.
  num /= static_cast<Int128>(divisor);
  den /= static_cast<Int128>(divisor);
  if (!FitsInt64(num) || !FitsInt64(den)) return std::nullopt;
  return Rational{static_cast<long long>(num), static_cast<long long>(den)};
}

// --- Exact decimal literals ----------------------------------------------------------------
// A literal "I.F" is N / 10^k with N the digits of I and F together and k = |F| once F's
// trailing zeros are gone. Its reduced form is N / (2^a 5^b) over 2^(k-a) 5^(k-b), where
// a, b are how many times 2 and 5 divide N (at most k each). N may have up to 200 digits, so
// it stays a decimal string until it is reduced.

bool DigitsDivisibleBy(const std::string& digits, int divisor) {
  const int last = digits.empty() ? 0 : digits.back() - '0';
  return last % divisor == 0;  // valid for divisors 2 and 5 only
}

std::string DivideDigits(const std::string& digits, int divisor) {
  std::string quotient;
  int remainder = 0;
  for (char c : digits) {
    const int current = remainder * 10 + (c - '0');
    quotient.push_back(static_cast<char>('0' + current / divisor));
    remainder = current % divisor;
  }
  return quotient;
}

// The value of a decimal string, or nullopt when it exceeds 2^63 - 1.
std::optional<long long> DigitsToInt64(const std::string& digits) {
  Int128 value = 0;
  for (char c : digits) {
    value = value * 10 + (c - '0');
    if (value > LLONG_MAX) return std::nullopt;
  }
  return static_cast<long long>(value);
}

// nullopt means "overflow". Both arguments are strings of ASCII digits.
std::optional<Rational> ExactDecimal(const std::string& integer_digits,
                                     std::string fraction_digits) {
  while (!fraction_digits.empty() && fraction_digits.back() == '0') fraction_digits.pop_back();
  const size_t decimals = fraction_digits.size();  // k
  std::string numerator_digits = integer_digits + fraction_digits;
  size_t twos = 0, fives = 0;
  while (twos < decimals && DigitsDivisibleBy(numerator_digits, 2)) {
    numerator_digits = DivideDigits(numerator_digits, 2);
    ++twos;
  }
  while (fives < decimals && DigitsDivisibleBy(numerator_digits, 5)) {
    numerator_digits = DivideDigits(numerator_digits, 5);
    ++fives;
  }
  Int128 denominator = 1;
  for (size_t i = twos; i < decimals; ++i) {
    denominator *= 2;
    if (denominator > LLONG_MAX) return std::nullopt;
  }
  for (size_t i = fives; i < decimals; ++i) {
    denominator *= 5;
    if (denominator > LLONG_MAX) return std::nullopt;
  }
  const std::optional<long long> numerator = DigitsToInt64(numerator_digits);
  if (!numerator) return std::nullopt;
  // Already reduced in exact arithmetic; ReducedRational keeps the invariant obvious.
  return ReducedRational(*numerator, denominator);
}

// --- The parser ---------------------------------------------------------------------------

using answer_text::IsDigit;

// One evaluation. Errors come in two kinds:
//  - fatal (syntax, "too deep"): parsing stops at once, `fatal_error_` is set and every
//    Parse* returns nullopt up the stack;
//  - arithmetic (overflow, division by zero): the sub-expression's value becomes nullopt
//    ("poisoned"), the first such error is kept in `arithmetic_error_`, and parsing goes on
//    so that a later syntax error still wins.
// Invariant: a Parse* function returning a value implies fatal_error_ is empty.
class CalculatorParser {
 public:
  explicit CalculatorParser(const std::string& text) : text_(text) {}

  CalculatorResult Run() {
    CalculatorResult result;
    std::optional<Rational> value = ParseSum();
    if (fatal_error_.empty()) {
      SkipSpaces();
      if (position_ < text_.size()) FailUnexpected();
    }
    if (!fatal_error_.empty()) {
      result.error = fatal_error_;
    } else if (!value) {
      result.error = arithmetic_error_;
    } else {
      result.value = value;
      result.text = FormatRational(*value);
      return result;
    }
    result.text = "error";
    return result;
  }

 private:
  std::string ColumnText() const { return " at column " + std::to_string(position_ + 1); }

  void FailSyntax(const std::string& what) {
    if (fatal_error_.empty()) fatal_error_ = "syntax: " + what + ColumnText();
  }

  void FailUnexpected() {
    const unsigned char c = static_cast<unsigned char>(text_[position_]);
    char described[32];
    if (c >= 0x21 && c < 0x7F) {
      std::snprintf(described, sizeof described, "'%c'", c);
    } else {
      std::snprintf(described, sizeof described, "byte 0x%02X", c);
    }
    FailSyntax(std::string("unexpected ") + described);
  }

  void RecordArithmeticError(const char* what) {
    if (arithmetic_error_.empty()) arithmetic_error_ = what;
  }

  bool Failed() const { return !fatal_error_.empty(); }

  void SkipSpaces() {
    while (position_ < text_.size() && (text_[position_] == ' ' || text_[position_] == '\t')) {
      ++position_;
    }
  }

  bool LookingAt(const char* token) const {
    return text_.compare(position_, std::char_traits<char>::length(token), token) == 0;
  }

  // Consumes a multiplicative operator and returns '*' or '/', or returns 0 and consumes
  // nothing.
  char TakeMultiplicativeOperator() {
    static const struct {
      const char* spelling;
      char op;
    } kOperators[] = {{"*", '*'}, {"x", '*'}, {"\xC3\x97", '*'}, {"/", '/'}, {"\xC3\xB7", '/'}};
    for (const auto& candidate : kOperators) {
      if (LookingAt(candidate.spelling)) {
        position_ += std::char_traits<char>::length(candidate.spelling);
        return candidate.op;
      }
    }
    return 0;
  }

  // Applies a binary operator to two possibly poisoned values.
  std::optional<Rational> Apply(const std::optional<Rational>& left, char op,
                                const std::optional<Rational>& right) {
    if (!left || !right) return std::nullopt;
    const Int128 a = left->num, b = left->den, c = right->num, d = right->den;
    std::optional<Rational> result;
    switch (op) {
      case '+': result = ReducedRational(a * d + c * b, b * d); break;
      case '-': result = ReducedRational(a * d - c * b, b * d); break;
      case '*': result = ReducedRational(a * c, b * d); break;
      default:  // '/'
        if (c == 0) {
          RecordArithmeticError("division by zero");
          return std::nullopt;
        }
        result = ReducedRational(a * d, b * c);
        break;
    }
    if (!result) RecordArithmeticError("overflow");
    return result;
  }

  // sum := product (('+' | '-') product)*
  std::optional<Rational> ParseSum() {
    std::optional<Rational> value = ParseProduct();
    while (!Failed()) {
      SkipSpaces();
      if (position_ >= text_.size() || (text_[position_] != '+' && text_[position_] != '-')) break;
      const char op = text_[position_++];
      const std::optional<Rational> right = ParseProduct();
      if (Failed()) break;
      value = Apply(value, op, right);
    }
    if (Failed()) return std::nullopt;
    return value;
  }

  // product := unary (('*' | 'x' | '×' | '/' | '÷') unary)*
  std::optional<Rational> ParseProduct() {
    std::optional<Rational> value = ParseUnary();
    while (!Failed()) {
      SkipSpaces();
      const char op = TakeMultiplicativeOperator();
      if (op == 0) break;
      const std::optional<Rational> right = ParseUnary();
      if (Failed()) break;
      value = Apply(value, op, right);
    }
    if (Failed()) return std::nullopt;
    return value;
  }

  // unary := ('+' | '-')* primary   (a loop, so a run of signs costs no recursion)
  std::optional<Rational> ParseUnary() {
    bool negate = false;
    for (;;) {
      SkipSpaces();
      if (position_ < text_.size() && text_[position_] == '-') {
        negate = !negate;
      } else if (position_ >= text_.size() || text_[position_] != '+') {
        break;
      }
      ++position_;
    }
    std::optional<Rational> value = ParsePrimary();
    if (Failed() || !value || !negate) return value;
    // Only -(-2^63) leaves the 64-bit range.
    value = ReducedRational(-static_cast<Int128>(value->num), value->den);
    if (!value) RecordArithmeticError("overflow");
    return value;
  }

  // primary := number | '(' sum ')'
  std::optional<Rational> ParsePrimary() {
    if (!budget_.Spend()) {
      if (fatal_error_.empty()) fatal_error_ = "too many steps";
      return std::nullopt;
    }
    SkipSpaces();
    if (position_ < text_.size() && text_[position_] == '(') {
      if (depth_ >= kCalculatorMaxDepth) {
        fatal_error_ = "too deep";
        return std::nullopt;
      }
      ++depth_;
      ++position_;
      const std::optional<Rational> value = ParseSum();
      if (Failed()) return std::nullopt;
      SkipSpaces();
      if (position_ >= text_.size() || text_[position_] != ')') {
        FailSyntax("expected ')'");
        return std::nullopt;
      }
      ++position_;
      --depth_;
      return value;
    }
    if (position_ < text_.size() && IsDigit(text_[position_])) return ParseNumber();
    FailSyntax("expected a number");
    return std::nullopt;
  }

  // number := digit+ ('.' digit+)?
  std::optional<Rational> ParseNumber() {
    const size_t integer_begin = position_;
    while (position_ < text_.size() && IsDigit(text_[position_])) ++position_;
    const std::string integer_digits = text_.substr(integer_begin, position_ - integer_begin);
    std::string fraction_digits;
    if (position_ < text_.size() && text_[position_] == '.') {
      ++position_;
      const size_t fraction_begin = position_;
      while (position_ < text_.size() && IsDigit(text_[position_])) ++position_;
      if (position_ == fraction_begin) {
        FailSyntax("expected a digit after '.'");
        return std::nullopt;
      }
      fraction_digits = text_.substr(fraction_begin, position_ - fraction_begin);
    }
    std::optional<Rational> value = ExactDecimal(integer_digits, fraction_digits);
    if (!value) RecordArithmeticError("overflow");
    return value;
  }

  const std::string& text_;
  size_t position_ = 0;  // next unread byte; never past text_.size()
  int depth_ = 0;        // open parentheses around position_; at most kCalculatorMaxDepth
  StepBudget budget_{kCalculatorStepBudget};  // one step per operand read
  std::string fatal_error_;
  std::string arithmetic_error_;
};

// --- Tool-call scanning -------------------------------------------------------------------

struct ToolCallScan {
  std::vector<std::pair<size_t, size_t>> written_spans;  // complete calls, in order
  std::optional<size_t> open_trigger;                    // '=' of a call still open at the end
};

// The one left-to-right scan behind OpenToolCallTrigger and ToolWrittenSpans. States:
// outside a call; in the expression (after "<<", before '='); in the result (after '=',
// before ">>"). "<<" always opens a fresh call; ">>" closes any call.
ToolCallScan ScanToolCalls(const std::string& text) {
  enum class State { kOutside, kExpression, kResult };
  ToolCallScan scan;
  State state = State::kOutside;
  size_t equals = 0;  // position of the call's '=' while state == kResult
  size_t i = 0;
  while (i < text.size()) {
    if (text.compare(i, 2, "<<") == 0) {
      while (i + 2 < text.size() && text[i + 2] == '<') ++i;  // the last two of a '<' run
      state = State::kExpression;
      i += 2;
    } else if (state != State::kOutside && text.compare(i, 2, ">>") == 0) {
      if (state == State::kResult) scan.written_spans.emplace_back(equals + 1, i + 2);
      state = State::kOutside;
      i += 2;
    } else {
      if (state == State::kExpression && text[i] == '=') {
        state = State::kResult;
        equals = i;
      }
      ++i;
    }
  }
  if (state == State::kResult) scan.open_trigger = equals;
  return scan;
}

}  // namespace

std::string FormatRational(const Rational& value) {
  std::string text = std::to_string(value.num);
  if (value.den != 1) text += "/" + std::to_string(value.den);
  return text;
}

CalculatorResult EvaluateCalculator(const std::string& expression) {
  if (expression.size() > kCalculatorMaxBytes) {
    CalculatorResult result;
    result.text = "error";
    result.error = "too long";
    return result;
  }
  return CalculatorParser(expression).Run();
}

std::string CalculatorReply(const std::string& expression) {
  return EvaluateCalculator(expression).text + ">>";
}

std::optional<size_t> OpenToolCallTrigger(const std::string& text) {
  return ScanToolCalls(text).open_trigger;
}

std::string ToolCallExpression(const std::string& text, size_t trigger) {
  if (trigger >= text.size() || text[trigger] != '=' || trigger < 2) return "";
  const size_t open = text.rfind("<<", trigger - 2);
  if (open == std::string::npos) return "";
  return text.substr(open + 2, trigger - open - 2);
}

std::vector<std::pair<size_t, size_t>> ToolWrittenSpans(const std::string& text) {
  return ScanToolCalls(text).written_spans;
}

}  // namespace steptree

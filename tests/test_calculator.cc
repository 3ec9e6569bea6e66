// The calculator tool: exact values, errors, fuzz safety, a cross-check against an
// independent long long evaluator, and the "<<EXPR=RESULT>>" scanners.
#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "datasets/calculator.h"
#include "core/rng.h"
#include "tests/test_util.h"

using namespace steptree;

namespace {

std::string Text(const std::string& expression) { return EvaluateCalculator(expression).text; }
std::string Error(const std::string& expression) { return EvaluateCalculator(expression).error; }

long long Gcd(long long a, long long b) {
  if (a < 0) a = -a;
  while (b != 0) {
    const long long rest = a % b;
    a = b;
    b = rest;
  }
  return a;
}

// The result's invariants: a reduced value with den > 0 and its text, or "error" and a reason.
void CheckWellFormed(const std::string& expression) {
  const CalculatorResult result = EvaluateCalculator(expression);
  if (result.value) {
    CHECK(result.value->den > 0);
    CHECK(Gcd(result.value->num, result.value->den) == 1);
    CHECK(result.text == FormatRational(*result.value));
    CHECK(result.error.empty());
  } else {
    CHECK(result.text == "error");
    CHECK(!result.error.empty());
  }
  CHECK(CalculatorReply(expression) == result.text + ">>");
}

// --- An independent evaluator for the cross-check ------------------------------------------
// A random expression tree over small integers with + - *, evaluated with plain long long
// (small enough never to overflow) and printed with the fewest parentheses the usual
// precedence and left associativity need, plus random redundant ones, spaces and spellings.

struct Tree {
  char op = 0;  // 0 for a leaf
  long long leaf = 0;
  std::vector<Tree> children;  // two when op != 0
};

Tree RandomTree(Rng& rng, int depth) {
  Tree tree;
  if (depth == 0 || rng.Bernoulli(0.3)) {
    tree.leaf = rng.Uniform(0, 12);
    return tree;
  }
  static const char kOps[] = {'+', '-', '*'};
  tree.op = rng.Pick(kOps);
  tree.children.push_back(RandomTree(rng, depth - 1));
  tree.children.push_back(RandomTree(rng, depth - 1));
  return tree;
}

long long EvaluateTree(const Tree& tree) {
  if (tree.op == 0) return tree.leaf;
  const long long a = EvaluateTree(tree.children[0]), b = EvaluateTree(tree.children[1]);
  if (tree.op == '+') return a + b;
  if (tree.op == '-') return a - b;
  return a * b;
}

int Precedence(const Tree& tree) { return tree.op == 0 ? 3 : (tree.op == '*' ? 2 : 1); }

std::string Spaces(Rng& rng) {
  return rng.Bernoulli(0.3) ? std::string(rng.Uniform(1, 2), ' ') : "";
}

// "(" text ")" with random inner spaces; the draws are sequenced so every compiler prints
// the same expressions.
std::string Wrap(const std::string& text, Rng& rng) {
  const std::string before = Spaces(rng);
  const std::string after = Spaces(rng);
  return "(" + before + text + after + ")";
}

std::string PrintTree(const Tree& tree, Rng& rng) {
  if (tree.op == 0) return std::to_string(tree.leaf);
  const Tree& left = tree.children[0];
  const Tree& right = tree.children[1];
  const int precedence = Precedence(tree);
  // The left child needs parentheses only when it binds more loosely; the right child also
  // when it binds equally and the operator is '-' (a - (b + c) != a - b + c).
  const bool wrap_left = Precedence(left) < precedence || rng.Bernoulli(0.1);
  const bool wrap_right = Precedence(right) < precedence ||
                          (Precedence(right) == precedence && tree.op == '-') ||
                          rng.Bernoulli(0.1);
  std::string op(1, tree.op);
  if (tree.op == '*') {
    static const char* kTimes[] = {"*", "x", "\xC3\x97"};
    op = rng.Pick(kTimes);
  }
  std::string left_text = PrintTree(left, rng);
  std::string right_text = PrintTree(right, rng);
  if (wrap_left) left_text = Wrap(left_text, rng);
  if (wrap_right) right_text = Wrap(right_text, rng);
  const std::string before_op = Spaces(rng);
  const std::string after_op = Spaces(rng);
  return left_text + before_op + op + after_op + right_text;
}

// --- Independent statements of the scanning rules (see calculator.h) -----------------------

std::optional<size_t> NaiveOpenTrigger(const std::string& text) {
  const size_t open = text.rfind("<<");
  if (open == std::string::npos) return std::nullopt;
  if (text.find(">>", open + 2) != std::string::npos) return std::nullopt;
  const size_t equals = text.find('=', open + 2);
  if (equals == std::string::npos) return std::nullopt;
  return equals;
}

// A call's '=' at e is one the generator would have answered (the prefix ending at e has its
// trigger at e); its result is written up to the first ">>" after it, unless a "<<" opens a
// new call first.
std::vector<std::pair<size_t, size_t>> NaiveWrittenSpans(const std::string& text) {
  std::vector<std::pair<size_t, size_t>> spans;
  for (size_t e = 0; e < text.size(); ++e) {
    if (NaiveOpenTrigger(text.substr(0, e + 1)) != std::optional<size_t>(e)) continue;
    const size_t close = text.find(">>", e + 1);
    const size_t reopen = text.find("<<", e + 1);
    if (close != std::string::npos && (reopen == std::string::npos || reopen > close)) {
      spans.emplace_back(e + 1, close + 2);
    }
  }
  return spans;
}

std::string RandomString(Rng& rng, const std::vector<std::string>& alphabet, int max_pieces) {
  std::string text;
  const int pieces = static_cast<int>(rng.Uniform(0, max_pieces));
  for (int i = 0; i < pieces; ++i) text += alphabet[rng.Uniform(0, alphabet.size() - 1)];
  return text;
}

}  // namespace

TEST_SUITE("calculator") {

TEST_CASE("precedence and left associativity") {
  CHECK(Text("2+3*4") == "14");
  CHECK(Text("2*3+4") == "10");
  CHECK(Text("8/4/2") == "1");
  CHECK(Text("2-3-4") == "-5");
  CHECK(Text("2-3+4") == "3");
  CHECK(Text("12/2*3") == "18");
  CHECK(Text("25*4") == "100");
  CHECK(Text("0") == "0");
  CHECK(Text("0007") == "7");
}

TEST_CASE("fractions are exact and reduced") {
  CHECK(Text("7/2") == "7/2");
  CHECK(Text("1/3+1/6") == "1/2");
  CHECK(Text("-7/2") == "-7/2");
  CHECK(Text("7/-2") == "-7/2");
  CHECK(Text("6/4") == "3/2");
  CHECK(Text("1/3*3") == "1");
  CHECK(Text("0/5") == "0");
  const CalculatorResult half = EvaluateCalculator("-14/4");
  REQUIRE(half.value);
  CHECK(half.value->num == -7);
  CHECK(half.value->den == 2);
  CHECK(half.error.empty());
}

TEST_CASE("decimals are exact rationals") {
  CHECK(Text("0.5*10") == "5");
  CHECK(Text("1.25*4") == "5");
  CHECK(Text("0.1+0.2") == "3/10");
  CHECK(Text("12.25") == "49/4");
  CHECK(Text("1.50") == "3/2");
  CHECK(Text("2.0") == "2");
  CHECK(Text("0.50000000000000000000000000") == "1/2");
  // 92233720368547758075/1000 reduces to fit although its raw numerator does not.
  CHECK(Text("92233720368547758.075") == "3689348814741910323/40");
  // 2^-62 written out in 62 decimals fits; 2^-63 does not.
  CHECK(Text("0.00000000000000000021684043449710088680149056017398834228515625") ==
        "1/4611686018427387904");
  CHECK(Error("0.000000000000000000108420217248550443400745280086994171142578125") ==
        "overflow");
  CHECK(Error("0.000000000000000000001") == "overflow");
}

TEST_CASE("x, the multiplication sign and the division sign") {
  CHECK(Text("3x4") == "12");
  CHECK(Text("3 x 4") == "12");
  CHECK(Text("3\xC3\x97"
             "4") == "12");
  CHECK(Text("3 \xC3\x97 4") == "12");
  CHECK(Text("12\xC3\xB7"
             "8") == "3/2");
  CHECK(Text("2+6 \xC3\xB7 3 \xC3\x97 2") == "6");
  CHECK(Text("0x5") == "0");  // x is multiplication, not a hex prefix
  CHECK(Error("3X4") == "syntax: unexpected 'X' at column 2");
  CHECK(Error("3\xC3") == "syntax: unexpected byte 0xC3 at column 2");
}

TEST_CASE("parentheses, unary signs and spaces") {
  CHECK(Text("(2+3)*4") == "20");
  CHECK(Text("2*(3+4)") == "14");
  CHECK(Text("((((7))))") == "7");
  CHECK(Text("2-(3-4)") == "3");
  CHECK(Text("-3") == "-3");
  CHECK(Text("--3") == "3");
  CHECK(Text("+3") == "3");
  CHECK(Text("-(2+3)") == "-5");
  CHECK(Text("2*-3") == "-6");
  CHECK(Text("2- -3") == "5");
  CHECK(Text("-2*-3") == "6");
  CHECK(Text("  ( 1 + 2 ) * 3  ") == "9");
  CHECK(Text("\t4\t/\t2") == "2");
}

TEST_CASE("division by zero") {
  CHECK(Text("7/0") == "error");
  CHECK(Error("7/0") == "division by zero");
  CHECK(Error("1/(2-2)") == "division by zero");
  CHECK(Error("0/0") == "division by zero");
  CHECK(Error("5/0.0") == "division by zero");
  CHECK(CalculatorReply("7/0") == "error>>");
}

TEST_CASE("overflow") {
  CHECK(Text("9223372036854775807") == "9223372036854775807");
  CHECK(Error("9223372036854775807+1") == "overflow");
  CHECK(Error("9223372036854775808") == "overflow");
  CHECK(Error("-9223372036854775808") == "overflow");  // the literal itself does not fit
  CHECK(Text("-9223372036854775807-1") == "-9223372036854775808");
  CHECK(Error("-(-9223372036854775807-1)") == "overflow");
  CHECK(Error("(-9223372036854775807-1)/-1") == "overflow");
  CHECK(Text("3037000499*3037000499") == "9223372030926249001");
  CHECK(Error("3037000500*3037000500") == "overflow");
  CHECK(Error("99999999999*99999999999") == "overflow");
  CHECK(Error("1/9223372036854775807/2") == "overflow");  // the denominator
  // An intermediate that does not fit is an error even when the final value would.
  CHECK(Error("9223372036854775807*2/2") == "overflow");
  CHECK(Error("99999999999999999999999999999999999999999999") == "overflow");
  // Fractions that would need more than 64 bits only before reduction are fine.
  CHECK(Text("1/3037000499*3037000499") == "1");
  CHECK(Text("9223372036854775807/9223372036854775806*9223372036854775806") ==
        "9223372036854775807");
}

TEST_CASE("syntax errors") {
  CHECK(Error("2+") == "syntax: expected a number at column 3");
  CHECK(Error("(1") == "syntax: expected ')' at column 3");
  CHECK(Error("(1 2)") == "syntax: expected ')' at column 4");
  CHECK(Error("2**3") == "syntax: expected a number at column 3");
  CHECK(Error("abc") == "syntax: expected a number at column 1");
  CHECK(Error("") == "syntax: expected a number at column 1");
  CHECK(Error("   ") == "syntax: expected a number at column 4");
  CHECK(Error("=") == "syntax: expected a number at column 1");
  CHECK(Error("2+3=") == "syntax: unexpected '=' at column 4");
  CHECK(Error("2+3)") == "syntax: unexpected ')' at column 4");
  CHECK(Error("()") == "syntax: expected a number at column 2");
  CHECK(Error("1,000") == "syntax: unexpected ',' at column 2");
  CHECK(Error("1 000") == "syntax: unexpected '0' at column 3");
  CHECK(Error(".5") == "syntax: expected a number at column 1");
  CHECK(Error("5.") == "syntax: expected a digit after '.' at column 3");
  CHECK(Error("1.2.3") == "syntax: unexpected '.' at column 4");
  CHECK(Error("2^3") == "syntax: unexpected '^' at column 2");
  CHECK(Error("x") == "syntax: expected a number at column 1");
  CHECK(Error(std::string("1\0", 2)) == "syntax: unexpected byte 0x00 at column 2");
  for (const char* bad : {"2+", "(1", "2**3", "abc", "", "="}) {
    CHECK(Text(bad) == "error");
    CHECK(!EvaluateCalculator(bad).value);
  }
  // A syntax error wins over an arithmetic one anywhere; else the leftmost arithmetic error.
  CHECK(Error("1/0+") == "syntax: expected a number at column 5");
  CHECK(Error("1/0 + 99999999999999999999") == "division by zero");
  CHECK(Error("99999999999999999999 + 1/0") == "overflow");
}

TEST_CASE("too long and too deep") {
  std::string at_limit = "1";
  while (at_limit.size() + 2 <= kCalculatorMaxBytes) at_limit += "+1";
  at_limit.resize(kCalculatorMaxBytes, ' ');
  CHECK(Text(at_limit) == "100");
  CHECK(Error(at_limit + " ") == "too long");
  CHECK(Text(at_limit + " ") == "error");
  CHECK(Error(std::string(100000, '(')) == "too long");

  const auto nested = [](int depth) {
    return std::string(depth, '(') + "1" + std::string(depth, ')');
  };
  CHECK(Text(nested(kCalculatorMaxDepth)) == "1");
  CHECK(Error(nested(kCalculatorMaxDepth + 1)) == "too deep");
  CHECK(Error(std::string(kCalculatorMaxDepth + 1, '(')) == "too deep");
  // Depth counts parentheses open at once, not parentheses in all (60 pairs here).
  std::string flat;
  for (int i = 0; i < 30; ++i) flat += i == 0 ? "((1))" : "+((1))";
  REQUIRE(flat.size() <= kCalculatorMaxBytes);
  CHECK(Text(flat) == "30");
  // A long run of unary signs is a loop, not recursion.
  CHECK(Text(std::string(199, '-') + "1") == "-1");
}

TEST_CASE("FormatRational") {
  CHECK(FormatRational(Rational{12, 1}) == "12");
  CHECK(FormatRational(Rational{-3, 1}) == "-3");
  CHECK(FormatRational(Rational{7, 2}) == "7/2");
  CHECK(FormatRational(Rational{-7, 2}) == "-7/2");
  CHECK(FormatRational(Rational{}) == "0");
}

TEST_CASE("fuzz: random bytes never crash and give a value or an error") {
  Rng rng(20240611);
  const std::vector<std::string> grammar = {
      "0", "1", "2", "5", "9", "7", "00", "+", "-", "*", "/", "x", "\xC3\x97", "\xC3\xB7",
      "(", ")", ".", " ", "\t", "99999999999", "9223372036854775807", "0.1"};
  const std::vector<std::string> junk = {"=", "<", ">", "a", ",", "^", "X", "\xC3", "\x97",
                                         "\xFF", std::string(1, '\0'), "\n", "e", "%"};
  std::vector<std::string> grammar_and_junk = grammar;
  grammar_and_junk.insert(grammar_and_junk.end(), junk.begin(), junk.end());
  int values = 0, errors = 0;
  for (int round = 0; round < 4000; ++round) {
    std::string expression;
    if (round % 2 == 0) {
      // A well-formed expression with up to two random pieces inserted, replaced or erased.
      expression = PrintTree(RandomTree(rng, 4), rng);
      for (int edit = static_cast<int>(rng.Uniform(0, 2)); edit > 0; --edit) {
        const size_t at = static_cast<size_t>(rng.Uniform(0, expression.size()));
        const std::string& piece = grammar_and_junk[rng.Uniform(0, grammar_and_junk.size() - 1)];
        switch (rng.Uniform(0, 2)) {
          case 0: expression.insert(at, piece); break;
          case 1: expression.replace(at, 1, piece); break;
          default: expression.erase(at, 1); break;
        }
      }
    } else {
      const int max_pieces = round % 10 == 1 ? 150 : 25;  // some inputs exceed the byte limit
      expression = RandomString(rng, round % 4 == 1 ? grammar : grammar_and_junk, max_pieces);
    }
    CAPTURE(expression);
    CheckWellFormed(expression);
    (EvaluateCalculator(expression).value ? values : errors) += 1;
  }
  for (int round = 0; round < 1000; ++round) {
    std::string bytes(static_cast<size_t>(rng.Uniform(0, 60)), '\0');
    for (char& c : bytes) c = static_cast<char>(rng.Uniform(0, 255));
    CheckWellFormed(bytes);
  }
  // The generator reaches both outcomes often enough to mean something.
  CHECK(values > 500);
  CHECK(errors > 500);
}

TEST_CASE("cross-check: random integer expressions against a long long evaluator") {
  Rng rng(7);
  for (int round = 0; round < 2000; ++round) {
    const Tree tree = RandomTree(rng, 3);
    std::string expression = PrintTree(tree, rng);
    long long expected = EvaluateTree(tree);
    if (rng.Bernoulli(0.2)) {
      expression = "-(" + expression + ")";
      expected = -expected;
    }
    CAPTURE(expression);
    const CalculatorResult result = EvaluateCalculator(expression);
    REQUIRE(result.value);
    CHECK(result.value->num == expected);
    CHECK(result.value->den == 1);
    CHECK(result.text == std::to_string(expected));
  }
}

TEST_CASE("cross-check: a/b + c/d and a/b * c/d against cross-multiplication") {
  Rng rng(8);
  for (int round = 0; round < 500; ++round) {
    const long long a = rng.Uniform(-50, 50), b = rng.Uniform(1, 50);
    const long long c = rng.Uniform(-50, 50), d = rng.Uniform(1, 50);
    const std::string fa = "(" + std::to_string(a) + ")/" + std::to_string(b);
    const std::string fc = "(" + std::to_string(c) + ")/" + std::to_string(d);
    const CalculatorResult sum = EvaluateCalculator(fa + "+" + fc);
    const CalculatorResult product = EvaluateCalculator(fa + "*" + fc);
    REQUIRE(sum.value);
    REQUIRE(product.value);
    // p/q == r/s  <=>  p*s == r*q (all small here).
    CHECK(sum.value->num * (b * d) == (a * d + c * b) * sum.value->den);
    CHECK(product.value->num * (b * d) == (a * c) * product.value->den);
  }
}

TEST_CASE("OpenToolCallTrigger") {
  CHECK(OpenToolCallTrigger("so <<25*4=") == std::optional<size_t>(9));
  CHECK(OpenToolCallTrigger("<<2+3=5>> then") == std::nullopt);
  const std::string two = "<<1+1=2>> and <<3*4=";
  CHECK(OpenToolCallTrigger(two) == std::optional<size_t>(two.size() - 1));
  CHECK(OpenToolCallTrigger("a=b") == std::nullopt);
  CHECK(OpenToolCallTrigger("") == std::nullopt);
  CHECK(OpenToolCallTrigger("so <<25*4") == std::nullopt);  // no '=' yet
  CHECK(OpenToolCallTrigger("<<2=3") == std::optional<size_t>(3));
  CHECK(OpenToolCallTrigger("<<2=3=4") == std::optional<size_t>(3));  // the first '='
  CHECK(OpenToolCallTrigger("<<a>> b=") == std::nullopt);
  CHECK(OpenToolCallTrigger("<<2=<<3=") == std::optional<size_t>(7));  // a new call wins
  CHECK(OpenToolCallTrigger("x=1 <<<5=") == std::optional<size_t>(8));
}

TEST_CASE("ToolCallExpression") {
  CHECK(ToolCallExpression("so <<25*4=", 9) == "25*4");
  const std::string two = "<<1+1=2>> and <<3*4=";
  CHECK(ToolCallExpression(two, two.size() - 1) == "3*4");
  CHECK(ToolCallExpression(two, 5) == "1+1");
  CHECK(ToolCallExpression("<<=", 2) == "");
  CHECK(ToolCallExpression("<<<5=", 4) == "5");
  CHECK(ToolCallExpression("a=b", 1) == "");    // no "<<"
  CHECK(ToolCallExpression("<<2=", 1) == "");   // not an '='
  CHECK(ToolCallExpression("<<2=", 99) == "");  // out of range
  const std::string text = "Each box holds <<12*3=";
  const std::optional<size_t> trigger = OpenToolCallTrigger(text);
  REQUIRE(trigger);
  CHECK(CalculatorReply(ToolCallExpression(text, *trigger)) == "36>>");
}

TEST_CASE("ToolWrittenSpans") {
  using Spans = std::vector<std::pair<size_t, size_t>>;
  const std::string text = "He has <<25*4=100>> apples and <<100/8=25/2>> each.";
  const Spans spans = ToolWrittenSpans(text);
  REQUIRE(spans.size() == 2);
  CHECK(text.substr(spans[0].first, spans[0].second - spans[0].first) == "100>>");
  CHECK(text.substr(spans[1].first, spans[1].second - spans[1].first) == "25/2>>");
  CHECK(spans[0].first == text.find('=') + 1);

  const std::string unclosed = "<<1+1=2>> then <<3*4=12";
  const Spans partial = ToolWrittenSpans(unclosed);
  REQUIRE(partial.size() == 1);
  CHECK(partial[0] == std::pair<size_t, size_t>(6, 9));

  CHECK(ToolWrittenSpans("no calls here, a=b >> <<").empty());
  CHECK(ToolWrittenSpans("<<abc>> is not a call").empty());
  CHECK(ToolWrittenSpans("<<2=<<3=4>>") == Spans{{8, 11}});  // the abandoned call has none
  CHECK(ToolWrittenSpans("<<2=>>") == Spans{{4, 6}});

  // Writing each reply where the trigger fires reproduces exactly the spans found later.
  std::string generated;
  Spans written;
  for (const char* policy_part : {"So <<25*4=", " apples, and <<7/2=", " each."}) {
    generated += policy_part;
    if (const std::optional<size_t> trigger = OpenToolCallTrigger(generated)) {
      const std::string reply = CalculatorReply(ToolCallExpression(generated, *trigger));
      written.emplace_back(generated.size(), generated.size() + reply.size());
      generated += reply;
    }
  }
  CHECK(generated == "So <<25*4=100>> apples, and <<7/2=7/2>> each.");
  CHECK(ToolWrittenSpans(generated) == written);
}

TEST_CASE("scanners agree with the rules stated independently, on random text") {
  Rng rng(99);
  const std::vector<std::string> alphabet = {"<", "<<", ">", ">>", "=", "1", "+", " ", "a"};
  for (int round = 0; round < 3000; ++round) {
    const std::string text = RandomString(rng, alphabet, 16);
    CAPTURE(text);
    const std::optional<size_t> trigger = OpenToolCallTrigger(text);
    CHECK(trigger == NaiveOpenTrigger(text));
    if (trigger) {
      const std::string expression = ToolCallExpression(text, *trigger);
      const size_t open = text.rfind("<<");
      CHECK(expression == text.substr(open + 2, *trigger - open - 2));
    }
    const auto spans = ToolWrittenSpans(text);
    CHECK(spans == NaiveWrittenSpans(text));
    for (const auto& span : spans) {
      CHECK(text[span.first - 1] == '=');
      CHECK(text.compare(span.second - 2, 2, ">>") == 0);
    }
  }
}

}  // TEST_SUITE("calculator")

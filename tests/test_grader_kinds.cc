// Tests of the LaTeX forms answers take and of equivalence by kind (datasets/answer*.cc,
// datasets/answer_shape.cc, datasets/math_expression.cc): each category of the grader's
// documentation, the conventions where readings clash, no equality across kinds, and the
// step budget on pathological inputs.
#include <doctest/doctest.h>

#include <chrono>
#include <string>

#include "datasets/answer.h"
#include "datasets/calculator.h"

using namespace steptree;

namespace {

std::string Repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

}  // namespace

TEST_SUITE("grader") {

TEST_CASE("latex: fractions, roots, sizing, text and units") {
  CHECK(AnswersEqual(R"(\cfrac{5}{8})", "0.625"));
  CHECK(AnswersEqual(R"(\frac37)", R"(\dfrac{3}{7})"));
  CHECK(AnswersEqual(R"(\tfrac{9}{4})", "2.25"));
  CHECK(AnswersEqual(R"(4\sqrt5)", R"(\sqrt{80})"));
  CHECK(AnswersEqual(R"(\sqrt[4]{81})", "3"));
  CHECK(AnswersEqual(R"(\left[ 2, 9 \right))", "[2, 9)"));
  CHECK(AnswersEqual(R"(17\text{ meters})", "17"));
  CHECK(AnswersEqual(R"(4.5\,\mathrm{kg})", "4.5"));
  CHECK(AnswersEqual("36 m^2", "36"));
  CHECK(AnswersEqual("36 m\u00b2", "36"));
  CHECK_FALSE(AnswersEqual("36 x^2", "36"));  // one letter is a variable, not a unit
  CHECK(AnswersEqual(R"(\text{Wednesday})", "wednesday"));
  CHECK_FALSE(AnswersEqual(R"(\text{Wednesday})", "Thursday"));
}

TEST_CASE("latex: percent, degrees, pi, infinity, currency") {
  CHECK(AnswersEqual(R"(35\%)", "35"));
  CHECK(AnswersEqual("35 percent", "0.35"));
  CHECK(AnswersEqual(R"(120^{\circ})", "120"));
  CHECK(AnswersEqual("120\u00b0", R"(120^\circ)"));
  CHECK(AnswersEqual(R"(\frac{3\pi}{4})", "2.35619449"));
  CHECK_FALSE(AnswersEqual(R"(\frac{3\pi}{4})", "2.356"));
  CHECK(AnswersEqual(R"((-\infty, 4])", R"(\left(-\infty, 4\right])"));
  CHECK(AnswersEqual(R"(\$2{,}450)", "2450"));
  CHECK(AnswersEqual("\u20ac" "7.20", "7.2"));
  CHECK(AnswersEqual("13 USD", "13"));
}

TEST_CASE("numbers: scientific notation, mixed numbers, separators") {
  CHECK(AnswersEqual("1e3", "1000"));
  CHECK(AnswersEqual("2.5E-3", "0.0025"));
  CHECK(AnswersEqual("6.02e23", R"(6.02 \times 10^{23})"));
  CHECK(AnswersEqual(R"(3 \cdot 10^{-2})", "0.03"));
  CHECK(NormalizeAnswer("4e2") == "400");
  CHECK_FALSE(AnswersEqual("1e3", "100"));
  CHECK(AnswersEqual("3 1/4", "3.25"));
  CHECK(AnswersEqual(R"(3\ \frac{1}{4})", "13/4"));
  CHECK_FALSE(AnswersEqual("3 1/4", "31/4"));
  CHECK(AnswersEqual("12,345,678", "12345678"));
  CHECK(AnswersEqual("12 345", "12345"));
}

TEST_CASE("latex: equations whose last right-hand side is the answer") {
  CHECK(AnswersEqual(R"(k = \frac{1}{3})", "1/3"));
  CHECK(AnswersEqual("n = 4 + 3 = 7", "7"));
  CHECK(AnswersEqual("(a, b) = (2, -1)", "(2, -1)"));
  CHECK_FALSE(AnswersEqual("n = 4 + 3 = 7", "4"));
  CHECK_FALSE(AnswersEqual("(a, b) = (2, -1)", "(-1, 2)"));
}

TEST_CASE("numbers: tolerance is relative 1e-6, absolute 1e-9") {
  CHECK(AnswersEqual("2000000", "2000001.5"));
  CHECK_FALSE(AnswersEqual("2000000", "2000003"));
  CHECK(AnswersEqual("0.0000000004", "0"));
  CHECK_FALSE(AnswersEqual("0.00001", "0"));
  CHECK(AnswersEqual(R"(\frac{2}{3})", "0.6666667"));
  CHECK_FALSE(AnswersEqual(R"(\frac{2}{3})", "0.667"));
}

TEST_CASE("convention: a comma before exactly three digits is a thousands separator") {
  CHECK(AnswersEqual("4,096", "4096"));
  CHECK_FALSE(AnswersEqual("4,096", "4.096"));
}

TEST_CASE("convention: a decimal comma only where a list is unlikely") {
  CHECK(AnswersEqual("2,75 cm", "2.75"));
  CHECK(AnswersEqual("\u20ac" "3,50", "3.5"));
  CHECK(AnswersEqual("1.234,5", "1234.5"));
  CHECK(AnswersEqual("3,1416", "3.1416"));
  CHECK(AnswersEqual("0,25 kg", R"(\frac{1}{4})"));
  // A bare "2,75" may be the two solutions 2 and 75: only a list.
  CHECK_FALSE(AnswersEqual("2,75", "2.75"));
  CHECK(AnswersEqual("2,75", "75, 2"));
  CHECK_FALSE(AnswersEqual("2, 75 cm", "2.75"));  // a space after the comma: a list
  CHECK_FALSE(AnswersEqual("2,7,5", "2.75"));
  CHECK_FALSE(AnswersEqual("(2,75)", "2.75"));
  CHECK_FALSE(AnswersEqual("2,75 cm", "2, 75"));
}

TEST_CASE("convention: a percent sign on one side allows the value over 100") {
  CHECK(AnswersEqual("64%", "0.64"));
  CHECK(AnswersEqual("64%", "64"));
  CHECK(AnswersEqual(R"(64\%)", R"(\frac{16}{25})"));
  CHECK_FALSE(AnswersEqual("64%", "0.064"));
  CHECK_FALSE(AnswersEqual("64%", "6.4"));
}

TEST_CASE("kinds: intervals are sets of reals, brackets matter") {
  CHECK(AnswersEqual("[-3, 5)", R"(\left[-3,5\right))"));
  CHECK(AnswersEqual(R"((1, 2] \cup [4, \infty))", R"([4,\infty) \cup (1,2])"));
  CHECK(AnswersEqual(R"(\mathbb{R})", R"((-\infty, \infty))"));
  CHECK_FALSE(AnswersEqual("[-3, 5)", "[-3, 5]"));
  CHECK_FALSE(AnswersEqual("(-3, 5)", "[-3, 5)"));
  CHECK_FALSE(AnswersEqual("(-3, 5)", R"(\{-3, 5\})"));  // an interval is not a two-point set
}

TEST_CASE("kinds: sets and lists are unordered, tuples are ordered") {
  CHECK(AnswersEqual(R"(\{7, -1, 0\})", R"(\{0, 7, -1\})"));
  CHECK(AnswersEqual(R"(\left\{ \frac{1}{2}, 3 \right\})", R"(\{3, 0.5\})"));
  CHECK(AnswersEqual("{4, 9}", R"(\{9, 4\})"));
  CHECK(AnswersEqual("(4, 9)", R"(\left(4, 9\right))"));
  CHECK_FALSE(AnswersEqual("(4, 9)", "(9, 4)"));
  CHECK_FALSE(AnswersEqual(R"(\{4, 9\})", R"(\{4, 9, 10\})"));
  CHECK_FALSE(AnswersEqual("(4, 9)", "4, 9"));  // a pair is not a list of solutions
}

TEST_CASE("kinds: plus-minus is the set of its two values") {
  CHECK(AnswersEqual(R"(2 \pm \sqrt{3})", R"(2+\sqrt{3}, 2-\sqrt{3})"));
  CHECK(AnswersEqual(R"(\pm 4)", "4, -4"));
  CHECK(AnswersEqual(R"(x = \pm 4)", "-4, 4"));
  CHECK(AnswersEqual(R"(\{1 \pm i, 0\})", R"(\{0, 1+i, 1-i\})"));
  CHECK_FALSE(AnswersEqual(R"(2 \pm \sqrt{3})", R"(2+\sqrt{3})"));
  CHECK_FALSE(AnswersEqual(R"(\pm 4)", "4"));
}

TEST_CASE("kinds: matrices element-wise") {
  const std::string m = R"(\begin{pmatrix} 2 & 0 \\ -1 & \frac{1}{2} \end{pmatrix})";
  CHECK(AnswersEqual(m, R"(\begin{bmatrix} 2 & 0 \\ -1 & 0.5 \end{bmatrix})"));
  CHECK(AnswersEqual(m, R"(\left(\begin{array}{cc} 2 & 0 \\ -1 & 1/2 \end{array}\right))"));
  CHECK(AnswersEqual(m, R"(\left[\begin{array}{rr} 2 & 0 \\ -1 & 0.5 \end{array}\right])"));
  CHECK_FALSE(AnswersEqual(m, R"(\begin{pmatrix} 2 & -1 \\ 0 & \frac{1}{2} \end{pmatrix})"));
  CHECK_FALSE(AnswersEqual(m, R"(\begin{pmatrix} 2 & 0 & -1 & \frac{1}{2} \end{pmatrix})"));
  CHECK(AnswersEqual(R"(\begin{pmatrix} 3 \\ -2 \end{pmatrix})", "(3, -2)"));
}

TEST_CASE("kinds: relations are equal with the same relation either way round") {
  CHECK(AnswersEqual(R"(x \geq 5)", "x >= 5"));
  CHECK(AnswersEqual(R"(x \ge 5)", R"(5 \le x)"));
  CHECK(AnswersEqual("x >= 5", "5 <= x"));
  CHECK(AnswersEqual(R"(y \geqslant -1)", "-1 <= y"));
  CHECK(AnswersEqual(R"(t \lt 2)", "2 > t"));
  CHECK(AnswersEqual(R"(t \gt \frac{1}{2})", "t > 0.5"));
  CHECK(AnswersEqual(R"(a \neq 3)", "3 != a"));
  CHECK(AnswersEqual(R"(a \ne 3)", "a \u2260 3"));
  CHECK(AnswersEqual(R"(-2 < x \leq 7)", R"(7 \geq x > -2)"));
  CHECK_FALSE(AnswersEqual("x > 5", "x >= 5"));
  CHECK_FALSE(AnswersEqual("x > 5", "x < 5"));
  CHECK_FALSE(AnswersEqual("x > 5", "5 > x"));
  CHECK_FALSE(AnswersEqual("x > 5", "y > 5"));
  CHECK_FALSE(AnswersEqual("x > 5", "5"));
  CHECK_FALSE(AnswersEqual(R"(x \neq 3)", "x = 3"));
}

TEST_CASE("kinds: a one-variable relation equals its interval (documented crossing)") {
  CHECK(AnswersEqual("x > 5", R"((5, \infty))"));
  CHECK(AnswersEqual(R"(x \leq -1)", R"((-\infty, -1])"));
  CHECK(AnswersEqual(R"(0 \leq x < 3)", "[0, 3)"));
  CHECK(AnswersEqual(R"(x \in [0, 3))", R"(0 \le x < 3)"));
  CHECK_FALSE(AnswersEqual("x > 5", R"([5, \infty))"));
  CHECK_FALSE(AnswersEqual(R"(0 \leq x < 3)", "[0, 3]"));
  CHECK_FALSE(AnswersEqual(R"(x \neq 5)", R"((5, \infty))"));
}

TEST_CASE("kinds: never equal across kinds otherwise") {
  CHECK_FALSE(AnswersEqual("(1, 2)", "1.2"));
  CHECK_FALSE(AnswersEqual("[1, 2]", R"(\frac{6}{5})"));
  CHECK_FALSE(AnswersEqual(R"(\{1, 2\})", "(1, 2)"));
  CHECK_FALSE(AnswersEqual("x = 2", "x > 2"));
  CHECK_FALSE(AnswersEqual(R"(\text{yes})", "1"));
  CHECK_FALSE(AnswersEqual("(3, 4)", R"(\begin{pmatrix} 3 & 4 \\ 0 & 0 \end{pmatrix})"));
}

TEST_CASE("budget: pathological inputs end as not equal, fast") {
  const std::pair<std::string, std::string> cases[] = {
      {"10^10^10", "1"},
      {"10^10^10", R"(\infty)"},
      {R"(10^{10^{10}})", R"(10^{10^{10}} + 1)"},
      {"1e400", R"(\infty)"},
      {"9!!!!", "0"},
      {Repeat("2^{", 300) + "2" + Repeat("}", 300), "7"},
      {Repeat(R"(\frac{1}{)", 400) + "3" + Repeat("}", 400), "1"},
      {Repeat("(", 1500) + "1" + Repeat(")", 1500), "2"},
      {Repeat("1, ", 1300) + "1", Repeat("1, ", 1300) + "2"},
      {Repeat(R"(\{1, )", 300) + Repeat(R"(\})", 300), "1"},
      {Repeat(R"(1 \pm )", 60) + "1", "1"},
      {Repeat("x^", 900) + "x", "x"},
  };
  for (const auto& [a, b] : cases) {
    CAPTURE(a.substr(0, 40));
    const auto start = std::chrono::steady_clock::now();
    CHECK_FALSE(AnswersEqual(a, b));
    CHECK_FALSE(AnswersEqual(b, a));
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    CHECK(seconds < 0.5);
  }
  // Huge but finite values still compare by value.
  CHECK(AnswersEqual("2^{100}", "1267650600228229401496703205376"));
  // The calculator runs under the same kind of budget: within it, nothing changes.
  CHECK(EvaluateCalculator(Repeat("1+", 99) + "1").text == "100");
}

}  // TEST_SUITE("grader")

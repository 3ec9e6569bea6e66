// Tests of free-text extraction (ExtractAnswerFromText, datasets/answer_free_text.cc): each
// tier in its priority order, the bare-answer rule, doubled backslashes, that the engine's
// ExtractAnswer keeps its narrower reading, and the GSM8K and MATH500 solutions read as
// free text (skipped when the data folder is absent).
#include <doctest/doctest.h>

#include <fstream>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "datasets/answer.h"
#include "tests/test_util.h"

using namespace steptree;

namespace {

std::string FreeText(const std::string& text) {
  return ExtractAnswerFromText(text).value_or("<none>");
}
std::string Engine(const std::string& text) { return ExtractAnswer(text).value_or("<none>"); }

// What `grade --pred P --gold G` does: the free-text answer, else the whole text.
bool GradeEqual(const std::string& pred, const std::string& gold) {
  auto answer_of = [](const std::string& t) { return ExtractAnswerFromText(t).value_or(t); };
  return AnswersEqual(answer_of(pred), answer_of(gold));
}

}  // namespace

TEST_SUITE("grader") {

TEST_CASE("free text, tier 1: the markers, last one wins") {
  CHECK(FreeText(R"(First $3$, then the total is \boxed{41}.)") == "41");
  CHECK(FreeText("Adding up, the answer is 17 marbles.") == "17 marbles");
  CHECK(FreeText("Final Answer: The final answer is $-2$. I hope it is correct.") == "-2");
  CHECK(FreeText("so 6*7\n#### 42") == "42");
  CHECK(FreeText("We try $x=2$ first.\nAnswer: $x = 8$") == "x = 8");
  CHECK(FreeText("**Answer:** 31") == "31");
  CHECK(FreeText("ANSWER: nine") == "nine");
  // A marker beats a later math span and a later number.
  CHECK(FreeText(R"(\boxed{5}. Check: $5 \cdot 2 = 10$ and 10 > 3.)") == "5");
  // Several spans listed after a marker.
  CHECK(FreeText("The answer is $12$ and $13$.") == "12, 13");
  CHECK(FreeText("The answer is $2$, $4$ and $8$") == "2, 4, 8");
  CHECK(FreeText(R"(\boxed{3} and \boxed{5})") == "3, 5");
  // "or" offers another form of the same answer: the last one stands.
  CHECK(FreeText(R"(The answer is $\frac{1}{2}$ or $0.5$)") == R"(\frac{1}{2})");
  CHECK(FreeText(R"(\boxed{1\frac{1}{2}} or $\boxed{\frac{3}{2}}$)") == R"(\frac{3}{2})");
  // "Answer:" counts only where it opens a line.
  CHECK(FreeText("So \\boxed{4}. To check our answer: $3 \\cdot 4 = 12$.") == "4");
}

TEST_CASE("free text, tier 2: the last math span") {
  CHECK(FreeText("the count is $ 9 $") == "9");
  CHECK(FreeText("so we get $$ 9 $$") == "9");
  CHECK(FreeText(R"(giving \( 9 \) in all)") == "9");
  CHECK(FreeText("so\n\\[\n\\frac{7}{2}\n\\]\nas required") == R"(\frac{7}{2})");
  CHECK(FreeText("start $1$, middle $2$, end $3$") == "3");
  CHECK(FreeText("the roots are $-4$ and $6$") == "-4, 6");
  CHECK(FreeText("so $a$ is even, hence $b=14$") == "14");
  // "lhs = ... = rhs": the last side, when lhs is a variable or a constant.
  CHECK(FreeText(R"(thus $k = \frac{1}{3}$)") == R"(\frac{1}{3})");
  CHECK(FreeText("we add: $20 + 5 = 25$") == "25");
  CHECK(FreeText("the circle is $x^2 + y^2 = 4$") == "x^2 + y^2 = 4");
  // "\$" is an escaped dollar, not a delimiter; dollar amounts in prose are not math.
  CHECK(FreeText(R"(it costs \$5, so $7$ remain)") == "7");
  CHECK(FreeText("She paid $5 for tea and then $6 for cake") == "6");
  CHECK(FreeText("It cost $400-$80 = $<<400-80=320>>320 in all.") == "320");
  CHECK(FreeText("Both cost $9.00 + $4.00 = $13.00.\nSo she spent 13 dollars.") == "13");
}

TEST_CASE("free text, tier 3: the last number of prose") {
  CHECK(FreeText("the number is 1,000.99\u20ac") == "1,000.99");
  CHECK(FreeText("After the trip she has 14 apples left") == "14");
  CHECK(FreeText("I estimate about -3 degrees tonight.") == "-3");
  CHECK(FreeText("the share is 3/4 of the cake") == "3/4");
  CHECK(FreeText("growth was 28% this year") == "28%");
  CHECK(FreeText("light travels about 3e8 metres a second") == "3e8");
  CHECK(FreeText("roughly 2,5 litres in the jug") == "2.5");  // a decimal comma in prose
  CHECK(FreeText("a crowd of 12,500 people came") == "12,500");
  // A number inside LaTeX outside math delimiters is not a number of the prose.
  CHECK(FreeText(R"(the value is \frac{1}{2} exactly)") == "<none>");
  CHECK(FreeText("no digits in this sentence") == "<none>");
}

TEST_CASE("free text: a bare answer is not searched for a number") {
  CHECK(FreeText("x^2 + 1") == "<none>");
  CHECK(FreeText("12 apples") == "<none>");
  CHECK(FreeText("2 and 3") == "<none>");
  CHECK(FreeText("1 and 2 and 3") == "<none>");
  CHECK(FreeText(R"(\frac{\pi}{4} radians)") == "<none>");
  CHECK(FreeText("Evelyn") == "<none>");
  CHECK(FreeText("") == "<none>");
  CHECK(GradeEqual("x^2 + 1", "1 + x^2"));
  CHECK_FALSE(GradeEqual("x^2 + 1", "1"));
  CHECK(GradeEqual("1 and 2 and 3", "3, 2, 1"));
  CHECK_FALSE(GradeEqual("1 and 2 and 3", "3"));
}

TEST_CASE("free text: doubled backslashes of JSON-escaped output") {
  CHECK(FreeText(R"(so \\boxed{\\frac{2}{3}})") == R"(\frac{2}{3})");
  CHECK(FreeText(R"(hence \\( 11 \\))") == "11");
  CHECK(GradeEqual(R"($\\begin{pmatrix} 1 \\\\ 0 \\end{pmatrix}$)", "(1, 0)"));
  CHECK(GradeEqual(R"(\\{3, 4\\})", R"(\{4, 3\})"));
  CHECK(GradeEqual(R"(\\left( 2, \\pi \\right))", R"((2, \pi))"));
  // A real row break is not a doubled backslash.
  CHECK(NormalizeAnswer(R"(\begin{pmatrix} 1 \\ 2 \end{pmatrix})") ==
        R"(\begin{pmatrix}1\\2\end{pmatrix})");
}

TEST_CASE("free text: grading whole outputs against gold answers") {
  CHECK(GradeEqual("Counting again gives the number is 1,000.99\u20ac", "1000.99"));
  CHECK(GradeEqual("so the speed is $ 9 $", "$9$"));
  CHECK(GradeEqual("Answer: $x \\geq 5$", "$5 \\leq x$"));
  CHECK(GradeEqual("the two values are $12$ and $13$", "13, 12"));
  CHECK(GradeEqual("Thus the winner is $\\text{Evelyn}$.", "Evelyn"));
  CHECK(GradeEqual("the area is 25 m\u00b2", "25"));
  CHECK_FALSE(GradeEqual("the area is 26 m\u00b2", "25"));
  CHECK_FALSE(GradeEqual("the roots are $-4$ and $6$", "6"));
}

TEST_CASE("the engine's ExtractAnswer keeps its narrow reading") {
  // The steps the built-in models write.
  CHECK(Engine("The answer is 12") == "12");
  CHECK(Engine("The answer is 3/4") == "3/4");
  CHECK(Engine("#### 42") == "42");
  CHECK(Engine(R"(\boxed{7})") == "7");
  // No marker: no answer, whatever numbers or spans the step holds.
  CHECK(Engine("12 - 3 = 9") == "<none>");
  CHECK(Engine("so we get $9$") == "<none>");
  CHECK(Engine("Answer: 9") == "<none>");
  CHECK(Engine("The answer is $12$ and $13$") == "12");
  CHECK(Engine(R"(\\boxed{5})") == "5");
}

TEST_CASE("free text: GSM8K and MATH500 solutions give their answers" *
          doctest::test_suite("needs-data")) {
  if (!test::HaveData("gsm8k/test.jsonl") || !test::HaveData("math500/test.jsonl")) {
    STEPTREE_SKIP_TEST(test::DataDir() + " lacks gsm8k/test.jsonl or math500/test.jsonl");
  }
  std::ifstream gsm8k(test::DataDir() + "/gsm8k/test.jsonl");
  std::string line;
  int n = 0, marked = 0, prose = 0;
  while (std::getline(gsm8k, line)) {
    const std::string answer = nlohmann::json::parse(line).at("answer");
    const size_t hashes = answer.rfind("####");
    const std::string gold = answer.substr(hashes + 4);
    ++n;
    marked += AnswersEqual(ExtractAnswerFromText(answer).value_or(""), gold);
    // The same solution ending in prose instead of "####": the last-number tier.
    const std::string ending = answer.substr(0, hashes) + "So in the end it comes to " + gold +
                               " dollars.";
    if (AnswersEqual(ExtractAnswerFromText(ending).value_or(""), gold)) {
      ++prose;
    } else {
      MESSAGE("gsm8k line " << n << " in prose: " << ExtractAnswerFromText(ending).value_or(""));
    }
  }
  MESSAGE("gsm8k: " << marked << "/" << n << " with ####, " << prose << " in prose");
  CHECK(n == 1319);
  CHECK(marked == n);
  CHECK(prose >= n - 1);  // line 273 has a stray "$...$" pair ("$20 - 1$5"): math, read

  std::ifstream math500(test::DataDir() + "/math500/test.jsonl");
  int m = 0, boxed = 0;
  while (std::getline(math500, line)) {
    const std::string answer = nlohmann::json::parse(line).at("answer");
    const size_t marker = answer.rfind("The answer is:");
    const std::string stated = answer.substr(marker + 14);
    ++m;
    const std::string extracted = ExtractAnswerFromText(answer.substr(0, marker)).value_or("");
    if (AnswersEqual(extracted, stated)) {
      ++boxed;
    } else {
      MESSAGE("math500 line " << m << ": " << extracted);
    }
  }
  MESSAGE("math500: " << boxed << "/" << m << " solutions read as free text give the answer");
  CHECK(m == 500);
  CHECK(boxed == m);
}

}  // TEST_SUITE("grader")

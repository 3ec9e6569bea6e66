// Tests of the grader (datasets/answer*.cc, datasets/math_expression.cc) and of
// `steptree grade`: extraction, each normalisation rule, numeric, expression, tuple,
// interval and matrix equivalence, negative cases, the real GSM8K and MATH500 answers
// (skipped when the data folder is absent) and the command line.
#include <doctest/doctest.h>

#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "datasets/answer.h"
#include "datasets/math_expression.h"
#include "tests/test_util.h"

using namespace steptree;

namespace {

std::string Extract(const std::string& text) { return ExtractAnswer(text).value_or("<none>"); }

// Single-quoted shell word.
std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

TEST_SUITE("grader") {

TEST_CASE("extract: boxed, nested braces, fbox, last marker wins") {
  CHECK(Extract(R"(so $\boxed{\frac{1}{2}}$.)") == R"(\frac{1}{2})");
  CHECK(Extract(R"(\boxed{\{1,2\}})") == R"(\{1,2\})");
  CHECK(Extract(R"(first \boxed{1}, then \boxed{\left( 3, \frac{\pi}{2} \right)})") ==
        R"(\left( 3, \frac{\pi}{2} \right))");
  CHECK(Extract(R"(\fbox{7})") == "7");
  CHECK(Extract(R"(it is \boxed 5$.)") == "5");
  CHECK(Extract(R"(\boxed{3)") == "<none>");  // unclosed
  CHECK(Extract("no answer here") == "<none>");
  CHECK(Extract("") == "<none>");
  CHECK(Extract(R"(We get \boxed{3}. Actually the answer is 4.)") == "4");
  CHECK(Extract(R"(The answer is 4. Hmm, \boxed{5})") == "5");
  CHECK(Extract(R"(The answer is $\boxed{6}$.)") == "6");
}

TEST_CASE("extract: textual markers") {
  CHECK(Extract("The answer is: 5") == "5");
  CHECK(Extract("The answer is 42.") == "42");
  CHECK(Extract("So the answer is 3.5 cm. Done.") == "3.5 cm");
  CHECK(Extract("blah\n#### 1,000") == "1,000");
  CHECK(Extract("#### Step 1\ncompute\n#### 18") == "18");
  CHECK(Extract("##### Heading only") == "<none>");
  CHECK(Extract("Final Answer: The final answer is $5$. I hope it is correct.") == "5");
  CHECK(Extract("work\nFinal Answer: 7") == "7");
  CHECK(Extract("**Final Answer:** $12$") == "12");
  CHECK(Extract("**Final Answer**: 13") == "13");
  CHECK(Extract("The answer is:\n\n$$x^2$$") == "x^2");
  CHECK(Extract(R"(The answer is $\$18.90$.)") == R"(\$18.90)");
  CHECK(Extract(R"(Thus the final answer is 2\sqrt{3}.)") == R"(2\sqrt{3})");
  CHECK(Extract("The answer is: .0000672") == ".0000672");
  // "answer is" inside prose is not a marker; the boxed answer before it stands.
  CHECK(Extract(R"($\boxed{44}$. We check it, so our answer is correct.)") == "44");
  CHECK(Extract("The answer is:") == "<none>");
}

TEST_CASE("last boxed") {
  CHECK(LastBoxed(R"(\boxed{1} and \boxed{2}. The answer is: 3)") == std::optional<std::string>("2"));
  CHECK_FALSE(LastBoxed("The answer is 3").has_value());
}

TEST_CASE("normalise: each rule") {
  const std::pair<const char*, const char*> cases[] = {
      {"1,234", "1234"},
      {"1,000,000", "1000000"},
      {"(1, 2)", "(1, 2)"},
      {"(1,234)", "(1, 234)"},  // inside brackets a comma separates elements
      {"1,-2", "1, -2"},
      {R"(10,\!080)", "10080"},
      {R"(11,\! 111,\! 111,\! 100)", "11111111100"},
      {"1{,}000", "1000"},
      {R"(\$1,234.50)", "1234.5"},
      {"$5$", "5"},
      {"5 dollars", "5"},
      {"USD 5", "5"},
      {"5 cm", "5"},
      {"12 apples", "12"},
      {"5 square feet", "5"},
      {R"(5\text{ cm}^2)", "5"},
      {R"(864 \mbox{ inches}^2)", "864"},
      {R"(5.4 \text{ cents})", "5.4"},
      {R"(\text{Evelyn})", "Evelyn"},
      {R"(\text{(C)})", "C"},
      {R"(\textbf{east})", "east"},
      {R"(\left( 3, \frac{\pi}{2} \right))", R"((3, \frac{\pi}{2}))"},
      {R"(\dfrac{3}{4})", R"(\frac{3}{4})"},
      {R"(\tfrac34)", R"(\frac{3}{4})"},
      {R"(\frac12)", R"(\frac{1}{2})"},
      {R"(\frac{a}b)", R"(\frac{a}{b})"},
      {R"(\frac 59)", R"(\frac{5}{9})"},
      {R"(\frac9{19})", R"(\frac{9}{19})"},
      {R"(\sqrt2)", R"(\sqrt{2})"},
      {R"(11\sqrt 2)", R"(11\sqrt{2})"},
      {R"(90^\circ)", "90"},
      {R"(90^{\circ})", "90"},
      {"90 degrees", "90"},
      {R"(\frac{270}7\text{ degrees})", R"(\frac{270}{7})"},
      {"90\u00b0", "90"},
      {R"(50\%)", "50"},
      {"50%", "50"},
      {"x = 5", "5"},
      {"k=3", "3"},
      {"y = 2x + 3", "2x+3"},
      {R"(x \in [-2,7])", "[-2, 7]"},
      {"5.", "5"},
      {"\u22125", "-5"},
      {"\u2013" "3", "-3"},
      {R"(3\!000)", "3000"},
      {R"(1\,000)", "1000"},
      {"+7", "7"},
      {"0.50", "0.5"},
      {".5", "0.5"},
      {"-0", "0"},
      {"1/2", R"(\frac{1}{2})"},
      {R"(1\frac{4}{5})", R"(\frac{9}{5})"},
      {R"(137 \frac{1}{2})", R"(\frac{275}{2})"},
      {R"(\cot x)", R"(\cot x)"},
      {R"(4210_{5})", "4210_5"},
      {R"(\begin{bmatrix} 1 \\ 2 \end{bmatrix})", R"(\begin{pmatrix}1\\2\end{pmatrix})"},
      {R"(\boxed{5})", "5"},
      {R"(\displaystyle\frac{1}{2})", R"(\frac{1}{2})"},
      {"2 and 3", "2, 3"},
      {R"(2 \text{ or } 3)", "2, 3"},
      {"infinity", R"(\infty)"},
      {"2 pi", "2pi"},  // "pi" is not a unit word
  };
  for (const auto& [input, expected] : cases) {
    CAPTURE(input);
    CHECK(NormalizeAnswer(input) == expected);
    CHECK(NormalizeAnswer(NormalizeAnswer(input)) == NormalizeAnswer(input));
  }
}

TEST_CASE("equal: numbers, fractions, decimals") {
  CHECK(AnswersEqual("0.5", R"(\frac{1}{2})"));
  CHECK(AnswersEqual("1/2", "0.5"));
  CHECK(AnswersEqual(R"(\frac12)", "1/2"));
  CHECK(AnswersEqual(R"(\dfrac{3}{4})", "0.75"));
  CHECK(AnswersEqual("1.25", R"(\frac{5}{4})"));
  CHECK(AnswersEqual(R"(-\frac{24}{25})", "-0.96"));
  CHECK(AnswersEqual(R"(\frac{-24}{25})", "-0.96"));
  CHECK(AnswersEqual(R"(1\frac{4}{5})", "1.8"));
  CHECK(AnswersEqual("1,234", "1234"));
  CHECK(AnswersEqual(R"(\$1,234)", "1234 dollars"));
  CHECK(AnswersEqual(R"(\$18.90)", "18.9"));
  CHECK(AnswersEqual("1000000", "1000001"));  // relative 1e-6
  CHECK(AnswersEqual("0", "0.0000000001"));    // absolute near zero
  CHECK(AnswersEqual(R"(\frac{1}{3})", "0.3333333"));
  CHECK(AnswersEqual(R"(50\%)", "50"));
  CHECK(AnswersEqual("15%", "0.15"));
  CHECK(AnswersEqual("2^{10}", "1024"));
  CHECK(AnswersEqual("5!", "120"));
  CHECK_FALSE(AnswersEqual("3", "4"));
  CHECK_FALSE(AnswersEqual("1000000", "1000100"));
  CHECK_FALSE(AnswersEqual("0", "0.001"));
  CHECK_FALSE(AnswersEqual(R"(\frac{1}{3})", "0.33333"));
  CHECK_FALSE(AnswersEqual("15%", "0.16"));
  CHECK_FALSE(AnswersEqual("", "5"));
  CHECK_FALSE(AnswersEqual("5", ""));
  CHECK_FALSE(AnswersEqual("", ""));
}

TEST_CASE("equal: constants and expressions") {
  CHECK(AnswersEqual(R"(\frac{\sqrt{3}}{2})", "0.8660254"));
  CHECK(AnswersEqual(R"(2\sqrt{2})", R"(\sqrt{8})"));
  CHECK(AnswersEqual(R"(3\sqrt{13})", R"(\sqrt{117})"));
  CHECK(AnswersEqual(R"(\sqrt[3]{-8})", "-2"));
  CHECK(AnswersEqual(R"(\sqrt[3]{27})", "3"));
  CHECK(AnswersEqual(R"(\pi)", "3.14159265"));
  CHECK(AnswersEqual(R"(\frac{\pi^2}{8})", "1.2337005501"));
  CHECK(AnswersEqual("x^2+2x+1", "(x+1)^2"));
  CHECK(AnswersEqual("(a+5)(b+2)", "ab+2a+5b+10"));
  CHECK(AnswersEqual("x(x+1)", "x^2+x"));
  CHECK(AnswersEqual("2k+2", "2(k+1)"));
  CHECK(AnswersEqual(R"(2 \cdot 3 \times 4)", "24"));
  CHECK(AnswersEqual("x^{10}", "x^10"));
  CHECK(AnswersEqual(R"(\cot x)", R"(\frac{\cos x}{\sin x})"));
  CHECK(AnswersEqual(R"(\sin^2 x + \cos^2 x)", "1"));
  CHECK(AnswersEqual("6 - 5i", "-5i + 6"));
  CHECK(AnswersEqual("i^2", "-1"));
  CHECK(AnswersEqual(R"(\frac{\sqrt{21}}{5})", R"(\sqrt{\frac{21}{25}})"));
  CHECK_FALSE(AnswersEqual(R"(\pi)", "3.14"));
  CHECK_FALSE(AnswersEqual("(a+5)(b+2)", "ab+2a+5b+11"));
  CHECK_FALSE(AnswersEqual(R"(\cot x)", R"(\tan x)"));
  CHECK_FALSE(AnswersEqual("2k", "k"));
  CHECK_FALSE(AnswersEqual("x", "y"));
  CHECK_FALSE(AnswersEqual("6 - 5i", "6+5i"));
  CHECK_FALSE(AnswersEqual("52_8", "42"));  // a base-8 numeral is not a product
}

TEST_CASE("equal: equations") {
  CHECK(AnswersEqual("5x - 7y + 11z + 4 = 0", "-5x + 7y - 11z - 4 = 0"));
  CHECK(AnswersEqual("5x - 7y + 11z + 4 = 0", "10x - 14y + 22z + 8 = 0"));
  CHECK(AnswersEqual("y = 2x + 3", "2x+3"));
  CHECK_FALSE(AnswersEqual("5x - 7y + 11z + 4 = 0", "5x - 7y + 11z - 4 = 0"));
}

TEST_CASE("equal: tuples, vectors, matrices, intervals") {
  CHECK(AnswersEqual(R"(\left( 3, \frac{\pi}{2} \right))", R"((3, \pi/2))"));
  CHECK(AnswersEqual(R"(\left( 3, \frac{\pi}{2} \right))", "(3, 1.5707963)"));
  CHECK(AnswersEqual("(1,2)", "(1, 2)"));
  CHECK(AnswersEqual(R"(\begin{pmatrix} -1/3 \\ 2/3 \\ 5/3 \end{pmatrix})",
                     R"(\begin{pmatrix} -\frac{1}{3} \\ \frac{2}{3} \\ \frac{5}{3} \end{pmatrix})"));
  CHECK(AnswersEqual(R"(\begin{pmatrix} 1 \\ 2 \end{pmatrix})", "(1, 2)"));
  CHECK(AnswersEqual(R"(\begin{bmatrix} -1 & 0 \\ 0 & -1 \end{bmatrix})",
                     R"(\begin{pmatrix} -1 & 0 \\ 0 & -1 \end{pmatrix})"));
  CHECK(AnswersEqual("(3,4]", "(3, 4]"));
  CHECK(AnswersEqual(R"((-\infty, 0])", R"(\left(-\infty,0\right])"));
  CHECK(AnswersEqual(R"(\left[ \frac{\pi^2}{8}, \frac{5 \pi^2}{4} \right])",
                     R"([\pi^2/8, 1.25\pi^2])"));
  CHECK(AnswersEqual(R"(x \in [-2,7])", "[-2,7]"));
  CHECK(AnswersEqual(R"((0,9) \cup (9,36))", R"((9,36)\cup(0,9))"));
  CHECK_FALSE(AnswersEqual("[1,2)", "[1,2]"));
  CHECK_FALSE(AnswersEqual("(1,2)", "[1,2]"));
  CHECK_FALSE(AnswersEqual("(3,4]", "(3,4)"));
  CHECK_FALSE(AnswersEqual("(1, 2)", "(2, 1)"));
  CHECK_FALSE(AnswersEqual("(1, 2, 3)", "(1, 2)"));
  CHECK_FALSE(AnswersEqual("(1,2)", "1,2"));
  CHECK_FALSE(AnswersEqual(R"(\begin{pmatrix} 1 \\ 2 \end{pmatrix})", "(2, 1)"));
  CHECK_FALSE(AnswersEqual(R"(\left( 3, \frac{\pi}{2} \right))", R"((3, \pi))"));
  CHECK_FALSE(AnswersEqual(R"((-\infty, 0])", R"((\infty, 0])"));
  CHECK_FALSE(AnswersEqual(R"((0,9) \cup (9,36))", R"((0,9)\cup(9,35))"));
}

TEST_CASE("equal: lists and sets are unordered") {
  // A bare list answers "enter all solutions"; a set is a set: order carries no meaning.
  CHECK(AnswersEqual("1, 2", "2, 1"));
  CHECK(AnswersEqual("3, 5, 7", "7,5,3"));
  CHECK(AnswersEqual(R"(\{1\pm\sqrt{5},-2\})", R"(\{-2, 1\pm\sqrt{5}\})"));
  CHECK(AnswersEqual(R"(\{5\})", "5"));
  CHECK(AnswersEqual("2 or 3", "2, 3"));
  CHECK(AnswersEqual("x=1, x=2", "2, 1"));
  CHECK_FALSE(AnswersEqual("1, 2", "1, 3"));
  CHECK_FALSE(AnswersEqual("1, 1, 2", "1, 2, 2"));
  CHECK_FALSE(AnswersEqual("1, 2", "1, 2, 3"));
}

TEST_CASE("equal: text answers") {
  CHECK(AnswersEqual(R"(\text{(C)})", "C"));
  CHECK(AnswersEqual(R"(\text{(B)})", "(B)"));
  CHECK(AnswersEqual(R"(\text{Evelyn})", "evelyn"));
  CHECK(AnswersEqual(R"(\text{east})", "East"));
  CHECK(AnswersEqual(R"(1 \pm \sqrt{19})", R"(1\pm\sqrt{19})"));
  CHECK(AnswersEqual("52_8", "52_8"));
  CHECK(AnswersEqual(R"(4210_{5})", "4210_5"));
  CHECK_FALSE(AnswersEqual(R"(\text{(B)})", R"(\text{(C)})"));
  CHECK_FALSE(AnswersEqual("Evelyn", "Navin"));
  CHECK_FALSE(AnswersEqual("Evelyn", "Nevely"));  // an anagram is not a product of letters
  CHECK_FALSE(AnswersEqual(R"(\text{even})", "odd"));
}

TEST_CASE("equal: units, degrees, prefixes, unicode") {
  CHECK(AnswersEqual("5 cm", "5"));
  CHECK(AnswersEqual("12 apples", "12"));
  CHECK(AnswersEqual(R"(864 \mbox{ inches}^2)", "864"));
  CHECK(AnswersEqual(R"(90^\circ)", "90"));
  CHECK(AnswersEqual(R"(\frac{270}7\text{ degrees})", R"(\frac{270}{7})"));
  CHECK(AnswersEqual("x = 5", "5"));
  CHECK(AnswersEqual("\u22125", "-5"));
  CHECK(AnswersEqual(R"(11,\! 111,\! 111,\! 100)", "11111111100"));
  CHECK(AnswersEqual("+7", "7"));
  CHECK_FALSE(AnswersEqual("5 cm", "6"));
}

TEST_CASE("expression parser rejects what it does not know and never runs code") {
  CHECK_FALSE(MathExpression::Parse("system(\"ls\")").has_value());
  CHECK_FALSE(MathExpression::Parse(R"(\input{/etc/passwd})").has_value());
  CHECK_FALSE(MathExpression::Parse("__import__('os')").has_value());
  CHECK_FALSE(MathExpression::Parse("1 +").has_value());
  CHECK_FALSE(MathExpression::Parse("(1").has_value());
  CHECK_FALSE(MathExpression::Parse(std::string(5000, '(')).has_value());
  CHECK_FALSE(MathExpression::Parse(std::string(300, '(') + "1" + std::string(300, ')')).has_value());
  const std::optional<MathExpression> e = MathExpression::Parse(R"(2x^2 + \frac{y}{2})");
  REQUIRE(e.has_value());
  CHECK(e->variables() == std::set<std::string>{"x", "y"});
  CHECK(e->Evaluate({{"x", 3}, {"y", 4}}).real() == doctest::Approx(20));
  CHECK_FALSE(AnswersEqual("system(\"rm -rf /\")", "0"));
}

TEST_CASE("gsm8k: the extracted answer is the text after ####" * doctest::test_suite("needs-data")) {
  const std::string path = test::DataDir() + "/gsm8k/test.jsonl";
  if (!test::HaveData("gsm8k/test.jsonl")) {
    STEPTREE_SKIP_TEST(path + " is absent");
  }
  std::ifstream in(path);
  std::string line;
  int n = 0, ok = 0;
  while (std::getline(in, line)) {
    const nlohmann::json record = nlohmann::json::parse(line);
    const std::string answer = record.at("answer");
    const std::string gold = answer.substr(answer.rfind("####") + 4);
    const std::optional<std::string> extracted = ExtractAnswer(answer);
    ++n;
    if (extracted && NormalizeAnswer(*extracted) == NormalizeAnswer(gold) &&
        AnswersEqual(*extracted, gold)) {
      ++ok;
    } else {
      MESSAGE("gsm8k line " << n << ": extracted " << extracted.value_or("<none>"));
    }
  }
  MESSAGE("gsm8k: " << ok << "/" << n << " extracted answers equal the #### answer");
  CHECK(n == 1319);
  CHECK(ok == n);
}

TEST_CASE("math500: the last boxed answer equals the stated answer" * doctest::test_suite("needs-data")) {
  const std::string path = test::DataDir() + "/math500/test.jsonl";
  if (!test::HaveData("math500/test.jsonl")) {
    STEPTREE_SKIP_TEST(path + " is absent");
  }
  std::ifstream in(path);
  std::string line;
  int n = 0, boxed_equal = 0, extracted_equal = 0, idempotent = 0, variants_equal = 0;
  std::vector<std::string> distinct;
  std::set<std::string> seen;
  while (std::getline(in, line)) {
    const nlohmann::json record = nlohmann::json::parse(line);
    const std::string answer = record.at("answer");
    const size_t marker = answer.rfind("The answer is:");
    REQUIRE(marker != std::string::npos);
    const std::string solution = answer.substr(0, marker);
    const std::string stated = answer.substr(marker + 14);
    ++n;
    const std::string boxed = LastBoxed(solution).value_or("");
    if (AnswersEqual(boxed, stated)) {
      ++boxed_equal;
    } else {
      MESSAGE("math500 line " << n << ": boxed " << boxed << " vs stated " << stated);
    }
    extracted_equal += AnswersEqual(ExtractAnswer(solution).value_or(""), stated) &&
                       AnswersEqual(ExtractAnswer(answer).value_or(""), stated);
    const std::string normalized = NormalizeAnswer(stated);
    idempotent += NormalizeAnswer(normalized) == normalized;
    // The normalised form, and the answer restated in a solution, keep their meaning.
    const std::string restated = "Therefore, the result is $\\boxed{" + stated + "}$.";
    variants_equal += AnswersEqual(normalized, stated) &&
                      AnswersEqual(ExtractAnswer(restated).value_or(""), stated);
    if (seen.insert(normalized).second) distinct.push_back(stated);
  }
  // Answers that normalise differently should rarely be equal: every equal pair among
  // the distinct answers is either the same value written twice or a false positive.
  int equal_pairs = 0;
  for (size_t i = 0; i < distinct.size(); ++i) {
    for (size_t k = i + 1; k < distinct.size(); ++k) {
      if (AnswersEqual(distinct[i], distinct[k])) {
        ++equal_pairs;
        MESSAGE("math500: distinct answers equal: " << distinct[i] << " == " << distinct[k]);
      }
    }
  }
  MESSAGE("math500: boxed == stated for " << boxed_equal << "/" << n << ", extracted == stated for "
                                          << extracted_equal << ", " << distinct.size()
                                          << " distinct answers, " << equal_pairs
                                          << " equal pairs among them");
  CHECK(n == 500);
  CHECK(boxed_equal >= 499);
  CHECK(extracted_equal >= 499);
  CHECK(idempotent == n);
  CHECK(variants_equal == n);
  CHECK(equal_pairs <= 2);  // "1,-2" == "-2,1": unordered lists of solutions
}

TEST_CASE("cli: grade --pred/--gold, --extract, --help") {
  const std::string grade = test::Binary() + " grade";
  test::CommandResult r = test::Run(grade + " --pred " + Quote(R"(\frac{1}{2})") + " --gold 0.5");
  CHECK(r.exit_code == 0);
  CHECK(r.output == "true\n");
  r = test::Run(grade + " --pred 3 --gold 4");
  CHECK(r.exit_code == 0);
  CHECK(r.output == "false\n");
  r = test::Run(grade + " --json --pred " + Quote(R"(so \boxed{12} apples)") + " --gold " +
                Quote("work\n#### 12"));
  CHECK(r.exit_code == 0);
  const nlohmann::json j = nlohmann::json::parse(r.output);
  CHECK(j["equal"] == true);
  CHECK(j["pred"] == "12");
  CHECK(j["gold"] == "12");
  r = test::Run(grade + " --extract " + Quote("The answer is: 5"));
  CHECK(r.output == "5\n");
  // Free text: the last math span, the last number of prose.
  r = test::Run(grade + " --extract " + Quote("so we get $ 9 $ in all"));
  CHECK(r.output == "9\n");
  r = test::Run(grade + " --pred " + Quote("the number is 1,000.99\u20ac") + " --gold 1000.99");
  CHECK(r.output == "true\n");
  r = test::Run(grade + " --extract " + Quote("nothing"));
  CHECK(r.exit_code == 0);
  CHECK(r.output == "\n");
  r = test::Run(grade + " --help");
  CHECK(r.exit_code == 0);
  CHECK(r.output.find("--pred") != std::string::npos);
  CHECK(r.output.find("--input") != std::string::npos);
  r = test::Run(grade + " --pred 3");
  CHECK(r.exit_code == 2);
  r = test::Run(grade);
  CHECK(r.exit_code == 2);
}

TEST_CASE("cli: grade --input good and broken files") {
  test::TempDir dir;
  const std::string grade = test::Binary() + " grade";
  const std::string good = dir.Write(
      "good.jsonl",
      "{\"pred\": \"\\\\frac{1}{2}\", \"gold\": \"0.5\"}\n"
      "{\"text\": \"so the answer is 7.\", \"gold\": 7}\n"
      "\n"
      "{\"text\": \"no marker\", \"gold\": \"3\"}\n");
  const std::string out = dir.path() + "/out.jsonl";
  test::CommandResult r = test::Run(grade + " --input " + good + " -o " + out + " --json");
  CHECK(r.exit_code == 0);
  const nlohmann::json summary = nlohmann::json::parse(r.output.substr(0, r.output.find('\n')));
  CHECK(summary["n"] == 3);
  CHECK(summary["equal"] == 2);
  CHECK(summary["accuracy"].get<double>() == doctest::Approx(2.0 / 3));
  std::ifstream written(out);
  std::string line;
  std::vector<nlohmann::json> records;
  while (std::getline(written, line)) records.push_back(nlohmann::json::parse(line));
  REQUIRE(records.size() == 3);
  CHECK(records[0]["equal"] == true);
  CHECK(records[1]["extracted"] == "7");
  CHECK(records[1]["equal"] == true);
  CHECK(records[2]["extracted"] == "");
  CHECK(records[2]["equal"] == false);

  // Without -o: JSONL on stdout, the summary line on stderr.
  r = test::Run("(" + grade + " --input " + good + " 2>/dev/null)");
  CHECK(r.exit_code == 0);
  std::istringstream lines(r.output);
  int count = 0;
  while (std::getline(lines, line)) {
    CHECK(nlohmann::json::parse(line).contains("equal"));
    ++count;
  }
  CHECK(count == 3);
  r = test::Run("(" + grade + " --input " + good + " >/dev/null)");
  CHECK(r.output == "graded 3, equal 2\n");
  r = test::Run("(" + grade + " --input " + good + " --json >/dev/null)");
  CHECK(nlohmann::json::parse(r.output)["n"] == 3);

  const std::pair<const char*, const char*> broken[] = {
      {"truncated.jsonl", "{\"pred\": \"1\", \"gold\": \"1\"}\n{\"pred\": \"2\", \"gold\n"},
      {"missing.jsonl", "{\"pred\": \"1\", \"gold\": \"1\"}\n{\"pred\": \"2\"}\n"},
      {"mistyped.jsonl", "{\"pred\": \"1\", \"gold\": \"1\"}\n{\"pred\": 2, \"gold\": \"2\"}\n"},
      {"nofield.jsonl", "{\"pred\": \"1\", \"gold\": \"1\"}\n{\"gold\": \"2\"}\n"},
      {"notutf8.jsonl", "{\"pred\": \"1\", \"gold\": \"1\"}\n{\"pred\": \"\xff\", \"gold\": \"2\"}\n"},
      {"array.jsonl", "{\"pred\": \"1\", \"gold\": \"1\"}\n[1, 2]\n"},
  };
  // A bad line: exit 2 naming it, and the existing output stays as it was (the output is
  // renamed into place only when every line is graded).
  const std::string kept = dir.Write("kept.jsonl", "an earlier result\n");
  for (const auto& [name, content] : broken) {
    CAPTURE(name);
    const std::string path = dir.Write(name, content);
    r = test::Run(grade + " --input " + path + " -o " + kept);
    CHECK(r.exit_code == 2);
    CHECK(r.output.find(path + ":2: expected") != std::string::npos);
    std::ifstream in(kept);
    std::string first;
    CHECK(std::getline(in, first));
    CHECK(first == "an earlier result");
  }
  r = test::Run(grade + " --input " + dir.Write("empty.jsonl", ""));
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("empty.jsonl: expected") != std::string::npos);
  r = test::Run(grade + " --input " + dir.path() + "/absent.jsonl");
  CHECK(r.exit_code == 2);
}

}  // TEST_SUITE("grader")

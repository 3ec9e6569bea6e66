// Questions whose prompt does not fit the context (search/long_prompts.h), on the fake
// backend: one token per byte of the question plus one, so the lengths are known exactly.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/input_error.h"
#include "search/fake_backend.h"
#include "search/long_prompts.h"
#include "tests/search_fixtures.h"

using namespace steptree;

namespace {

FakeBackend ShortContextBackend(int context) {
  FakeBackendOptions options;
  options.max_state_tokens = context;
  return FakeBackend(ScriptTable().Add({}, {test::Final("The answer is 1", 1.0, 0.0)}), options);
}

Problem Question(const std::string& id, const std::string& question) {
  Problem p;
  p.id = id;
  p.question = question;
  p.gold = "1";
  return p;
}

std::vector<Problem> ThreeProblems() {
  // Token counts (bytes + 1): 10, 41, 16 against a context of 20.
  return {Question("short", "What is 1"), Question("long", "one two three four five six seven eight?"),
          Question("fits", "What is 1 and 0")};
}

}  // namespace

TEST_CASE("long prompts: error names the first problem whose prompt fills the context") {
  const FakeBackend backend = ShortContextBackend(20);
  std::vector<Problem> problems = ThreeProblems();
  try {
    ApplyLongPromptPolicy(&problems, backend, LongPromptPolicy::kError);
    FAIL("expected a refusal");
  } catch (const UsageError& e) {
    const std::string message = e.what();
    CHECK_MESSAGE(message.find("problem \"long\"") != std::string::npos, message);
    CHECK_MESSAGE(message.find("41 tokens") != std::string::npos, message);
    CHECK_MESSAGE(message.find("holds 20") != std::string::npos, message);
  }
  CHECK(problems.size() == 3);  // nothing changed
  // A prompt of exactly the context is long too (search could not expand it).
  std::vector<Problem> exact = {Question("exact", std::string(19, 'x'))};
  CHECK_THROWS_AS(ApplyLongPromptPolicy(&exact, backend, LongPromptPolicy::kError), UsageError);
  std::vector<Problem> below = {Question("below", std::string(18, 'x'))};
  CHECK(ApplyLongPromptPolicy(&below, backend, LongPromptPolicy::kError).skipped_ids.empty());
}

TEST_CASE("long prompts: skip leaves them out in input order and reports their ids") {
  const FakeBackend backend = ShortContextBackend(20);
  std::vector<Problem> problems = ThreeProblems();
  problems.push_back(Question("long2", std::string(30, 'y')));
  const LongPromptReport report = ApplyLongPromptPolicy(&problems, backend, LongPromptPolicy::kSkip);
  CHECK(report.skipped_ids == std::vector<std::string>{"long", "long2"});
  CHECK(report.truncated_ids.empty());
  REQUIRE(problems.size() == 2);
  CHECK(problems[0].id == "short");
  CHECK(problems[1].id == "fits");
}

TEST_CASE("long prompts: truncate-left keeps the last words within half the context") {
  const FakeBackend backend = ShortContextBackend(20);
  std::vector<Problem> problems = ThreeProblems();
  const LongPromptReport report = ApplyLongPromptPolicy(&problems, backend, LongPromptPolicy::kTruncateLeft);
  CHECK(report.truncated_ids == std::vector<std::string>{"long"});
  REQUIRE(problems.size() == 3);
  // Half the context is 10 tokens, 9 bytes: the longest suffix starting a word.
  CHECK(problems[1].question == "eight?");
  CHECK(problems[0].question == "What is 1");  // short ones untouched
  CHECK(problems[2].question == "What is 1 and 0");

  // The suffix is the longest proper one that starts a word and fits (brute force).
  const std::string question = "alpha beta gamma delta epsilon zeta eta theta";
  for (int half : {3, 7, 12, 15, 30, 60}) {
    std::string longest;
    for (size_t start = 1; start < question.size(); ++start) {
      if (question[start - 1] != ' ' || question[start] == ' ') continue;
      if (static_cast<int>(question.size() - start) + 1 <= half) {
        longest = question.substr(start);
        break;
      }
    }
    CHECK_MESSAGE(TruncateQuestionLeft(question, backend, half) == longest, half);
  }

  // Without spaces, the cut falls between UTF-8 characters, never inside one.
  const std::string greek = "\xce\xb1\xce\xb2\xce\xb3\xce\xb4\xce\xb5";  // five 2-byte letters
  CHECK(TruncateQuestionLeft(greek, backend, 5) == "\xce\xb4\xce\xb5");
  // A last word longer than half the context: refused, naming the problem.
  std::vector<Problem> word = {Question("word", "a " + std::string(40, 'z'))};
  CHECK_THROWS_WITH_AS(ApplyLongPromptPolicy(&word, backend, LongPromptPolicy::kTruncateLeft),
                       doctest::Contains("problem \"word\""), UsageError);
}

TEST_CASE("long prompts: --on-long-prompt names") {
  CHECK(LongPromptPolicyFromName("error") == LongPromptPolicy::kError);
  CHECK(LongPromptPolicyFromName("skip") == LongPromptPolicy::kSkip);
  CHECK(LongPromptPolicyFromName("truncate-left") == LongPromptPolicy::kTruncateLeft);
  CHECK_FALSE(LongPromptPolicyFromName("truncate").has_value());
}

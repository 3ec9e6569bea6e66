// Fuzz target: the grader (datasets/answer.h): extraction, normalisation, equivalence.
#include <optional>
#include <string>

#include "datasets/answer.h"
#include "core/input_error.h"
#include "fuzz/fuzz_targets.h"

namespace steptree::fuzz {

int FuzzGrader(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const std::string a = text.substr(0, size / 2), b = text.substr(size / 2);
  const std::optional<std::string> answer_a = ExtractAnswer(a), answer_b = ExtractAnswer(b);
  ExtractAnswerFromText(a);
  ExtractAnswerFromText(b);
  NormalizeAnswer(a);
  AnswersEqual(a, b);
  if (answer_a && answer_b) AnswersEqual(*answer_a, *answer_b);
  return 0;
}

}  // namespace steptree::fuzz

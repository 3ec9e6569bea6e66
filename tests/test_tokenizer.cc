// The byte tokenizer and the prompt layout the built-in policy is trained on.
#include <doctest/doctest.h>

#include <string>

#include "policy/text/prompt.h"
#include "policy/text/tokenizer.h"

using namespace steptree;

TEST_SUITE("tokenizer") {

TEST_CASE("byte tokenizer round-trips any bytes") {
  ByteTokenizer tokenizer;
  for (const std::string& text :
       {std::string("Ava has 12 apples.\n12+7=19"), std::string("\xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\x98\x80"),
        std::string("\\frac{1}{2}  \t\r\n\n"), std::string("")}) {
    CHECK(tokenizer.Decode(tokenizer.Encode(text)) == text);
  }
  std::string all_bytes;
  for (int b = 0; b < 256; ++b) all_bytes.push_back(static_cast<char>(b));
  const auto ids = tokenizer.Encode(all_bytes);
  REQUIRE(ids.size() == 256);
  for (int b = 0; b < 256; ++b) CHECK(ids[b] == b);
  CHECK(tokenizer.Decode(ids) == all_bytes);
  // Special tokens decode to nothing.
  CHECK(tokenizer.Decode({ByteTokenizer::kBos, 'a', ByteTokenizer::kEos, ByteTokenizer::kPad}) == "a");
  CHECK(tokenizer.EndsStep('\n'));
  CHECK_FALSE(tokenizer.EndsStep(ByteTokenizer::kEos));
  CHECK(tokenizer.vocab_size() == 259);
}

TEST_CASE("prompt and solution layout") {
  ByteTokenizer tokenizer;
  const std::vector<int> prefix = EncodePrefix(tokenizer, "What is\n2+3?", {"2+3=5"});
  CHECK(prefix.front() == ByteTokenizer::kBos);
  CHECK(tokenizer.Decode(prefix) == "Q: What is 2+3?\n2+3=5\n");

  size_t prompt_length = 0;
  const std::vector<int> solution =
      EncodeSolution(tokenizer, "What is 2+3?", {"2+3=5", "The answer is 5"}, &prompt_length);
  CHECK(solution.back() == ByteTokenizer::kEos);
  CHECK(prompt_length == EncodePrefix(tokenizer, "What is 2+3?", {}).size());
  CHECK(tokenizer.Decode(solution) == "Q: What is 2+3?\n2+3=5\nThe answer is 5");
  // A step's own newline would read as a step end: it becomes a space.
  CHECK(tokenizer.Decode(EncodePrefix(tokenizer, "q", {"line one\nline two"})) ==
        "Q: q\nline one line two\n");
}

}  // TEST_SUITE

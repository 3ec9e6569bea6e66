#include "policy/prompt.h"

namespace steptree {
namespace {

std::string QuestionLine(const std::string& question) {
  // The question is one line: its own newlines would read as step ends.
  std::string line = kQuestionPrefix;
  for (char c : question) line.push_back(c == '\n' || c == '\r' ? ' ' : c);
  line.push_back('\n');
  return line;
}

}  // namespace

std::vector<int> EncodePrefix(const Tokenizer& tokenizer, const std::string& question,
                              const std::vector<std::string>& steps) {
  std::vector<int> ids{tokenizer.bos_id()};
  std::string text = QuestionLine(question);
  for (const std::string& step : steps) text += step + "\n";
  std::vector<int> body = tokenizer.Encode(text);
  ids.insert(ids.end(), body.begin(), body.end());
  return ids;
}

std::vector<int> EncodeSolution(const Tokenizer& tokenizer, const std::string& question,
                                const std::vector<std::string>& steps, size_t* prompt_length) {
  std::vector<int> ids = EncodePrefix(tokenizer, question, {});
  if (prompt_length) *prompt_length = ids.size();
  std::string text;
  for (size_t i = 0; i < steps.size(); ++i) {
    text += steps[i];
    if (i + 1 < steps.size()) text += "\n";
  }
  std::vector<int> body = tokenizer.Encode(text);
  ids.insert(ids.end(), body.begin(), body.end());
  ids.push_back(tokenizer.eos_id());
  return ids;
}

}  // namespace steptree

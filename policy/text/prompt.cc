#include "policy/text/prompt.h"

namespace steptree {
namespace {

// The step delimiter is "\n": a newline inside the question or a step would read as a step
// end, so it becomes a space.
std::string OneLine(const std::string& text) {
  std::string line;
  line.reserve(text.size());
  for (char c : text) line.push_back(c == '\n' || c == '\r' ? ' ' : c);
  return line;
}

std::string QuestionLine(const std::string& question) {
  return kQuestionPrefix + OneLine(question) + "\n";
}

}  // namespace

std::vector<int> EncodePrefix(const Tokenizer& tokenizer, const std::string& question,
                              const std::vector<std::string>& steps) {
  std::vector<int> ids{tokenizer.bos_id()};
  std::string text = QuestionLine(question);
  for (const std::string& step : steps) text += OneLine(step) + "\n";
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
    text += OneLine(steps[i]);
    if (i + 1 < steps.size()) text += "\n";
  }
  std::vector<int> body = tokenizer.Encode(text);
  ids.insert(ids.end(), body.begin(), body.end());
  ids.push_back(tokenizer.eos_id());
  return ids;
}

std::vector<size_t> StepValuePositions(const Tokenizer& tokenizer, const std::vector<int>& ids,
                                       size_t prompt_length) {
  // Invariant: prompt_length >= 1 (BOS and the question's "\n" precede every step), so the
  // position before a step end is never negative.
  std::vector<size_t> positions;
  for (size_t i = prompt_length; i < ids.size(); ++i) {
    if (tokenizer.EndsStep(ids[i]) || tokenizer.EndsSolution(ids[i])) positions.push_back(i - 1);
  }
  return positions;
}

namespace {

class BuiltinPromptFormat final : public PromptFormat {
 public:
  explicit BuiltinPromptFormat(const Tokenizer& tokenizer) : tokenizer_(tokenizer) {}
  const Tokenizer& tokenizer() const override { return tokenizer_; }
  std::vector<int> EncodePrefix(const std::string& question, const std::vector<std::string>& steps) const override {
    return steptree::EncodePrefix(tokenizer_, question, steps);
  }
  std::vector<int> EncodeSolution(const std::string& question, const std::vector<std::string>& steps,
                                  size_t* prompt_length) const override {
    return steptree::EncodeSolution(tokenizer_, question, steps, prompt_length);
  }
  std::string step_delimiter() const override { return "\n"; }
  std::string name() const override { return "steptree"; }
  std::string PromptText(const std::string& question) const override { return QuestionLine(question); }

 private:
  const Tokenizer& tokenizer_;
};

}  // namespace

std::unique_ptr<PromptFormat> MakeBuiltinPromptFormat(const Tokenizer& tokenizer) {
  return std::make_unique<BuiltinPromptFormat>(tokenizer);
}

}  // namespace steptree

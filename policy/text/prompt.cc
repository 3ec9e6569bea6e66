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

namespace {

// Appends `piece` to `tail` (the decoded text since the last step end) and says whether a
// delimiter occurrence ends inside `piece`; if so, `tail` keeps only the text after it.
bool CompletesDelimiter(const std::string& piece, const std::string& delimiter, std::string* tail) {
  const size_t before = tail->size();
  *tail += piece;
  const size_t from = before >= delimiter.size() ? before - delimiter.size() + 1 : 0;
  const size_t at = tail->find(delimiter, from);
  if (at == std::string::npos) {
    // Only the last |delimiter| - 1 bytes can start an occurrence that a later piece ends.
    if (tail->size() >= delimiter.size()) tail->erase(0, tail->size() - delimiter.size() + 1);
    return false;
  }
  tail->erase(0, at + delimiter.size());
  return true;
}

}  // namespace

std::vector<size_t> StepValuePositions(const Tokenizer& tokenizer, const std::vector<int>& ids,
                                       size_t prompt_length, const std::string& delimiter) {
  // Invariant: prompt_length >= 1 (BOS and the question's "\n" precede every step), so the
  // position before a step end is never negative.
  std::vector<size_t> positions;
  std::string tail;
  for (size_t i = prompt_length; i < ids.size(); ++i) {
    if (tokenizer.EndsSolution(ids[i])) {
      positions.push_back(i - 1);
      tail.clear();
    } else if (!delimiter.empty() && CompletesDelimiter(tokenizer.Decode({ids[i]}), delimiter, &tail)) {
      positions.push_back(i - 1);
    }
  }
  return positions;
}

bool LastTokenEndsStep(const Tokenizer& tokenizer, const std::vector<int>& ids, const std::string& delimiter) {
  if (ids.empty() || delimiter.empty()) return false;
  // The text of the tokens before the last, back far enough to hold |delimiter| - 1 bytes
  // (a special token decodes to nothing, so count bytes, not tokens).
  std::string tail;
  size_t first = ids.size() - 1;
  while (first > 0 && tail.size() + 1 < delimiter.size()) {
    --first;
    tail = tokenizer.Decode({ids[first]}) + tail;
  }
  // An occurrence already complete before the last token belongs to an earlier step.
  const size_t earlier = tail.rfind(delimiter);
  if (earlier != std::string::npos) tail.erase(0, earlier + delimiter.size());
  return CompletesDelimiter(tokenizer.Decode({ids.back()}), delimiter, &tail);
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

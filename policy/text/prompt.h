// How a problem and its steps become model text (the built-in step format).
//
//   BOS "Q: " question "\n" step_1 "\n" step_2 "\n" ... step_n EOS
//
// Each step is one line; the step delimiter is "\n" and the last step ("The answer is N")
// ends with EOS instead. Newlines inside the question or a step become spaces. A prefix for generating step k is BOS + question line + steps
// 1..k-1 each followed by "\n". No torch here.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "policy/text/tokenizer.h"

namespace steptree {

inline constexpr const char* kQuestionPrefix = "Q: ";

// Token ids of the prompt plus the given steps (each followed by the step delimiter).
std::vector<int> EncodePrefix(const Tokenizer& tokenizer, const std::string& question,
                              const std::vector<std::string>& steps);

// Token ids of a full training sequence: prefix with all steps but the last, the last step,
// EOS. `prompt_length` receives the number of ids before the first step (no loss there).
std::vector<int> EncodeSolution(const Tokenizer& tokenizer, const std::string& question,
                                const std::vector<std::string>& steps, size_t* prompt_length);

// Where the value of each partial solution is read in EncodeSolution's `ids`: entry k-1 is
// the position just before the token that completes step k's delimiter (or the final EOS),
// i.e. the position whose logits predict that token. Step generation reads
// V(question + steps 1..k) at exactly this hidden state (policy/engine/step_generator.h), and
// value training must too. One entry per step after `prompt_length`: each EOS, and each token
// whose text completes an occurrence of `delimiter` in the decoded text (found in text, as
// generation finds it, so a delimiter that spans tokens, "\n" "\n" in Llama-2's vocabulary,
// counts once, at its last token). For a one-token delimiter that is the last content
// token. An empty step k reads at the delimiter of step k-1 (or the question's "\n").
std::vector<size_t> StepValuePositions(const Tokenizer& tokenizer, const std::vector<int>& ids,
                                       size_t prompt_length, const std::string& delimiter);

// Whether the last token of `ids` completes an occurrence of `delimiter` in the decoded text
// together with the |delimiter| - 1 bytes before it (an occurrence wholly before the last
// token does not count): a state whose last step ended at its delimiter, whose last token
// search never feeds. The state alone does not say where its last step began, so a run of
// delimiters ("\n\n\n") counts at every token after the first occurrence.
bool LastTokenEndsStep(const Tokenizer& tokenizer, const std::vector<int>& ids, const std::string& delimiter);
bool LastTokenEndsStep(const Tokenizer& tokenizer, const std::vector<int>& ids, const std::string& delimiter);

// How a policy turns a question and steps into ids: the built-in format above, or a Hugging
// Face model's (policy/text/hf_prompt.h). EncodePrefix and EncodeSolution keep the contracts of
// the free functions above: a prefix is the prompt plus steps each followed by the step
// delimiter; a solution ends with the tokenizer's eos_id(); StepValuePositions finds one
// step end per step in EncodeSolution's ids.
// One message of a chat conversation (a chat template's input).
struct ChatMessage {
  std::string role, content;
};

class PromptFormat {
 public:
  virtual ~PromptFormat() = default;
  virtual const Tokenizer& tokenizer() const = 0;
  virtual std::vector<int> EncodePrefix(const std::string& question, const std::vector<std::string>& steps) const = 0;
  virtual std::vector<int> EncodeSolution(const std::string& question, const std::vector<std::string>& steps,
                                          size_t* prompt_length) const = 0;
  // The text that ends a step ("\n" for the built-in format).
  virtual std::string step_delimiter() const = 0;
  // "steptree" for the built-in format.
  virtual std::string name() const = 0;
  // The prompt of a question as text, what EncodePrefix(question, {}) encodes: special tokens
  // a chat template writes are in it as text; a BOS that the tokenizer adds on its own (the
  // built-in format's, a fixed layout's post-processor) is not.
  virtual std::string PromptText(const std::string& question) const = 0;
  // The conversation the prompt renders when it is a chat template's rendering ([system,]
  // user); empty for every other format.
  virtual std::vector<ChatMessage> PromptMessages(const std::string& /*question*/) const { return {}; }
};

// The built-in format (the free functions above) over `tokenizer`, which must outlive it.
std::unique_ptr<PromptFormat> MakeBuiltinPromptFormat(const Tokenizer& tokenizer);

}  // namespace steptree

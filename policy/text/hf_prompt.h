// How a Hugging Face model's policy turns questions and steps into token ids: the tokenizer
// as the policy sees it (stop ids, the token a solution ends with) and the prompt formats.
// No torch here.
//
// Prompt formats (a prefix for step k is the prompt, then steps 1..k-1 each followed by
// the step delimiter, "\n\n" by default; a training solution ends with the terminator):
//   alphamath  "<question> " question " </question>\n"  (AlphaMath's SFT prompt, Chen et al.
//              2024, Super_MARIO react_sft_prompt, without its <step>/<code> tags: steptree
//              runs no code tool); terminator: the tokenizer's EOS.
//   chatml     "<|im_start|>system\n" system "<|im_end|>\n<|im_start|>user\n" question
//              "<|im_end|>\n<|im_start|>assistant\n" (Qwen's chat template rendered for one
//              system and one user message); terminator: <|im_end|>.
//   llama3     "<|start_header_id|>system<|end_header_id|>\n\n" system "<|eot_id|>"
//              "<|start_header_id|>user<|end_header_id|>\n\n" question "<|eot_id|>"
//              "<|start_header_id|>assistant<|end_header_id|>\n\n" after the tokenizer's
//              BOS (Llama-3's template without Llama-3.1's date preamble); terminator: <|eot_id|>.
//   auto       chatml when tokenizer_config.json's chat template contains "<|im_start|>",
//              llama3 when it contains "<|start_header_id|>", else alphamath. The jinja
//              template itself is not executed: these renderers are hard-coded.
// The system message defaults to Qwen2.5-Math's chain-of-thought instruction
// (kDefaultSystemPrompt).
//
// Tokenization: the prompt is encoded with the tokenizer's post-processor (Llama-3's BOS);
// each step + delimiter is encoded on its own, without it, and appended. So every step's
// ids end with a token containing the delimiter, no token spans two steps, and a prefix is
// the concatenation search builds from generated steps. A delimiter inside a step is
// replaced ("\n" for a newline delimiter, else a space) so a step ends exactly once.
//
// Settings come from DIR/steptree.json when present: {"prompt_format": "auto" | "alphamath"
// | "chatml" | "llama3", "step_delimiter": "\n\n", "system_prompt": "..."} (every key
// optional); command-line flags may override them.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "policy/text/hf_tokenizer.h"
#include "policy/text/prompt.h"
#include "policy/text/tokenizer.h"

namespace steptree {

inline constexpr const char* kDefaultSystemPrompt =
    "Please reason step by step, and put your final answer within \\boxed{}.";
inline constexpr const char* kHfSettingsFile = "steptree.json";

struct HfPromptSettings {
  std::string format = "auto";  // "auto" | "alphamath" | "chatml" | "llama3"
  std::string step_delimiter = "\n\n";
  std::string system_prompt = kDefaultSystemPrompt;

  // Defaults overridden by DIR/steptree.json when it exists; InputError naming the file on
  // an unknown key, a wrong type, an unknown format or an empty/blank delimiter.
  static HfPromptSettings FromDirectory(const std::string& dir);
  nlohmann::json ToJson() const;
};

// The Hugging Face tokenizer as the policy uses it: ids and text from HfTokenizer, EOS =
// the format's terminator, every stop id ends a solution, PAD = the tokenizer's pad or the
// terminator.
class HfPolicyTokenizer final : public Tokenizer {
 public:
  HfPolicyTokenizer(std::unique_ptr<HfTokenizer> inner, int terminator);

  // With the post-processor's special tokens (a prompt).
  std::vector<int> Encode(const std::string& text) const override { return inner_->Encode(text); }
  // Without them: text that continues a sequence.
  std::vector<int> EncodeContinuation(const std::string& text) const;
  std::string Decode(const std::vector<int>& ids) const override { return inner_->Decode(ids); }
  int vocab_size() const override { return inner_->vocab_size(); }
  int bos_id() const override { return inner_->bos_id(); }
  int eos_id() const override { return terminator_; }
  int pad_id() const override { return inner_->pad_id() >= 0 ? inner_->pad_id() : terminator_; }
  bool EndsStep(int id) const override { return inner_->EndsStep(id); }
  bool EndsSolution(int id) const override;
  std::string kind() const override { return inner_->kind(); }
  const HfTokenizer& inner() const { return *inner_; }

 private:
  std::unique_ptr<HfTokenizer> inner_;
  int terminator_;
  std::vector<int> template_ids_;  // what the post-processor adds around any text
};

class HfPromptFormat final : public PromptFormat {
 public:
  // `format` resolved (not "auto").
  HfPromptFormat(const HfPolicyTokenizer& tokenizer, std::string format, std::string delimiter,
                 std::string system_prompt);
  const Tokenizer& tokenizer() const override { return tokenizer_; }
  std::vector<int> EncodePrefix(const std::string& question, const std::vector<std::string>& steps) const override;
  std::vector<int> EncodeSolution(const std::string& question, const std::vector<std::string>& steps,
                                  size_t* prompt_length) const override;
  std::string step_delimiter() const override { return delimiter_; }
  std::string name() const override { return format_; }
  // The prompt text of a question (before tokenization).
  std::string PromptText(const std::string& question) const;

 private:
  std::string SanitizedStep(const std::string& step) const;
  const HfPolicyTokenizer& tokenizer_;
  std::string format_, delimiter_, system_prompt_;
};

// "auto" resolved from a chat template (see the header comment); other names unchanged.
std::string ResolveHfPromptFormat(const std::string& requested, const std::string& chat_template);

struct HfText {
  std::unique_ptr<HfPolicyTokenizer> tokenizer;
  std::unique_ptr<HfPromptFormat> prompt;  // refers to *tokenizer
};

// The tokenizer (tokenizer.json, tokenizer_config.json, generation_config.json of `dir`) and
// prompt format of a model directory; InputError naming the file when the format's
// terminator is not a token of this tokenizer.
HfText LoadHfText(const std::string& dir, const HfPromptSettings& settings);

}  // namespace steptree

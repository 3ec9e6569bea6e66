// How a Hugging Face model's policy turns questions and steps into token ids: the tokenizer
// as the policy sees it (stop ids, the token a solution ends with) and the prompt formats.
// No torch here.
//
// Prompt formats (a prefix for step k is the prompt, then steps 1..k-1 each followed by
// the step delimiter, "\n\n" by default; a training solution ends with the terminator):
//   template   the model's own chat template (policy/text/jinja_chat_template.h) rendered
//              as transformers' apply_chat_template renders it, with the messages
//              [system (when the system prompt is not empty), user question] and
//              add_generation_prompt = true; terminator: the special token the template
//              writes right after an assistant message's content (found by rendering
//              [system, user, assistant] and encoding what follows the content), else the
//              tokenizer's EOS.
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
//   auto       template when the model has a chat template (tokenizer_config.json,
//              chat_template.jinja or chat_template.json), else alphamath. The fixed layouts
//              alphamath, chatml and llama3 stay for models without a template, or when
//              chosen by name.
// The system message defaults to Qwen2.5-Math's chain-of-thought instruction
// (kDefaultSystemPrompt).
//
// Tokenization: the prompt is encoded once, as a whole: a rendered template without the
// post-processor (apply_chat_template(tokenize=True) encodes with add_special_tokens=False:
// the template writes its own BOS, e.g. Llama-3's "{{ bos_token }}"), the fixed layouts with
// it (Llama-3's BOS). Each step + delimiter is encoded on its own, without it, and appended.
// So every step's ids end with a token containing the delimiter, no token spans two steps,
// and a prefix is the concatenation search builds from generated steps. A delimiter inside
// a step is replaced ("\n" for a newline delimiter, else a space) so a step ends exactly once.
//
// Settings come from DIR/steptree.json when present: {"prompt_format": "auto" | "template" |
// "alphamath" | "chatml" | "llama3", "step_delimiter": "\n\n", "system_prompt": "..."}
// (every key optional); command-line flags may override them.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "policy/text/hf_tokenizer.h"
#include "policy/text/jinja_chat_template.h"
#include "policy/text/prompt.h"
#include "policy/text/tokenizer.h"

namespace steptree {

inline constexpr const char* kDefaultSystemPrompt =
    "Please reason step by step, and put your final answer within \\boxed{}.";
inline constexpr const char* kHfSettingsFile = "steptree.json";

struct HfPromptSettings {
  std::string format = "auto";  // "auto" | "template" | "alphamath" | "chatml" | "llama3"
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
  // Without them (a rendered chat template, which writes its own).
  std::vector<int> EncodeWithoutSpecialTokens(const std::string& text) const {
    return inner_->EncodeWithoutSpecialTokens(text);
  }
  // Without them: text that continues a sequence, so without what a SentencePiece-style
  // tokenizer puts before a text's first word ("▁"): encoded after a newline whose ids are
  // then dropped.
  std::vector<int> EncodeContinuation(const std::string& text) const override;
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
  std::vector<int> anchor_ids_;    // the continuation anchor's ids (hf_prompt.cc)
  bool anchored_ = false;          // a text's start encodes differently: continuations follow the anchor
  std::vector<int> WithoutTemplate(std::vector<int> ids) const;
  std::optional<std::vector<int>> AfterAnchor(const std::string& text) const;
};

class HfPromptFormat final : public PromptFormat {
 public:
  // `format` resolved (not "auto"); "template" needs `chat_template`.
  HfPromptFormat(const HfPolicyTokenizer& tokenizer, std::string format, std::string delimiter,
                 std::string system_prompt, std::optional<ChatTemplate> chat_template = std::nullopt);
  const Tokenizer& tokenizer() const override { return tokenizer_; }
  std::vector<int> EncodePrefix(const std::string& question, const std::vector<std::string>& steps) const override;
  std::vector<int> EncodeSolution(const std::string& question, const std::vector<std::string>& steps,
                                  size_t* prompt_length) const override;
  std::string step_delimiter() const override { return delimiter_; }
  std::string name() const override { return format_; }
  // The prompt text of a question (before tokenization). For "template", InputError naming
  // the template's file when it fails to render (raise_exception included).
  std::string PromptText(const std::string& question) const override;
  // "template": Messages(question); other formats: none.
  std::vector<ChatMessage> PromptMessages(const std::string& question) const override;
  // The conversation the prompt of a question renders: [system (unless the system prompt is
  // empty), user question], then `answer` as an assistant message when given.
  nlohmann::ordered_json Messages(const std::string& question, const std::string* answer = nullptr) const;

 private:
  std::string SanitizedStep(const std::string& step) const;
  std::vector<int> EncodePrompt(const std::string& question) const;
  const HfPolicyTokenizer& tokenizer_;
  std::string format_, delimiter_, system_prompt_;
  std::optional<ChatTemplate> chat_template_;
};

// "auto" resolved: "template" when the model has a chat template (`chat_template` not
// empty), else "alphamath"; other names unchanged.
std::string ResolveHfPromptFormat(const std::string& requested, const std::string& chat_template);

// The token a chat template writes right after an assistant message's content (see the
// header comment), or -1 when it writes no special token there or fails to render.
int ChatTemplateTerminator(const HfTokenizer& tokenizer, const ChatTemplate& chat_template,
                           const std::string& system_prompt);

struct HfText {
  std::unique_ptr<HfPolicyTokenizer> tokenizer;
  std::unique_ptr<HfPromptFormat> prompt;  // refers to *tokenizer
};

// The tokenizer (tokenizer.json, tokenizer_config.json, generation_config.json of `dir`),
// chat template and prompt format of a model directory; InputError naming the file when the
// format's terminator is not a token of this tokenizer, when "template" is asked for and
// the model has none, or when the template does not parse or render a question.
HfText LoadHfText(const std::string& dir, const HfPromptSettings& settings);

}  // namespace steptree

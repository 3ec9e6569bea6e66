// Prompt formats and the policy's view of a Hugging Face tokenizer (policy/text/hf_prompt.h).
#include "policy/text/hf_prompt.h"

#include <algorithm>
#include <filesystem>
#include <stdexcept>

#include "core/input_error.h"
#include "core/json_file.h"

namespace steptree {
namespace {

const char* const kFormats[] = {"auto", "template", "alphamath", "chatml", "llama3"};

// The content of the assistant message ChatTemplateTerminator renders, to find what the
// template writes after it.
const char kTerminatorProbe[] = "The answer is 2.";

bool IsKnownFormat(const std::string& format) {
  return std::find(std::begin(kFormats), std::end(kFormats), format) != std::end(kFormats);
}

bool IsBlank(const std::string& text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c == ' ' || c == '\t'; });
}

}  // namespace

HfPromptSettings HfPromptSettings::FromDirectory(const std::string& dir) {
  HfPromptSettings settings;
  const std::string path = (std::filesystem::path(dir) / kHfSettingsFile).string();
  if (!std::filesystem::exists(path)) return settings;
  const nlohmann::json j = ReadJsonFile(path);
  if (!j.is_object()) throw InputError(path, 0, "a JSON object");
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it.key() == "training") continue;  // the record `steptree train` leaves
    if (!it.value().is_string()) throw InputError(path, 0, "\"" + it.key() + "\" to be a string");
    const std::string value = it.value().get<std::string>();
    if (it.key() == "prompt_format") {
      if (!IsKnownFormat(value)) {
        throw InputError(path, 0, "prompt_format auto, template, alphamath, chatml or llama3, got \"" + value + "\"");
      }
      settings.format = value;
    } else if (it.key() == "step_delimiter") {
      if (IsBlank(value)) throw InputError(path, 0, "a step_delimiter that is not empty or blank");
      settings.step_delimiter = value;
    } else if (it.key() == "system_prompt") {
      settings.system_prompt = value;
    } else {
      throw InputError(path, 0, "keys prompt_format, step_delimiter, system_prompt, got \"" + it.key() + "\"");
    }
  }
  return settings;
}

nlohmann::json HfPromptSettings::ToJson() const {
  return {{"prompt_format", format}, {"step_delimiter", step_delimiter}, {"system_prompt", system_prompt}};
}

namespace {

// Text before a continuation when a tokenizer writes something at a text's start: a
// newline, which no tokenizer here merges with the word after it.
constexpr const char* kContinuationAnchor = "\n";

}  // namespace

HfPolicyTokenizer::HfPolicyTokenizer(std::unique_ptr<HfTokenizer> inner, int terminator)
    : inner_(std::move(inner)),
      terminator_(terminator),
      template_ids_(inner_->Encode("")),
      anchor_ids_(inner_->EncodeWithoutSpecialTokens(kContinuationAnchor)) {
  // SentencePiece-style files put "▁" before a text's first word (Llama-2's Prepend
  // normalizer, Metaspace's prepend_scheme): probe whether a word encodes differently at the
  // start of a text than after the anchor.
  anchored_ = AfterAnchor("x").value_or(std::vector<int>()) != WithoutTemplate(inner_->Encode("x"));
}

std::optional<std::vector<int>> HfPolicyTokenizer::AfterAnchor(const std::string& text) const {
  const std::vector<int> joined = inner_->EncodeWithoutSpecialTokens(kContinuationAnchor + text);
  if (joined.size() < anchor_ids_.size() || !std::equal(anchor_ids_.begin(), anchor_ids_.end(), joined.begin())) {
    return std::nullopt;
  }
  return std::vector<int>(joined.begin() + static_cast<std::ptrdiff_t>(anchor_ids_.size()), joined.end());
}

std::vector<int> HfPolicyTokenizer::WithoutTemplate(std::vector<int> ids) const {
  // The post-processor put template_ids_[0, p) before the text and [p, n) after it; take
  // the largest split that fits.
  const size_t n = template_ids_.size();
  for (size_t p = n + 1; p-- > 0;) {
    if (ids.size() < n) continue;
    const bool prefix = std::equal(template_ids_.begin(), template_ids_.begin() + p, ids.begin());
    const bool suffix = std::equal(template_ids_.begin() + p, template_ids_.end(), ids.end() - (n - p));
    if (prefix && suffix) {
      ids.erase(ids.end() - (n - p), ids.end());
      ids.erase(ids.begin(), ids.begin() + p);
      return ids;
    }
  }
  return ids;
}

std::vector<int> HfPolicyTokenizer::EncodeContinuation(const std::string& text) const {
  if (anchored_) {
    // A continuation does not start a text: encoded after the anchor, whose ids are dropped
    // (when they stay a prefix; else as a text of its own).
    if (std::optional<std::vector<int>> ids = AfterAnchor(text)) return *ids;
  }
  return WithoutTemplate(inner_->Encode(text));
}

bool HfPolicyTokenizer::EndsSolution(int id) const {
  if (id == terminator_) return true;
  const std::vector<int>& stops = inner_->stop_ids();
  return std::find(stops.begin(), stops.end(), id) != stops.end();
}

std::string ResolveHfPromptFormat(const std::string& requested, const std::string& chat_template) {
  if (requested != "auto") return requested;
  return chat_template.empty() ? "alphamath" : "template";
}

int ChatTemplateTerminator(const HfTokenizer& tokenizer, const ChatTemplate& chat_template,
                           const std::string& system_prompt) {
  nlohmann::ordered_json messages = nlohmann::ordered_json::array();
  if (!system_prompt.empty()) messages.push_back({{"role", "system"}, {"content", system_prompt}});
  messages.push_back({{"role", "user"}, {"content", "What is 1+1?"}});
  messages.push_back({{"role", "assistant"}, {"content", kTerminatorProbe}});
  std::string text;
  try {
    text = RenderChatTemplate(chat_template, messages, false);
  } catch (const jinja::RenderError&) {
    return -1;
  } catch (const jinja::RaisedError&) {
    return -1;
  }
  const size_t at = text.rfind(kTerminatorProbe);
  if (at == std::string::npos) return -1;
  const std::vector<int> after = tokenizer.EncodeWithoutSpecialTokens(text.substr(at + sizeof kTerminatorProbe - 1));
  return !after.empty() && tokenizer.IsSpecial(after[0]) ? after[0] : -1;
}

HfPromptFormat::HfPromptFormat(const HfPolicyTokenizer& tokenizer, std::string format, std::string delimiter,
                               std::string system_prompt, std::optional<ChatTemplate> chat_template)
    : tokenizer_(tokenizer),
      format_(std::move(format)),
      delimiter_(std::move(delimiter)),
      system_prompt_(std::move(system_prompt)),
      chat_template_(std::move(chat_template)) {
  if (format_ == "template" && !chat_template_) throw std::logic_error("HfPromptFormat: \"template\" without a chat template");
}

nlohmann::ordered_json HfPromptFormat::Messages(const std::string& question, const std::string* answer) const {
  nlohmann::ordered_json messages = nlohmann::ordered_json::array();
  if (!system_prompt_.empty()) messages.push_back({{"role", "system"}, {"content", system_prompt_}});
  messages.push_back({{"role", "user"}, {"content", question}});
  if (answer) messages.push_back({{"role", "assistant"}, {"content", *answer}});
  return messages;
}

std::vector<ChatMessage> HfPromptFormat::PromptMessages(const std::string& question) const {
  if (format_ != "template") return {};
  std::vector<ChatMessage> messages;
  for (const nlohmann::ordered_json& message : Messages(question)) {
    messages.push_back({message["role"].get<std::string>(), message["content"].get<std::string>()});
  }
  return messages;
}

std::string HfPromptFormat::PromptText(const std::string& question) const {
  if (format_ == "template") {
    const std::string what = "a chat template that renders a system and a user message (";
    try {
      return RenderChatTemplate(*chat_template_, Messages(question), true);
    } catch (const jinja::RaisedError& e) {
      throw InputError(chat_template_->compiled->source(), 0, what + "it raised: " + e.what() + ")");
    } catch (const jinja::RenderError& e) {
      throw InputError(chat_template_->compiled->source(), 0, what + e.what() + ")");
    }
  }
  if (format_ == "chatml") {
    return "<|im_start|>system\n" + system_prompt_ + "<|im_end|>\n<|im_start|>user\n" + question +
           "<|im_end|>\n<|im_start|>assistant\n";
  }
  if (format_ == "llama3") {
    return "<|start_header_id|>system<|end_header_id|>\n\n" + system_prompt_ +
           "<|eot_id|><|start_header_id|>user<|end_header_id|>\n\n" + question +
           "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n";
  }
  return "<question> " + question + " </question>\n";
}

std::vector<int> HfPromptFormat::EncodePrompt(const std::string& question) const {
  const std::string text = PromptText(question);
  return format_ == "template" ? tokenizer_.EncodeWithoutSpecialTokens(text) : tokenizer_.Encode(text);
}

std::string HfPromptFormat::SanitizedStep(const std::string& step) const {
  // Each replacement is shorter than the delimiter (or a space that cannot rebuild it),
  // so this ends.
  const bool newlines = delimiter_.size() >= 2 && delimiter_.find('\n') != std::string::npos;
  const std::string replacement = newlines ? "\n" : " ";
  std::string text = step;
  for (size_t at = text.find(delimiter_); at != std::string::npos; at = text.find(delimiter_)) {
    text.replace(at, delimiter_.size(), replacement);
  }
  // A step that ends in part of the delimiter would merge with it into a longer run.
  while (!text.empty() && newlines && text.back() == '\n') text.pop_back();
  return text;
}

std::vector<int> HfPromptFormat::EncodePrefix(const std::string& question,
                                              const std::vector<std::string>& steps) const {
  std::vector<int> ids = EncodePrompt(question);
  for (const std::string& step : steps) {
    const std::vector<int> more = tokenizer_.EncodeContinuation(SanitizedStep(step) + delimiter_);
    ids.insert(ids.end(), more.begin(), more.end());
  }
  return ids;
}

std::vector<int> HfPromptFormat::EncodeSolution(const std::string& question, const std::vector<std::string>& steps,
                                                size_t* prompt_length) const {
  std::vector<int> ids = EncodePrompt(question);
  if (prompt_length) *prompt_length = ids.size();
  for (size_t i = 0; i < steps.size(); ++i) {
    const bool last = i + 1 == steps.size();
    const std::vector<int> more = tokenizer_.EncodeContinuation(SanitizedStep(steps[i]) + (last ? "" : delimiter_));
    ids.insert(ids.end(), more.begin(), more.end());
  }
  ids.push_back(tokenizer_.eos_id());
  return ids;
}

HfText LoadHfText(const std::string& dir, const HfPromptSettings& settings) {
  HfTokenizerOptions options;
  options.step_delimiter = settings.step_delimiter;
  std::unique_ptr<HfTokenizer> inner = HfTokenizer::Load(dir, options);
  // The template is read (and parsed) only when it may be used.
  std::optional<ChatTemplate> chat_template;
  if (settings.format == "auto" || settings.format == "template") chat_template = LoadChatTemplate(dir);
  const std::string format = ResolveHfPromptFormat(settings.format, chat_template ? "yes" : "");
  const std::string tokenizer_path = (std::filesystem::path(dir) / "tokenizer.json").string();
  if (format == "template" && !chat_template) {
    throw InputError((std::filesystem::path(dir) / "tokenizer_config.json").string(), 0,
                     "a chat template for prompt_format \"template\" (\"chat_template\", or chat_template.jinja)");
  }
  int terminator = inner->eos_id();
  const char* needed = "an EOS token (tokenizer_config.json eos_token or generation_config.json eos_token_id)";
  if (format == "template") {
    const int after_answer = ChatTemplateTerminator(*inner, *chat_template, settings.system_prompt);
    if (after_answer >= 0) terminator = after_answer;
    needed = "an EOS token, or a special token after an assistant message in the chat template";
  } else if (format == "chatml") {
    terminator = inner->TokenId("<|im_end|>");
    needed = "the token <|im_end|> for the chatml prompt format";
  } else if (format == "llama3") {
    terminator = inner->TokenId("<|eot_id|>");
    needed = "the token <|eot_id|> for the llama3 prompt format";
  }
  if (terminator < 0) throw InputError(tokenizer_path, 0, needed);
  HfText text;
  text.tokenizer = std::make_unique<HfPolicyTokenizer>(std::move(inner), terminator);
  text.prompt = std::make_unique<HfPromptFormat>(*text.tokenizer, format, settings.step_delimiter,
                                                 settings.system_prompt, std::move(chat_template));
  text.prompt->PromptText("What is 1+1?");  // a template that cannot render a question fails here
  return text;
}

}  // namespace steptree

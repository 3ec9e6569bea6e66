// Prompt formats and the policy's view of a Hugging Face tokenizer (policy/text/hf_prompt.h).
#include "policy/text/hf_prompt.h"

#include <algorithm>
#include <filesystem>

#include "core/input_error.h"
#include "core/json_file.h"

namespace steptree {
namespace {

const char* const kFormats[] = {"auto", "alphamath", "chatml", "llama3"};

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
        throw InputError(path, 0, "prompt_format auto, alphamath, chatml or llama3, got \"" + value + "\"");
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

HfPolicyTokenizer::HfPolicyTokenizer(std::unique_ptr<HfTokenizer> inner, int terminator)
    : inner_(std::move(inner)), terminator_(terminator), template_ids_(inner_->Encode("")) {}

std::vector<int> HfPolicyTokenizer::EncodeContinuation(const std::string& text) const {
  std::vector<int> ids = inner_->Encode(text);
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

bool HfPolicyTokenizer::EndsSolution(int id) const {
  if (id == terminator_) return true;
  const std::vector<int>& stops = inner_->stop_ids();
  return std::find(stops.begin(), stops.end(), id) != stops.end();
}

std::string ResolveHfPromptFormat(const std::string& requested, const std::string& chat_template) {
  if (requested != "auto") return requested;
  if (chat_template.find("<|im_start|>") != std::string::npos) return "chatml";
  if (chat_template.find("<|start_header_id|>") != std::string::npos) return "llama3";
  return "alphamath";
}

HfPromptFormat::HfPromptFormat(const HfPolicyTokenizer& tokenizer, std::string format, std::string delimiter,
                               std::string system_prompt)
    : tokenizer_(tokenizer),
      format_(std::move(format)),
      delimiter_(std::move(delimiter)),
      system_prompt_(std::move(system_prompt)) {}

std::string HfPromptFormat::PromptText(const std::string& question) const {
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
  std::vector<int> ids = tokenizer_.Encode(PromptText(question));
  for (const std::string& step : steps) {
    const std::vector<int> more = tokenizer_.EncodeContinuation(SanitizedStep(step) + delimiter_);
    ids.insert(ids.end(), more.begin(), more.end());
  }
  return ids;
}

std::vector<int> HfPromptFormat::EncodeSolution(const std::string& question, const std::vector<std::string>& steps,
                                                size_t* prompt_length) const {
  std::vector<int> ids = tokenizer_.Encode(PromptText(question));
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
  const std::string format = ResolveHfPromptFormat(settings.format, inner->chat_template());
  const std::string tokenizer_path = (std::filesystem::path(dir) / "tokenizer.json").string();
  int terminator = inner->eos_id();
  const char* needed = "an EOS token (tokenizer_config.json eos_token or generation_config.json eos_token_id)";
  if (format == "chatml") {
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
                                                 settings.system_prompt);
  return text;
}

}  // namespace steptree

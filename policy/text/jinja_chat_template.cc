// Loading and rendering the chat template of a model directory
// (policy/text/jinja_chat_template.h).
#include "policy/text/jinja_chat_template.h"

#include <filesystem>

#include "core/input_error.h"
#include "core/json_file.h"

namespace steptree {
namespace {

const char* const kSpecialTokenNames[] = {"bos_token", "eos_token", "unk_token", "sep_token",
                                          "pad_token", "cls_token", "mask_token"};

// A token of tokenizer_config.json as transformers passes it to templates: a string, or an
// AddedToken's content; nullopt for null.
std::optional<std::string> TokenText(const nlohmann::json& token, const std::string& key, const std::string& file) {
  if (token.is_null()) return std::nullopt;
  if (token.is_string()) return token.get<std::string>();
  if (token.is_object() && token.contains("content") && token["content"].is_string()) {
    return token["content"].get<std::string>();
  }
  throw InputError(file, 0, "\"" + key + "\" to be a string, null or {\"content\": string}");
}

// The template text of tokenizer_config.json's "chat_template", or nullopt.
std::optional<std::string> ConfigTemplate(const nlohmann::json& config, const std::string& file) {
  const auto it = config.find("chat_template");
  if (it == config.end() || it->is_null()) return std::nullopt;
  if (it->is_string()) return it->get<std::string>();
  if (it->is_array()) {
    for (const nlohmann::json& entry : *it) {
      if (entry.is_object() && entry.value("name", nlohmann::json()) == "default" && entry.contains("template") &&
          entry["template"].is_string()) {
        return entry["template"].get<std::string>();
      }
    }
    return std::nullopt;
  }
  throw InputError(file, 0, "\"chat_template\" to be a string or a list of {\"name\", \"template\"}");
}

}  // namespace

nlohmann::ordered_json ChatTemplateSpecialTokens(const nlohmann::json& config, const std::string& file) {
  nlohmann::ordered_json tokens = nlohmann::ordered_json::object();
  if (!config.is_object()) return tokens;
  for (const char* name : kSpecialTokenNames) {
    const auto it = config.find(name);
    if (it == config.end()) continue;
    if (std::optional<std::string> text = TokenText(*it, name, file)) tokens[name] = *text;
  }
  const auto extra = config.find("additional_special_tokens");
  if (extra != config.end() && !extra->is_null()) {
    if (!extra->is_array()) throw InputError(file, 0, "\"additional_special_tokens\" to be a list");
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const nlohmann::json& token : *extra) {
      if (std::optional<std::string> text = TokenText(token, "additional_special_tokens", file)) list.push_back(*text);
    }
    if (!list.empty()) tokens["additional_special_tokens"] = list;
  }
  return tokens;
}

std::optional<ChatTemplate> LoadChatTemplate(const std::string& model_dir) {
  const std::filesystem::path dir(model_dir);
  const std::string config_path = (dir / "tokenizer_config.json").string();
  nlohmann::json config = nlohmann::json::object();
  if (std::filesystem::exists(config_path)) config = ReadJsonFile(config_path);
  if (!config.is_object()) throw InputError(config_path, 0, "a JSON object");
  std::optional<std::string> text = ConfigTemplate(config, config_path);
  std::string source = config_path;
  if (!text) {
    const std::string jinja_path = (dir / "chat_template.jinja").string();
    const std::string json_path = (dir / "chat_template.json").string();
    if (std::filesystem::exists(jinja_path)) {
      text = ReadTextFile(jinja_path);
      source = jinja_path;
    } else if (std::filesystem::exists(json_path)) {
      const nlohmann::json side = ReadJsonFile(json_path);
      if (!side.is_object() || !side.contains("chat_template") || !side["chat_template"].is_string()) {
        throw InputError(json_path, 0, "an object with a string \"chat_template\"");
      }
      text = side["chat_template"].get<std::string>();
      source = json_path;
    }
  }
  if (!text) return std::nullopt;
  ChatTemplate chat_template;
  chat_template.compiled = std::make_shared<const jinja::Template>(*text, source);
  chat_template.special_tokens = ChatTemplateSpecialTokens(config, config_path);
  return chat_template;
}

std::string RenderChatTemplate(const ChatTemplate& chat_template, const nlohmann::ordered_json& messages,
                               bool add_generation_prompt, const nlohmann::ordered_json& extra) {
  nlohmann::ordered_json variables = chat_template.special_tokens;
  variables["messages"] = messages;
  variables["tools"] = nullptr;
  variables["documents"] = nullptr;
  variables["add_generation_prompt"] = add_generation_prompt;
  if (!extra.is_null()) {
    if (!extra.is_object()) throw jinja::RenderError("extra chat template variables as a JSON object");
    for (auto it = extra.begin(); it != extra.end(); ++it) {
      if (it.key() == "messages" || it.key() == "add_generation_prompt") {
        throw jinja::RenderError("no extra variable named \"" + it.key() + "\" (it is given separately)");
      }
      variables[it.key()] = it.value();
    }
  }
  return chat_template.compiled->Render(variables);
}

}  // namespace steptree

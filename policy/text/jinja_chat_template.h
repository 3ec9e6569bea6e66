// Chat templates of Hugging Face model directories, rendered as transformers'
// apply_chat_template renders them (tokenize=False), with the output of the reference
// renderer @huggingface/jinja 0.5.13 (policy/text/jinja_template.h). No torch here.
//
// Where the template comes from (the first that exists):
//   DIR/tokenizer_config.json "chat_template": a string, or a list of {"name", "template"}
//   whose entry named "default" is used; DIR/chat_template.jinja; DIR/chat_template.json
//   {"chat_template": "..."}.
// The variables a template sees, as transformers passes them:
//   the special tokens of tokenizer_config.json (bos_token, eos_token, unk_token,
//   sep_token, pad_token, cls_token, mask_token: strings, or AddedToken objects
//   {"content": ...} given as their content; additional_special_tokens: a list; null or
//   absent ones are left out), messages, tools = none, documents = none,
//   add_generation_prompt, then any extra variables (tools, documents, enable_thinking,
//   date_string, ...), which replace those before them.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "policy/text/jinja_template.h"

namespace steptree {

struct ChatTemplate {
  std::shared_ptr<const jinja::Template> compiled;
  nlohmann::ordered_json special_tokens = nlohmann::ordered_json::object();  // name -> string (or list)
};

// The special tokens of a parsed tokenizer_config.json, as transformers' special_tokens_map
// gives them (see the header comment). InputError naming `file` for a token that is not a
// string, null or {"content": string}.
nlohmann::ordered_json ChatTemplateSpecialTokens(const nlohmann::json& config, const std::string& file);

// The chat template of a model directory, or nullopt when it has none. InputError naming
// the file when a file is unreadable or not JSON, "chat_template" has the wrong type, or the
// template does not parse (with its line and column).
std::optional<ChatTemplate> LoadChatTemplate(const std::string& model_dir);

// Renders `messages` (a JSON array of {"role", "content", ...}) as apply_chat_template
// does. `extra`: more variables (a JSON object, or null). Throws jinja::RaisedError when the
// template calls raise_exception (what(): its message), jinja::RenderError when rendering
// fails otherwise (and when `extra` names messages or add_generation_prompt).
std::string RenderChatTemplate(const ChatTemplate& chat_template, const nlohmann::ordered_json& messages,
                               bool add_generation_prompt,
                               const nlohmann::ordered_json& extra = nlohmann::ordered_json::object());

}  // namespace steptree

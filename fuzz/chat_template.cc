// Fuzz target: parsing and rendering a chat template (policy/text/jinja_template.h).
// Input: "template" or "template\0variables-json"; rendered with the given variables (when
// they parse as a JSON object) and with a fixed conversation, under small RenderLimits so
// a run stays fast. InputError (no parse), RenderError and RaisedError are the documented
// outcomes; anything else escaping, a crash, a hang or a leak is a bug.
#include <string>

#include <nlohmann/json.hpp>

#include "core/input_error.h"
#include "fuzz/fuzz_targets.h"
#include "policy/text/jinja_template.h"

namespace steptree::fuzz {
namespace {

const char kFuzzConversation[] = R"({
  "bos_token": "<s>", "eos_token": "</s>", "add_generation_prompt": true, "tools": null,
  "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": " Hi \u00e9\ud83d\ude00 "},
               {"role": "assistant", "content": "<think>x</think>\n\nHello", "tool_calls": [{"function": {"name": "f", "arguments": {"a": 1}}}]},
               {"role": "user", "content": [{"type": "text", "text": "list content"}]}]
})";

void RenderQuietly(const jinja::Template& compiled, const nlohmann::ordered_json& variables) {
  jinja::RenderLimits limits;
  limits.max_string_bytes = size_t{1} << 20;
  limits.max_total_string_bytes = size_t{16} << 20;
  limits.max_cells = size_t{1} << 18;
  limits.max_steps = 200000;
  limits.max_depth = 200;
  try {
    compiled.Render(variables, limits);
  } catch (const jinja::RenderError&) {
  } catch (const jinja::RaisedError&) {
  }
}

}  // namespace

int FuzzChatTemplate(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const size_t split = input.find('\0');
  const std::string text = input.substr(0, split);
  try {
    const jinja::Template compiled(text, "fuzz.jinja");
    static const nlohmann::ordered_json conversation = nlohmann::ordered_json::parse(kFuzzConversation);
    RenderQuietly(compiled, conversation);
    if (split != std::string::npos) {
      const nlohmann::ordered_json variables = nlohmann::ordered_json::parse(input.substr(split + 1), nullptr, false);
      if (variables.is_object() && !variables.is_discarded()) RenderQuietly(compiled, variables);
    }
  } catch (const InputError&) {
  }
  return 0;
}

}  // namespace steptree::fuzz

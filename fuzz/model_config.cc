// Fuzz target: model config.json, of Hugging Face models (policy/model/format/hf_config.h) and of the
// built-in model (policy/model/format/gpt_config.h).
#include <string>

#include "core/input_error.h"
#include "core/json_file.h"
#include "fuzz/fuzz_targets.h"
#include "policy/model/format/gpt_config.h"
#include "policy/model/format/hf_config.h"

namespace steptree::fuzz {

int FuzzModelConfig(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  try {
    const nlohmann::json config = ParseJsonText(text, "config.json");
    if (data[0] % 2 == 0) {
      const HfModelConfig parsed = HfModelConfig::FromJson(config, "config.json");
      HfParameterShapes(parsed);
    } else {
      const GptConfig parsed = GptConfig::FromJson(config, "config.json");
      GptConfig::FromJson(parsed.ToJson(), "round trip");
    }
  } catch (const InputError&) {
  }
  return 0;
}

}  // namespace steptree::fuzz

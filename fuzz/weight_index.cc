// Fuzz target: model.safetensors.index.json of sharded checkpoints (policy/model/format/hf_weights_index.h).
#include <string>

#include "core/input_error.h"
#include "core/json_file.h"
#include "fuzz/fuzz_targets.h"
#include "policy/model/format/hf_weights_index.h"

namespace steptree::fuzz {

int FuzzWeightIndex(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const HfWeightIndex index =
        ParseHfWeightIndex(ParseJsonText(text, "model.safetensors.index.json"), "model.safetensors.index.json");
    for (const std::string& shard : index.shard_names) {
      if (!IsPlainFileName(shard)) throw std::logic_error("a shard name that is not a plain file name");
    }
  } catch (const InputError&) {
  }
  return 0;
}

}  // namespace steptree::fuzz

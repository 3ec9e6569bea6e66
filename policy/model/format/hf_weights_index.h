// model.safetensors.index.json of a sharded Hugging Face checkpoint:
// {"metadata": {...}, "weight_map": {"tensor name": "shard file name"}}. No torch here
// (policy/model/hf_weights.h opens the shards it names).
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace steptree {

// Most tensors an index may list (a 405B-parameter Llama has about 1,100; each listed
// tensor costs map entries before any shard is opened).
constexpr size_t kMaxIndexedTensors = 1'000'000;

struct HfWeightIndex {
  std::map<std::string, std::string> shard_of;  // tensor name -> shard file name
  std::vector<std::string> shard_names;         // distinct shards, in order of first mention
};

// Validates a parsed index: an object with a non-empty "weight_map" object of at most
// kMaxIndexedTensors entries whose values are plain file names (no '/', '\', NUL, "." or
// ".."). Throws InputError(path, 0, ...) otherwise.
HfWeightIndex ParseHfWeightIndex(const nlohmann::json& index, const std::string& path);

// A name that may be opened inside the model directory: no path separators, not . or ..
bool IsPlainFileName(const std::string& name);

}  // namespace steptree

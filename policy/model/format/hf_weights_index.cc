// The shard index of a Hugging Face checkpoint (policy/model/format/hf_weights_index.h).
#include "policy/model/format/hf_weights_index.h"

#include <set>

#include "core/input_error.h"
#include "policy/model/format/safetensors_header.h"  // Quoted

namespace steptree {
namespace {


}  // namespace

bool IsPlainFileName(const std::string& name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos &&
         name.find('\\') == std::string::npos && name.find('\0') == std::string::npos;
}

HfWeightIndex ParseHfWeightIndex(const nlohmann::json& j, const std::string& path) {
  if (!j.is_object() || !j.contains("weight_map") || !j["weight_map"].is_object()) {
    throw InputError(path, 0, "a JSON object with a \"weight_map\" object");
  }
  const nlohmann::json& map = j["weight_map"];
  if (map.size() > kMaxIndexedTensors) {
    throw InputError(path, 0,
                     "at most " + std::to_string(kMaxIndexedTensors) + " tensors in \"weight_map\", got " +
                         std::to_string(map.size()));
  }
  HfWeightIndex index;
  std::set<std::string> seen;
  for (auto it = map.begin(); it != map.end(); ++it) {
    if (!it.value().is_string() || !IsPlainFileName(it.value().get<std::string>())) {
      throw InputError(path, 0, "a shard file name in this directory for tensor " + Quoted(it.key()));
    }
    const std::string shard = it.value().get<std::string>();
    index.shard_of[it.key()] = shard;
    if (seen.insert(shard).second) index.shard_names.push_back(shard);
  }
  if (index.shard_names.empty()) throw InputError(path, 0, "a non-empty \"weight_map\"");
  return index;
}

}  // namespace steptree

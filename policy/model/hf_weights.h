// The weights of a Hugging Face model directory: model.safetensors, or the shards listed by
// model.safetensors.index.json ({"weight_map": {"tensor name": "shard file name"}}).
// Include only from torch translation units.
//
// Checkpoints come from strangers. Every file is opened with SafetensorsFile::Open (the
// header validated before any data is touched: size bound, offsets inside the file and
// non-overlapping, byte length = dtype x shape), then the set of tensors is checked
// against what the config implies before any parameter is allocated: no missing tensor,
// no unknown one, the expected shape, a float dtype (F32, F16 or BF16), and in a sharded
// model every tensor in the shard the index names. Each failure is an InputError naming
// the file and the tensor. Ignored on purpose: "model.layers.N.self_attn.rotary_emb.inv_freq"
// (a buffer some old exports saved; recomputed from the config) and "lm_head.weight" of a
// model with tied embeddings (transformers ties it to the embedding on load as well).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <torch/torch.h>

#include "policy/model/hf_llama.h"
#include "policy/model/format/safetensors.h"

namespace steptree {

class HfWeights {
 public:
  // Opens and validates the weight files of `dir`; InputError when there are none (a
  // pytorch_model.bin alone is not read), when the index or a shard is invalid.
  static HfWeights Open(const std::string& dir);

  // Checks the tensors against `expected` (name, shape) as described above.
  void Check(const std::vector<std::pair<std::string, std::vector<int64_t>>>& expected, bool tied_embeddings) const;

  // Copies every expected tensor into the parameter of the same name, converting to the
  // parameter's dtype (BF16/F16 -> F32 exactly; F32 -> BF16 rounds to nearest even).
  // Call Check first.
  void CopyInto(const torch::OrderedDict<std::string, torch::Tensor>& params) const;

  // The dtype names found ("BF16", ...), for reports.
  std::vector<std::string> DTypes() const;
  // Files read, for messages.
  const std::vector<std::string>& files() const { return file_paths_; }

 private:
  struct Located {
    const TensorView* view;
    std::string file;  // the file holding it
  };
  std::vector<std::shared_ptr<SafetensorsFile>> files_;
  std::vector<std::string> file_paths_;
  std::map<std::string, Located> tensors_;  // every tensor of every file, by name
  std::string index_path_;                  // "" for a single file
  std::string main_path_;                   // model.safetensors or the index: named for missing tensors
};

// Loads a Hugging Face model directory: config.json (LoadHfModelConfig), the weights opened,
// checked against the config before anything is allocated, then copied (converted to the
// compute dtype), then moved to `device` ("cpu" or "cuda"). The model is in eval mode.
HfLlama LoadHfLlama(const std::string& dir, HfComputeDType dtype, const std::string& device = "cpu");

// Writes `tensors` as one safetensors file in a Hugging Face layout, every tensor in the
// dtype it has (atomic; metadata {"format": "pt"} as transformers writes).
void SaveHfTensors(const std::string& path, const std::map<std::string, torch::Tensor>& tensors);

}  // namespace steptree

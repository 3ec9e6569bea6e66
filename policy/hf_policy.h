// A Hugging Face model directory as a policy's parts (policy/policy.h assembles them):
// the model (policy/model/hf_llama.h), the tokenizer and prompt format (policy/text/hf_prompt.h),
// and where they came from, so a trained policy can be saved as a model directory again.
// Include only from torch translation units.
//
// Saving (Policy::Save on such a policy) writes a Hugging Face directory that both
// steptree and transformers read: config.json, generation_config.json and the tokenizer
// files copied from the source, steptree.json (the prompt settings and the "training"
// record), and the weights: model.safetensors from the parameters when training changed
// the backbone (in the parameters' dtype; F32 after `steptree train`), else the source's
// weight files hard-linked (or copied). value_head.safetensors is written by Policy::Save.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "policy/model/format/hf_config.h"
#include "policy/model/hf_llama.h"
#include "policy/text/hf_prompt.h"

namespace steptree {

// How to load a Hugging Face directory (ignored for built-in checkpoints).
struct HfLoadOptions {
  std::string dtype = "f32";  // compute dtype: "f32" or "bf16"
  std::string device = "cpu";  // "cpu" or "cuda" (refused unless LibTorch has CUDA)
  // CPU inference kernels: "invariant" (row-invariant, weights packed once: the prefix KV
  // cache and cross-tree batching apply; the packed copy takes the weights' size again in
  // memory) or "torch" (torch's kernels, no packed copy, no reuse). CUDA always uses torch.
  std::string kernels = "invariant";
  // Override DIR/steptree.json (policy/text/hf_prompt.h).
  std::optional<std::string> prompt_format, step_delimiter, system_prompt;
};

struct HfSource {
  std::string dir;
  HfModelConfig config;
  HfPromptSettings settings;
  std::vector<std::string> weight_files;  // file names in `dir` holding the weights
};

struct HfPolicyParts {
  HfLlama model{nullptr};
  HfText text;
  HfSource source;
};

// Reads a model directory: config, weights (checked before allocation), tokenizer, prompt
// settings. InputError naming the file on anything invalid; UsageError for a bad option.
HfPolicyParts LoadHfPolicyParts(const std::string& dir, const HfLoadOptions& options);

// Writes the directory described above (not the value head) into `out_dir`.
void SaveHfPolicyFiles(const HfSource& source, const std::string& out_dir, HfLlamaImpl& model, bool backbone_trained,
                       const nlohmann::json& training_record);

// "cpu" unless `device` is "cuda" and LibTorch has CUDA; UsageError otherwise.
void CheckHfDevice(const std::string& device);

}  // namespace steptree

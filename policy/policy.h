// The built-in policy: tokenizer + GPT model + config, loaded from and saved to a
// checkpoint directory. No torch in this header (torch users include policy/gpt.h and call
// Policy::model()).
//
// Checkpoint directory layout:
//   config.json        GptConfig::ToJson()  (+ "training": free-form record of the recipe)
//   model.safetensors  every parameter under its module path ("blocks.0.attn.qkv.weight"),
//                      F32; metadata {"format": "steptree-gpt", "version": "1"}
// Load validates everything (config fields, tensor names, shapes, dtypes; no missing or
// extra tensors) and throws InputError naming the file on any mismatch.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "policy/gpt_config.h"
#include "policy/tokenizer.h"

namespace steptree {

class GptImpl;  // policy/gpt.h (torch)

class Policy {
 public:
  // A freshly initialised model (deterministic in `seed`).
  static std::unique_ptr<Policy> Create(const GptConfig& config, uint64_t seed);
  // Throws InputError(file, 0, expected) on a missing or invalid checkpoint.
  static std::unique_ptr<Policy> Load(const std::string& dir);
  // Writes config.json and model.safetensors into `dir` (created if needed), atomically
  // per file. `extra` is stored under "training" in config.json.
  void Save(const std::string& dir, const nlohmann::json& extra = nlohmann::json::object()) const;

  ~Policy();
  const GptConfig& config() const { return config_; }
  const Tokenizer& tokenizer() const { return *tokenizer_; }
  int64_t num_parameters() const;
  // The torch module (include policy/gpt.h to use it).
  GptImpl& model() const;

 private:
  Policy() = default;
  GptConfig config_;
  std::unique_ptr<Tokenizer> tokenizer_;
  struct ModelHolder;
  std::unique_ptr<ModelHolder> holder_;
};

}  // namespace steptree

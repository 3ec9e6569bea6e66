// The built-in policy: tokenizer + GPT model + config, loaded from and saved to a
// checkpoint directory. No torch in this header (torch users include policy/gpt.h and call
// Policy::model()).
//
// Checkpoint directory layout:
//   config.json        GptConfig::ToJson()  (+ "training": free-form record of the recipe)
//   model.safetensors  every parameter under its module path ("blocks.0.attn.qkv.weight"),
//                      F32; metadata {"format": "steptree-gpt", "version": "1"}
//   value_head.safetensors  (optional) the tanh value head (value/value_head.h):
//                      "v_head.weight" [1, d_model], "v_head.bias" [1], F32; metadata
//                      {"format": "steptree-value-head", "version": "1"}. When absent the
//                      policy gets a fresh head (N(0, 0.02), zero bias) and
//                      has_trained_value_head() is false.
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

class GptImpl;        // policy/gpt.h (torch)
class ValueHeadImpl;  // value/value_head.h (torch)

class Policy {
 public:
  // A freshly initialised model (deterministic in `seed`).
  static std::unique_ptr<Policy> Create(const GptConfig& config, uint64_t seed);
  // Throws InputError(file, 0, expected) on a missing or invalid checkpoint.
  static std::unique_ptr<Policy> Load(const std::string& dir);
  // Writes config.json, model.safetensors and value_head.safetensors into `dir` (created
  // if needed), atomically per file. `extra` is stored under "training" in config.json.
  // The value head is written only when it is trained (has_trained_value_head()).
  void Save(const std::string& dir, const nlohmann::json& extra = nlohmann::json::object()) const;

  ~Policy();
  const GptConfig& config() const { return config_; }
  const Tokenizer& tokenizer() const { return *tokenizer_; }
  int64_t num_parameters() const;
  // The torch module (include policy/gpt.h to use it).
  GptImpl& model() const;
  // The value head on the model's hidden states (include value/value_head.h to use it).
  ValueHeadImpl& value_head() const;
  // True when the head was loaded from value_head.safetensors or trained in this process.
  bool has_trained_value_head() const { return value_head_trained_; }
  void set_value_head_trained(bool trained) { value_head_trained_ = trained; }

 private:
  Policy() = default;
  GptConfig config_;
  std::unique_ptr<Tokenizer> tokenizer_;
  struct ModelHolder;
  std::unique_ptr<ModelHolder> holder_;
  bool value_head_trained_ = false;
};

}  // namespace steptree

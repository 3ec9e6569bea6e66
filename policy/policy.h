// The Policy facade: a tokenizer, a causal LM (the built-in GPT or a Hugging Face model,
// policy/hf_policy.h), its value head and prompt format, loaded from and saved to a
// checkpoint directory. No torch in this header (torch users include policy/model/gpt.h and call
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
//
// Load also takes a Hugging Face model directory (config.json with "architectures":
// Llama, Qwen2, Mistral; policy/hf_policy.h): the model, its tokenizer and prompt format,
// and the same value_head.safetensors beside the weights (v_head.weight [1, hidden_size]).
// Everything downstream sees the model only through lm() (policy/model/causal_lm.h), the
// tokenizer and prompt(); config() and model() are the built-in GPT's only.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "policy/model/format/gpt_config.h"
#include "policy/text/tokenizer.h"

namespace steptree {

class GptImpl;        // policy/model/gpt.h (torch)
class CausalLm;       // policy/model/causal_lm.h (torch)
class ValueHeadImpl;  // value/value_head.h (torch)
class PromptFormat;   // policy/text/prompt.h
struct HfSource;      // policy/hf_policy.h

// How to load a Hugging Face model directory (ignored for built-in checkpoints).
struct PolicyLoadOptions {
  std::string dtype = "f32";   // compute dtype: "f32" or "bf16" (matrix products in bf16)
  std::string device = "cpu";  // "cpu", or "cuda" when LibTorch has CUDA
  std::string kernels = "invariant";  // CPU inference kernels (policy/hf_policy.h HfLoadOptions)
  // Override DIR/steptree.json (policy/text/hf_prompt.h): auto | template | alphamath | chatml | llama3.
  std::optional<std::string> prompt_format, step_delimiter, system_prompt;
};

class Policy {
 public:
  // A freshly initialised model (deterministic in `seed`).
  static std::unique_ptr<Policy> Create(const GptConfig& config, uint64_t seed);
  // Throws InputError(file, 0, expected) on a missing or invalid checkpoint (built-in or
  // Hugging Face), UsageError on bad options.
  static std::unique_ptr<Policy> Load(const std::string& dir, const PolicyLoadOptions& options = {});
  // Writes config.json, model.safetensors and value_head.safetensors into `dir` (created
  // if needed), atomically per file. `extra` is stored under "training" in config.json.
  // The value head is written only when it is trained (has_trained_value_head()).
  // A Hugging Face policy is written as a model directory (policy/hf_policy.h), `extra`
  // under "training" in steptree.json, its weights only when the backbone was trained.
  void Save(const std::string& dir, const nlohmann::json& extra = nlohmann::json::object()) const;

  ~Policy();
  bool is_hf() const { return hf_ != nullptr; }
  // The built-in model's config; std::logic_error for a Hugging Face model.
  const GptConfig& config() const;
  const Tokenizer& tokenizer() const { return *tokenizer_; }
  // How questions and steps become ids (the built-in format, or the model's).
  const PromptFormat& prompt() const { return *prompt_; }
  // Longest sequence the model is used on, and its output vocabulary.
  int context() const;
  int vocab_size() const;
  int64_t num_parameters() const;
  // One line: architecture, sizes, parameters, dtype.
  std::string Describe() const;
  // The network as generation and training use it (include policy/model/causal_lm.h).
  CausalLm& lm() const;
  // lm().row_invariant(), for torch-free callers: a token's results do not depend on its batch.
  bool row_invariant() const;
  // The built-in GPT (include policy/model/gpt.h); std::logic_error for a Hugging Face model.
  GptImpl& model() const;
  // The value head on the model's hidden states (include value/value_head.h to use it).
  ValueHeadImpl& value_head() const;
  // True when the head was loaded from value_head.safetensors or trained in this process.
  bool has_trained_value_head() const { return value_head_trained_; }
  void set_value_head_trained(bool trained) { value_head_trained_ = trained; }
  // Whether generation executes calculator calls (policy/engine/step_generator.h): on when the
  // built-in checkpoint's config says tool "calculator", off otherwise (Hugging Face models
  // too); the command line's --tool overrides it. A built-in policy saves the setting.
  bool calculator() const { return calculator_; }
  void set_calculator(bool on);
  // The setting the checkpoint was loaded with, before any set_calculator.
  bool checkpoint_calculator() const { return checkpoint_calculator_; }
  // Set by training that changes the backbone: Save then writes a Hugging Face model's
  // weights (otherwise it links the source's files).
  void set_backbone_trained(bool trained) { backbone_trained_ = trained; }

 private:
  Policy() = default;
  static std::unique_ptr<Policy> LoadHf(const std::string& dir, const PolicyLoadOptions& options);
  void SaveBuiltin(const std::string& dir, const nlohmann::json& extra) const;
  void LoadValueHead(const std::string& dir);
  GptConfig config_;
  std::unique_ptr<Tokenizer> tokenizer_;
  std::unique_ptr<PromptFormat> prompt_;  // refers to *tokenizer_
  struct ModelHolder;
  std::unique_ptr<ModelHolder> holder_;
  std::unique_ptr<HfSource> hf_;  // Hugging Face directories only
  bool value_head_trained_ = false;
  bool backbone_trained_ = false;
  bool calculator_ = false;
  bool checkpoint_calculator_ = false;
};

}  // namespace steptree

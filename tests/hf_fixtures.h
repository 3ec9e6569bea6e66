// Tiny random Hugging Face model directories for tests (torch translation units only): a
// checkpoint of TinySpec's architecture (2 layers, hidden 64) with random weights
// (policy/model/hf_synthetic.h) and one of the tiny byte-level tokenizers.
#pragma once

#include <cstdint>
#include <fstream>
#include <map>
#include <string>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "policy/model/format/hf_config.h"
#include "policy/model/hf_synthetic.h"

namespace steptree::test::hf {

// What a tiny checkpoint looks like: 2 layers, hidden 64, 4 query heads over 2 KV heads.
struct TinySpec {
  std::string architecture = "LlamaForCausalLM";
  bool tied = false;          // tie_word_embeddings (no lm_head.weight)
  bool bf16 = false;          // weights stored as BF16 (else F32)
  bool llama3_rope = false;   // rope_scaling {"rope_type": "llama3"} with all three bands hit
  bool sharded = false;       // two shards and model.safetensors.index.json
  bool attention_bias = false;  // Llama's attention_bias (q/k/v/o biases)
};

// Above the tiny tokenizers' 265 tokens (256 bytes, 4 merges, special tokens).
constexpr int kVocab = 272;

inline nlohmann::json TinyConfig(const TinySpec& spec) {
  nlohmann::json c = {{"architectures", {spec.architecture}},
                      {"model_type", spec.architecture == "Qwen2ForCausalLM" ? "qwen2" : "llama"},
                      {"vocab_size", kVocab},
                      {"hidden_size", 64},
                      {"intermediate_size", 160},
                      {"num_hidden_layers", 2},
                      {"num_attention_heads", 4},
                      {"num_key_value_heads", 2},
                      {"max_position_embeddings", 256},
                      {"rms_norm_eps", 1e-6},
                      {"rope_theta", 10000.0},
                      {"hidden_act", "silu"},
                      {"tie_word_embeddings", spec.tied},
                      {"torch_dtype", spec.bf16 ? "bfloat16" : "float32"},
                      {"bos_token_id", 260},
                      {"eos_token_id", 260},
                      {"rope_scaling", nullptr}};
  if (spec.attention_bias) c["attention_bias"] = true;
  if (spec.architecture == "MistralForCausalLM") c["sliding_window"] = 128;
  if (spec.llama3_rope) {
    // head_dim 16, theta 1e4: wavelengths 6.3 (< 32/4: kept), 19.9 (between: smoothed),
    // 62.8 and up (> 32/1: divided by 8).
    c["rope_scaling"] = {{"rope_type", "llama3"},
                         {"factor", 8.0},
                         {"low_freq_factor", 1.0},
                         {"high_freq_factor", 4.0},
                         {"original_max_position_embeddings", 32}};
  }
  return c;
}

// Random weights with spread-out logits (so greedy choices are not near-ties): matrices
// N(0, 0.15), embeddings N(0, 1), norm gains 1 + N(0, 0.1), biases N(0, 0.1).
inline std::map<std::string, torch::Tensor> RandomWeights(const HfModelConfig& config, uint64_t seed, bool bf16) {
  HfRandomWeightOptions options;
  options.seed = seed;
  options.bf16 = bf16;
  return HfRandomWeights(config, options);
}

inline void WriteText(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

// Writes config.json, generation_config.json and the weights of a tiny checkpoint.
inline std::string WriteTinyCheckpoint(const std::string& dir, const TinySpec& spec, uint64_t seed) {
  const nlohmann::json config_json = TinyConfig(spec);
  const HfModelConfig config = HfModelConfig::FromJson(config_json, dir + "/config.json");
  return WriteHfCheckpoint(dir, config_json, nlohmann::json::parse(R"({"bos_token_id": 260, "eos_token_id": [260, 262]})"),
                           RandomWeights(config, seed, spec.bf16), spec.sharded);
}

// A model directory as downloaded: checkpoint plus tokenizer files.
inline std::string WriteTinyModelDir(const std::string& dir, const TinySpec& spec, const std::string& tokenizer_style,
                              uint64_t seed) {
  WriteTinyCheckpoint(dir, spec, seed);
  WriteHfByteTokenizer(dir, tokenizer_style);
  return dir;
}

}  // namespace steptree::test::hf

// Hugging Face model directories of the Llama family: config.json and
// generation_config.json as written by `transformers` for LlamaForCausalLM,
// Qwen2ForCausalLM and MistralForCausalLM. No torch here.
//
// What is read (everything else in the files is ignored):
//   config.json   architectures[0], vocab_size, hidden_size, intermediate_size,
//                 num_hidden_layers, num_attention_heads, num_key_value_heads (default:
//                 num_attention_heads), head_dim (default hidden_size / heads),
//                 max_position_embeddings, rms_norm_eps, rope_theta (default 10000),
//                 rope_scaling (null, {"rope_type"|"type": "default"|"linear"|"llama3", ...}),
//                 tie_word_embeddings (default false), hidden_act ("silu" only),
//                 attention_bias / mlp_bias (Llama; default false), sliding_window and
//                 use_sliding_window (Mistral, Qwen2), bos_token_id, eos_token_id,
//                 torch_dtype (informative).
//   generation_config.json (optional)  eos_token_id (an id or a list), bos_token_id.
//
// Architecture differences expressed as config:
//   Llama    q/k/v/o biases iff attention_bias, MLP biases iff mlp_bias.
//   Qwen2    q/k/v biases always, none on o_proj or the MLP.
//   Mistral  as Llama without biases; a sliding window limits attention to the last W
//            positions, which equals full attention for sequences of at most W tokens, so
//            the usable context is min(max_position_embeddings, W) (same for Qwen2 with
//            use_sliding_window).
// Anything else (other architectures, activations, rope types) is an InputError naming
// config.json.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/json_file.h"

namespace steptree {

// Limits on config.json, checked before anything is allocated (a hostile config must not
// ask for absurd sizes; the weights' shapes must match it anyway). Each is an InputError
// naming config.json.
//   kMaxHfDimension   vocab_size, hidden_size, intermediate_size, heads, head_dim, token ids
//                     (the largest real ones: vocabularies of 256k, MLPs of 53k);
//   kMaxHfLayers      num_hidden_layers;
//   kMaxHfPositions   max_position_embeddings, sliding_window;
//   kMaxHfParameters  the parameter count the sizes imply (HfParameterShapes), computed
//                     without overflow: 2^40, about 1.1e12 (Llama 3.1 405B has 4e11).
constexpr int64_t kMaxHfDimension = int64_t{1} << 24;
constexpr int64_t kMaxHfLayers = 1024;
constexpr int64_t kMaxHfPositions = int64_t{1} << 30;
constexpr int64_t kMaxHfParameters = int64_t{1} << 40;

// RoPE frequency scaling (`rope_scaling`). Llama 3.1 ("llama3", Meta 2024): with
// wavelength w_i = 2 pi / f_i of each base frequency f_i = theta^(-2i/d),
// L = original_max_position_embeddings, lo = L / low_freq_factor, hi = L / high_freq_factor:
//   w_i < hi          f_i                      (high frequencies kept)
//   w_i > lo          f_i / factor             (low frequencies slowed down)
//   otherwise         (1 - s) f_i / factor + s f_i,  s = (L / w_i - low_freq_factor) /
//                                                    (high_freq_factor - low_freq_factor)
// "linear": f_i / factor for all i. "default": unscaled.
struct RopeScaling {
  std::string type = "default";  // "default" | "linear" | "llama3"
  double factor = 1.0;
  double low_freq_factor = 1.0;
  double high_freq_factor = 4.0;
  double original_max_position_embeddings = 8192;
};

struct HfModelConfig {
  std::string architecture;  // "LlamaForCausalLM" | "Qwen2ForCausalLM" | "MistralForCausalLM"
  int64_t vocab_size = 0;
  int64_t hidden_size = 0;        // residual width D
  int64_t intermediate_size = 0;  // MLP width
  int64_t num_hidden_layers = 0;
  int64_t num_attention_heads = 0;  // H query heads
  int64_t num_key_value_heads = 0;  // KV heads; H % KV == 0 (grouped-query attention)
  int64_t head_dim = 0;             // even
  int64_t max_position_embeddings = 0;
  int64_t context = 0;  // positions used: max_position_embeddings, or the sliding window if smaller
  double rms_norm_eps = 1e-6;
  double rope_theta = 10000.0;
  RopeScaling rope_scaling;
  bool tie_word_embeddings = false;  // no lm_head.weight: logits use the embedding matrix
  bool qkv_bias = false;             // q_proj/k_proj/v_proj biases
  bool o_bias = false;               // o_proj bias
  bool mlp_bias = false;             // gate/up/down biases
  std::string torch_dtype;           // as stated in config.json ("bfloat16", ...), may be empty
  std::vector<int> eos_token_ids;    // generation_config.json, else config.json; may be empty
  std::optional<int> bos_token_id;

  // Throws InputError(path, 0, ...) on an unsupported architecture or a missing, mistyped or
  // inconsistent field.
  static HfModelConfig FromJson(const nlohmann::json& config, const std::string& path);
};

// The parameter names and shapes a config implies, in a fixed order (embedding, layers,
// final norm, lm_head when untied). The names are those of `transformers`' checkpoints.
std::vector<std::pair<std::string, std::vector<int64_t>>> HfParameterShapes(const HfModelConfig& config);

// True when `dir` holds a config.json naming Hugging Face "architectures" (the built-in
// checkpoint's config has "architecture": "steptree-gpt" instead). Never throws on bad
// JSON: Load reports that.
bool IsHfModelDir(const std::string& dir);

// Reads DIR/config.json and, when present, DIR/generation_config.json.
HfModelConfig LoadHfModelConfig(const std::string& dir);


}  // namespace steptree

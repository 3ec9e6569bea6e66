// The Llama-family decoder (LlamaForCausalLM, Qwen2ForCausalLM, MistralForCausalLM) in
// LibTorch, with the parameter names of `transformers` checkpoints so weights load by name.
// Include only from torch translation units.
//
//   x_0 = E[ids]
//   h   = RMSNorm(x) = x / sqrt(mean(x^2) + eps) * g            (Zhang & Sennrich 2019)
//   x'  = x + W_o Attn(RoPE(W_q h + b_q), RoPE(W_k h + b_k), W_v h + b_v)
//   x'' = x' + W_down (SiLU(W_gate h') * W_up h'),  h' = RMSNorm(x')  (SwiGLU, Shazeer 2020)
//   out = RMSNorm(x_L);  logits = out W_lm^T  (W_lm = E when tie_word_embeddings)
//
// Attention is grouped-query (Ainslie et al. 2023): H query heads share KV key/value heads,
// query head h reads KV head h / (H / KV); scores are q.k / sqrt(head_dim), softmax in
// float32. RoPE (Su et al. 2021) in the rotate-half layout of these checkpoints: dimension
// i < d/2 pairs with i + d/2, angle pos * f_i, f_i = theta^(-2i/d), optionally rescaled
// (policy/model/format/hf_config.h RopeScaling: Llama 3.1's "llama3", "linear"). Angles are computed in
// double per call (no tables: max_position_embeddings can be 128k) and rounded to float.
// Biases: Qwen2 on q/k/v; Llama when attention_bias / mlp_bias say so.
//
// Device: the CPU, or CUDA after module().to(kCUDA) (LoadHfLlama's device "cuda"): ids may
// come from the CPU, the KV cache lives with the parameters, logits and hidden states come
// back to the CPU for sampling and the value head.
//
// Dtypes: parameters are float32, or bfloat16 with HfComputeDType::kBF16, where every
// matrix product runs in bfloat16 (activations rounded to bfloat16 before each product,
// results back to float32) while the residual stream, the norms, RoPE, attention and the
// KV cache stay float32. Logits and hidden states are always float32. A product of a
// single row (batch-1 decode) runs as a matrix-vector product (GEMV), the others as GEMM:
// one-row GEMMs repack the whole weight matrix on every call in Debian's OpenBLAS.
//
// KV cache: policy/model/kv_cache.h with num_key_value_heads heads, left-padded rows, row r's
// token in slot s at position s - pad[r].
//
// Inference on the CPU is row-invariant (policy/model/causal_lm.h), as the built-in model's:
// every product goes through the row-invariant kernel on weights packed once
// (policy/model/packed_linear.h; bf16 weights stay 16-bit in the panels and activations are
// rounded to bfloat16 first, so a product is bfloat16 x bfloat16 summed in float32, in a
// fixed order), RMSNorm sums each row's squares in double in index order, and every query
// runs the same attention kernel over the cache (policy/model/attention.h CachedAttention,
// grouped-query), whose rows may borrow a shared prefix or a prefix cache's keys (KvCache
// borrowing). So PolicyBackend's prefix KV cache and cross-tree batching apply to it, and a
// token's logits are the same bits in any batch. The packed copy costs the weights' size
// again in memory. On CUDA, inference runs through torch (not row-invariant): prefill in
// length-sorted row chunks and, inside a chunk, query blocks of bounded size, so a long
// prompt never builds a [T, T] score matrix for all heads at once. Training (Forward) always
// runs through torch.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "policy/model/causal_lm.h"
#include "policy/model/format/hf_config.h"
#include "policy/model/packed_linear.h"

namespace steptree {

enum class HfComputeDType { kF32, kBF16 };

// y = x W^T (+ b).
class HfLinearImpl : public torch::nn::Module {
 public:
  HfLinearImpl(int64_t in, int64_t out, bool bias, torch::ScalarType dtype);
  torch::Tensor weight;  // [out, in]
  torch::Tensor bias;    // [out] or undefined
};
TORCH_MODULE(HfLinear);

class HfRmsNormImpl : public torch::nn::Module {
 public:
  HfRmsNormImpl(int64_t width, torch::ScalarType dtype);
  torch::Tensor weight;  // [width]
};
TORCH_MODULE(HfRmsNorm);

class HfEmbeddingImpl : public torch::nn::Module {
 public:
  HfEmbeddingImpl(int64_t vocab, int64_t width, torch::ScalarType dtype);
  torch::Tensor weight;  // [vocab, width]
};
TORCH_MODULE(HfEmbedding);

class HfAttentionImpl : public torch::nn::Module {
 public:
  HfAttentionImpl(const HfModelConfig& c, torch::ScalarType dtype);
  HfLinear q_proj{nullptr}, k_proj{nullptr}, v_proj{nullptr}, o_proj{nullptr};
};
TORCH_MODULE(HfAttention);

class HfMlpImpl : public torch::nn::Module {
 public:
  HfMlpImpl(const HfModelConfig& c, torch::ScalarType dtype);
  HfLinear gate_proj{nullptr}, up_proj{nullptr}, down_proj{nullptr};
};
TORCH_MODULE(HfMlp);

class HfDecoderLayerImpl : public torch::nn::Module {
 public:
  HfDecoderLayerImpl(const HfModelConfig& c, torch::ScalarType dtype);
  HfRmsNorm input_layernorm{nullptr};
  HfAttention self_attn{nullptr};
  HfRmsNorm post_attention_layernorm{nullptr};
  HfMlp mlp{nullptr};
};
TORCH_MODULE(HfDecoderLayer);

// "model.*": embedding, layers, final norm.
class HfBackboneImpl : public torch::nn::Module {
 public:
  HfBackboneImpl(const HfModelConfig& c, torch::ScalarType dtype);
  HfEmbedding embed_tokens{nullptr};
  torch::nn::ModuleList layers{nullptr};
  HfRmsNorm norm{nullptr};
  std::vector<HfDecoderLayer> layer_list;  // the same modules as `layers`, typed
};
TORCH_MODULE(HfBackbone);

class HfLlamaImpl : public torch::nn::Module, public CausalLm {
 public:
  // Parameters are allocated uninitialised: fill them (HfWeights::CopyInto) before use.
  HfLlamaImpl(const HfModelConfig& config, HfComputeDType dtype);

  const HfModelConfig& config() const { return config_; }
  HfComputeDType compute_dtype() const { return dtype_; }
  torch::nn::Module& module() override { return *this; }
  int64_t vocab_size() const override { return config_.vocab_size; }
  int64_t hidden_size() const override { return config_.hidden_size; }
  int64_t context() const override { return config_.context; }
  // Where the parameters and the KV cache live; outputs are always returned on the CPU.
  torch::Device device() const { return model->embed_tokens->weight.device(); }

  LmOutput Forward(const torch::Tensor& ids) override;
  LmOutput Prefill(const std::vector<std::vector<int>>& prefixes, int64_t capacity, KvCache* cache) override;
  LmOutput Extend(const torch::Tensor& ids, KvCache* cache) override;
  // On the CPU (see above), unless torch kernels were asked for.
  bool row_invariant() const override { return device().is_cpu() && !torch_kernels_; }
  LmOutput PrefillCached(const std::vector<std::vector<int>>& prefixes, const std::vector<int64_t>& cached,
                         int64_t capacity, const std::function<void(KvCache*)>& fill, KvCache* cache) override;

  // Prefill's bound on the floats of one query block's scores [n, H, block, keys] (default
  // 2^24); tests lower it to exercise the blocking.
  void set_prefill_score_budget(int64_t floats) { score_budget_ = floats; }
  // Inference through torch's kernels on the CPU too, as on CUDA (not row-invariant): tests
  // compare the two paths and exercise the query blocks.
  void set_torch_kernels(bool on) { torch_kernels_ = on; }

  HfBackbone model{nullptr};
  HfLinear lm_head{nullptr};  // untied embeddings only

 private:
  struct Slots;
  // x W^T + b: the row-invariant kernel when `invariant`, torch otherwise (Product).
  torch::Tensor Linear(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias,
                       bool invariant) const;
  torch::Tensor Linear(const torch::Tensor& x, const HfLinear& layer, bool invariant) const {
    return Linear(x, layer->weight, layer->bias, invariant);
  }
  torch::Tensor RmsNorm(const torch::Tensor& x, const HfRmsNorm& norm, bool invariant) const;
  torch::Tensor Embed(const torch::Tensor& ids) const;
  // cos/sin [n, t, 1, head_dim] (rotate-half layout) for positions int64 [n, t].
  std::pair<torch::Tensor, torch::Tensor> RopeAngles(const torch::Tensor& positions) const;
  torch::Tensor Attention(int64_t layer, const torch::Tensor& h, const torch::Tensor& cos, const torch::Tensor& sin,
                          const torch::Tensor& bias, const Slots* slots);
  torch::Tensor RunLayers(torch::Tensor x, const torch::Tensor& positions, const torch::Tensor& bias,
                          const Slots* slots);
  // Runs ids [n, t] at cache rows [row0, row0 + n), writing slots [slot0, slot0 + t),
  // attending to slots [attend0, slot0 + t) (torch) or to each row's slots from its pad
  // (row-invariant). Returns the last layer's output [n, t, D].
  torch::Tensor RunCached(const torch::Tensor& ids, KvCache* cache, int64_t row0, int64_t slot0, int64_t attend0);
  // Prefill through torch (CUDA).
  LmOutput PrefillTorch(const std::vector<std::vector<int>>& prefixes, int64_t capacity, KvCache* cache);
  LmOutput Head(const torch::Tensor& x, bool invariant) const;

  HfModelConfig config_;
  HfComputeDType dtype_;
  torch::ScalarType matmul_type_;
  int64_t groups_;         // query heads per KV head
  int64_t score_budget_;
  bool torch_kernels_ = false;
  torch::Tensor inv_freq_; // double [head_dim / 2]
  PackedLinears packed_;   // the weights packed for the row-invariant kernel, on first use
};
TORCH_MODULE(HfLlama);

// The RoPE frequencies of a config: theta^(-2i/d), i < d/2, then rope_scaling (double).
torch::Tensor HfRopeInverseFrequencies(const HfModelConfig& config);

}  // namespace steptree

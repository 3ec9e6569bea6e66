// The built-in policy network: a decoder-only pre-norm transformer (GPT-2 layout, Radford
// et al. 2019) in LibTorch. Include only from torch translation units.
//
//   x_0 = E[ids] (+ P[pos] for learned positions)
//   x'  = x + Attn(LN1(x))           causal multi-head self-attention, fused qkv projection
//   x'' = x' + W2 GELU(W1 LN2(x'))   (Hendrycks & Gimpel 2016, exact erf form)
//   h   = LN_f(x_L);  logits = h E^T (tied) or h W_head^T
//
// Positions: RoPE (Su et al. 2021, "RoFormer"), rotate-half pairing (dimension i pairs
// with i + head_dim/2), angle pos * theta^(-2i/head_dim), applied to queries and keys;
// or learned absolute embeddings. The attention scale 1/sqrt(head_dim) is folded into
// the query's RoPE table (or applied inside the q.k product for learned positions).
// Attention itself lives in policy/model/attention.h (direct BLAS products, fused backward).
//
// Initialisation (GPT-2): every weight ~ N(0, 0.02), residual output projections
// (attn.proj, mlp.proj) ~ N(0, 0.02 / sqrt(2 n_layer)), biases 0, LayerNorm gains 1.
// Deterministic in the seed (its own generator; the global torch RNG is not used).
//
// Parameter names (= safetensors tensor names): tok_emb.weight, [pos_emb.weight],
// blocks.{i}.ln1.{weight,bias}, blocks.{i}.attn.qkv.{weight,bias},
// blocks.{i}.attn.proj.{weight,bias}, blocks.{i}.ln2.{weight,bias},
// blocks.{i}.mlp.fc.{weight,bias}, blocks.{i}.mlp.proj.{weight,bias}, ln_f.{weight,bias},
// [head.weight when embeddings are not tied].
//
// Two paths share the weights:
//   Forward   training: full causal attention over [B, T], positions 0..T-1 (right
//             padding is harmless: no real token attends to a later one).
//   Prefill/Extend/Decode   inference with a KvCache (policy/model/kv_cache.h): left-padded rows,
//             per-row positions, no dropout whatever the module mode. These never mutate
//             the module's parameters, so several threads may decode with one model at once
//             (each under its own torch::NoGradGuard).
//
// Row invariance (inference): every matrix product goes through the row-invariant kernel
// (policy/model/row_invariant_gemm.h) and every query through the same attention kernel
// (policy/model/attention.h CachedAttention); LayerNorm, GELU, RoPE and the residual adds work
// element- or row-wise. So a token's logits, hidden state, keys and values are the same
// bits whether it is prefilled in any batch, extended or decoded, alone or beside any other
// rows: the prefix KV cache (policy/engine/prefix_cache.h) may reuse keys computed while decoding.
#pragma once

#include <cstdint>
#include <vector>

#include <torch/torch.h>

#include "policy/model/causal_lm.h"
#include "policy/model/format/gpt_config.h"
#include "policy/model/kv_cache.h"
#include "policy/model/packed_linear.h"

namespace steptree {

// logits, and hidden = the final LayerNorm output (policy/model/causal_lm.h).
using GptOutput = LmOutput;

class AttentionImpl : public torch::nn::Module {
 public:
  AttentionImpl(int64_t d_model);
  torch::nn::Linear qkv{nullptr};   // d_model -> 3 d_model, rows ordered [q; k; v], heads contiguous
  torch::nn::Linear proj{nullptr};  // d_model -> d_model
};
TORCH_MODULE(Attention);

class MlpImpl : public torch::nn::Module {
 public:
  MlpImpl(int64_t d_model, int64_t d_ff);
  torch::nn::Linear fc{nullptr};    // d_model -> d_ff
  torch::nn::Linear proj{nullptr};  // d_ff -> d_model
};
TORCH_MODULE(Mlp);

class BlockImpl : public torch::nn::Module {
 public:
  BlockImpl(int64_t d_model, int64_t d_ff);
  torch::nn::LayerNorm ln1{nullptr};
  Attention attn{nullptr};
  torch::nn::LayerNorm ln2{nullptr};
  Mlp mlp{nullptr};
};
TORCH_MODULE(Block);

// The CausalLm interface (policy/model/causal_lm.h) is how generation, search and training use it.
class GptImpl : public torch::nn::Module, public CausalLm {
 public:
  // `config` must be valid (GptConfig::FromJson's checks). Parameters are initialised from
  // `seed` (see ResetParameters).
  explicit GptImpl(const GptConfig& config, uint64_t seed = 0);

  const GptConfig& config() const { return config_; }
  torch::nn::Module& module() override { return *this; }
  int64_t vocab_size() const override { return config_.vocab_size; }
  int64_t hidden_size() const override { return config_.d_model; }
  int64_t context() const override { return config_.context; }
  int64_t NumParameters() const;
  // Re-draws every parameter (GPT-2 initialisation) from a generator seeded with `seed`.
  void ResetParameters(uint64_t seed);
  // The output projection [V, D] (the token embedding when tied).
  torch::Tensor HeadWeight() const;

  // Training path. ids int64 [B, T], T <= context. Dropout (if configured) only in train().
  GptOutput Forward(const torch::Tensor& ids) override;

  // Runs each prefix (non-empty, at most context tokens) into a fresh left-padded cache with
  // room for `capacity` slots (>= longest prefix). Returns logits [B, V] and hidden [B, D]
  // at each row's last token. Rows are processed in length-sorted chunks to limit padding.
  GptOutput Prefill(const std::vector<std::vector<int>>& prefixes, int64_t capacity,
                    KvCache* cache) override;
  bool row_invariant() const override { return true; }
  // Prefill with keys/values reused (policy/model/causal_lm.h): rows in the given order.
  GptOutput PrefillCached(const std::vector<std::vector<int>>& prefixes, const std::vector<int64_t>& cached,
                          int64_t capacity, const std::function<void(KvCache*)>& fill, KvCache* cache) override;
  // Appends ids int64 [B, T] (B == cache->rows(), all real tokens) to every row; grows the
  // cache if needed. Returns logits [B, T, V] and hidden [B, T, D]. Positions past the
  // context are clamped (callers stop rows at the context; clamping only keeps finished
  // rows that are still fed harmless).
  GptOutput Extend(const torch::Tensor& ids, KvCache* cache) override;

 private:
  struct AttnContext;
  torch::Tensor Embed(const torch::Tensor& ids, const torch::Tensor& positions);
  torch::Tensor RunBlocks(torch::Tensor x, const AttnContext& ctx);
  torch::Tensor AttentionBranch(BlockImpl& block, int64_t layer, const torch::Tensor& h,
                              const AttnContext& ctx);
  // Training (torch products) or inference (row-invariant products).
  GptOutput Head(const torch::Tensor& x, bool inference);
  torch::Tensor LinearFor(const torch::Tensor& x, const torch::nn::Linear& l, const AttnContext& ctx) const;
  // Runs ids [n, T] at cache rows [row0, row0 + n), writing slots [slot0, slot0 + T); each
  // query attends its row's slots [pad, its own slot] (policy/model/attention.h CachedAttention).
  torch::Tensor RunCached(const torch::Tensor& ids, const torch::Tensor& positions, KvCache* cache, int64_t row0,
                          int64_t slot0);

  GptConfig config_;
  int64_t head_dim_;
  bool rope_;
  double dropout_;

  torch::nn::Embedding tok_emb{nullptr};
  torch::nn::Embedding pos_emb{nullptr};  // learned positions only
  torch::nn::ModuleList blocks{nullptr};
  torch::nn::LayerNorm ln_f{nullptr};
  torch::nn::Linear head{nullptr};  // untied embeddings only
  std::vector<Block> block_list_;   // the same modules as `blocks`, typed

  // Not parameters or buffers (never saved): derived from the config.
  torch::Tensor rope_cos_, rope_sin_;  // [context, 2, 1, head_dim]: [.,0] queries (scaled), [.,1] keys
  torch::Tensor causal_bias_;          // [context, context]: 0 where key <= query, -inf above
  PackedLinears packed_;               // packed weights of the inference products
};
TORCH_MODULE(Gpt);

}  // namespace steptree

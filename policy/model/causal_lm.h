// What the policy needs of a causal language model, whatever its architecture: the
// built-in GPT (policy/model/gpt.h) and the Hugging Face Llama family (policy/model/hf_llama.h) both
// implement it, and step generation, search, value evaluation and training see only this.
// Include only from torch translation units.
//
// Contract (the built-in model's, see policy/model/gpt.h for the details):
//   Forward   training: ids int64 [B, T] (right-padded rows are harmless), positions 0..T-1;
//             logits [B, T, V], hidden [B, T, D]; differentiable.
//   Prefill   each prefix (non-empty, at most context() tokens) into a fresh left-padded
//             KvCache (policy/model/kv_cache.h) with room for `capacity` slots; logits [B, V] and
//             hidden [B, D] at each row's last token. No gradients.
//   Extend    appends ids [rows, T] to every cache row; logits [B, T, V], hidden [B, T, D].
//   Decode    Extend by one token per row: ids [B]; logits [B, V], hidden [B, D].
// `hidden` is the final-norm output the value head reads (width hidden_size()); logits are
// float32 whatever the compute dtype. Prefill/Extend/Decode never mutate the module, so
// several threads may decode with one model at once.
#pragma once

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <vector>

#include <torch/torch.h>

#include "policy/model/kv_cache.h"
#include "policy/model/prefill_order.h"

namespace steptree {

struct LmOutput {
  torch::Tensor logits;  // float [B, T, V] (Forward, Extend) or [B, V] (Prefill, Decode)
  torch::Tensor hidden;  // float [B, T, D] / [B, D]: the final norm output
};

// Prefill runs rows in `order` (row i of the batch is prefix order[i]); this puts the cache
// rows and the outputs back in the prefixes' order (nothing to do when order is 0, 1, ...).
inline void RestoreRowOrder(const std::vector<int64_t>& order, KvCache* cache, LmOutput* out) {
  const int64_t rows = static_cast<int64_t>(order.size());
  bool sorted = true;
  for (int64_t i = 0; i < rows; ++i) sorted = sorted && order[i] == i;
  if (sorted) return;
  std::vector<int64_t> inverse(rows);
  for (int64_t i = 0; i < rows; ++i) inverse[order[i]] = i;
  const torch::Tensor inv = torch::tensor(inverse, torch::kInt64);
  cache->SelectRows(inv);  // moves the index to the cache's device
  out->logits = out->logits.index_select(0, inv);
  out->hidden = out->hidden.index_select(0, inv);
}

class CausalLm {
 public:
  virtual ~CausalLm() = default;

  // The torch module holding the parameters (train()/eval(), named_parameters()).
  virtual torch::nn::Module& module() = 0;
  virtual int64_t vocab_size() const = 0;
  virtual int64_t hidden_size() const = 0;
  // Longest sequence (prefix + generated tokens) the model is used on.
  virtual int64_t context() const = 0;

  virtual LmOutput Forward(const torch::Tensor& ids) = 0;
  virtual LmOutput Prefill(const std::vector<std::vector<int>>& prefixes, int64_t capacity, KvCache* cache) = 0;
  virtual LmOutput Extend(const torch::Tensor& ids, KvCache* cache) = 0;
  // Extend by one token per row (the same for every model).
  LmOutput Decode(const torch::Tensor& ids, KvCache* cache) {
    LmOutput out = Extend(ids.view({-1, 1}), cache);
    out.logits = out.logits.squeeze(1);
    out.hidden = out.hidden.squeeze(1);
    return out;
  }

  // Row invariance: a token's logits, hidden state, keys and values are the same bits
  // whether it is prefilled (in any batch, any chunk), extended or decoded. Only such a
  // model may reuse cached keys and values (policy/engine/prefix_cache.h): anything else would make
  // search results depend on what happened to be cached.
  virtual bool row_invariant() const { return false; }
  // Prefill that reuses keys and values: builds a fresh left-padded cache for `prefixes`
  // (pad[r] = longest - |prefixes[r]|, room for `capacity` slots), calls fill(cache), which
  // must write the keys and values of the first cached[r] tokens of row r into slots
  // [pad[r], pad[r] + cached[r]), then runs the remaining tokens (0 <= cached[r] < |prefix|).
  // Rows keep their order; logits [B, V] and hidden [B, D] at each row's last token.
  // Row-invariant models only.
  virtual LmOutput PrefillCached(const std::vector<std::vector<int>>& prefixes, const std::vector<int64_t>& cached,
                                 int64_t capacity, const std::function<void(KvCache*)>& fill, KvCache* cache) {
    throw std::logic_error("PrefillCached: this model is not row-invariant");
  }

 protected:
  // Prefill of a row-invariant model: PrefillCached with nothing cached, rows run longest
  // first (policy/model/prefill_order.h) and put back in the prefixes' order.
  LmOutput PrefillLongestFirst(const std::vector<std::vector<int>>& prefixes, int64_t capacity, KvCache* cache) {
    torch::NoGradGuard no_grad;
    TORCH_CHECK(!prefixes.empty(), "Prefill: no prefixes");
    const std::vector<int64_t> order = LongestFirstOrder(prefixes);
    std::vector<std::vector<int>> sorted(prefixes.size());
    for (size_t i = 0; i < prefixes.size(); ++i) sorted[i] = prefixes[order[i]];
    LmOutput out = PrefillCached(sorted, std::vector<int64_t>(prefixes.size(), 0), capacity, nullptr, cache);
    RestoreRowOrder(order, cache, &out);
    return out;
  }
};

}  // namespace steptree

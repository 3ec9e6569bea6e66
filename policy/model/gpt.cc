// GptImpl: construction, initialisation, the training forward and the KV-cached inference
// paths. Formulas and conventions are in policy/model/gpt.h.
#include "policy/model/gpt.h"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <functional>
#include <numeric>

#include "policy/model/attention.h"
#include "policy/model/prefill_order.h"
#include "policy/model/prefill_windows.h"

namespace steptree {
namespace F = torch::nn::functional;

namespace {

constexpr double kLayerNormEps = 1e-5;

torch::nn::LayerNorm MakeLayerNorm(int64_t d) {
  return torch::nn::LayerNorm(torch::nn::LayerNormOptions({d}).eps(kLayerNormEps));
}

torch::Tensor LayerNorm(const torch::Tensor& x, const torch::nn::LayerNorm& ln) {
  return torch::layer_norm(x, {x.size(-1)}, ln->weight, ln->bias, kLayerNormEps);
}

torch::Tensor Linear(const torch::Tensor& x, const torch::nn::Linear& l) {
  return F::linear(x, l->weight, l->bias);
}

}  // namespace

// What the attention of one forward needs besides the block input.
struct GptImpl::AttnContext {
  torch::Tensor cos, sin;  // RoPE tables broadcastable to [B, T, 2, H, head_dim]
  torch::Tensor bias;      // training: additive causal bias broadcastable to [B, H, T, T]
  bool dropout = false;    // residual/embedding dropout (training forward only)
  KvCache* cache = nullptr;     // inference: row-invariant products and per-query attention
  int64_t row0 = 0, slot0 = 0;  // see RunCached
};

torch::Tensor GptImpl::LinearFor(const torch::Tensor& x, const torch::nn::Linear& l, const AttnContext& ctx) const {
  return ctx.cache == nullptr ? Linear(x, l) : packed_.Apply(x, l->weight, l->bias);
}

AttentionImpl::AttentionImpl(int64_t d_model) {
  qkv = register_module("qkv", torch::nn::Linear(d_model, 3 * d_model));
  proj = register_module("proj", torch::nn::Linear(d_model, d_model));
}

MlpImpl::MlpImpl(int64_t d_model, int64_t d_ff) {
  fc = register_module("fc", torch::nn::Linear(d_model, d_ff));
  proj = register_module("proj", torch::nn::Linear(d_ff, d_model));
}

BlockImpl::BlockImpl(int64_t d_model, int64_t d_ff) {
  ln1 = register_module("ln1", MakeLayerNorm(d_model));
  attn = register_module("attn", Attention(d_model));
  ln2 = register_module("ln2", MakeLayerNorm(d_model));
  mlp = register_module("mlp", Mlp(d_model, d_ff));
}

GptImpl::GptImpl(const GptConfig& config, uint64_t seed)
    : config_(config),
      head_dim_(config.d_model / config.n_head),
      rope_(config.positions == "rope"),
      dropout_(config.dropout) {
  TORCH_CHECK(config.d_model % config.n_head == 0, "d_model % n_head != 0");
  TORCH_CHECK(!rope_ || head_dim_ % 2 == 0, "RoPE needs an even head width");
  const int64_t d = config.d_model;
  tok_emb = register_module("tok_emb", torch::nn::Embedding(config.vocab_size, d));
  if (!rope_) pos_emb = register_module("pos_emb", torch::nn::Embedding(config.context, d));
  blocks = register_module("blocks", torch::nn::ModuleList());
  for (int i = 0; i < config.n_layer; ++i) {
    block_list_.push_back(Block(d, config.d_ff));
    blocks->push_back(block_list_.back());
  }
  ln_f = register_module("ln_f", MakeLayerNorm(d));
  if (!config.tie_embeddings) {
    head = register_module("head", torch::nn::Linear(torch::nn::LinearOptions(d, config.vocab_size).bias(false)));
  }

  const int64_t n = config.context;
  causal_bias_ = torch::zeros({n, n}).masked_fill_(
      torch::ones({n, n}, torch::kBool).triu(1), -std::numeric_limits<float>::infinity());
  if (rope_) {
    // Angles in double, tables in float.
    const int64_t half = head_dim_ / 2;
    auto opts = torch::TensorOptions().dtype(torch::kFloat64);
    torch::Tensor inv_freq =
        torch::pow(static_cast<double>(config.rope_theta), torch::arange(half, opts) * (-2.0 / head_dim_));
    torch::Tensor angle = torch::arange(n, opts).unsqueeze(1) * inv_freq.unsqueeze(0);  // [n, half]
    torch::Tensor cos = torch::cat({angle.cos(), angle.cos()}, 1);                   // [n, hd]
    torch::Tensor sin = torch::cat({-angle.sin(), angle.sin()}, 1);
    const double scale = 1.0 / std::sqrt(static_cast<double>(head_dim_));
    rope_cos_ = torch::stack({cos * scale, cos}, 1).unsqueeze(2).to(torch::kFloat32).contiguous();
    rope_sin_ = torch::stack({sin * scale, sin}, 1).unsqueeze(2).to(torch::kFloat32).contiguous();
  }
  ResetParameters(seed);
}

int64_t GptImpl::NumParameters() const {
  int64_t n = 0;
  for (const auto& p : parameters()) n += p.numel();
  return n;
}

void GptImpl::ResetParameters(uint64_t seed) {
  torch::NoGradGuard no_grad;
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  const double std = 0.02;
  const double residual_std = std / std::sqrt(2.0 * config_.n_layer);
  auto normal = [&](torch::Tensor& w, double s) { w.normal_(0.0, s, gen); };
  auto linear = [&](torch::nn::Linear& l, double s) {
    normal(l->weight, s);
    if (l->bias.defined()) l->bias.zero_();
  };
  auto layer_norm = [](torch::nn::LayerNorm& ln) {
    ln->weight.fill_(1.0);
    ln->bias.zero_();
  };
  normal(tok_emb->weight, std);
  if (pos_emb) normal(pos_emb->weight, std);
  for (auto& b : block_list_) {
    layer_norm(b->ln1);
    linear(b->attn->qkv, std);
    linear(b->attn->proj, residual_std);
    layer_norm(b->ln2);
    linear(b->mlp->fc, std);
    linear(b->mlp->proj, residual_std);
  }
  layer_norm(ln_f);
  if (head) linear(head, std);
}

torch::Tensor GptImpl::HeadWeight() const { return head ? head->weight : tok_emb->weight; }

torch::Tensor GptImpl::AttentionBranch(BlockImpl& block, int64_t layer, const torch::Tensor& h,
                                     const AttnContext& ctx) {
  const int64_t b = h.size(0), t = h.size(1), heads = config_.n_head;
  torch::Tensor qkv = LinearFor(h, block.attn->qkv, ctx).view({b, t, 3, heads, head_dim_});
  // RoPE tables carry the 1/sqrt(head_dim) scale of the queries; learned positions scale
  // inside the product.
  const double alpha = rope_ ? 1.0 : 1.0 / std::sqrt(static_cast<double>(head_dim_));
  if (ctx.cache == nullptr) {
    torch::Tensor y = steptree::SelfAttention(qkv, ctx.cos, ctx.sin, ctx.bias, alpha);  // [B, T, H, d]
    return Linear(y.view({b, t, config_.d_model}), block.attn->proj);
  }
  torch::Tensor qk = rope_ ? ApplyRope(qkv.narrow(2, 0, 2), ctx.cos, ctx.sin) : qkv.narrow(2, 0, 2);
  torch::Tensor kc = ctx.cache->keys(layer).narrow(0, ctx.row0, b);
  torch::Tensor vc = ctx.cache->values(layer).narrow(0, ctx.row0, b);
  kc.narrow(2, ctx.slot0, t).copy_(qk.select(2, 1).transpose(1, 2));
  vc.narrow(2, ctx.slot0, t).copy_(qkv.select(2, 2).transpose(1, 2));
  torch::Tensor y = CachedAttention(qk.select(2, 0), *ctx.cache, layer, ctx.row0, ctx.slot0, alpha);  // [B, T, H, d]
  return LinearFor(y.reshape({b, t, config_.d_model}), block.attn->proj, ctx);
}

torch::Tensor GptImpl::RunBlocks(torch::Tensor x, const AttnContext& ctx) {
  for (size_t l = 0; l < block_list_.size(); ++l) {
    BlockImpl& block = *block_list_[l];
    torch::Tensor a = AttentionBranch(block, static_cast<int64_t>(l), LayerNorm(x, block.ln1), ctx);
    if (ctx.dropout) a = F::dropout(a, F::DropoutFuncOptions().p(dropout_).training(true));
    x = x + a;
    torch::Tensor m = LinearFor(torch::gelu(LinearFor(LayerNorm(x, block.ln2), block.mlp->fc, ctx)), block.mlp->proj, ctx);
    if (ctx.dropout) m = F::dropout(m, F::DropoutFuncOptions().p(dropout_).training(true));
    x = x + m;
  }
  return x;
}

GptOutput GptImpl::Head(const torch::Tensor& x, bool inference) {
  GptOutput out;
  out.hidden = LayerNorm(x, ln_f);
  out.logits = inference ? packed_.Apply(out.hidden, HeadWeight(), torch::Tensor()) : F::linear(out.hidden, HeadWeight());
  return out;
}

GptOutput GptImpl::Forward(const torch::Tensor& ids) {
  TORCH_CHECK(ids.dim() == 2 && ids.scalar_type() == torch::kInt64, "Forward: ids must be int64 [B, T]");
  const int64_t t = ids.size(1);
  TORCH_CHECK(t >= 1 && t <= config_.context, "Forward: sequence longer than the context");
  AttnContext ctx;
  ctx.dropout = dropout_ > 0 && is_training();
  torch::Tensor x = F::embedding(ids, tok_emb->weight);
  if (rope_) {
    ctx.cos = rope_cos_.narrow(0, 0, t);
    ctx.sin = rope_sin_.narrow(0, 0, t);
  } else {
    x = x + pos_emb->weight.narrow(0, 0, t);
  }
  if (ctx.dropout) x = F::dropout(x, F::DropoutFuncOptions().p(dropout_).training(true));
  ctx.bias = causal_bias_.narrow(0, 0, t).narrow(1, 0, t);
  return Head(RunBlocks(x, ctx), /*inference=*/false);
}

torch::Tensor GptImpl::RunCached(const torch::Tensor& ids, const torch::Tensor& positions, KvCache* cache,
                                 int64_t row0, int64_t slot0) {
  const int64_t n = ids.size(0), t = ids.size(1);
  AttnContext ctx;
  ctx.cache = cache;
  ctx.row0 = row0;
  ctx.slot0 = slot0;
  torch::Tensor x = F::embedding(ids, tok_emb->weight);
  const torch::Tensor flat = positions.reshape({-1});
  if (rope_) {
    ctx.cos = rope_cos_.index_select(0, flat).view({n, t, 2, 1, head_dim_});
    ctx.sin = rope_sin_.index_select(0, flat).view({n, t, 2, 1, head_dim_});
  } else {
    x = x + pos_emb->weight.index_select(0, flat).view({n, t, config_.d_model});
  }
  return RunBlocks(x, ctx);
}

GptOutput GptImpl::Prefill(const std::vector<std::vector<int>>& prefixes, int64_t capacity,
                           KvCache* cache) {
  return PrefillLongestFirst(prefixes, capacity, cache);
}

GptOutput GptImpl::PrefillCached(const std::vector<std::vector<int>>& prefixes, const std::vector<int64_t>& cached,
                                 int64_t capacity, const std::function<void(KvCache*)>& fill, KvCache* cache) {
  torch::NoGradGuard no_grad;
  const PrefillShape shape = CheckPrefillShape(prefixes, cached, capacity, config_.context, config_.vocab_size);
  // Borrowing: CachedAttention reads a follower's shared slots from its leader.
  *cache = KvCache(config_.n_layer, config_.n_head, head_dim_, capacity, shape.pad, torch::kCPU, /*borrowing=*/true);
  if (fill) fill(cache);
  const torch::Tensor last = RunPrefillWindows(
      prefixes, cached, shape.longest, config_.d_model,
      [&](const torch::Tensor& ids, const torch::Tensor& pos, int64_t row0, int64_t slot0) {
        return RunCached(ids, pos, cache, row0, slot0);
      });
  cache->Advance(shape.longest);
  return Head(last, /*inference=*/true);
}

GptOutput GptImpl::Extend(const torch::Tensor& ids, KvCache* cache) {
  torch::NoGradGuard no_grad;
  TORCH_CHECK(ids.dim() == 2 && ids.size(0) == cache->rows(), "Extend: ids must be [rows, T]");
  const int64_t t = ids.size(1), length = cache->length();
  cache->ReserveFor(t);
  torch::Tensor pos = (cache->NextPositions().unsqueeze(1) + torch::arange(t, torch::kInt64).unsqueeze(0))
                          .clamp_(0, config_.context - 1);
  torch::Tensor x = RunCached(ids, pos, cache, 0, length);
  cache->Advance(t);
  return Head(x, /*inference=*/true);
}

}  // namespace steptree

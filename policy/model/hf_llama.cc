// The Llama-family decoder: modules, the training forward and the KV-cached inference
// paths. Formulas and conventions are in policy/model/hf_llama.h.
#include "policy/model/hf_llama.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "policy/model/attention.h"
#include "policy/model/prefill_order.h"
#include "policy/model/prefill_windows.h"

namespace steptree {
namespace F = torch::nn::functional;

namespace {

// Prefill runs rows in chunks of at most kPrefillChunkTokens (padded) tokens
// (policy/model/prefill_order.h), and inside a chunk, query blocks whose score tensor
// [n, H, block, keys] holds at most this many floats (64 MiB) by default.
constexpr int64_t kDefaultScoreBudget = int64_t{1} << 24;

torch::ScalarType ParameterType(HfComputeDType dtype) {
  return dtype == HfComputeDType::kBF16 ? torch::kBFloat16 : torch::kFloat32;
}

torch::Tensor Uninitialised(std::vector<int64_t> shape, torch::ScalarType dtype) {
  return torch::empty(shape, torch::TensorOptions().dtype(dtype));
}

// x * cos + rotate_half(x) * sin, rotate_half(x) = [-x2, x1] for x = [x1, x2] halves.
torch::Tensor ApplyRotary(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin) {
  const int64_t half = x.size(-1) / 2;
  torch::Tensor rotated = torch::cat({-x.narrow(-1, half, half), x.narrow(-1, 0, half)}, -1);
  return x * cos + rotated * sin;
}

// x W^T (+ b) in `matmul_type` (x rounded to it first), returned as float32. A single row
// (batch-1 decode) is a matrix-vector product: as a one-row GEMM, Debian's OpenBLAS 0.3.21
// packs the whole weight matrix on every call (sgemm_incopy, 4x the time of the product
// itself in a profile), and these products stream weights from memory, so GEMV is 2.5-3x
// faster in fp32 (and about 1.4x in bf16, where torch's own kernel beats oneDNN's one-row
// GEMM).
torch::Tensor Product(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias,
                      torch::ScalarType matmul_type) {
  const torch::Tensor in = x.scalar_type() == matmul_type ? x : x.to(matmul_type);
  torch::Tensor y;
  if (x.numel() == x.size(-1) && x.device().is_cpu()) {
    std::vector<int64_t> shape = x.sizes().vec();
    shape.back() = weight.size(0);
    y = torch::mv(weight, in.reshape({-1}));
    if (bias.defined()) y.add_(bias);
    y = y.view(shape);
  } else {
    y = F::linear(in, weight, bias);
  }
  return y.scalar_type() == torch::kFloat32 ? y : y.to(torch::kFloat32);
}

// Additive mask [t, s]: -inf where key slot attend0 + j lies after query slot slot0 + i.
torch::Tensor CausalBias(int64_t t, int64_t s, int64_t slot0, int64_t attend0) {
  torch::Tensor later = (torch::arange(s, torch::kInt64) + attend0).unsqueeze(0) >
                        (torch::arange(t, torch::kInt64) + slot0).unsqueeze(1);
  return torch::zeros({t, s}).masked_fill_(later, -std::numeric_limits<float>::infinity());
}

}  // namespace

// Where a cached run reads and writes (see RunCached), and whether it runs the row-invariant
// kernels (inference on the CPU).
struct HfLlamaImpl::Slots {
  KvCache* cache;
  int64_t row0, slot0, attend0;
  bool invariant;
};

namespace {

// RMSNorm with each row's mean square summed in double, in index order, whatever the
// number of rows or threads: y = x * float(1 / sqrt(mean(x^2) + eps)) * g. x float
// [..., D] on the CPU.
torch::Tensor RmsNormRows(const torch::Tensor& x_in, const torch::Tensor& gain_in, double eps) {
  const torch::Tensor x = x_in.contiguous();
  const torch::Tensor gain = gain_in.to(torch::kFloat32).contiguous();
  const int64_t width = x.size(-1), rows = x.numel() / width;
  torch::Tensor y = torch::empty_like(x);
  const float* xp = x.data_ptr<float>();
  const float* g = gain.data_ptr<float>();
  float* yp = y.data_ptr<float>();
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = xp + r * width;
    double squares = 0;
    for (int64_t i = 0; i < width; ++i) squares += static_cast<double>(xr[i]) * xr[i];
    const float scale = static_cast<float>(1.0 / std::sqrt(squares / static_cast<double>(width) + eps));
    float* yr = yp + r * width;
    for (int64_t i = 0; i < width; ++i) yr[i] = xr[i] * scale * g[i];
  }
  return y;
}

// SiLU(gate) * up = gate / (1 + exp(-gate)) * up, element by element through std::exp:
// torch's vectorised exp and its scalar tail loop may round differently, and which elements
// fall in the tail depends on the tensor's size, so the row-invariant path does not use it.
torch::Tensor SiluGate(const torch::Tensor& gate_in, const torch::Tensor& up_in) {
  const torch::Tensor gate = gate_in.contiguous(), up = up_in.contiguous();
  torch::Tensor y = torch::empty_like(gate);
  const float* g = gate.data_ptr<float>();
  const float* u = up.data_ptr<float>();
  float* yp = y.data_ptr<float>();
  const int64_t n = gate.numel();
  for (int64_t i = 0; i < n; ++i) yp[i] = g[i] / (1.0f + std::exp(-g[i])) * u[i];
  return y;
}

}  // namespace

HfLinearImpl::HfLinearImpl(int64_t in, int64_t out, bool has_bias, torch::ScalarType dtype) {
  weight = register_parameter("weight", Uninitialised({out, in}, dtype));
  if (has_bias) bias = register_parameter("bias", Uninitialised({out}, dtype));
}

HfRmsNormImpl::HfRmsNormImpl(int64_t width, torch::ScalarType dtype) {
  weight = register_parameter("weight", Uninitialised({width}, dtype));
}

HfEmbeddingImpl::HfEmbeddingImpl(int64_t vocab, int64_t width, torch::ScalarType dtype) {
  weight = register_parameter("weight", Uninitialised({vocab, width}, dtype));
}

HfAttentionImpl::HfAttentionImpl(const HfModelConfig& c, torch::ScalarType dtype) {
  const int64_t q = c.num_attention_heads * c.head_dim, kv = c.num_key_value_heads * c.head_dim;
  q_proj = register_module("q_proj", HfLinear(c.hidden_size, q, c.qkv_bias, dtype));
  k_proj = register_module("k_proj", HfLinear(c.hidden_size, kv, c.qkv_bias, dtype));
  v_proj = register_module("v_proj", HfLinear(c.hidden_size, kv, c.qkv_bias, dtype));
  o_proj = register_module("o_proj", HfLinear(q, c.hidden_size, c.o_bias, dtype));
}

HfMlpImpl::HfMlpImpl(const HfModelConfig& c, torch::ScalarType dtype) {
  gate_proj = register_module("gate_proj", HfLinear(c.hidden_size, c.intermediate_size, c.mlp_bias, dtype));
  up_proj = register_module("up_proj", HfLinear(c.hidden_size, c.intermediate_size, c.mlp_bias, dtype));
  down_proj = register_module("down_proj", HfLinear(c.intermediate_size, c.hidden_size, c.mlp_bias, dtype));
}

HfDecoderLayerImpl::HfDecoderLayerImpl(const HfModelConfig& c, torch::ScalarType dtype) {
  input_layernorm = register_module("input_layernorm", HfRmsNorm(c.hidden_size, dtype));
  self_attn = register_module("self_attn", HfAttention(c, dtype));
  post_attention_layernorm = register_module("post_attention_layernorm", HfRmsNorm(c.hidden_size, dtype));
  mlp = register_module("mlp", HfMlp(c, dtype));
}

HfBackboneImpl::HfBackboneImpl(const HfModelConfig& c, torch::ScalarType dtype) {
  embed_tokens = register_module("embed_tokens", HfEmbedding(c.vocab_size, c.hidden_size, dtype));
  layers = register_module("layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) {
    layer_list.push_back(HfDecoderLayer(c, dtype));
    layers->push_back(layer_list.back());
  }
  norm = register_module("norm", HfRmsNorm(c.hidden_size, dtype));
}

torch::Tensor HfRopeInverseFrequencies(const HfModelConfig& c) {
  const int64_t half = c.head_dim / 2;
  auto opts = torch::TensorOptions().dtype(torch::kFloat64);
  torch::Tensor f = torch::pow(c.rope_theta, torch::arange(half, opts) * (-2.0 / static_cast<double>(c.head_dim)));
  const RopeScaling& s = c.rope_scaling;
  if (s.type == "linear") return f / s.factor;
  if (s.type != "llama3") return f;
  // Llama 3.1 (policy/model/format/hf_config.h): keep short wavelengths, slow long ones down by
  // `factor`, interpolate smoothly in between.
  const double low_wavelength = s.original_max_position_embeddings / s.low_freq_factor;
  const double high_wavelength = s.original_max_position_embeddings / s.high_freq_factor;
  auto a = f.accessor<double, 1>();
  for (int64_t i = 0; i < half; ++i) {
    const double wavelength = 2.0 * M_PI / a[i];
    if (wavelength < high_wavelength) continue;
    if (wavelength > low_wavelength) {
      a[i] /= s.factor;
    } else {
      const double smooth = (s.original_max_position_embeddings / wavelength - s.low_freq_factor) /
                            (s.high_freq_factor - s.low_freq_factor);
      a[i] = (1.0 - smooth) * a[i] / s.factor + smooth * a[i];
    }
  }
  return f;
}

HfLlamaImpl::HfLlamaImpl(const HfModelConfig& config, HfComputeDType dtype)
    : config_(config),
      dtype_(dtype),
      matmul_type_(ParameterType(dtype)),
      groups_(config.num_attention_heads / config.num_key_value_heads),
      score_budget_(kDefaultScoreBudget),
      inv_freq_(HfRopeInverseFrequencies(config)) {
  TORCH_CHECK(config.num_attention_heads % config.num_key_value_heads == 0, "heads % kv heads != 0");
  model = register_module("model", HfBackbone(config, matmul_type_));
  if (!config.tie_word_embeddings) {
    lm_head = register_module("lm_head", HfLinear(config.hidden_size, config.vocab_size, false, matmul_type_));
  }
}

torch::Tensor HfLlamaImpl::Linear(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias,
                                  bool invariant) const {
  if (!invariant) return Product(x, weight, bias, matmul_type_);
  // bf16: the activation rounded to bfloat16 (as Product does), the weight's 16 bits widened
  // in the kernel; a bias is added in float32.
  const torch::Tensor in = matmul_type_ == torch::kFloat32 ? x : x.to(matmul_type_).to(torch::kFloat32);
  const torch::Tensor b = bias.defined() ? bias.to(torch::kFloat32).contiguous() : bias;
  return packed_.Apply(in, weight, b);
}

torch::Tensor HfLlamaImpl::RmsNorm(const torch::Tensor& x, const HfRmsNorm& norm, bool invariant) const {
  if (invariant) return RmsNormRows(x, norm->weight, config_.rms_norm_eps);
  return x * torch::rsqrt(x.pow(2).mean(-1, /*keepdim=*/true) + config_.rms_norm_eps) *
         norm->weight.to(torch::kFloat32);
}

torch::Tensor HfLlamaImpl::Embed(const torch::Tensor& ids) const {
  return F::embedding(ids.to(device()), model->embed_tokens->weight).to(torch::kFloat32);
}

std::pair<torch::Tensor, torch::Tensor> HfLlamaImpl::RopeAngles(const torch::Tensor& positions) const {
  // Angles in double through std::cos / std::sin, one position at a time (a token's angles
  // never depend on what else is in the call), rounded to float.
  const torch::Tensor pos = positions.to(torch::kCPU).to(torch::kInt64).contiguous();
  const int64_t tokens = pos.numel(), half = inv_freq_.size(0), d = 2 * half;
  torch::Tensor cos = torch::empty({tokens, d}), sin = torch::empty({tokens, d});
  const int64_t* p = pos.data_ptr<int64_t>();
  const double* f = inv_freq_.data_ptr<double>();
  float* c = cos.data_ptr<float>();
  float* s = sin.data_ptr<float>();
  for (int64_t i = 0; i < tokens; ++i) {
    for (int64_t j = 0; j < half; ++j) {
      const double angle = static_cast<double>(p[i]) * f[j];
      c[i * d + j] = c[i * d + half + j] = static_cast<float>(std::cos(angle));
      s[i * d + j] = s[i * d + half + j] = static_cast<float>(std::sin(angle));
    }
  }
  std::vector<int64_t> shape = pos.sizes().vec();
  shape.push_back(1);
  shape.push_back(d);
  return {cos.view(shape).to(device()), sin.view(shape).to(device())};
}

torch::Tensor HfLlamaImpl::Attention(int64_t layer, const torch::Tensor& h, const torch::Tensor& cos,
                                     const torch::Tensor& sin, const torch::Tensor& bias, const Slots* slots) {
  HfAttentionImpl& attn = *model->layer_list[layer]->self_attn;
  const int64_t n = h.size(0), t = h.size(1), d = config_.head_dim;
  const int64_t heads = config_.num_attention_heads, kv_heads = config_.num_key_value_heads;
  const bool invariant = slots != nullptr && slots->invariant;
  torch::Tensor q = ApplyRotary(Linear(h, attn.q_proj, invariant).view({n, t, heads, d}), cos, sin);
  torch::Tensor k = ApplyRotary(Linear(h, attn.k_proj, invariant).view({n, t, kv_heads, d}), cos, sin);
  torch::Tensor v = Linear(h, attn.v_proj, invariant).view({n, t, kv_heads, d});
  if (invariant) {
    // Every query through the one kernel, reading its row's slots from the pad on (borrowed
    // ones where the cache lends them).
    KvCache& cache = *slots->cache;
    cache.keys(layer).narrow(0, slots->row0, n).narrow(2, slots->slot0, t).copy_(k.transpose(1, 2));
    cache.values(layer).narrow(0, slots->row0, n).narrow(2, slots->slot0, t).copy_(v.transpose(1, 2));
    const torch::Tensor y = CachedAttention(q, cache, layer, slots->row0, slots->slot0, 1.0 / std::sqrt(static_cast<double>(d)));
    return Linear(y.reshape({n, t, heads * d}), attn.o_proj, invariant);
  }
  torch::Tensor keys, values;  // [n, KV, S, d]
  if (slots == nullptr) {
    keys = k.transpose(1, 2);
    values = v.transpose(1, 2);
  } else {
    KvCache& cache = *slots->cache;
    torch::Tensor kc = cache.keys(layer).narrow(0, slots->row0, n);
    torch::Tensor vc = cache.values(layer).narrow(0, slots->row0, n);
    kc.narrow(2, slots->slot0, t).copy_(k.transpose(1, 2));
    vc.narrow(2, slots->slot0, t).copy_(v.transpose(1, 2));
    const int64_t s = slots->slot0 + t - slots->attend0;
    keys = kc.narrow(2, slots->attend0, s);
    values = vc.narrow(2, slots->attend0, s);
  }
  const int64_t s = keys.size(2);
  // Query head h = kv * G + g reads KV head kv: group the G query heads of each KV head.
  torch::Tensor grouped = q.view({n, t, kv_heads, groups_, d}).permute({0, 2, 3, 1, 4}).reshape({n, kv_heads, groups_ * t, d});
  torch::Tensor scores = torch::matmul(grouped, keys.transpose(2, 3)).mul_(1.0 / std::sqrt(static_cast<double>(d)));
  scores = scores.view({n, kv_heads, groups_, t, s}) + bias.unsqueeze(1);
  torch::Tensor probs = torch::softmax(scores, -1).view({n, kv_heads, groups_ * t, s});
  torch::Tensor y = torch::matmul(probs, values)  // [n, KV, G t, d]
                        .view({n, kv_heads, groups_, t, d})
                        .permute({0, 3, 1, 2, 4})
                        .reshape({n, t, heads * d});
  return Linear(y, attn.o_proj, false);
}

torch::Tensor HfLlamaImpl::RunLayers(torch::Tensor x, const torch::Tensor& positions, const torch::Tensor& bias,
                                     const Slots* slots) {
  const auto [cos, sin] = RopeAngles(positions);
  const bool invariant = slots != nullptr && slots->invariant;
  for (size_t l = 0; l < model->layer_list.size(); ++l) {
    HfDecoderLayerImpl& layer = *model->layer_list[l];
    x = x + Attention(static_cast<int64_t>(l), RmsNorm(x, layer.input_layernorm, invariant), cos, sin, bias, slots);
    const torch::Tensor h = RmsNorm(x, layer.post_attention_layernorm, invariant);
    const torch::Tensor gate = Linear(h, layer.mlp->gate_proj, invariant), up = Linear(h, layer.mlp->up_proj, invariant);
    const torch::Tensor gated = invariant ? SiluGate(gate, up) : torch::silu(gate) * up;
    x = x + Linear(gated, layer.mlp->down_proj, invariant);
  }
  return x;
}

LmOutput HfLlamaImpl::Head(const torch::Tensor& x, bool invariant) const {
  LmOutput out;
  out.hidden = RmsNorm(x, model->norm, invariant);
  const torch::Tensor& weight = lm_head ? lm_head->weight : model->embed_tokens->weight;
  out.logits = Linear(out.hidden, weight, torch::Tensor(), invariant);
  // Callers sample and score on the CPU (no-ops for a CPU model).
  out.logits = out.logits.to(torch::kCPU);
  out.hidden = out.hidden.to(torch::kCPU);
  return out;
}

LmOutput HfLlamaImpl::Forward(const torch::Tensor& ids) {
  TORCH_CHECK(ids.dim() == 2 && ids.scalar_type() == torch::kInt64, "Forward: ids must be int64 [B, T]");
  const int64_t t = ids.size(1);
  TORCH_CHECK(t >= 1 && t <= config_.context, "Forward: sequence longer than the context");
  const torch::Tensor positions = torch::arange(t, torch::kInt64).unsqueeze(0);
  const torch::Tensor bias = CausalBias(t, t, 0, 0).view({1, 1, t, t}).to(device());
  return Head(RunLayers(Embed(ids), positions, bias, nullptr), /*invariant=*/false);
}

torch::Tensor HfLlamaImpl::RunCached(const torch::Tensor& ids, KvCache* cache, int64_t row0, int64_t slot0,
                                     int64_t attend0) {
  const int64_t n = ids.size(0), t = ids.size(1), s = slot0 + t - attend0;
  // Slot j of row r holds position j - pad[r]; padding slots (negative) use position 0.
  const torch::Tensor pad = cache->pad().narrow(0, row0, n).to(torch::kCPU);
  const torch::Tensor positions =
      ((torch::arange(t, torch::kInt64) + slot0).unsqueeze(0) - pad.unsqueeze(1)).clamp_min_(0);
  const Slots slots{cache, row0, slot0, attend0, row_invariant()};
  torch::Tensor bias;  // the row-invariant attention masks by itself
  if (!slots.invariant) {
    bias = cache->KeyBias(slot0 + t).narrow(0, row0, n).narrow(1, attend0, s).view({n, 1, 1, s});
    if (t > 1) bias = bias + CausalBias(t, s, slot0, attend0).to(device());
  }
  return RunLayers(Embed(ids), positions, bias, &slots);
}

LmOutput HfLlamaImpl::Prefill(const std::vector<std::vector<int>>& prefixes, int64_t capacity, KvCache* cache) {
  return row_invariant() ? PrefillLongestFirst(prefixes, capacity, cache) : PrefillTorch(prefixes, capacity, cache);
}

LmOutput HfLlamaImpl::PrefillCached(const std::vector<std::vector<int>>& prefixes, const std::vector<int64_t>& cached,
                                    int64_t capacity, const std::function<void(KvCache*)>& fill, KvCache* cache) {
  TORCH_CHECK(row_invariant(), "PrefillCached: only on the CPU, where inference is row-invariant");
  torch::NoGradGuard no_grad;
  const PrefillShape shape = CheckPrefillShape(prefixes, cached, capacity, config_.context, config_.vocab_size);
  *cache = KvCache(config_.num_hidden_layers, config_.num_key_value_heads, config_.head_dim, capacity, shape.pad,
                   torch::kCPU, /*borrowing=*/true);
  if (fill) fill(cache);
  const torch::Tensor last = RunPrefillWindows(
      prefixes, cached, shape.longest, config_.hidden_size,
      [&](const torch::Tensor& ids, const torch::Tensor&, int64_t row0, int64_t slot0) {
        return RunCached(ids, cache, row0, slot0, slot0);
      });
  cache->Advance(shape.longest);
  return Head(last, /*invariant=*/true);
}

LmOutput HfLlamaImpl::PrefillTorch(const std::vector<std::vector<int>>& prefixes, int64_t capacity, KvCache* cache) {
  torch::NoGradGuard no_grad;
  const int64_t rows = static_cast<int64_t>(prefixes.size());
  TORCH_CHECK(rows > 0, "Prefill: no prefixes");
  const std::vector<int64_t> order = LongestFirstOrder(prefixes);
  const int64_t longest = static_cast<int64_t>(prefixes[order[0]].size());
  TORCH_CHECK(longest <= config_.context, "Prefill: prefix longer than the context");
  TORCH_CHECK(capacity >= longest, "Prefill: capacity below the longest prefix");
  std::vector<int64_t> pad(rows);
  for (int64_t i = 0; i < rows; ++i) {
    TORCH_CHECK(!prefixes[order[i]].empty(), "Prefill: empty prefix");
    pad[i] = longest - static_cast<int64_t>(prefixes[order[i]].size());
  }
  *cache = KvCache(config_.num_hidden_layers, config_.num_key_value_heads, config_.head_dim, capacity, pad, device());

  // Row chunk c (longest row Lc) fills slots [longest - Lc, longest), left-padded within
  // them; it runs in query blocks [t0, t0 + block) that attend to the chunk's slots so far.
  torch::Tensor last = torch::empty({rows, config_.hidden_size}, torch::TensorOptions().device(device()));
  for (int64_t r0 = 0; r0 < rows;) {
    const int64_t lc = static_cast<int64_t>(prefixes[order[r0]].size());
    const int64_t n = std::min(rows - r0, std::max<int64_t>(1, kPrefillChunkTokens / lc));
    torch::Tensor ids = torch::zeros({n, lc}, torch::kInt64);
    auto ids_a = ids.accessor<int64_t, 2>();
    for (int64_t i = 0; i < n; ++i) {
      const std::vector<int>& p = prefixes[order[r0 + i]];
      const int64_t offset = lc - static_cast<int64_t>(p.size());
      for (size_t j = 0; j < p.size(); ++j) {
        TORCH_CHECK(p[j] >= 0 && p[j] < config_.vocab_size, "Prefill: token id out of range");
        ids_a[i][offset + static_cast<int64_t>(j)] = p[j];
      }
    }
    const int64_t base = longest - lc;
    const int64_t block = std::max<int64_t>(1, score_budget_ / (n * config_.num_attention_heads * lc));
    torch::Tensor x;
    for (int64_t t0 = 0; t0 < lc; t0 += block) {
      const int64_t t = std::min(block, lc - t0);
      x = RunCached(ids.narrow(1, t0, t), cache, r0, base + t0, base);
    }
    last.narrow(0, r0, n).copy_(x.select(1, x.size(1) - 1));
    r0 += n;
  }
  cache->Advance(longest);
  LmOutput out = Head(last, /*invariant=*/false);
  RestoreRowOrder(order, cache, &out);
  return out;
}

LmOutput HfLlamaImpl::Extend(const torch::Tensor& ids, KvCache* cache) {
  torch::NoGradGuard no_grad;
  TORCH_CHECK(ids.dim() == 2 && ids.size(0) == cache->rows(), "Extend: ids must be [rows, T]");
  const int64_t t = ids.size(1), length = cache->length();
  cache->ReserveFor(t);
  torch::Tensor x = RunCached(ids, cache, 0, length, 0);
  cache->Advance(t);
  return Head(x, row_invariant());
}

}  // namespace steptree

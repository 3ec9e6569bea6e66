// Attention kernels: batched BLAS products over strided views, the differentiable fused
// self-attention (RoPE + scores + softmax + values, with its hand-written backward), and
// the per-query inference kernel over the cache. See
// policy/model/attention.h for the formulas and the reasons.
#include "policy/model/attention.h"

#include <ATen/Parallel.h>
#include <dlfcn.h>
#include <immintrin.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstring>
#include <cstdlib>
#include <vector>

namespace steptree {
namespace {

using torch::Tensor;

// Fortran BLAS sgemm, column-major, 32-bit integers (LP64: Debian's libblas.so.3).
using SgemmFn = void (*)(const char* transa, const char* transb, const int* m, const int* n, const int* k,
                         const float* alpha, const float* a, const int* lda, const float* b, const int* ldb,
                         const float* beta, float* c, const int* ldc);

SgemmFn DirectSgemm() {
  // LibTorch links the system BLAS (libblas.so.3) but does not export a gemm of its own;
  // the process already has sgemm_ loaded through it.
  static const SgemmFn fn = []() -> SgemmFn {
    if (std::getenv("STEPTREE_NO_DIRECT_GEMM") != nullptr) return nullptr;
    return reinterpret_cast<SgemmFn>(dlsym(RTLD_DEFAULT, "sgemm_"));
  }();
  return fn;
}

// A 4D view usable as a BLAS operand: last dimension contiguous, row stride at least the
// row length (BLAS checks ld >= columns), everything within int range.
bool BlasReady(const Tensor& t) {
  return t.scalar_type() == torch::kFloat32 && t.stride(3) == 1 && t.stride(2) >= std::max<int64_t>(1, t.size(3)) &&
         t.stride(2) <= INT_MAX && t.size(2) <= INT_MAX && t.size(3) <= INT_MAX;
}

Tensor AsOperand(const Tensor& t) { return BlasReady(t) ? t : t.contiguous(); }

// c[b,h] = alpha * op(a[b,h]) op(x[b,h]) for every (b, h), where op transposes when asked.
// a, x: float [B|1, H|1, rows, cols] views (broadcast over B or H allowed); c: float
// [B, H, m, n], written in place (any row stride, contiguous last dimension).
void Gemm4(const Tensor& a_in, bool ta, const Tensor& x_in, bool tx, float alpha, const Tensor& c) {
  const int64_t nb = c.size(0), nh = c.size(1), m = c.size(2), n = c.size(3);
  const int64_t k = ta ? a_in.size(2) : a_in.size(3);
  SgemmFn sgemm = DirectSgemm();
  if (sgemm == nullptr || !BlasReady(c) || k > INT_MAX) {
    Tensor product = torch::matmul(ta ? a_in.transpose(2, 3) : a_in, tx ? x_in.transpose(2, 3) : x_in);
    c.copy_(alpha == 1.f ? product : product * alpha);
    return;
  }
  if (m == 0 || n == 0) return;
  if (k == 0) {
    c.zero_();
    return;
  }
  const Tensor a = AsOperand(a_in), x = AsOperand(x_in);
  const float* ap = a.data_ptr<float>();
  const float* xp = x.data_ptr<float>();
  float* cp = c.data_ptr<float>();
  const int64_t a_sb = a.size(0) == 1 ? 0 : a.stride(0), a_sh = a.size(1) == 1 ? 0 : a.stride(1);
  const int64_t x_sb = x.size(0) == 1 ? 0 : x.stride(0), x_sh = x.size(1) == 1 ? 0 : x.stride(1);
  const int64_t c_sb = c.stride(0), c_sh = c.stride(1);
  const int im = static_cast<int>(m), in = static_cast<int>(n), ik = static_cast<int>(k);
  const int lda = static_cast<int>(a.stride(2)), ldx = static_cast<int>(x.stride(2)), ldc = static_cast<int>(c.stride(2));
  const float zero = 0.f;
  // Row-major C = op(A) op(X) is column-major C^T = op(X)^T op(A)^T: swap the operands.
  const char* op_a = ta ? "T" : "N";
  const char* op_x = tx ? "T" : "N";
  const int64_t grain = std::max<int64_t>(1, (1 << 16) / std::max<int64_t>(1, m * n * k));
  at::parallel_for(0, nb * nh, grain, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const int64_t b = i / nh, h = i % nh;
      sgemm(op_x, op_a, &in, &im, &ik, &alpha, xp + b * x_sb + h * x_sh, &ldx, ap + b * a_sb + h * a_sh, &lda,
            &zero, cp + b * c_sb + h * c_sh, &ldc);
    }
  });
}

// One RoPE pass over x [B, T, 2, H, d] (last dimension contiguous) into out (same shape,
// last dimension contiguous), tables [B|1, T, 2, 1, d] (contiguous last dimension).
//   forward:  out[i] = x[i] c[i] + x[i+h] s[i],        out[i+h] = x[i+h] c[i+h] + x[i] s[i+h]
//   backward: out[i] = g[i] c[i] + g[i+h] s[i+h],      out[i+h] = g[i+h] c[i+h] + g[i] s[i]
// (the backward is the transpose: dx = dy cos + swap(dy sin)). One read and one write
// instead of the five passes of mul/cat/mul/add.
// Two clones picked at load time by an ifunc resolver. The resolver runs while the dynamic
// linker relocates, before a sanitizer's runtime is up, and an instrumented one crashes
// under ThreadSanitizer: the TSan build (cmake/sanitize_build.cmake) keeps the default.
#if defined(__SANITIZE_THREAD__)
#define STEPTREE_ROPE_CLONES
#else
#define STEPTREE_ROPE_CLONES __attribute__((target_clones("arch=haswell", "default")))
#endif
STEPTREE_ROPE_CLONES
void RopeRow(const float* x, const float* c, const float* s, float* out, int64_t half, bool backward) {
  if (!backward) {
    for (int64_t i = 0; i < half; ++i) {
      out[i] = x[i] * c[i] + x[i + half] * s[i];
      out[i + half] = x[i + half] * c[i + half] + x[i] * s[i + half];
    }
  } else {
    for (int64_t i = 0; i < half; ++i) {
      out[i] = x[i] * c[i] + x[i + half] * s[i + half];
      out[i + half] = x[i + half] * c[i + half] + x[i] * s[i];
    }
  }
}

void RopePass(const Tensor& x, const Tensor& cos_in, const Tensor& sin_in, const Tensor& out, bool backward) {
  const Tensor cos = cos_in.dim() == 4 ? cos_in.unsqueeze(0) : cos_in;
  const Tensor sin = sin_in.dim() == 4 ? sin_in.unsqueeze(0) : sin_in;
  TORCH_CHECK(x.dim() == 5 && x.size(2) == 2 && x.stride(4) == 1 && out.stride(4) == 1 && cos.dim() == 5 &&
                  cos.size(1) == x.size(1) && cos.stride(4) == 1 && sin.strides() == cos.strides() &&
                  x.scalar_type() == torch::kFloat32 && out.scalar_type() == torch::kFloat32,
              "RoPE: unexpected layout");
  const int64_t nb = x.size(0), nt = x.size(1), nh = x.size(3), half = x.size(4) / 2;
  const float* xp = x.data_ptr<float>();
  const float* cp = cos.data_ptr<float>();
  const float* sp = sin.data_ptr<float>();
  float* op = out.data_ptr<float>();
  const int64_t cb = cos.size(0) == 1 ? 0 : cos.stride(0), ct = cos.stride(1), cj = cos.stride(2);
  at::parallel_for(0, nb * nt, std::max<int64_t>(1, 4096 / (4 * nh * half)), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const int64_t b = r / nt, t = r % nt;
      for (int64_t j = 0; j < 2; ++j) {
        const int64_t table = b * cb + t * ct + j * cj;
        for (int64_t h = 0; h < nh; ++h) {
          RopeRow(xp + b * x.stride(0) + t * x.stride(1) + j * x.stride(2) + h * x.stride(3), cp + table, sp + table,
                  op + b * out.stride(0) + t * out.stride(1) + j * out.stride(2) + h * out.stride(3), half, backward);
        }
      }
    }
  });
}

// softmax(alpha q k^T + bias) v into y ([B, H, T, d] view); returns the probabilities.
Tensor AttendInto(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& bias, double alpha,
                  const Tensor& y) {
  Tensor scores = torch::empty({q.size(0), q.size(1), q.size(2), k.size(2)}, q.options());
  Gemm4(q, false, k, true, static_cast<float>(alpha), scores);
  scores.add_(bias);
  Tensor p = torch::softmax(scores, -1);
  Gemm4(p, false, v, false, 1.f, y);
  return p;
}

// The training path as one autograd node: qkv -> (RoPE) -> attention -> y [B, T, H, d].
// Saves qkv, the rotated q/k and the probabilities; the backward writes the gradient of
// qkv in one buffer (no zero-filled slices summed together).
class SelfAttentionFunction : public torch::autograd::Function<SelfAttentionFunction> {
 public:
  static Tensor forward(torch::autograd::AutogradContext* ctx, const Tensor& qkv, const Tensor& cos,
                        const Tensor& sin, const Tensor& bias, double alpha) {
    const int64_t b = qkv.size(0), t = qkv.size(1), h = qkv.size(3), d = qkv.size(4);
    const bool rope = cos.numel() > 0;  // empty tables: no rotation
    Tensor qk = rope ? ApplyRope(qkv.narrow(2, 0, 2), cos, sin) : qkv.narrow(2, 0, 2);  // [B, T, 2, H, d]
    Tensor y = torch::empty({b, t, h, d}, qkv.options());
    Tensor p = AttendInto(qk.select(2, 0).transpose(1, 2), qk.select(2, 1).transpose(1, 2),
                          qkv.select(2, 2).transpose(1, 2), bias, alpha, y.transpose(1, 2));
    ctx->save_for_backward({qkv, qk, p, cos, sin});
    ctx->saved_data["alpha"] = alpha;
    return y;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const Tensor &qkv = saved[0], &qk = saved[1], &p = saved[2], &cos = saved[3], &sin = saved[4];
    const float alpha = static_cast<float>(ctx->saved_data["alpha"].toDouble());
    const bool rope = cos.numel() > 0;
    Tensor dy = grads[0];
    if (dy.stride(-1) != 1) dy = dy.contiguous();
    const Tensor dyt = dy.transpose(1, 2);  // [B, H, T, d]
    const Tensor q = qk.select(2, 0).transpose(1, 2), k = qk.select(2, 1).transpose(1, 2);
    const Tensor v = qkv.select(2, 2).transpose(1, 2);

    Tensor dqkv = torch::empty_like(qkv, torch::MemoryFormat::Contiguous);
    Gemm4(p, true, dyt, false, 1.f, dqkv.select(2, 2).transpose(1, 2));  // dV = P^T dY
    Tensor dp = torch::empty_like(p);
    Gemm4(dyt, false, v, true, 1.f, dp);  // dP = dY V^T
    Tensor ds = torch::_softmax_backward_data(dp, p, -1, torch::kFloat32);
    Tensor dqk = rope ? torch::empty_like(qk, torch::MemoryFormat::Contiguous) : dqkv.narrow(2, 0, 2);
    Gemm4(ds, false, k, false, alpha, dqk.select(2, 0).transpose(1, 2));  // dQ = alpha dS K
    Gemm4(ds, true, q, false, alpha, dqk.select(2, 1).transpose(1, 2));   // dK = alpha dS^T Q
    if (rope) RopePass(dqk, cos, sin, dqkv.narrow(2, 0, 2), /*backward=*/true);
    return {dqkv, Tensor(), Tensor(), Tensor(), Tensor()};
  }
};

constexpr int kMaxGroup = 64;  // rows per AttendGroup call
constexpr int kLanes = 8;  // independent partial sums, so the compiler can vectorise the dot

// The attention of m query rows of one head, each over slots [first, last):
//   y_j = sum_s softmax_s(alpha q_j . k_js) v_js.
// Row j reads slots [first, end[j]) from the leader's keys/values (which equal its own
// there: KvCache sharing) and [end[j], last) from its own. The leader's slots come in
// segments (its spans, then its own storage: KvCache Spans), which tile [first, capacity).
// Slots go outermost, so a shared key or value is loaded once for all rows that borrow it.
// scores: m * last floats.
//
// Arithmetic, fixed so that a query's output is the same bits alone or in a group, and on
// both code paths below: q . k = ((lane_0 + lane_1) + ... + lane_7), then the tail by fma,
// where lane l accumulates fma(q[j], k[j], .) over j = l mod 8 in increasing j; score =
// dot * alpha; softmax in slot order (max, then exp(score - max) summed in slot order); y
// = fma(w_s, v_s, y) in slot order with w_s = e_s * (1 / total).
// Slots [begin, end) of one head whose keys and values start at k and v (slot begin).
struct Segment {
  int64_t begin, end;
  const float* k;
  const float* v;
};

struct GroupArgs {
  int m;
  const float* const* q;
  const Segment* lead;  // in slot order, tiling [first, capacity)
  int lead_count;
  const float* const* k_own;
  const float* const* v_own;
  const int64_t* end;
  int64_t first, last, dim;
  float alpha;
  float* scores;
  float* const* y;
};

// Calls body(s, lead_key, lead_value) for every slot in [first, last), in order, with the
// leader's key and value of that slot (the segments tile [first, capacity)).
template <typename Body>
inline void ForEachSlot(const GroupArgs& g, Body body) {
  for (const Segment* seg = g.lead; seg != g.lead + g.lead_count; ++seg) {
    const int64_t hi = std::min(g.last, seg->end);
    for (int64_t s = std::max(g.first, seg->begin); s < hi; ++s) {
      body(s, seg->k + (s - seg->begin) * g.dim, seg->v + (s - seg->begin) * g.dim);
    }
  }
}

template <typename DotFn, typename AxpyFn>
inline void AttendGroupWith(const GroupArgs& g, DotFn dot, AxpyFn axpy) {
  ForEachSlot(g, [&](int64_t s, const float* k_lead, const float*) {
    for (int r = 0; r < g.m; ++r) {
      const float* ks = s < g.end[r] ? k_lead : g.k_own[r] + s * g.dim;
      g.scores[r * g.last + s] = dot(g.q[r], ks, g.dim) * g.alpha;
    }
  });
  float inv[kMaxGroup];
  for (int r = 0; r < g.m; ++r) {
    float* sc = g.scores + r * g.last;
    float max_score = -INFINITY;
    for (int64_t s = g.first; s < g.last; ++s) max_score = std::max(max_score, sc[s]);
    float total = 0;
    for (int64_t s = g.first; s < g.last; ++s) {
      sc[s] = std::exp(sc[s] - max_score);
      total += sc[s];
    }
    inv[r] = 1.f / total;
    std::fill(g.y[r], g.y[r] + g.dim, 0.f);
  }
  ForEachSlot(g, [&](int64_t s, const float*, const float* v_lead) {
    for (int r = 0; r < g.m; ++r) {
      const float* vs = s < g.end[r] ? v_lead : g.v_own[r] + s * g.dim;
      axpy(g.scores[r * g.last + s] * inv[r], vs, g.y[r], g.dim);
    }
  });
}

void AttendGroupScalar(const GroupArgs& g) {
  auto dot = [](const float* q, const float* k, int64_t dim) {
    float acc[kLanes] = {0, 0, 0, 0, 0, 0, 0, 0};
    int64_t j = 0;
    for (; j + kLanes <= dim; j += kLanes) {
      for (int l = 0; l < kLanes; ++l) acc[l] = std::fma(q[j + l], k[j + l], acc[l]);
    }
    float d = 0;
    for (int l = 0; l < kLanes; ++l) d += acc[l];
    for (; j < dim; ++j) d = std::fma(q[j], k[j], d);
    return d;
  };
  auto axpy = [](float w, const float* v, float* y, int64_t dim) {
    for (int64_t j = 0; j < dim; ++j) y[j] = std::fma(w, v[j], y[j]);
  };
  AttendGroupWith(g, dot, axpy);
}

__attribute__((target("avx2,fma"))) void AttendGroupAvx2(const GroupArgs& g) {
  auto dot = [](const float* q, const float* k, int64_t dim) __attribute__((target("avx2,fma"))) {
    __m256 acc = _mm256_setzero_ps();
    int64_t j = 0;
    for (; j + kLanes <= dim; j += kLanes) acc = _mm256_fmadd_ps(_mm256_loadu_ps(q + j), _mm256_loadu_ps(k + j), acc);
    alignas(32) float lanes[kLanes];
    _mm256_store_ps(lanes, acc);
    float d = 0;
    for (int l = 0; l < kLanes; ++l) d += lanes[l];
    for (; j < dim; ++j) d = _mm_cvtss_f32(_mm_fmadd_ss(_mm_set_ss(q[j]), _mm_set_ss(k[j]), _mm_set_ss(d)));
    return d;
  };
  auto axpy = [](float w, const float* v, float* y, int64_t dim) __attribute__((target("avx2,fma"))) {
    const __m256 wv = _mm256_set1_ps(w);
    int64_t j = 0;
    for (; j + kLanes <= dim; j += kLanes) {
      _mm256_storeu_ps(y + j, _mm256_fmadd_ps(wv, _mm256_loadu_ps(v + j), _mm256_loadu_ps(y + j)));
    }
    for (; j < dim; ++j) y[j] = _mm_cvtss_f32(_mm_fmadd_ss(_mm_set_ss(w), _mm_set_ss(v[j]), _mm_set_ss(y[j])));
  };
  AttendGroupWith(g, dot, axpy);
}

using AttendGroupFn = void (*)(const GroupArgs&);

AttendGroupFn PickAttendGroup() {
  __builtin_cpu_init();
  if (std::getenv("STEPTREE_GEMM_SCALAR") == nullptr && __builtin_cpu_supports("avx2") &&
      __builtin_cpu_supports("fma")) {
    return &AttendGroupAvx2;
  }
  return &AttendGroupScalar;
}

void AttendGroup(const GroupArgs& args) {
  static const AttendGroupFn fn = PickAttendGroup();
  fn(args);
}

// The leader's slots of one head, from `first` on: its spans (KvCache Spans), then its own
// storage up to the end of the cache. Returns the number of segments written to `out`.
int LeadSegments(KvCache& cache, int64_t layer, int64_t lead, int64_t h, std::vector<Segment>* out) {
  const Tensor& keys = cache.keys(layer);
  const Tensor& values = cache.values(layer);
  const int64_t heads = keys.size(1), capacity = keys.size(2), dim = keys.size(3);
  out->clear();
  for (const KvCache::Span& span : cache.spans(lead)) {
    out->push_back({span.begin, span.end, span.At(layer, 0, h, span.begin), span.At(layer, 1, h, span.begin)});
  }
  const int64_t own = cache.span_end(lead), base = ((lead * heads + h) * capacity + own) * dim;
  out->push_back({own, capacity, keys.data_ptr<float>() + base, values.data_ptr<float>() + base});
  return static_cast<int>(out->size());
}

}  // namespace

bool HaveDirectGemm() { return DirectSgemm() != nullptr; }

Tensor ApplyRope(const Tensor& x, const Tensor& cos, const Tensor& sin) {
  Tensor out = torch::empty(x.sizes(), x.options());
  RopePass(x, cos, sin, out, /*backward=*/false);
  return out;
}

Tensor SelfAttention(const Tensor& qkv, const Tensor& cos, const Tensor& sin, const Tensor& bias, double alpha) {
  TORCH_CHECK(qkv.dim() == 5 && qkv.size(2) == 3 && qkv.stride(4) == 1, "SelfAttention: qkv must be [B, T, 3, H, d]");
  // Autograd functions take defined tensors only: an empty table stands for "no RoPE".
  if (!cos.defined()) {
    const Tensor none = torch::empty({0}, qkv.options());
    return SelfAttentionFunction::apply(qkv, none, none, bias, alpha);
  }
  return SelfAttentionFunction::apply(qkv, cos, sin, bias, alpha);
}

Tensor CachedAttention(const Tensor& q_in, KvCache& cache, int64_t layer, int64_t row0, int64_t slot0, double alpha) {
  const Tensor q = q_in.contiguous();
  const Tensor& keys = cache.keys(layer);
  const Tensor& values = cache.values(layer);
  TORCH_CHECK(keys.is_contiguous() && values.is_contiguous(), "CachedAttention: cache not contiguous");
  TORCH_CHECK(q.dim() == 4 && q.size(2) % keys.size(1) == 0 && q.size(3) == keys.size(3) &&
                  row0 + q.size(0) <= cache.rows() && slot0 + q.size(1) <= cache.capacity(),
              "CachedAttention: q must be [rows, T, n_head, head_dim] inside the cache, n_head a multiple of its heads");
  const int64_t rows = q.size(0), t_count = q.size(1), heads = q.size(2), dim = q.size(3);
  // Grouped-query attention: query head h reads the cache's head h / per_kv.
  const int64_t kv_heads = keys.size(1), per_kv = heads / kv_heads;
  const int64_t capacity = cache.capacity();
  Tensor y = torch::empty_like(q);
  const float* qp = q.data_ptr<float>();
  const float* kp = keys.data_ptr<float>();
  const float* vp = values.data_ptr<float>();
  const int64_t* pad = cache.pad().data_ptr<int64_t>();
  float* yp = y.data_ptr<float>();
  const float a = static_cast<float>(alpha);
  const int64_t slots = slot0 + t_count;
  if (t_count == 1 && row0 == 0 && rows == cache.rows()) {
    // A decode step over the whole cache: rows that share a prefix (KvCache sharing) run
    // together, reading the shared slots once. Groups of at most kMaxGroup rows.
    std::vector<std::vector<int64_t>> groups;
    std::vector<int64_t> group_of(rows, -1);
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t leader = cache.share_leader(r);  // <= r: its group exists already
      if (leader == r || groups[group_of[leader]].size() >= static_cast<size_t>(kMaxGroup)) {
        group_of[leader] = static_cast<int64_t>(groups.size());  // the leader's rows go on here
        groups.push_back({r});
      } else {
        groups[group_of[leader]].push_back(r);
      }
    }
    const int64_t tasks = static_cast<int64_t>(groups.size()) * heads;
    at::parallel_for(0, tasks, 1, [&](int64_t begin, int64_t end_task) {
      std::vector<float> scores(kMaxGroup * slots);
      const float* qs[kMaxGroup];
      const float *ko[kMaxGroup], *vo[kMaxGroup];
      float* ys[kMaxGroup];
      int64_t borrow[kMaxGroup];
      std::vector<Segment> lead_segments;
      for (int64_t task = begin; task < end_task; ++task) {
        const std::vector<int64_t>& members = groups[task / heads];
        const int64_t h = task % heads;
        // The group's leader lends its slots: it reads all of them (its spans, then its own
        // storage: KvCache invariants), while a follower may hold only its own tail.
        const int64_t lead = cache.share_leader(members.front());
        const int lead_count = LeadSegments(cache, layer, lead, h / per_kv, &lead_segments);
        const int m = static_cast<int>(members.size());
        for (int j = 0; j < m; ++j) {
          const int64_t r = members[j];
          const int64_t base = (r * kv_heads + h / per_kv) * capacity * dim;
          qs[j] = qp + (r * heads + h) * dim;
          ko[j] = kp + base;
          vo[j] = vp + base;
          ys[j] = yp + (r * heads + h) * dim;
          borrow[j] = cache.own_from(r);
        }
        AttendGroup(GroupArgs{m, qs, lead_segments.data(), lead_count, ko, vo, borrow, pad[lead], slots, dim, a,
                              scores.data(), ys});
      }
    });
    return y;
  }
  const int64_t grain = std::max<int64_t>(1, 32768 / std::max<int64_t>(1, slots * dim));
  // Task = (row, query, head), in memory order of q.
  at::parallel_for(0, rows * t_count * heads, grain, [&](int64_t begin, int64_t end) {
    std::vector<float> scores(slots);
    std::vector<Segment> lead_segments;
    for (int64_t i = begin; i < end; ++i) {
      const int64_t h = i % heads, t = (i / heads) % t_count, b = i / (heads * t_count);
      const int64_t row = row0 + b, first = pad[row], last = slot0 + t + 1;
      float* out = yp + i * dim;
      if (last <= first) {
        std::fill(out, out + dim, 0.f);
        continue;
      }
      // A group of one: a follower reads its shared slots from its leader, a row with spans
      // reads them there, and the rest from its own storage.
      const int64_t base = (row * kv_heads + h / per_kv) * capacity * dim;
      const float* q_row = qp + i * dim;
      const float *k_own = kp + base, *v_own = vp + base;
      const int64_t borrow = cache.own_from(row);
      const int lead_count = LeadSegments(cache, layer, cache.share_leader(row), h / per_kv, &lead_segments);
      AttendGroup(GroupArgs{1, &q_row, lead_segments.data(), lead_count, &k_own, &v_own, &borrow, first, last, dim,
                            a, scores.data(), &out});
    }
  });
  return y;
}

}  // namespace steptree

// Row-invariant y = x W^T + b (policy/model/row_invariant_gemm.h): panel packing, the AVX-512 and
// AVX2 register-tile kernels (float or bfloat16 panels), the scalar rule, and the row-block /
// panel-group driver.
//
// Invariant of every kernel here: element (m, n) is acc_K + b[n] with acc_0 = 0 and
// acc_{k+1} = fma(x[m,k], W[n,k], acc_k) — nothing else touches it, so all paths agree bit
// for bit and no tiling or threading choice can change a result.
#include "policy/model/row_invariant_gemm.h"

#include <ATen/Parallel.h>
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace steptree {
namespace {

constexpr int64_t kPanel = PackedWeight::kPanel;
constexpr int64_t kRowBlock = 128;    // rows of x kept hot while the panels stream past
constexpr int64_t kPanelGroup = 16;   // panels per task (256 output columns)

using Isa = VectorIsa;

Isa DetectIsa() {
  if (std::getenv("STEPTREE_GEMM_SCALAR") != nullptr) return Isa::kScalar;
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) return Isa::kAvx512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return Isa::kAvx2;
  return Isa::kScalar;
}

// Columns [n0, n0 + cols) of rows [0, rows) by the scalar rule, reading panels.
void ScalarTile(const float* x, int64_t rows, int64_t ldx, const PackedWeight& w, int64_t n0, int64_t cols,
                const float* bias, float* y, int64_t ldy) {
  const int64_t k = w.k();
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * ldx;
    for (int64_t c = 0; c < cols; ++c) {
      const int64_t n = n0 + c;
      float acc = 0.f;
      for (int64_t kk = 0; kk < k; ++kk) acc = std::fma(xr[kk], w.At(n, kk), acc);
      y[r * ldy + n] = bias != nullptr ? acc + bias[n] : acc;
    }
  }
}

// 16 weights of row kk of a panel as floats: loaded, or widened from bfloat16 (a bfloat16
// is the high half of a float: zero-extend to 32 bits, shift left 16).
template <bool kBf16>
__attribute__((target("avx512f"))) inline __m512 PanelRow512(const void* panel, int64_t kk) {
  if constexpr (kBf16) {
    const __m256i half = _mm256_load_si256(reinterpret_cast<const __m256i*>(static_cast<const uint16_t*>(panel) + kk * kPanel));
    // The maskz forms with a full mask: GCC 12's unmasked ones start from an "undefined"
    // register and warn -Wmaybe-uninitialized.
    const __mmask16 all = 0xFFFF;
    return _mm512_castsi512_ps(_mm512_maskz_slli_epi32(all, _mm512_maskz_cvtepu16_epi32(all, half), 16));
  } else {
    return _mm512_load_ps(static_cast<const float*>(panel) + kk * kPanel);
  }
}

// Columns 8 j .. 8 j + 7 (j = 0, 1) of row kk of a panel, as PanelRow512.
template <bool kBf16>
__attribute__((target("avx2,fma"))) inline __m256 PanelRow256(const void* panel, int64_t kk, int j) {
  if constexpr (kBf16) {
    const __m128i half =
        _mm_load_si128(reinterpret_cast<const __m128i*>(static_cast<const uint16_t*>(panel) + kk * kPanel + 8 * j));
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(half), 16));
  } else {
    return _mm256_load_ps(static_cast<const float*>(panel) + kk * kPanel + 8 * j);
  }
}

inline const void* PanelData(const PackedWeight& w, int64_t p) {
  return w.bf16() ? static_cast<const void*>(w.panel_bf16(p)) : static_cast<const void*>(w.panel(p));
}

// --- AVX-512: MR rows x NV panels (16 columns each) ---------------------------------------

template <int MR, int NV, bool kBf16>
__attribute__((target("avx512f"))) void Tile512(const float* x, int64_t ldx, const PackedWeight& w, int64_t p0,
                                                const float* bias, float* y, int64_t ldy) {
  const int64_t k = w.k();
  __m512 acc[MR][NV];
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r) {
#pragma GCC unroll 2
    for (int v = 0; v < NV; ++v) acc[r][v] = _mm512_setzero_ps();
  }
  const void* pw[NV];
  for (int v = 0; v < NV; ++v) pw[v] = PanelData(w, p0 + v);
  for (int64_t kk = 0; kk < k; ++kk) {
    __m512 wv[NV];
#pragma GCC unroll 2
    for (int v = 0; v < NV; ++v) wv[v] = PanelRow512<kBf16>(pw[v], kk);
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) {
      const __m512 xb = _mm512_set1_ps(x[r * ldx + kk]);
#pragma GCC unroll 2
      for (int v = 0; v < NV; ++v) acc[r][v] = _mm512_fmadd_ps(xb, wv[v], acc[r][v]);
    }
  }
  for (int v = 0; v < NV; ++v) {
    const int64_t n0 = (p0 + v) * kPanel;
    const int64_t valid = std::min<int64_t>(kPanel, w.n() - n0);
    const __mmask16 mask = static_cast<__mmask16>(valid >= 16 ? 0xFFFF : ((1u << valid) - 1));
    const __m512 b = bias != nullptr ? _mm512_maskz_loadu_ps(mask, bias + n0) : _mm512_setzero_ps();
    for (int r = 0; r < MR; ++r) {
      const __m512 out = bias != nullptr ? _mm512_add_ps(acc[r][v], b) : acc[r][v];
      _mm512_mask_storeu_ps(y + r * ldy + n0, mask, out);
    }
  }
}

using Tile512Fn = void (*)(const float*, int64_t, const PackedWeight&, int64_t, const float*, float*, int64_t);

template <int NV, bool kBf16>
Tile512Fn Pick512(int rows) {
  switch (rows) {
    case 1: return &Tile512<1, NV, kBf16>;
    case 2: return &Tile512<2, NV, kBf16>;
    case 3: return &Tile512<3, NV, kBf16>;
    case 4: return &Tile512<4, NV, kBf16>;
    case 5: return &Tile512<5, NV, kBf16>;
    case 6: return &Tile512<6, NV, kBf16>;
    case 7: return &Tile512<7, NV, kBf16>;
    default: return &Tile512<8, NV, kBf16>;
  }
}

Tile512Fn Pick512(int rows, bool pair, bool bf16) {
  if (bf16) return pair ? Pick512<2, true>(rows) : Pick512<1, true>(rows);
  return pair ? Pick512<2, false>(rows) : Pick512<1, false>(rows);
}

void Panels512(const float* x, int64_t rows, int64_t ldx, const PackedWeight& w, int64_t p_begin, int64_t p_end,
               const float* bias, float* y, int64_t ldy) {
  for (int64_t p = p_begin; p < p_end; p += 2) {
    const bool pair = p + 1 < p_end;
    for (int64_t r = 0; r < rows; r += 8) {
      const int mr = static_cast<int>(std::min<int64_t>(8, rows - r));
      Tile512Fn fn = Pick512(mr, pair, w.bf16());
      fn(x + r * ldx, ldx, w, p, bias, y + r * ldy, ldy);
    }
  }
}

// --- AVX2: MR rows x one panel (two 8-wide registers) --------------------------------------

template <int MR, bool kBf16>
__attribute__((target("avx2,fma"))) void Tile256(const float* x, int64_t ldx, const PackedWeight& w, int64_t p,
                                                 const float* bias, float* y, int64_t ldy) {
  const int64_t k = w.k();
  __m256 acc[MR][2];
#pragma GCC unroll 6
  for (int r = 0; r < MR; ++r) acc[r][0] = acc[r][1] = _mm256_setzero_ps();
  const void* pw = PanelData(w, p);
  for (int64_t kk = 0; kk < k; ++kk) {
    const __m256 w0 = PanelRow256<kBf16>(pw, kk, 0);
    const __m256 w1 = PanelRow256<kBf16>(pw, kk, 1);
#pragma GCC unroll 6
    for (int r = 0; r < MR; ++r) {
      const __m256 xb = _mm256_broadcast_ss(x + r * ldx + kk);
      acc[r][0] = _mm256_fmadd_ps(xb, w0, acc[r][0]);
      acc[r][1] = _mm256_fmadd_ps(xb, w1, acc[r][1]);
    }
  }
  const int64_t n0 = p * kPanel;
  const int64_t valid = std::min<int64_t>(kPanel, w.n() - n0);
  alignas(32) float out[kPanel];
  for (int r = 0; r < MR; ++r) {
    __m256 lo = acc[r][0], hi = acc[r][1];
    if (bias != nullptr && valid == kPanel) {
      lo = _mm256_add_ps(lo, _mm256_loadu_ps(bias + n0));
      hi = _mm256_add_ps(hi, _mm256_loadu_ps(bias + n0 + 8));
    }
    _mm256_store_ps(out, lo);
    _mm256_store_ps(out + 8, hi);
    float* yr = y + r * ldy + n0;
    if (valid == kPanel) {
      std::memcpy(yr, out, sizeof(out));
    } else {
      for (int64_t c = 0; c < valid; ++c) yr[c] = bias != nullptr ? out[c] + bias[n0 + c] : out[c];
    }
  }
}

using Tile256Fn = void (*)(const float*, int64_t, const PackedWeight&, int64_t, const float*, float*, int64_t);

template <bool kBf16>
Tile256Fn Pick256(int rows) {
  switch (rows) {
    case 1: return &Tile256<1, kBf16>;
    case 2: return &Tile256<2, kBf16>;
    case 3: return &Tile256<3, kBf16>;
    case 4: return &Tile256<4, kBf16>;
    case 5: return &Tile256<5, kBf16>;
    default: return &Tile256<6, kBf16>;
  }
}

void Panels256(const float* x, int64_t rows, int64_t ldx, const PackedWeight& w, int64_t p_begin, int64_t p_end,
               const float* bias, float* y, int64_t ldy) {
  for (int64_t p = p_begin; p < p_end; ++p) {
    for (int64_t r = 0; r < rows; r += 6) {
      const int mr = static_cast<int>(std::min<int64_t>(6, rows - r));
      (w.bf16() ? Pick256<true>(mr) : Pick256<false>(mr))(x + r * ldx, ldx, w, p, bias, y + r * ldy, ldy);
    }
  }
}

}  // namespace

void PackedWeight::Free::operator()(void* p) const { std::free(p); }

float WidenBf16(uint16_t bits) {
  const uint32_t word = static_cast<uint32_t>(bits) << 16;
  float f;
  std::memcpy(&f, &word, sizeof f);
  return f;
}

float PackedWeight::At(int64_t n, int64_t k) const {
  const int64_t offset = (n % kPanel) + k * kPanel;
  return bf16_ ? WidenBf16(panel_bf16(n / kPanel)[offset]) : panel(n / kPanel)[offset];
}

template <typename T>
void PackedWeight::Pack(const T* w) {
  if (n_ <= 0 || k_ <= 0) throw std::invalid_argument("PackedWeight: empty matrix");
  const int64_t elements = panels() * kPanel * k_;
  const size_t bytes = ((static_cast<size_t>(elements) * sizeof(T) + 63) / 64) * 64;
  void* data = std::aligned_alloc(64, bytes);
  if (data == nullptr) throw std::bad_alloc();
  data_.reset(data);
  std::memset(data, 0, bytes);
  T* packed = static_cast<T*>(data);
  for (int64_t p = 0; p < panels(); ++p) {
    T* dst = packed + p * kPanel * k_;
    for (int64_t c = 0; c < kPanel && p * kPanel + c < n_; ++c) {
      const T* row = w + (p * kPanel + c) * k_;
      for (int64_t kk = 0; kk < k_; ++kk) dst[kk * kPanel + c] = row[kk];
    }
  }
}

PackedWeight::PackedWeight(const float* w, int64_t n, int64_t k) : n_(n), k_(k) { Pack(w); }

PackedWeight::PackedWeight(const uint16_t* w_bf16, int64_t n, int64_t k) : n_(n), k_(k), bf16_(true) { Pack(w_bf16); }

void RowInvariantGemmReference(const float* x, int64_t rows, int64_t ldx, const PackedWeight& w, const float* bias,
                               float* y, int64_t ldy) {
  ScalarTile(x, rows, ldx, w, 0, w.n(), bias, y, ldy);
}

void RowInvariantGemm(const float* x, int64_t rows, int64_t ldx, const PackedWeight& w, const float* bias, float* y,
                      int64_t ldy) {
  if (rows <= 0) return;
  const Isa isa = DetectedVectorIsa();
  const int64_t panels = w.panels();
  const int64_t groups = (panels + kPanelGroup - 1) / kPanelGroup;
  const int64_t blocks = (rows + kRowBlock - 1) / kRowBlock;
  // One task = (row block, panel group); about 2 * 128 * 256 * K flops each.
  at::parallel_for(0, blocks * groups, 1, [&](int64_t begin, int64_t end) {
    for (int64_t task = begin; task < end; ++task) {
      const int64_t g = task % groups, b = task / groups;
      const int64_t r0 = b * kRowBlock, nr = std::min(kRowBlock, rows - r0);
      const int64_t p0 = g * kPanelGroup, p1 = std::min(panels, p0 + kPanelGroup);
      const float* xb = x + r0 * ldx;
      float* yb = y + r0 * ldy;
      switch (isa) {
        case Isa::kAvx512: Panels512(xb, nr, ldx, w, p0, p1, bias, yb, ldy); break;
        case Isa::kAvx2: Panels256(xb, nr, ldx, w, p0, p1, bias, yb, ldy); break;
        case Isa::kScalar: {
          const int64_t n0 = p0 * kPanel, n1 = std::min(w.n(), p1 * kPanel);
          ScalarTile(xb, nr, ldx, w, n0, n1 - n0, bias, yb, ldy);
          break;
        }
      }
    }
  });
}

VectorIsa DetectedVectorIsa() {
  static const VectorIsa isa = DetectIsa();
  return isa;
}

const char* RowInvariantGemmIsa() {
  switch (DetectedVectorIsa()) {
    case Isa::kAvx512: return "avx512";
    case Isa::kAvx2: return "avx2";
    case Isa::kScalar: return "scalar";
  }
  return "scalar";
}

}  // namespace steptree

// Vectorised exponentials of a logit row (policy/engine/exp_kernel.h): the scalar element
// function, its AVX-512 and AVX2 twins, and the lane sums.
#include "policy/engine/exp_kernel.h"

#include "policy/model/row_invariant_gemm.h"

#include <immintrin.h>

#include <cmath>
#include <cstring>
#include <limits>

namespace steptree {
namespace {

constexpr double kLowest = -708.0;                     // below: exp(x) = 0
constexpr double kLog2e = 1.4426950408889634074;        // 1 / ln 2
constexpr double kLn2Hi = 0.693147180559945286227;      // ln 2 rounded to double
constexpr double kLn2Lo = 2.319046813846299558e-17;     // ln 2 - kLn2Hi
constexpr double kTwo52 = 4503599627370496.0;           // 2^52: adding it puts an integer in the low bits
constexpr int kDegree = 12;
// 1 / k!, k = 0 .. 12.
constexpr double kInverseFactorial[kDegree + 1] = {1.0,
                                                   1.0,
                                                   0.5,
                                                   1.0 / 6,
                                                   1.0 / 24,
                                                   1.0 / 120,
                                                   1.0 / 720,
                                                   1.0 / 5040,
                                                   1.0 / 40320,
                                                   1.0 / 362880,
                                                   1.0 / 3628800,
                                                   1.0 / 39916800,
                                                   1.0 / 479001600};
constexpr int kLanes = 8;
// A full mask: the maskz forms of a few AVX-512 intrinsics, whose unmasked forms start from
// an "undefined" register that GCC 12 warns about (-Wmaybe-uninitialized).
constexpr __mmask8 kAll = 0xFF;

inline double Bits(uint64_t u) {
  double d;
  std::memcpy(&d, &u, sizeof d);
  return d;
}

inline uint64_t BitsOf(double d) {
  uint64_t u;
  std::memcpy(&u, &d, sizeof u);
  return u;
}

// x of element i (a NaN logit counts as -inf).
inline double Argument(float logit, double shift, double scale) {
  const double l = std::isnan(logit) ? -std::numeric_limits<double>::infinity() : static_cast<double>(logit);
  return (l - shift) * scale;
}

// The lane sums combined in the fixed order.
inline double CombineLanes(const double* s) { return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7])); }

__attribute__((target("avx512f"))) inline __m512d Exp512(__m512d x) {
  const __mmask8 zero = _mm512_cmp_pd_mask(x, _mm512_set1_pd(kLowest), _CMP_LT_OQ);
  x = _mm512_maskz_max_pd(kAll, x, _mm512_set1_pd(kLowest));
  const __m512d n =
      _mm512_maskz_roundscale_pd(kAll, _mm512_mul_pd(x, _mm512_set1_pd(kLog2e)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  const __m512d minus_n = _mm512_sub_pd(_mm512_setzero_pd(), n);
  __m512d r = _mm512_fmadd_pd(minus_n, _mm512_set1_pd(kLn2Hi), x);
  r = _mm512_fmadd_pd(minus_n, _mm512_set1_pd(kLn2Lo), r);
  __m512d p = _mm512_set1_pd(kInverseFactorial[kDegree]);
  for (int k = kDegree - 1; k >= 0; --k) p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(kInverseFactorial[k]));
  // 2^n: n + 1023 + 2^52 holds n + 1023 in its low mantissa bits; shifted up 52 it is the
  // exponent field of 2^n.
  const __m512i biased = _mm512_castpd_si512(_mm512_add_pd(n, _mm512_set1_pd(1023.0 + kTwo52)));
  const __m512d scale = _mm512_castsi512_pd(_mm512_maskz_slli_epi64(kAll, biased, 52));
  return _mm512_maskz_mul_pd(static_cast<__mmask8>(~zero), p, scale);
}

__attribute__((target("avx2,fma"))) inline __m256d Exp256(__m256d x) {
  const __m256d zero = _mm256_cmp_pd(x, _mm256_set1_pd(kLowest), _CMP_LT_OQ);
  x = _mm256_max_pd(x, _mm256_set1_pd(kLowest));
  const __m256d n = _mm256_round_pd(_mm256_mul_pd(x, _mm256_set1_pd(kLog2e)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  const __m256d minus_n = _mm256_sub_pd(_mm256_setzero_pd(), n);
  __m256d r = _mm256_fmadd_pd(minus_n, _mm256_set1_pd(kLn2Hi), x);
  r = _mm256_fmadd_pd(minus_n, _mm256_set1_pd(kLn2Lo), r);
  __m256d p = _mm256_set1_pd(kInverseFactorial[kDegree]);
  for (int k = kDegree - 1; k >= 0; --k) p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(kInverseFactorial[k]));
  const __m256i biased = _mm256_castpd_si256(_mm256_add_pd(n, _mm256_set1_pd(1023.0 + kTwo52)));
  const __m256d scale = _mm256_castsi256_pd(_mm256_slli_epi64(biased, 52));
  return _mm256_andnot_pd(zero, _mm256_mul_pd(p, scale));
}

// Elements [begin, n) by the scalar path, each added to its lane.
double ScalarTail(const float* logits, int64_t begin, int64_t n, double shift, double scale, double* weights,
                  double* lanes) {
  for (int64_t i = begin; i < n; ++i) {
    const double w = KernelExp(Argument(logits[i], shift, scale));
    if (weights != nullptr) weights[i] = w;
    lanes[i % kLanes] += w;
  }
  return CombineLanes(lanes);
}

// The argument of 8 logits as doubles, NaN as -inf.
__attribute__((target("avx512f"))) inline __m512d Arguments512(const float* logits, __m512d shift, __m512d scale) {
  __m512d l = _mm512_maskz_cvtps_pd(kAll, _mm256_loadu_ps(logits));
  const __mmask8 nan = _mm512_cmp_pd_mask(l, l, _CMP_UNORD_Q);
  l = _mm512_mask_blend_pd(nan, l, _mm512_set1_pd(-std::numeric_limits<double>::infinity()));
  return _mm512_mul_pd(_mm512_sub_pd(l, shift), scale);
}

__attribute__((target("avx512f"))) double Sum512(const float* logits, int64_t n, double shift, double scale,
                                                 double* weights) {
  const __m512d vshift = _mm512_set1_pd(shift), vscale = _mm512_set1_pd(scale);
  __m512d sums = _mm512_setzero_pd();
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    const __m512d w = Exp512(Arguments512(logits + i, vshift, vscale));
    if (weights != nullptr) _mm512_storeu_pd(weights + i, w);
    sums = _mm512_add_pd(sums, w);
  }
  alignas(64) double lanes[kLanes];
  _mm512_store_pd(lanes, sums);
  return ScalarTail(logits, i, n, shift, scale, weights, lanes);
}

__attribute__((target("avx2,fma"))) inline __m256d Arguments256(const float* logits, __m256d shift, __m256d scale) {
  __m256d l = _mm256_cvtps_pd(_mm_loadu_ps(logits));
  const __m256d nan = _mm256_cmp_pd(l, l, _CMP_UNORD_Q);
  l = _mm256_blendv_pd(l, _mm256_set1_pd(-std::numeric_limits<double>::infinity()), nan);
  return _mm256_mul_pd(_mm256_sub_pd(l, shift), scale);
}

__attribute__((target("avx2,fma"))) double Sum256(const float* logits, int64_t n, double shift, double scale,
                                                  double* weights) {
  const __m256d vshift = _mm256_set1_pd(shift), vscale = _mm256_set1_pd(scale);
  __m256d low = _mm256_setzero_pd(), high = _mm256_setzero_pd();  // lanes 0-3, 4-7
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    const __m256d w0 = Exp256(Arguments256(logits + i, vshift, vscale));
    const __m256d w1 = Exp256(Arguments256(logits + i + 4, vshift, vscale));
    if (weights != nullptr) {
      _mm256_storeu_pd(weights + i, w0);
      _mm256_storeu_pd(weights + i + 4, w1);
    }
    low = _mm256_add_pd(low, w0);
    high = _mm256_add_pd(high, w1);
  }
  alignas(32) double lanes[kLanes];
  _mm256_store_pd(lanes, low);
  _mm256_store_pd(lanes + 4, high);
  return ScalarTail(logits, i, n, shift, scale, weights, lanes);
}

}  // namespace

double KernelExp(double x) {
  if (x < kLowest) return 0.0;  // -inf included; x is never NaN (see Argument)
  const double n = std::nearbyint(x * kLog2e);
  const double minus_n = 0.0 - n;  // as the vector paths form it (+0 for n = 0)
  double r = std::fma(minus_n, kLn2Hi, x);
  r = std::fma(minus_n, kLn2Lo, r);
  double p = kInverseFactorial[kDegree];
  for (int k = kDegree - 1; k >= 0; --k) p = std::fma(p, r, kInverseFactorial[k]);
  const double scale = Bits(BitsOf(n + (1023.0 + kTwo52)) << 52);
  return p * scale;
}

double ExpShiftedSumScalar(const float* logits, int64_t n, double shift, double scale, double* weights) {
  double lanes[kLanes] = {0, 0, 0, 0, 0, 0, 0, 0};
  return ScalarTail(logits, 0, n, shift, scale, weights, lanes);
}

double ExpShiftedSum(const float* logits, int64_t n, double shift, double scale, double* weights) {
  switch (DetectedVectorIsa()) {
    case VectorIsa::kAvx512: return Sum512(logits, n, shift, scale, weights);
    case VectorIsa::kAvx2: return Sum256(logits, n, shift, scale, weights);
    case VectorIsa::kScalar: break;
  }
  return ExpShiftedSumScalar(logits, n, shift, scale, weights);
}

}  // namespace steptree

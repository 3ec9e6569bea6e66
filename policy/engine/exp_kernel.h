// The exponentials of sampling, vectorised: for a row of logits l_0 .. l_{n-1},
//
//   w_i = exp((L(l_i) - shift) * scale),   L(l) = -inf for a NaN logit, else l,
//   sum = the eight lane sums s_j = sum of w_i over i = j (mod 8), in increasing i,
//         combined as ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7)).
//
// Callers pass shift >= every L(l_i) and scale > 0 (the row's max logit and 1 or 1/T), so
// every x = (L(l_i) - shift) * scale is <= 0. Sampling calls this twice per row and token
// (the log-sum-exp of the log-probs, the tempered weights): over a 152k-token vocabulary,
// std::exp on each entry took a quarter of a Hugging Face model's search time.
//
// exp(x), in double (Cody & Waite 1980 reduction, Taylor polynomial):
//   x < -708: 0 (below 2^-1021, where 2^n would need a subnormal)
//   n = nearbyint(x log2(e)),  r = fma(-n, ln2_lo, fma(-n, ln2_hi, x)),  |r| <= ln(2)/2 + eps
//   P(r) = sum_{k=0..12} r^k / k! by Horner's rule, one fma per degree
//          (truncation r^13 / 13! < 2^-64 for |r| <= 0.35)
//   exp(x) = P(r) * 2^n, 2^n built from its bits (n + 1023 in the exponent field)
// within a few ulp of the true value.
//
// Invariant: the AVX-512, AVX2 and scalar paths perform the same IEEE operations, each
// correctly rounded (conversion, subtraction, multiplication, fma, round-to-nearest-even,
// exact bit assembly), in the same order on every element, and the lane sums add the same
// elements in the same order. So w_i and the sum are the same bits on every path, wherever
// i falls in a vector or the tail, whatever the row's length: a row samples the same token
// on any machine with the same float semantics, at any batch or thread count.
//
// No torch here.
#pragma once

#include <cstdint>

namespace steptree {

// Returns the sum above; writes w_i to weights[i] when weights is not null.
double ExpShiftedSum(const float* logits, int64_t n, double shift, double scale, double* weights);

// The scalar path alone (tests compare the vector paths with it bit for bit).
double ExpShiftedSumScalar(const float* logits, int64_t n, double shift, double scale, double* weights);

// exp(x) as above, one value (the scalar path's element function).
double KernelExp(double x);

}  // namespace steptree

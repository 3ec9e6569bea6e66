// Row-invariant matrix product for inference: y = x W^T + b, where every output element is
// computed by the same sequence of roundings whatever the number of rows, the row's place
// in the batch, the tile it falls in or the thread that computes it:
//
//   acc = 0;  for k = 0, 1, ..., K-1:  acc = fma(x[m,k], W[n,k], acc);   y[m,n] = acc + b[n]
//
// (one fused multiply-add per k, in increasing k, then one addition of the bias; fma is
// exactly rounded, so the AVX-512, AVX2 and scalar paths give the same bits).
//
// Why: search computes a token's keys and values once while decoding it (a batch of a few
// rows) and may recompute them later in a prefill (hundreds of rows), in a batch whose
// composition depends on the tree. BLAS sgemm does not promise equal results for different
// M: OpenBLAS 0.3.21 switches to "small matrix" kernels with another summation order for
// small products (measured: rows of x W^T differ by up to 3e-5 between M = 3 and M = 200
// for K = 128, N = 384). With this product, a prefix KV cache and cross-request batching
// change no bit of any logit, value or sampled token (policy/engine/prefix_cache.h).
//
// Layout: W is packed once into panels of 16 output columns, each panel [K][16] (the
// last panel zero-padded), so the kernel reads 16 consecutive weights per k.
//
// bfloat16 weights (Hugging Face models computed in bf16) keep their 16 bits in the panels,
// half the bytes to stream, and each is widened to float on load (exact: a bfloat16 is the
// high half of a float), so the rule above holds unchanged with W[n,k] = widen(w_bf16). The AVX-512
// kernel holds an 8-row x 32-column tile in 16 registers (two panels), broadcasting one x
// per row and k; rows are split into blocks of 128 so a block of x stays in L2 while the
// panels stream past it. Rows and panel pairs are spread over threads (at::parallel_for);
// no thread ever splits a sum over k.
//
// No torch in this header.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

namespace steptree {

// W [n, k] (row-major, as a torch Linear's weight) in the kernel's panel layout.
class PackedWeight {
 public:
  PackedWeight() = default;
  PackedWeight(const float* w, int64_t n, int64_t k);
  // bfloat16 weights, as raw 16-bit patterns (torch::kBFloat16 storage).
  PackedWeight(const uint16_t* w_bf16, int64_t n, int64_t k);

  int64_t n() const { return n_; }
  int64_t k() const { return k_; }
  bool bf16() const { return bf16_; }
  int64_t panels() const { return (n_ + kPanel - 1) / kPanel; }
  // Panel p: [k][16], columns 16 p .. 16 p + 15 (zeros past n); float panels ...
  const float* panel(int64_t p) const { return static_cast<const float*>(data_.get()) + p * kPanel * k_; }
  // ... or bfloat16 ones (bf16()).
  const uint16_t* panel_bf16(int64_t p) const { return static_cast<const uint16_t*>(data_.get()) + p * kPanel * k_; }
  // W[n, k] as the kernels read it (widened from bfloat16 when bf16()).
  float At(int64_t n, int64_t k) const;

  static constexpr int64_t kPanel = 16;

 private:
  struct Free {
    void operator()(void* p) const;
  };
  template <typename T>
  void Pack(const T* w);
  int64_t n_ = 0, k_ = 0;
  bool bf16_ = false;
  std::unique_ptr<void, Free> data_;  // 64-byte aligned
};

// The float a bfloat16 bit pattern stands for (exact).
float WidenBf16(uint16_t bits);

// y[m, :] = x[m, :] W^T + bias for m < rows, by the rule above. x has row stride ldx (>= k),
// y row stride ldy (>= n); bias may be null (then acc alone). Uses the calling thread's
// torch intra-op threads.
void RowInvariantGemm(const float* x, int64_t rows, int64_t ldx, const PackedWeight& w, const float* bias, float* y,
                      int64_t ldy);

// The plain scalar loop of the rule (std::fma), for tests: the kernels must equal it bit
// for bit.
void RowInvariantGemmReference(const float* x, int64_t rows, int64_t ldx, const PackedWeight& w, const float* bias,
                               float* y, int64_t ldy);

// The vector instructions the fixed-rule kernels use on this CPU (this product, and the
// exponentials of sampling, policy/engine/exp_kernel.h): AVX-512F, else AVX2 with FMA, else
// scalar code; scalar whenever STEPTREE_GEMM_SCALAR is set. Detected once.
enum class VectorIsa { kAvx512, kAvx2, kScalar };
VectorIsa DetectedVectorIsa();

// Which kernel RowInvariantGemm runs on this CPU: "avx512", "avx2" or "scalar".
const char* RowInvariantGemmIsa();

}  // namespace steptree

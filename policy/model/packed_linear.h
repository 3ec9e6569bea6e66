// The row-invariant product (policy/model/row_invariant_gemm.h) as a torch Linear for inference:
//
//   y[..., n] = sum_k x[..., k] W[n, k] + b[n]     (summed as row_invariant_gemm.h says)
//
// Each weight tensor is packed once and the packing is kept until the tensor changes: an
// entry remembers the tensor's storage pointer and version counter (bumped by every in-place
// write: an optimizer step, a checkpoint load), and a changed tensor is packed again on its
// next use. Safe to call from several threads at once. Include only from torch translation
// units.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>

#include <torch/torch.h>

#include "policy/model/row_invariant_gemm.h"

namespace steptree {

class PackedLinears {
 public:
  // x float [..., K] on the CPU, weight float or bfloat16 [N, K] (packed as it is: a
  // bfloat16 weight streams half the bytes), bias float [N] or undefined; no autograd; y
  // float. Other dtypes or devices fall back to torch's linear (not row-invariant).
  torch::Tensor Apply(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias) const;

 private:
  struct Entry {
    const void* data = nullptr;
    int64_t version = -1;
    std::shared_ptr<const PackedWeight> packed;
  };
  std::shared_ptr<const PackedWeight> Packed(const torch::Tensor& weight) const;

  mutable std::mutex mutex_;
  mutable std::unordered_map<const void*, Entry> entries_;  // by TensorImpl; guarded by mutex_
};

}  // namespace steptree

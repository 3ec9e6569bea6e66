// Packed-weight cache and the torch wrapper of the row-invariant product
// (policy/model/packed_linear.h).
#include "policy/model/packed_linear.h"

namespace steptree {

std::shared_ptr<const PackedWeight> PackedLinears::Packed(const torch::Tensor& weight) const {
  const void* key = weight.unsafeGetTensorImpl();
  const void* data = weight.data_ptr();
  const int64_t version = static_cast<int64_t>(weight._version());
  std::lock_guard<std::mutex> lock(mutex_);
  Entry& entry = entries_[key];
  if (entry.packed == nullptr || entry.data != data || entry.version != version) {
    const torch::Tensor w = weight.contiguous();
    if (w.scalar_type() == torch::kBFloat16) {
      entry.packed = std::make_shared<const PackedWeight>(reinterpret_cast<const uint16_t*>(w.data_ptr<at::BFloat16>()),
                                                          w.size(0), w.size(1));
    } else {
      entry.packed = std::make_shared<const PackedWeight>(w.data_ptr<float>(), w.size(0), w.size(1));
    }
    entry.data = data;
    entry.version = version;
  }
  return entry.packed;
}

torch::Tensor PackedLinears::Apply(const torch::Tensor& x, const torch::Tensor& weight,
                                   const torch::Tensor& bias) const {
  const bool fits = x.device().is_cpu() && weight.device().is_cpu() && x.scalar_type() == torch::kFloat32 &&
                    (weight.scalar_type() == torch::kFloat32 || weight.scalar_type() == torch::kBFloat16) &&
                    weight.dim() == 2 && x.size(-1) == weight.size(1) &&
                    (!bias.defined() || (bias.scalar_type() == torch::kFloat32 && bias.is_contiguous()));
  if (!fits) return torch::nn::functional::linear(x, weight, bias);
  torch::NoGradGuard no_grad;
  const std::shared_ptr<const PackedWeight> packed = Packed(weight);
  const int64_t k = weight.size(1), n = weight.size(0);
  const torch::Tensor rows = x.reshape({-1, k}).contiguous();
  std::vector<int64_t> shape = x.sizes().vec();
  shape.back() = n;
  torch::Tensor y = torch::empty(shape, x.options());
  RowInvariantGemm(rows.data_ptr<float>(), rows.size(0), k, *packed, bias.defined() ? bias.data_ptr<float>() : nullptr,
                   y.data_ptr<float>(), n);
  return y;
}

}  // namespace steptree

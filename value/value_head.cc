// The tanh value head (value/value_head.h).
#include "value/value_head.h"

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>

namespace steptree {

ValueHeadImpl::ValueHeadImpl(int64_t d_model, double dropout, uint64_t seed) {
  v_head = register_module("v_head", torch::nn::Linear(d_model, 1));
  dropout_ = register_module("dropout", torch::nn::Dropout(dropout));
  ResetParameters(seed);
}

torch::Tensor ValueHeadImpl::Forward(const torch::Tensor& hidden) {
  return torch::tanh(v_head->forward(dropout_->forward(hidden))).squeeze(-1);
}

torch::Tensor ValueHeadImpl::Infer(const torch::Tensor& hidden) const {
  torch::NoGradGuard no_grad;
  torch::Tensor v = packed_.Apply(hidden, v_head->weight, v_head->bias).squeeze(-1).contiguous();
  if (!v.device().is_cpu() || v.scalar_type() != torch::kFloat32) return torch::tanh(v);
  // Element by element: torch's vectorised tanh takes another path for a lone element.
  float* p = v.data_ptr<float>();
  for (int64_t i = 0; i < v.numel(); ++i) p[i] = std::tanh(p[i]);
  return v;
}

void ValueHeadImpl::ResetParameters(uint64_t seed) {
  torch::NoGradGuard no_grad;
  auto generator = at::make_generator<at::CPUGeneratorImpl>(seed);
  v_head->weight.normal_(0.0, 0.02, generator);
  v_head->bias.zero_();
}

}  // namespace steptree

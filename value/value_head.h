// The tanh value head (AlphaMath, Chen et al. 2024, sec. 3; the AlphaZero value head of
// Silver et al. 2017 put on a language model's last hidden state):
//
//   V(s) = tanh(w . Dropout(h_s) + b)  in (-1, 1)
//
// h_s is the final-LayerNorm hidden state of the policy at the last content token of the
// partial solution s (for a step, the position whose logits predicted the step's delimiter
// or EOS; for the question alone, the last prompt token). The head shares the backbone:
// a value costs one dot product on a hidden state the policy computes anyway.
//
// Fresh head: w ~ N(0, 0.02), b = 0 (seeded), so V starts near 0 for every state.
// Dropout (p = 0.1) acts only in train(); inference always runs the module in eval().
// Parameter names: "v_head.weight" [1, D], "v_head.bias" [1]. Include only from torch
// translation units.
#pragma once

#include <cstdint>

#include <torch/torch.h>

#include "policy/model/packed_linear.h"

namespace steptree {

class ValueHeadImpl : public torch::nn::Module {
 public:
  ValueHeadImpl(int64_t d_model, double dropout, uint64_t seed);
  // hidden float [..., D] -> values float [...] in (-1, 1).
  torch::Tensor Forward(const torch::Tensor& hidden);
  // The same in inference (no dropout, no autograd) through the row-invariant product, so
  // a state's value does not depend on the batch it is computed in (policy/model/packed_linear.h).
  torch::Tensor Infer(const torch::Tensor& hidden) const;
  // Re-draws the weight from N(0, 0.02) with its own generator; zero bias.
  void ResetParameters(uint64_t seed);

  torch::nn::Linear v_head{nullptr};

 private:
  torch::nn::Dropout dropout_{nullptr};
  PackedLinears packed_;
};
TORCH_MODULE(ValueHead);

}  // namespace steptree

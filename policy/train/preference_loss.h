// The pairwise step-preference loss of policy/train/step_preference.h on a batch of pairs,
// through the policy's training forward. Include only from torch translation units.
//
//   l(side)  = sum over the side's scored positions i of log softmax(logits[i-1])[ids[i]]
//   margin   = l(chosen) - l(rejected)
//   L_pairs  = mean over pairs of softplus(-beta * margin)
#pragma once

#include <vector>

#include <torch/torch.h>

#include "policy/train/step_preference.h"

namespace steptree {

class CausalLm;  // policy/model/causal_lm.h

struct PreferenceForward {
  torch::Tensor loss;     // scalar mean softplus(-beta * margin)
  torch::Tensor margins;  // float [P]: l(chosen) - l(rejected), one per pair
};

// One forward of the 2P rows (chosen then rejected of each pair), right-padded with
// `pad_id`. `pairs` must be non-empty.
PreferenceForward ForwardPreferences(CausalLm& model, const std::vector<const PreferenceExample*>& pairs,
                                     double beta, int pad_id);

// The margins of `pairs` without gradients and in eval mode (the model's mode restored
// after), in batches of at most `batch_pairs` pairs.
std::vector<double> PreferenceMargins(CausalLm& model, const std::vector<PreferenceExample>& pairs, int pad_id,
                                      int batch_pairs);

}  // namespace steptree

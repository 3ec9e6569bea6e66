// Per-row token sampling from logits (no torch here).
//
//   greedy        temperature <= 0: argmax, ties to the lowest id
//   temperature   p_i ∝ exp(l_i / T)
//   top-k         keep the k largest logits (Fan et al. 2018); ties broken by lower id
//   top-p         nucleus sampling (Holtzman et al. 2019): keep the smallest prefix of the
//                 tokens sorted by probability whose mass reaches top_p (after top-k and
//                 temperature); the most likely token is always kept
//
// The reported log-prob is always that of the chosen token under the untempered model,
// log_softmax(logits)[id], whatever the sampling transform: it is what step priors and
// the logprob_sum of StepCandidate are built from.
//
// The exponentials (the log-sum-exp and the tempered weights) come from
// policy/engine/exp_kernel.h: vectorised, the same bits on every path and position.
//
// Reproducibility: a draw consumes exactly one uniform from the row's own Rng (none when
// greedy), and the result depends only on the logits and that Rng: never on the batch, the
// thread count or the order in which rows are sampled.
#pragma once

#include <cstdint>
#include <vector>

#include "core/rng.h"
#include "core/step.h"

namespace steptree {

struct SampledToken {
  int id = 0;
  double logprob = 0;  // log_softmax(logits)[id]
};

// Reusable scratch so that sampling a row allocates nothing in steady state.
struct SamplingScratch {
  std::vector<int> order;
  std::vector<double> weights;
  std::vector<float> gathered;  // the truncated candidates' logits, in order
};

// Samples one token from logits[0..vocab). NaN logits are treated as -inf; at least one
// logit must be finite.
SampledToken SampleToken(const float* logits, int vocab, const StepSampling& params, Rng* rng,
                         SamplingScratch* scratch);

// log_softmax(logits)[id] in double precision.
double TokenLogProb(const float* logits, int vocab, int id);

}  // namespace steptree

// The built-in policy and its value head behind the search interface (search/backend.h).
// No torch in this header.
//
// Expand      one GenerateSteps call for every (state, seed) pair of the batch: identical
//             states are prefilled once, each candidate samples from its own seeded stream,
//             and each candidate's value comes from the hidden state that sampled its last
//             token (policy/step_generator.h), so scoring costs no extra model call.
// Rollout     GenerateSolutions: whole solutions, one KV cache per row across steps.
// Evaluate    one prefill of the states; V is read at each state's last content token
//             (a trailing step delimiter is not fed), the same position a step's value
//             is read at when the step is generated.
//
// Without a trained value head every value is 0 (a fresh head's N(0, 0.02) noise would only
// add arbitrary tie-breaks). States the model cannot extend (context full) yield kContext
// candidates instead of an error.
#pragma once

#include "search/backend.h"

namespace steptree {

class Policy;

class PolicyBackend final : public SearchBackend {
 public:
  explicit PolicyBackend(const Policy& policy);

  std::vector<int> EncodeQuestion(const std::string& question) const override;
  int max_state_tokens() const override;
  bool has_value_head() const override;
  std::vector<std::vector<StepCandidate>> Expand(const std::vector<ExpansionRequest>& requests,
                                                 const StepSampling& sampling, Budget* budget) const override;
  std::vector<std::vector<StepCandidate>> Rollout(const std::vector<int>& state, const std::vector<uint64_t>& seeds,
                                                  const StepSampling& sampling, int max_steps,
                                                  Budget* budget) const override;
  std::vector<float> Evaluate(const std::vector<std::vector<int>>& states, Budget* budget) const override;

 private:
  const Policy& policy_;
};

// Gives the calling thread `threads` torch intra-op threads (the search runner calls this
// once in every worker with 1: problems run in parallel, one core each, so torch and TBB
// never oversubscribe the cores and every problem computes exactly as with --threads 1).
void SetTorchThreadsForThisThread(int threads);

}  // namespace steptree

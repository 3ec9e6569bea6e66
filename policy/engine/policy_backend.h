// The built-in policy and its value head behind the search interface (search/backend.h).
// No torch in this header.
//
// Expand      one GenerateJobs batch of every (state, seed) pair (ExpandMany with one job): identical
//             states are prefilled once, each candidate samples from its own seeded stream,
//             and each candidate's value comes from the hidden state that sampled its last
//             token (policy/engine/step_generator.h), so scoring costs no extra model call.
// Rollout     GenerateSolutions: whole solutions, one KV cache per row across steps.
// Evaluate    one prefill of the states; V is read at each state's last content token
//             (a trailing step delimiter is not fed), the same position a step's value
//             is read at when the step is generated.
// ForProblem  a backend for one tree with a prefix KV cache (policy/engine/prefix_cache.h): each
//             expansion prefills only the tokens no earlier call of this tree computed
//             (usually one: the delimiter of the step that made the state). Results are
//             bit-identical with or without it; Budget::prefill_tokens counts the tokens
//             computed and Budget::cached_tokens those reused.
//
// Without a trained value head every value is 0 (a fresh head's N(0, 0.02) noise would only
// add arbitrary tie-breaks). States the model cannot extend (context full) yield kContext
// candidates instead of an error.
#pragma once

#include "search/backend.h"

namespace steptree {

class Policy;
class PrefixKvCache;

// Default prefix KV cache budget of one search tree (--kv-cache-mb).
inline constexpr int64_t kDefaultKvCacheMbPerTree = 256;

class PolicyBackend final : public SearchBackend {
 public:
  // kv_cache_bytes_per_tree: the prefix KV cache of each problem's search (ForProblem);
  // 0 turns reuse off. The cache is used only with a row-invariant model (causal_lm.h).
  explicit PolicyBackend(const Policy& policy, int64_t kv_cache_bytes_per_tree = kDefaultKvCacheMbPerTree << 20);
  ~PolicyBackend() override;

  std::vector<int> EncodeQuestion(const std::string& question) const override;
  int max_state_tokens() const override;
  bool has_value_head() const override;
  std::vector<std::vector<StepCandidate>> Expand(const std::vector<ExpansionRequest>& requests,
                                                 const StepSampling& sampling, Budget* budget) const override;
  std::vector<std::vector<StepCandidate>> Rollout(const std::vector<int>& state, const std::vector<uint64_t>& seeds,
                                                  const StepSampling& sampling, int max_steps,
                                                  Budget* budget) const override;
  std::vector<float> Evaluate(const std::vector<std::vector<int>>& states, Budget* budget) const override;
  // One torch intra-op thread for the calling worker (SetTorchThreadsForThisThread(1)).
  void PrepareWorkerThread() const override;
  // A backend with its own prefix KV cache (none when the budget is 0).
  std::unique_ptr<SearchBackend> ForProblem() const override;
  // One GenerateJobs call for every job's (state, seed) pairs, each job with its tree's
  // prefix cache and its own budget, exactly as alone (policy/engine/step_generator.h).
  std::vector<std::vector<std::vector<StepCandidate>>> ExpandMany(const std::vector<ExpandJob>& jobs,
                                                                  const StepSampling& sampling) const override;

 private:
  const Policy& policy_;
  int64_t kv_cache_bytes_;
  // Per-problem backends only: the tree's prefix cache (const methods fill it).
  std::unique_ptr<PrefixKvCache> prefix_cache_;
};

// Gives the calling thread `threads` torch intra-op threads (the search runner calls this
// once in every worker with 1: problems run in parallel, one core each, so torch and TBB
// never oversubscribe the cores and every problem computes exactly as with --threads 1).
void SetTorchThreadsForThisThread(int threads);

}  // namespace steptree

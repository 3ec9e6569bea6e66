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
// OpenTree    a prefix KV cache for one tree (policy/engine/prefix_cache.h), kept here under
//             the returned id until CloseTree: each expansion of that tree prefills only the
//             tokens no earlier call of the tree computed (usually one: the delimiter of the
//             step that made the state). Results are bit-identical with or without it;
//             Budget::prefill_tokens counts the tokens computed and Budget::cached_tokens
//             those reused.
//
// Without a trained value head every value is 0 (a fresh head's N(0, 0.02) noise would only
// add arbitrary tie-breaks). States the model cannot extend (context full) yield kContext
// candidates instead of an error.
#pragma once

#include <map>
#include <memory>
#include <mutex>

#include "search/backend.h"

namespace steptree {

class Policy;
class PrefixKvCache;

// Default prefix KV cache budget of one search tree (--kv-cache-mb).
inline constexpr int64_t kDefaultKvCacheMbPerTree = 256;

class PolicyBackend final : public SearchBackend {
 public:
  // kv_cache_bytes_per_tree: the prefix KV cache of each problem's search (OpenTree);
  // 0 turns reuse off. The cache is used only with a row-invariant model (causal_lm.h).
  explicit PolicyBackend(const Policy& policy, int64_t kv_cache_bytes_per_tree = kDefaultKvCacheMbPerTree << 20);
  ~PolicyBackend() override;

  std::vector<int> EncodeQuestion(const std::string& question) const override;
  int max_state_tokens() const override;
  bool has_value_head() const override;
  std::vector<std::vector<StepCandidate>> Expand(TreeId tree, const std::vector<ExpansionRequest>& requests,
                                                 const StepSampling& sampling, Budget* budget) const override;
  std::vector<std::vector<StepCandidate>> Rollout(TreeId tree, const std::vector<int>& state, const std::vector<uint64_t>& seeds,
                                                  const StepSampling& sampling, int max_steps,
                                                  Budget* budget) const override;
  std::vector<float> Evaluate(TreeId tree, const std::vector<std::vector<int>>& states, Budget* budget) const override;
  // One torch intra-op thread for the calling worker (SetTorchThreadsForThisThread(1)).
  void PrepareWorkerThread() const override;
  // A tree with its own prefix KV cache (kNoTree when the budget is 0 or the model is not
  // row-invariant, policy/model/causal_lm.h).
  TreeId OpenTree() const override;
  void CloseTree(TreeId tree) const override;
  // One GenerateJobs call for every job's (state, seed) pairs, each job with its tree's
  // prefix cache and its own budget, exactly as alone (policy/engine/step_generator.h).
  std::vector<std::vector<std::vector<StepCandidate>>> ExpandMany(const std::vector<ExpandJob>& jobs,
                                                                  const StepSampling& sampling) const override;

 private:
  // The prefix cache of an open tree; null for kNoTree. Throws std::logic_error for an id
  // this backend did not hand out or already closed.
  PrefixKvCache* CacheOf(TreeId tree) const;

  const Policy& policy_;
  const int64_t kv_cache_bytes_;
  // Open trees' caches. A cache is used by one thread at a time (its tree's search, or the
  // cross-tree batch holding that tree's call), so the lock guards only the map itself.
  mutable std::mutex trees_mutex_;
  mutable std::map<TreeId, std::unique_ptr<PrefixKvCache>> trees_;  // guarded by trees_mutex_
  mutable TreeId next_tree_ = kNoTree + 1;                           // guarded by trees_mutex_
};

// Gives the calling thread `threads` torch intra-op threads (the search runner calls this
// once in every worker with 1: problems run in parallel, one core each, so torch and TBB
// never oversubscribe the cores and every problem computes exactly as with --threads 1).
void SetTorchThreadsForThisThread(int threads);

}  // namespace steptree

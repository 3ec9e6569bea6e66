// A SearchBackend decorator that measures what search asks of the model (`steptree bench`):
// how many rows each call carries (the batch-size histogram), how much model work the calls
// did (the Budget counters) and how long the calls took (wall time inside the backend).
// No torch here: it wraps any SearchBackend, the policy's or the fake one.
//
// Rows of a call: Expand, the candidates of all its requests (sum of seeds.size()), which is
// the generator's batch before any row finishes; Rollout, seeds.size(); Evaluate,
// states.size(). Decode batch: generated tokens / forward passes over the Expand and Rollout
// calls, i.e. the mean number of rows that produce a token per forward pass (rows shrink as
// they finish, so it is at most the call's rows).
//
// Thread safety: every method may be called from several search workers at once; the
// counters are guarded by one mutex (held only to add a finished call's figures, never
// around the inner backend's work). Tree ids (the inner backend's per-tree prefix KV cache)
// pass through unchanged.
#pragma once

#include <map>
#include <memory>
#include <mutex>

#include "search/backend.h"

namespace steptree::bench {

// What the calls through a CountingBackend added up to.
struct BackendCallStats {
  std::map<int, long> rows_histogram;  // rows of a call -> calls (Expand, Rollout, Evaluate)
  long calls = 0;                      // every call
  long rows = 0;                       // sum of rows over every call
  long states = 0;                     // states sent: Expand requests, Rollout states, Evaluate states
  long state_tokens = 0;               // their tokens (question + steps so far)
  double inside_seconds = 0;           // wall time inside the wrapped backend, summed over calls
  Budget generating;                   // Budget added by Expand and Rollout calls
  Budget evaluating;                   // Budget added by Evaluate calls

  // Mean rows per call (0 without calls).
  double MeanCallRows() const;
  // state_tokens / states (0 without states): how long the prefixes search sends are.
  double MeanStateTokens() const;
  // generating.generated_tokens / generating.forward_calls (0 without forward passes).
  double MeanDecodeBatch() const;
};

class CountingBackend final : public ForwardingBackend {
 public:
  // `inner` must outlive this decorator.
  explicit CountingBackend(const SearchBackend& inner) : ForwardingBackend(inner) {}

  std::vector<std::vector<StepCandidate>> Expand(TreeId tree, const std::vector<ExpansionRequest>& requests,
                                                 const StepSampling& sampling, Budget* budget) const override;
  std::vector<std::vector<StepCandidate>> Rollout(TreeId tree, const std::vector<int>& state, const std::vector<uint64_t>& seeds,
                                                  const StepSampling& sampling, int max_steps,
                                                  Budget* budget) const override;
  std::vector<float> Evaluate(TreeId tree, const std::vector<std::vector<int>>& states, Budget* budget) const override;

  // A copy of the counters so far.
  BackendCallStats stats() const;
  // Zeroes the counters (between measured runs).
  void Reset();

 private:
  // Adds one finished call of `rows` rows over `states` states of `state_tokens` tokens. `work` is the Budget the call added; `generating` says whether
  // it was an Expand/Rollout (true) or an Evaluate (false).
  void Record(int rows, long states, long state_tokens, double seconds, const Budget& work, bool generating) const;

  struct Counters {
    std::mutex mutex;
    BackendCallStats stats;  // guarded by mutex
  };
  mutable Counters counters_;
};

}  // namespace steptree::bench

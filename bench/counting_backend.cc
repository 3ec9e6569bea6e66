// The measuring decorator of `steptree bench` (bench/counting_backend.h).
#include "bench/counting_backend.h"

#include <chrono>

#include "bench/timing.h"

namespace steptree::bench {
namespace {

// Passes the call's own work on to the caller's budget (which may be null).
void Forward(const Budget& work, Budget* budget) {
  if (budget != nullptr) *budget += work;
}

}  // namespace

double BackendCallStats::MeanCallRows() const { return calls > 0 ? static_cast<double>(rows) / calls : 0.0; }

double BackendCallStats::MeanStateTokens() const {
  return states > 0 ? static_cast<double>(state_tokens) / states : 0.0;
}

double BackendCallStats::MeanDecodeBatch() const {
  return generating.forward_calls > 0
             ? static_cast<double>(generating.generated_tokens) / generating.forward_calls
             : 0.0;
}

std::vector<std::vector<StepCandidate>> CountingBackend::Expand(TreeId tree, const std::vector<ExpansionRequest>& requests,
                                                                const StepSampling& sampling,
                                                                Budget* budget) const {
  int rows = 0;
  long state_tokens = 0;
  for (const ExpansionRequest& request : requests) {
    rows += static_cast<int>(request.seeds.size());
    state_tokens += static_cast<long>(request.state.size());
  }
  Budget work;
  const Clock::time_point start = Clock::now();
  std::vector<std::vector<StepCandidate>> out = inner_.Expand(tree, requests, sampling, &work);
  Record(rows, static_cast<long>(requests.size()), state_tokens, SecondsSince(start), work, /*generating=*/true);
  Forward(work, budget);
  return out;
}

std::vector<std::vector<StepCandidate>> CountingBackend::Rollout(TreeId tree, const std::vector<int>& state,
                                                                 const std::vector<uint64_t>& seeds,
                                                                 const StepSampling& sampling, int max_steps,
                                                                 Budget* budget) const {
  Budget work;
  const Clock::time_point start = Clock::now();
  std::vector<std::vector<StepCandidate>> out = inner_.Rollout(tree, state, seeds, sampling, max_steps, &work);
  Record(static_cast<int>(seeds.size()), 1, static_cast<long>(state.size()), SecondsSince(start), work,
         /*generating=*/true);
  Forward(work, budget);
  return out;
}

std::vector<float> CountingBackend::Evaluate(TreeId tree, const std::vector<std::vector<int>>& states, Budget* budget) const {
  long state_tokens = 0;
  for (const std::vector<int>& state : states) state_tokens += static_cast<long>(state.size());
  Budget work;
  const Clock::time_point start = Clock::now();
  std::vector<float> out = inner_.Evaluate(tree, states, &work);
  Record(static_cast<int>(states.size()), static_cast<long>(states.size()), state_tokens, SecondsSince(start), work,
         /*generating=*/false);
  Forward(work, budget);
  return out;
}

void CountingBackend::Record(int rows, long states, long state_tokens, double seconds, const Budget& work,
                             bool generating) const {
  std::lock_guard<std::mutex> lock(counters_.mutex);
  BackendCallStats& stats = counters_.stats;
  ++stats.rows_histogram[rows];
  ++stats.calls;
  stats.rows += rows;
  stats.states += states;
  stats.state_tokens += state_tokens;
  stats.inside_seconds += seconds;
  (generating ? stats.generating : stats.evaluating) += work;
}

BackendCallStats CountingBackend::stats() const {
  std::lock_guard<std::mutex> lock(counters_.mutex);
  return counters_.stats;
}

void CountingBackend::Reset() {
  std::lock_guard<std::mutex> lock(counters_.mutex);
  counters_.stats = BackendCallStats();
}

}  // namespace steptree::bench

// One problem's search in a backend: opens the backend's per-tree state (SearchBackend::
// OpenTree) on construction, closes it on destruction, and passes the tree's id to every
// call. Strategies (greedy, maj, bon, sbs, mcts, dvts) take a TreeSession, so the state of
// one tree (the policy's prefix KV cache) reaches the backend on every call without any
// strategy knowing it exists. A session is used by one thread at a time.
#pragma once

#include <string>
#include <vector>

#include "search/backend.h"

namespace steptree {

class TreeSession {
 public:
  // Implicit on purpose: a strategy called with a bare backend searches in a tree of its
  // own, opened for that call and closed after it, with the default step controls.
  TreeSession(const SearchBackend& backend) : TreeSession(backend, StepSampling()) {}  // NOLINT
  // `controls`: the step controls of the run (search/config.h StepControlsOf): every Expand
  // and Rollout decodes with them and the strategy's temperature.
  TreeSession(const SearchBackend& backend, const StepSampling& controls)
      : backend_(backend), tree_(backend.OpenTree()), controls_(controls) {}
  ~TreeSession() { backend_.CloseTree(tree_); }
  TreeSession(const TreeSession&) = delete;
  TreeSession& operator=(const TreeSession&) = delete;

  const SearchBackend& backend() const { return backend_; }
  TreeId tree() const { return tree_; }

  std::vector<int> EncodeQuestion(const std::string& question) const { return backend_.EncodeQuestion(question); }
  int max_state_tokens() const { return backend_.max_state_tokens(); }
  bool has_value_head() const { return backend_.has_value_head(); }
  // A solution's steps may hold this many tokens (0: no limit but the context).
  int max_new_tokens() const { return controls_.max_new_tokens; }
  // `sampling`'s temperature with the run's step controls.
  std::vector<std::vector<StepCandidate>> Expand(const std::vector<ExpansionRequest>& requests,
                                                 const StepSampling& sampling, Budget* budget) const {
    return backend_.Expand(tree_, requests, Controlled(sampling), budget);
  }
  std::vector<std::vector<StepCandidate>> Rollout(const std::vector<int>& state, const std::vector<uint64_t>& seeds,
                                                  const StepSampling& sampling, int max_steps,
                                                  Budget* budget) const {
    return backend_.Rollout(tree_, state, seeds, Controlled(sampling), max_steps, budget);
  }
  std::vector<float> Evaluate(const std::vector<std::vector<int>>& states, Budget* budget) const {
    return backend_.Evaluate(tree_, states, budget);
  }

 private:
  StepSampling Controlled(const StepSampling& sampling) const {
    StepSampling controlled = controls_;
    controlled.temperature = sampling.temperature;
    return controlled;
  }

  const SearchBackend& backend_;
  const TreeId tree_;
  const StepSampling controls_;
};

}  // namespace steptree

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
  // own, opened for that call and closed after it.
  TreeSession(const SearchBackend& backend) : backend_(backend), tree_(backend.OpenTree()) {}  // NOLINT
  ~TreeSession() { backend_.CloseTree(tree_); }
  TreeSession(const TreeSession&) = delete;
  TreeSession& operator=(const TreeSession&) = delete;

  const SearchBackend& backend() const { return backend_; }
  TreeId tree() const { return tree_; }

  std::vector<int> EncodeQuestion(const std::string& question) const { return backend_.EncodeQuestion(question); }
  int max_state_tokens() const { return backend_.max_state_tokens(); }
  bool has_value_head() const { return backend_.has_value_head(); }
  std::vector<std::vector<StepCandidate>> Expand(const std::vector<ExpansionRequest>& requests,
                                                 const StepSampling& sampling, Budget* budget) const {
    return backend_.Expand(tree_, requests, sampling, budget);
  }
  std::vector<std::vector<StepCandidate>> Rollout(const std::vector<int>& state, const std::vector<uint64_t>& seeds,
                                                  const StepSampling& sampling, int max_steps,
                                                  Budget* budget) const {
    return backend_.Rollout(tree_, state, seeds, sampling, max_steps, budget);
  }
  std::vector<float> Evaluate(const std::vector<std::vector<int>>& states, Budget* budget) const {
    return backend_.Evaluate(tree_, states, budget);
  }

 private:
  const SearchBackend& backend_;
  const TreeId tree_;
};

}  // namespace steptree

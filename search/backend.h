// The interface between search and the model. mcts/ and search/ see the policy and its
// value head only through this header (no torch): "here are states, sample candidate next
// steps for each, and tell me the value of every new state".
//
// A state is a token sequence: the encoded question followed by the token ids of the
// steps taken so far, each step's ids ending with its delimiter. Candidates come back with
// their own ids, so a child's state is its parent's state + the candidate's token_ids.
//
// Value: V(state) in [-1, 1] from the tanh value head on the hidden state of the state's
// last content token (AlphaMath, Chen et al. 2024). The backend computes a candidate's
// value in the same forward pass that generated it (the hidden state that predicted the
// step's delimiter), so scoring a child costs no extra model call.
//
// Per-tree state: a backend may keep state for the search of one problem (the policy's
// prefix KV cache of that tree's states). The search opens a tree (OpenTree, returning a
// TreeId) before its first call, passes the id to every call for that problem and closes it
// at the end (CloseTree); search/tree_session.h does both. The state stays inside the
// backend that handed out the id, so wrappers (oracle values, cross-tree batching, the
// bench's counting decorator) only pass ids through, and no call ever reads another
// object's state. Results never depend on the state: only Budget::prefill_tokens and
// cached_tokens may differ between an open tree and kNoTree.
//
// Contract (what every implementation, including the fake one, guarantees):
//   - Expand is deterministic: candidate j of request r depends only on (requests[r].state,
//     requests[r].seeds[j], sampling), never on the other requests in the batch or on the
//     thread count.
//   - Expand may be called concurrently from several threads on one backend, for different
//     trees; one tree's calls never overlap (its search is one thread's).
//   - Expand returns exactly requests[r].seeds.size() candidates for request r, in order.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/step.h"

namespace steptree {

struct ExpansionRequest {
  std::vector<int> state;       // non-empty: question tokens + the steps so far
  std::vector<uint64_t> seeds;  // one per candidate to sample
};

// The per-tree state a backend keeps for one problem's search; kNoTree: none.
using TreeId = uint64_t;
inline constexpr TreeId kNoTree = 0;

// One tree's Expand call inside a cross-tree batch (SearchBackend::ExpandMany).
struct ExpandJob {
  TreeId tree = kNoTree;
  const std::vector<ExpansionRequest>* requests = nullptr;
  Budget* budget = nullptr;  // may be null
};

class SearchBackend {
 public:
  virtual ~SearchBackend() = default;

  // The root state of a question (for the built-in policy: BOS "Q: question\n").
  virtual std::vector<int> EncodeQuestion(const std::string& question) const = 0;
  // Longest state Expand accepts: a state of at most this many tokens gets candidates, a
  // longer one only kContext candidates. Search stops a path once its state reaches this
  // length (search/terminal.h): a step from there would have room for one token at most.
  virtual int max_state_tokens() const = 0;
  // Whether values mean anything (a trained head). Searches that need values refuse to run
  // without one unless told otherwise; greedy and maj never read them.
  virtual bool has_value_head() const = 0;

  // Opens the state of one problem's search (kNoTree when this backend keeps none) and
  // frees it. Wrappers forward both to the backend they wrap. Thread-safe.
  virtual TreeId OpenTree() const { return kNoTree; }
  virtual void CloseTree(TreeId tree) const {}

  // Samples seeds.size() next steps from every request's state, with the value of every
  // resulting state. Adds its work to *budget when non-null.
  virtual std::vector<std::vector<StepCandidate>> Expand(TreeId tree, const std::vector<ExpansionRequest>& requests,
                                                         const StepSampling& sampling, Budget* budget) const = 0;

  // Whole solutions from one state in one pass (greedy, maj@k, best-of-N): seeds.size()
  // rows, each decoded step by step until a step ends with kFinal, kCut or kContext, or
  // `max_steps` steps were taken. Row j samples every token from one stream seeded with
  // seeds[j] (so it is deterministic, but not equal to a chain of Expand calls). Each step
  // carries the value of the state it ends.
  virtual std::vector<std::vector<StepCandidate>> Rollout(TreeId tree, const std::vector<int>& state,
                                                          const std::vector<uint64_t>& seeds,
                                                          const StepSampling& sampling, int max_steps,
                                                          Budget* budget) const = 0;

  // V(state) for states that were not produced by Expand (the root). One forward call.
  // A state the model cannot take whole (longer than its context) is not evaluated, never
  // cut: its value is 0, as without a head (its expansions are kContext candidates, which
  // the tree records).
  virtual std::vector<float> Evaluate(TreeId tree, const std::vector<std::vector<int>>& states,
                                      Budget* budget) const = 0;

  // Called once in every search worker thread before its first problem (the policy
  // backend gives the thread one torch intra-op thread: problems run in parallel, one core
  // each, so torch and TBB never oversubscribe the cores). Wrappers forward it.
  virtual void PrepareWorkerThread() const {}

  // Several trees' Expand calls run as one model batch (cross-tree batching). Job j's
  // candidates and budget must equal Expand(job.tree, *job.requests, sampling, job.budget)
  // alone, bit for bit. The default runs the jobs one after the other.
  virtual std::vector<std::vector<std::vector<StepCandidate>>> ExpandMany(const std::vector<ExpandJob>& jobs,
                                                                          const StepSampling& sampling) const;
};

// A SearchBackend that passes every call to `inner` (which must outlive it): the base of
// wrappers that change a few calls (search/expand_combiner.h CombiningBackend, the bench's
// counters). Tree ids are inner's. ExpandMany keeps SearchBackend's default (this wrapper's
// Expand once per job), so a wrapper that changes Expand sees every job; one that should
// pass merged batches through overrides it.
class ForwardingBackend : public SearchBackend {
 public:
  explicit ForwardingBackend(const SearchBackend& inner) : inner_(inner) {}

  std::vector<int> EncodeQuestion(const std::string& question) const override {
    return inner_.EncodeQuestion(question);
  }
  int max_state_tokens() const override { return inner_.max_state_tokens(); }
  bool has_value_head() const override { return inner_.has_value_head(); }
  TreeId OpenTree() const override { return inner_.OpenTree(); }
  void CloseTree(TreeId tree) const override { inner_.CloseTree(tree); }
  void PrepareWorkerThread() const override { inner_.PrepareWorkerThread(); }
  std::vector<std::vector<StepCandidate>> Expand(TreeId tree, const std::vector<ExpansionRequest>& requests,
                                                 const StepSampling& sampling, Budget* budget) const override {
    return inner_.Expand(tree, requests, sampling, budget);
  }
  std::vector<std::vector<StepCandidate>> Rollout(TreeId tree, const std::vector<int>& state,
                                                  const std::vector<uint64_t>& seeds, const StepSampling& sampling,
                                                  int max_steps, Budget* budget) const override {
    return inner_.Rollout(tree, state, seeds, sampling, max_steps, budget);
  }
  std::vector<float> Evaluate(TreeId tree, const std::vector<std::vector<int>>& states,
                              Budget* budget) const override {
    return inner_.Evaluate(tree, states, budget);
  }

 protected:
  const SearchBackend& inner_;
};

}  // namespace steptree

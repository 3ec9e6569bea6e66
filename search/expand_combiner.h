// Cross-tree batching: several trees searched at once by their own threads, whose Expand
// calls are merged into one model batch (SearchBackend::ExpandMany).
//
// A combiner serves `members` threads, each searching one tree at a time through a
// CombiningBackend. A member's Expand is queued; when every member still searching has a
// call queued (the others are blocked on theirs, so nothing more can come), or when the
// queued calls hold at least `max_batch_rows` rows (> 0; --max-batch), the thread that
// sees it runs all queued calls as one ExpandMany and wakes the rest. Only Expand is
// combined (SBS and MCTS spend their model time there); Rollout and Evaluate go straight to
// the shared backend, and a member inside one is simply not queued yet.
//
// One combiner runs one batch at a time, on one core: the runner gives each core its own
// combiner and its own group of trees (search/runner.h), so the model's threading model is
// unchanged (one stream per core, one torch thread each) while batches grow G-fold.
//
// Determinism: ExpandMany gives every call exactly the result and budget it would get
// alone (the backend's row-invariant kernels and per-tree caches), so which calls share a
// batch, which depends on timing, changes nothing in any tree.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

#include "search/backend.h"

namespace steptree {

class ExpandCombiner {
 public:
  // max_batch_rows: run a batch once the queued calls hold this many rows (candidates to
  // sample) without waiting for every member; 0 = always wait for every member.
  ExpandCombiner(const SearchBackend& shared, int members, int max_batch_rows = 0);

  // Queues one tree's Expand and returns its result once a batch holding it has run.
  std::vector<std::vector<StepCandidate>> Expand(TreeId tree, const std::vector<ExpansionRequest>& requests,
                                                 const StepSampling& sampling, Budget* budget);
  // A member thread is done (no more trees): the others no longer wait for it.
  void Leave();

 private:
  struct Pending;
  void RunQueued(std::unique_lock<std::mutex>& lock);  // requires lock held; releases it while running

  const SearchBackend& shared_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<Pending*> queued_;  // guarded by mutex_
  int active_;                    // members still searching; guarded by mutex_
  const int max_batch_rows_;
  int queued_rows_ = 0;           // candidates in queued_; guarded by mutex_
  bool running_ = false;          // a batch is running; guarded by mutex_
};

// The shared backend as one member thread sees it: Expand goes through the combiner;
// everything else goes straight to the shared backend. Tree ids are the shared backend's.
class CombiningBackend final : public ForwardingBackend {
 public:
  CombiningBackend(const SearchBackend& shared, ExpandCombiner& combiner) : ForwardingBackend(shared), combiner_(combiner) {}

  std::vector<std::vector<StepCandidate>> Expand(TreeId tree, const std::vector<ExpansionRequest>& requests,
                                                 const StepSampling& sampling, Budget* budget) const override {
    return combiner_.Expand(tree, requests, sampling, budget);
  }

 private:
  ExpandCombiner& combiner_;
};

}  // namespace steptree

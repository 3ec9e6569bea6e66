// The Expand combiner of cross-tree batching (search/expand_combiner.h).
#include "search/expand_combiner.h"

#include <exception>

namespace steptree {

struct ExpandCombiner::Pending {
  TreeId tree;
  const std::vector<ExpansionRequest>* requests;
  const StepSampling* sampling;
  Budget* budget;
  std::vector<std::vector<StepCandidate>> result;
  std::exception_ptr error;
  bool done = false;
};

ExpandCombiner::ExpandCombiner(const SearchBackend& shared, int members, int max_batch_rows)
    : shared_(shared), active_(members), max_batch_rows_(max_batch_rows) {}

std::vector<std::vector<StepCandidate>> ExpandCombiner::Expand(TreeId tree,
                                                               const std::vector<ExpansionRequest>& requests,
                                                               const StepSampling& sampling, Budget* budget) {
  Pending mine{tree, &requests, &sampling, budget, {}, nullptr, false};
  std::unique_lock<std::mutex> lock(mutex_);
  queued_.push_back(&mine);
  for (const ExpansionRequest& request : requests) queued_rows_ += static_cast<int>(request.seeds.size());
  wake_.notify_all();
  while (!mine.done) {
    const bool full = max_batch_rows_ > 0 && queued_rows_ >= max_batch_rows_;
    if (!running_ && !queued_.empty() && (full || static_cast<int>(queued_.size()) >= active_)) {
      RunQueued(lock);
    } else {
      wake_.wait(lock);
    }
  }
  if (mine.error) std::rethrow_exception(mine.error);
  return std::move(mine.result);
}

void ExpandCombiner::Leave() {
  std::lock_guard<std::mutex> lock(mutex_);
  --active_;
  wake_.notify_all();
}

void ExpandCombiner::RunQueued(std::unique_lock<std::mutex>& lock) {
  std::vector<Pending*> batch;
  batch.swap(queued_);
  queued_rows_ = 0;
  running_ = true;
  lock.unlock();
  // Calls with the same sampling share a model batch (one search config: all of them).
  std::vector<bool> taken(batch.size(), false);
  for (size_t first = 0; first < batch.size(); ++first) {
    if (taken[first]) continue;
    std::vector<Pending*> group;
    std::vector<ExpandJob> jobs;
    for (size_t i = first; i < batch.size(); ++i) {
      if (taken[i] || !(*batch[i]->sampling == *batch[first]->sampling)) continue;
      taken[i] = true;
      group.push_back(batch[i]);
      jobs.push_back(ExpandJob{batch[i]->tree, batch[i]->requests, batch[i]->budget});
    }
    try {
      std::vector<std::vector<std::vector<StepCandidate>>> results = shared_.ExpandMany(jobs, *batch[first]->sampling);
      for (size_t j = 0; j < group.size(); ++j) group[j]->result = std::move(results[j]);
    } catch (...) {
      for (Pending* p : group) p->error = std::current_exception();
    }
  }
  lock.lock();
  for (Pending* p : batch) p->done = true;
  running_ = false;
  wake_.notify_all();
}

}  // namespace steptree

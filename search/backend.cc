#include "search/backend.h"

namespace steptree {

std::vector<std::vector<std::vector<StepCandidate>>> SearchBackend::ExpandMany(const std::vector<ExpandJob>& jobs,
                                                                               const StepSampling& sampling) const {
  std::vector<std::vector<std::vector<StepCandidate>>> out;
  out.reserve(jobs.size());
  for (const ExpandJob& job : jobs) out.push_back(Expand(job.tree, *job.requests, sampling, job.budget));
  return out;
}

}  // namespace steptree

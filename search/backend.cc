#include "search/backend.h"

#include <cmath>

namespace steptree {

const char* CandidateEndName(CandidateEnd end) {
  switch (end) {
    case CandidateEnd::kStep: return "step";
    case CandidateEnd::kFinal: return "final";
    case CandidateEnd::kCut: return "cut";
    case CandidateEnd::kContext: return "context";
  }
  return "unknown";
}

double StepCandidate::MeanTokenProbability() const {
  const long sampled = static_cast<long>(token_ids.size()) - tool_tokens;
  if (sampled <= 0) return 0.0;
  return std::exp(logprob_sum / static_cast<double>(sampled));
}

std::vector<std::vector<std::vector<StepCandidate>>> SearchBackend::ExpandMany(const std::vector<ExpandJob>& jobs,
                                                                               const StepSampling& sampling) const {
  std::vector<std::vector<std::vector<StepCandidate>>> out;
  out.reserve(jobs.size());
  for (const ExpandJob& job : jobs) out.push_back(job.backend->Expand(*job.requests, sampling, job.budget));
  return out;
}

Budget& Budget::operator+=(const Budget& other) {
  generated_tokens += other.generated_tokens;
  prefill_tokens += other.prefill_tokens;
  cached_tokens += other.cached_tokens;
  tool_tokens += other.tool_tokens;
  forward_calls += other.forward_calls;
  nodes += other.nodes;
  return *this;
}

}  // namespace steptree

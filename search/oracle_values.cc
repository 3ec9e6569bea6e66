#include "search/oracle_values.h"

#include "datasets/answer.h"
#include "datasets/synthetic.h"

namespace steptree {

bool OracleStepOk(bool parent_ok, const StepCandidate& step, const std::optional<std::string>& gold) {
  if (!parent_ok) return false;
  switch (step.end) {
    case CandidateEnd::kStep: return CheckCalculation(step.text);
    case CandidateEnd::kFinal: {
      if (!gold) return false;
      const std::optional<std::string> answer = ExtractAnswer(step.text);
      return answer && AnswersEqual(*answer, *gold);
    }
    case CandidateEnd::kCut:
    case CandidateEnd::kContext: return false;
  }
  return false;
}

OracleValueBackend::OracleValueBackend(const SearchBackend& inner, std::optional<std::string> gold)
    : inner_(inner), gold_(std::move(gold)) {}

std::vector<int> OracleValueBackend::EncodeQuestion(const std::string& question) const {
  return inner_.EncodeQuestion(question);
}

int OracleValueBackend::max_state_tokens() const { return inner_.max_state_tokens(); }

bool OracleValueBackend::StateOk(const std::vector<int>& state) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto found = prefix_ok_.find(state);
  return found == prefix_ok_.end() || found->second;  // unknown: the root
}

void OracleValueBackend::Judge(const std::vector<int>& parent, std::vector<StepCandidate>* candidates) const {
  const bool parent_ok = StateOk(parent);
  std::vector<int> child = parent;
  for (StepCandidate& candidate : *candidates) {
    const bool ok = OracleStepOk(parent_ok, candidate, gold_);
    candidate.value = ok ? 1.f : -1.f;
    child.resize(parent.size());
    child.insert(child.end(), candidate.token_ids.begin(), candidate.token_ids.end());
    std::lock_guard<std::mutex> lock(mutex_);
    prefix_ok_[child] = ok;
  }
}

std::vector<std::vector<StepCandidate>> OracleValueBackend::Expand(const std::vector<ExpansionRequest>& requests,
                                                                   const StepSampling& sampling,
                                                                   Budget* budget) const {
  std::vector<std::vector<StepCandidate>> candidates = inner_.Expand(requests, sampling, budget);
  for (size_t r = 0; r < requests.size(); ++r) Judge(requests[r].state, &candidates[r]);
  return candidates;
}

std::vector<std::vector<StepCandidate>> OracleValueBackend::Rollout(const std::vector<int>& state,
                                                                    const std::vector<uint64_t>& seeds,
                                                                    const StepSampling& sampling, int max_steps,
                                                                    Budget* budget) const {
  std::vector<std::vector<StepCandidate>> rows = inner_.Rollout(state, seeds, sampling, max_steps, budget);
  const bool root_ok = StateOk(state);
  for (std::vector<StepCandidate>& row : rows) {
    bool ok = root_ok;  // each row is a chain: step i's parent is step i-1
    for (StepCandidate& step : row) {
      ok = OracleStepOk(ok, step, gold_);
      step.value = ok ? 1.f : -1.f;
    }
  }
  return rows;
}

std::vector<float> OracleValueBackend::Evaluate(const std::vector<std::vector<int>>& states, Budget* budget) const {
  inner_.Evaluate(states, budget);  // the same model work as a model-valued search
  std::vector<float> values;
  values.reserve(states.size());
  for (const std::vector<int>& state : states) values.push_back(StateOk(state) ? 1.f : -1.f);
  return values;
}

}  // namespace steptree

#include "search/oracle_values.h"

#include "datasets/answer.h"
#include "datasets/synthetic.h"

namespace steptree {

bool OracleStepOk(bool parent_ok, const std::string& question, const std::vector<std::string>& previous_steps,
                  const StepCandidate& step, const std::optional<std::string>& gold) {
  if (!parent_ok) return false;
  switch (step.end) {
    case StepEnd::kStep: return SyntheticStepRight(question, previous_steps, step.text);
    case StepEnd::kFinal: {
      std::vector<std::string> path = previous_steps;
      path.push_back(step.text);
      if (const std::optional<bool> reached = TargetCheck(question, path)) return *reached;
      if (!gold) return false;
      const std::optional<std::string> answer = ExtractAnswer(step.text);
      return answer && AnswersEqual(*answer, *gold);
    }
    case StepEnd::kCut:
    case StepEnd::kContext: return false;
  }
  return false;
}

OracleValueBackend::OracleValueBackend(const SearchBackend& inner, std::string question, std::optional<std::string> gold)
    : inner_(inner), question_(std::move(question)), gold_(std::move(gold)) {}

std::vector<int> OracleValueBackend::EncodeQuestion(const std::string& question) const {
  return inner_.EncodeQuestion(question);
}

int OracleValueBackend::max_state_tokens() const { return inner_.max_state_tokens(); }

OracleValueBackend::StateTruth OracleValueBackend::Truth(const std::vector<int>& state) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto found = truth_.find(state);
  return found == truth_.end() ? StateTruth() : found->second;  // unknown: the root
}

void OracleValueBackend::Judge(const std::vector<int>& parent, std::vector<StepCandidate>* candidates) const {
  const StateTruth parent_truth = Truth(parent);
  std::vector<int> child = parent;
  for (StepCandidate& candidate : *candidates) {
    StateTruth truth;
    truth.ok = OracleStepOk(parent_truth.ok, question_, parent_truth.steps, candidate, gold_);
    truth.steps = parent_truth.steps;
    truth.steps.push_back(candidate.text);
    candidate.value = truth.ok ? 1.f : -1.f;
    child.resize(parent.size());
    child.insert(child.end(), candidate.token_ids.begin(), candidate.token_ids.end());
    std::lock_guard<std::mutex> lock(mutex_);
    truth_[child] = std::move(truth);
  }
}

std::vector<std::vector<StepCandidate>> OracleValueBackend::Expand(TreeId tree, const std::vector<ExpansionRequest>& requests,
                                                                   const StepSampling& sampling,
                                                                   Budget* budget) const {
  std::vector<std::vector<StepCandidate>> candidates = inner_.Expand(tree, requests, sampling, budget);
  for (size_t r = 0; r < requests.size(); ++r) Judge(requests[r].state, &candidates[r]);
  return candidates;
}

std::vector<std::vector<StepCandidate>> OracleValueBackend::Rollout(TreeId tree, const std::vector<int>& state,
                                                                    const std::vector<uint64_t>& seeds,
                                                                    const StepSampling& sampling, int max_steps,
                                                                    Budget* budget) const {
  std::vector<std::vector<StepCandidate>> rows = inner_.Rollout(tree, state, seeds, sampling, max_steps, budget);
  const StateTruth root = Truth(state);
  for (std::vector<StepCandidate>& row : rows) {
    bool ok = root.ok;  // each row is a chain: step i's parent is step i-1
    std::vector<std::string> steps = root.steps;
    for (StepCandidate& step : row) {
      ok = OracleStepOk(ok, question_, steps, step, gold_);
      steps.push_back(step.text);
      step.value = ok ? 1.f : -1.f;
    }
  }
  return rows;
}

std::vector<float> OracleValueBackend::Evaluate(TreeId tree, const std::vector<std::vector<int>>& states, Budget* budget) const {
  inner_.Evaluate(tree, states, budget);  // the same model work as a model-valued search
  std::vector<float> values;
  values.reserve(states.size());
  for (const std::vector<int>& state : states) values.push_back(Truth(state).ok ? 1.f : -1.f);
  return values;
}

}  // namespace steptree

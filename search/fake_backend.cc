#include "search/fake_backend.h"

#include <cmath>
#include <stdexcept>


namespace steptree {

namespace {

std::string JoinPath(const std::vector<std::string>& path) {
  std::string joined = "[";
  for (size_t i = 0; i < path.size(); ++i) joined += (i ? ", \"" : "\"") + path[i] + "\"";
  return joined + "]";
}

// The scripted child sampled by one uniform draw in [0, 1) (see fake_backend.h).
const ScriptedStep& PickChild(const std::vector<ScriptedStep>& children, double temperature, double uniform) {
  if (children.empty()) throw std::logic_error("fake backend: a script returned no children");
  if (temperature <= 0) {
    const ScriptedStep* best = &children.front();
    for (const ScriptedStep& child : children) {
      if (child.probability > best->probability) best = &child;
    }
    return *best;
  }
  std::vector<double> weights;
  double total = 0;
  for (const ScriptedStep& child : children) {
    weights.push_back(std::pow(child.probability, 1.0 / temperature));
    total += weights.back();
  }
  double remaining = uniform * total;
  for (size_t i = 0; i < children.size(); ++i) {
    if (remaining < weights[i]) return children[i];
    remaining -= weights[i];
  }
  return children.back();
}

}  // namespace

ScriptTable& ScriptTable::Add(const std::vector<std::string>& path, std::vector<ScriptedStep> children) {
  children_[path] = std::move(children);
  return *this;
}

std::vector<ScriptedStep> ScriptTable::operator()(const std::string& question,
                                                  const std::vector<std::string>& steps) const {
  const auto it = children_.find(steps);
  if (it == children_.end()) throw std::out_of_range("fake backend: no script for the path " + JoinPath(steps));
  return it->second;
}

FakeBackend::FakeBackend(StepScript script, FakeBackendOptions options)
    : script_(std::move(script)), options_(options) {}

std::vector<int> FakeBackend::EncodeQuestion(const std::string& question) const {
  std::vector<int> ids(question.begin(), question.end());
  for (int& id : ids) id = static_cast<unsigned char>(id);
  ids.push_back(kQuestionEnd);
  return ids;
}

FakeBackend::DecodedState FakeBackend::Decode(const std::vector<int>& state) {
  DecodedState decoded;
  size_t i = 0;
  for (; i < state.size() && state[i] != kQuestionEnd; ++i) decoded.question += static_cast<char>(state[i]);
  if (i == state.size()) throw std::invalid_argument("fake backend: a state without the question end");
  std::string step;
  for (++i; i < state.size(); ++i) {
    if (state[i] == '\n' || state[i] == kFinalEnd) {
      decoded.steps.push_back(step);
      step.clear();
    } else {
      step += static_cast<char>(state[i]);
    }
  }
  if (!step.empty()) decoded.steps.push_back(step);  // a cut step
  return decoded;
}

StepCandidate FakeBackend::ToCandidate(const ScriptedStep& step) {
  if (step.text.find('\n') != std::string::npos) throw std::logic_error("fake backend: a step text holds '\\n'");
  StepCandidate candidate;
  candidate.text = step.text;
  for (unsigned char c : step.text) candidate.token_ids.push_back(c);
  if (step.end == StepEnd::kStep) candidate.token_ids.push_back('\n');
  if (step.end == StepEnd::kFinal) candidate.token_ids.push_back(kFinalEnd);
  candidate.logprob_sum = std::log(step.probability) * static_cast<double>(candidate.token_ids.size());
  candidate.end = step.end;
  candidate.value = static_cast<float>(step.value);
  return candidate;
}

const ScriptedStep& FakeBackend::Sample(const std::vector<ScriptedStep>& children, const StepSampling& sampling,
                                        int sample_index, Rng* rng) const {
  if (options_.enumerate_children && !children.empty()) return children[sample_index % children.size()];
  return PickChild(children, sampling.temperature, rng->UniformReal());
}

std::vector<std::vector<StepCandidate>> FakeBackend::Expand(TreeId tree, const std::vector<ExpansionRequest>& requests,
                                                            const StepSampling& sampling, Budget* budget) const {
  std::vector<std::vector<StepCandidate>> out;
  Budget work;
  work.forward_calls = 1;
  for (const ExpansionRequest& request : requests) {
    const DecodedState state = Decode(request.state);
    const std::vector<ScriptedStep> children = script_(state.question, state.steps);
    work.prefill_tokens += static_cast<long>(request.state.size());
    std::vector<StepCandidate> candidates;
    for (size_t j = 0; j < request.seeds.size(); ++j) {
      Rng rng(request.seeds[j]);
      candidates.push_back(ToCandidate(Sample(children, sampling, static_cast<int>(j), &rng)));
      work.generated_tokens += static_cast<long>(candidates.back().token_ids.size());
    }
    out.push_back(std::move(candidates));
  }
  {
    std::lock_guard<std::mutex> lock(log_mutex_);
    expand_batch_sizes_.push_back(static_cast<int>(requests.size()));
  }
  if (budget) *budget += work;
  return out;
}

std::vector<std::vector<StepCandidate>> FakeBackend::Rollout(TreeId tree, const std::vector<int>& state,
                                                             const std::vector<uint64_t>& seeds,
                                                             const StepSampling& sampling, int max_steps,
                                                             Budget* budget) const {
  const DecodedState start = Decode(state);
  std::vector<std::vector<StepCandidate>> rows;
  Budget work;
  work.prefill_tokens = static_cast<long>(state.size() * seeds.size());
  for (size_t j = 0; j < seeds.size(); ++j) {
    Rng rng(seeds[j]);
    std::vector<std::string> steps = start.steps;
    std::vector<StepCandidate> row;
    while (static_cast<int>(row.size()) < max_steps) {
      const std::vector<ScriptedStep> children = script_(start.question, steps);
      const ScriptedStep& step = Sample(children, sampling, static_cast<int>(j), &rng);
      row.push_back(ToCandidate(step));
      work.generated_tokens += static_cast<long>(row.back().token_ids.size());
      if (step.end != StepEnd::kStep) break;
      steps.push_back(step.text);
    }
    work.forward_calls = std::max<long>(work.forward_calls, static_cast<long>(row.size()));
    rows.push_back(std::move(row));
  }
  if (budget) *budget += work;
  return rows;
}

std::vector<float> FakeBackend::Evaluate(TreeId tree, const std::vector<std::vector<int>>& states, Budget* budget) const {
  std::vector<float> values;
  Budget work;
  work.forward_calls = 1;
  for (const std::vector<int>& state : states) {
    work.prefill_tokens += static_cast<long>(state.size());
    DecodedState decoded = Decode(state);
    if (decoded.steps.empty()) {
      values.push_back(static_cast<float>(options_.root_value));
      continue;
    }
    const std::string last = decoded.steps.back();
    decoded.steps.pop_back();
    float value = 0;
    bool found = false;
    for (const ScriptedStep& child : script_(decoded.question, decoded.steps)) {
      if (child.text == last) {
        value = static_cast<float>(child.value);
        found = true;
        break;
      }
    }
    if (!found) throw std::out_of_range("fake backend: no scripted step \"" + last + "\" to evaluate");
    values.push_back(value);
  }
  if (budget) *budget += work;
  return values;
}

std::vector<int> FakeBackend::ExpandBatchSizes() const {
  std::lock_guard<std::mutex> lock(log_mutex_);
  return expand_batch_sizes_;
}

}  // namespace steptree

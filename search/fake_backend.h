// A deterministic scripted backend for tests: no model, every step and value comes from a
// script, so searches can be checked on small trees whose right answers are known.
//
// Script: (question, steps so far) -> the scripted children {text, probability, value, end}.
// ScriptTable builds one from a map "path of step texts -> children".
//
// Sampling: candidate j of a request picks one scripted child with its own stream
// Rng(seeds[j]): at temperature 0 the most probable child (the first on ties), otherwise
// child i with probability proportional to probability_i^(1/T). Rollout row j draws every
// step from one stream Rng(seeds[j]). So results depend only on (state, seed, temperature),
// as the backend contract requires. With FakeBackendOptions::enumerate_children, sample j
// takes child j % count instead (rollout row j at every step), so a test can script
// exactly which children an expansion creates; this deliberately ignores the seeds.
//
// Tokens: one id per byte of text. The question state is its bytes followed by
// kQuestionEnd; a step is its bytes followed by '\n' (10) when the solution goes on, by
// kFinalEnd when it is the final step, and by nothing when it was cut (kCut, kContext).
// Step texts must not contain '\n'.
// Values: a candidate's value is the scripted child's; Evaluate of the question state
// returns FakeBackendOptions::root_value, of any other state the value of the step that
// ends it. A step's log-prob sum is log(probability) * tokens, so its mean token
// probability is the scripted probability.
// Budget: each Expand, Evaluate and Rollout round is one forward call (a Rollout takes as
// many rounds as its longest row has steps); prefill counts the request states' tokens
// and generated the candidates' tokens.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "core/rng.h"
#include "search/backend.h"

namespace steptree {

struct ScriptedStep {
  std::string text;                        // the step (no '\n')
  double probability = 1;                  // mean token probability; also the sampling weight
  double value = 0;                        // V(state after this step)
  StepEnd end = StepEnd::kStep;  // how the step ends
};

// The children of the state reached by `steps` (empty: the question) of `question`. Must
// return at least one child for every state the search may expand.
using StepScript =
    std::function<std::vector<ScriptedStep>(const std::string& question, const std::vector<std::string>& steps)>;

// A script from a table; the question is ignored. Looking up a path that was not added
// throws std::out_of_range naming the path.
class ScriptTable {
 public:
  // The children of the state reached by `path` (empty: the root).
  ScriptTable& Add(const std::vector<std::string>& path, std::vector<ScriptedStep> children);
  std::vector<ScriptedStep> operator()(const std::string& question, const std::vector<std::string>& steps) const;

 private:
  std::map<std::vector<std::string>, std::vector<ScriptedStep>> children_;
};

struct FakeBackendOptions {
  double root_value = 0;                 // Evaluate of the question state
  int max_state_tokens = 1 << 20;        // the backend's context
  bool has_value_head = true;            // what has_value_head() reports
  bool enumerate_children = false;       // sample j takes child j % count (ignores seeds)
};

class FakeBackend : public SearchBackend {
 public:
  static constexpr int kFinalEnd = 257;     // ends a final step (EOS)
  static constexpr int kQuestionEnd = 258;  // ends the question

  explicit FakeBackend(StepScript script, FakeBackendOptions options = {});

  std::vector<int> EncodeQuestion(const std::string& question) const override;
  int max_state_tokens() const override { return options_.max_state_tokens; }
  bool has_value_head() const override { return options_.has_value_head; }
  std::vector<std::vector<StepCandidate>> Expand(TreeId tree, const std::vector<ExpansionRequest>& requests,
                                                 const StepSampling& sampling, Budget* budget) const override;
  std::vector<std::vector<StepCandidate>> Rollout(TreeId tree, const std::vector<int>& state, const std::vector<uint64_t>& seeds,
                                                  const StepSampling& sampling, int max_steps,
                                                  Budget* budget) const override;
  std::vector<float> Evaluate(TreeId tree, const std::vector<std::vector<int>>& states, Budget* budget) const override;

  // The number of requests of every Expand call so far, in call order.
  std::vector<int> ExpandBatchSizes() const;

 private:
  struct DecodedState {
    std::string question;
    std::vector<std::string> steps;
  };
  static DecodedState Decode(const std::vector<int>& state);
  static StepCandidate ToCandidate(const ScriptedStep& step);
  // Sample `sample_index` among `children`, drawing from *rng unless enumerating.
  const ScriptedStep& Sample(const std::vector<ScriptedStep>& children, const StepSampling& sampling,
                             int sample_index, Rng* rng) const;

  StepScript script_;
  FakeBackendOptions options_;
  mutable std::mutex log_mutex_;
  mutable std::vector<int> expand_batch_sizes_;  // guarded by log_mutex_
};

}  // namespace steptree

// Oracle values: search guided by a perfect process verifier instead of the value head, on
// problems whose steps the tool can check (synthetic ones). What a search could buy if its
// verifier made no mistakes: an upper bound for a value head or PRM, under the same policy
// and budget.
//
//   V_oracle(state) = +1  when every step of the state checks and, if its last step states
//                         the final answer, that answer equals the gold answer
//                   = -1  otherwise (a wrong calculation anywhere in the prefix, a step
//                         with no checkable calculation, an unfinished step, a wrong answer)
// i.e. prefix truth as the label audit defines it (export/step_truth.h): step_ok(s) =
// SyntheticStepRight(question, steps before s, s) for a step (datasets/synthetic.h: the
// calculation checks for arithmetic; for countdown, a valid move after which the target can
// still be reached, by the exact solver), and for the final one TargetCheck(question, path)
// where the question has a target (countdown: the whole trajectory valid and the answer the
// target), else AnswersEqual(ExtractAnswer(s), gold); prefix_ok(s) = step_ok(s) and
// prefix_ok(parent). Lightman et al. 2023 ("Let's
// verify step by step") label up to the first mistake the same way. The root (the question)
// is +1.
//
// The wrapper replaces every value the inner backend returns (Expand candidates, Rollout
// steps, Evaluate) and leaves the candidates themselves alone, so the policy, its samples
// and the budget are exactly those of the model-valued search. It tracks prefix_ok per
// state: a state it has not produced (the root) is +1.
//
// Invariant: a state's oracle value depends only on its steps' texts and the gold answer,
// so oracle searches stay deterministic and thread-count independent like model searches.
// Only meaningful on synthetic families: on free-form solutions (GSM8K, MATH) every
// non-final step counts as wrong.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "search/backend.h"

namespace steptree {

// V_oracle of one step given its parent's prefix truth and the steps before it (see above).
bool OracleStepOk(bool parent_ok, const std::string& question, const std::vector<std::string>& previous_steps,
                  const StepCandidate& step, const std::optional<std::string>& gold);

class OracleValueBackend final : public SearchBackend {
 public:
  // `inner` generates (and must outlive this); `question` gives the step truth; `gold`
  // judges final answers where the question has no target (none: every such final is -1).
  OracleValueBackend(const SearchBackend& inner, std::string question, std::optional<std::string> gold);

  std::vector<int> EncodeQuestion(const std::string& question) const override;
  int max_state_tokens() const override;
  bool has_value_head() const override { return true; }
  void PrepareWorkerThread() const override { inner_.PrepareWorkerThread(); }
  TreeId OpenTree() const override { return inner_.OpenTree(); }
  void CloseTree(TreeId tree) const override { inner_.CloseTree(tree); }
  std::vector<std::vector<StepCandidate>> Expand(TreeId tree, const std::vector<ExpansionRequest>& requests,
                                                 const StepSampling& sampling, Budget* budget) const override;
  std::vector<std::vector<StepCandidate>> Rollout(TreeId tree, const std::vector<int>& state, const std::vector<uint64_t>& seeds,
                                                  const StepSampling& sampling, int max_steps,
                                                  Budget* budget) const override;
  std::vector<float> Evaluate(TreeId tree, const std::vector<std::vector<int>>& states, Budget* budget) const override;

 private:
  struct StateTruth {
    bool ok = true;                  // prefix_ok of the state
    std::vector<std::string> steps;  // its steps, root first
  };
  // The truth of a state this oracle produced; the root (unknown) is ok with no steps.
  StateTruth Truth(const std::vector<int>& state) const;
  // Sets the values of `candidates` (children of `parent`) and remembers their states.
  void Judge(const std::vector<int>& parent, std::vector<StepCandidate>* candidates) const;

  const SearchBackend& inner_;
  const std::string question_;
  const std::optional<std::string> gold_;
  mutable std::mutex mutex_;
  mutable std::map<std::vector<int>, StateTruth> truth_;  // guarded by mutex_: states this oracle produced
};

}  // namespace steptree

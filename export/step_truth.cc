// True step correctness of synthetic problems (export/step_truth.h).
#include "export/step_truth.h"

#include "datasets/synthetic.h"

namespace steptree {

const char* TruthRuleName(TruthRule rule) { return rule == TruthRule::kPrefix ? "prefix" : "step"; }

bool HasStepTruth(const std::string& source) { return source == "synthetic" || source == "countdown"; }

std::vector<bool> PathTruth(const std::string& question, const std::vector<std::string>& steps, bool final_correct,
                            TruthRule rule) {
  std::vector<bool> truth(steps.size());
  bool prefix_ok = true;
  std::vector<std::string> before;
  for (size_t k = 0; k < steps.size(); ++k) {
    const bool step_ok = k + 1 == steps.size() ? final_correct : SyntheticStepRight(question, before, steps[k]);
    prefix_ok = prefix_ok && step_ok;
    truth[k] = rule == TruthRule::kPrefix ? prefix_ok : step_ok;
    before.push_back(steps[k]);
  }
  return truth;
}

std::vector<bool> TreeTruth(const Tree& tree, TruthRule rule) {
  std::vector<bool> truth(tree.size(), true);
  const std::string& question = tree.node(0).step;
  const bool context = HasTargetCheck(question);
  // Parents come before children, so each prefix_ok is ready when its children need it.
  for (int i = 1; i < tree.size(); ++i) {
    const Node& node = tree.node(i);
    bool step_ok;
    if (node.terminal) {
      step_ok = node.correct.value_or(false);
    } else {
      // Only countdown steps are judged in the context of the moves before them.
      step_ok = SyntheticStepRight(question, context ? tree.PathSteps(node.parent) : std::vector<std::string>(),
                                   node.step);
    }
    truth[i] = rule == TruthRule::kPrefix ? step_ok && truth[node.parent] : step_ok;
  }
  return truth;
}

bool HasWrongStep(const std::string& question, const std::vector<std::string>& steps_before_final) {
  std::vector<std::string> before;
  for (const std::string& step : steps_before_final) {
    if (!SyntheticStepRight(question, before, step)) return true;
    before.push_back(step);
  }
  return false;
}

}  // namespace steptree

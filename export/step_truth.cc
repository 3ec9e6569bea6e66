// True step correctness from the tool's calculation check (export/step_truth.h).
#include "export/step_truth.h"

#include "datasets/synthetic.h"

namespace steptree {

const char* TruthRuleName(TruthRule rule) { return rule == TruthRule::kPrefix ? "prefix" : "step"; }

std::vector<bool> PathTruth(const std::vector<std::string>& steps, bool final_correct, TruthRule rule) {
  std::vector<bool> truth(steps.size());
  bool prefix_ok = true;
  for (size_t k = 0; k < steps.size(); ++k) {
    const bool step_ok = k + 1 == steps.size() ? final_correct : CheckCalculation(steps[k]);
    prefix_ok = prefix_ok && step_ok;
    truth[k] = rule == TruthRule::kPrefix ? prefix_ok : step_ok;
  }
  return truth;
}

std::vector<bool> TreeTruth(const Tree& tree, TruthRule rule) {
  std::vector<bool> truth(tree.size(), true);
  // Parents come before children, so each prefix_ok is ready when its children need it.
  for (int i = 1; i < tree.size(); ++i) {
    const Node& node = tree.node(i);
    const bool step_ok = node.terminal ? node.correct.value_or(false) : CheckCalculation(node.step);
    truth[i] = rule == TruthRule::kPrefix ? step_ok && truth[node.parent] : step_ok;
  }
  return truth;
}

bool HasWrongCalculation(const std::vector<std::string>& steps_before_final) {
  for (const std::string& step : steps_before_final) {
    if (!CheckCalculation(step)) return true;
  }
  return false;
}

}  // namespace steptree

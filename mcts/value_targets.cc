#include "mcts/value_targets.h"

namespace steptree {

namespace {

double StepTarget(const Node& node) {
  if (node.terminal && node.correct) return *node.correct ? 1.0 : -1.0;
  return node.visits > 0 ? node.Q() : node.value;
}

}  // namespace

std::vector<ValuePath> ValueTargets(const Tree& tree) {
  std::vector<ValuePath> paths;
  for (int i = 1; i < tree.size(); ++i) {
    if (!tree.node(i).terminal) continue;
    ValuePath path{i, {}};
    for (int at : tree.PathFromRoot(i)) {
      if (at == 0) continue;
      const Node& node = tree.node(at);
      path.steps.push_back({node.step, StepTarget(node)});
    }
    paths.push_back(std::move(path));
  }
  return paths;
}

}  // namespace steptree

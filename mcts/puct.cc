#include "mcts/puct.h"

#include <cmath>

namespace steptree {

double PuctScore(const Node& parent, const Node& child, double c_puct) {
  const double exploration =
      c_puct * child.prior * std::sqrt(static_cast<double>(parent.EffectiveVisits())) / (1 + child.EffectiveVisits());
  return child.EffectiveQ() + exploration;
}

int SelectChild(const Tree& tree, int parent, double c_puct) {
  const Node& node = tree.node(parent);
  int best = -1;
  double best_score = 0;
  for (int child : node.children) {
    const double score = PuctScore(node, tree.node(child), c_puct);
    if (best < 0 || score > best_score) {
      best = child;
      best_score = score;
    }
  }
  return best;
}

std::vector<int> SelectPath(const Tree& tree, double c_puct) {
  std::vector<int> path = {0};
  for (int next = SelectChild(tree, 0, c_puct); next >= 0; next = SelectChild(tree, next, c_puct)) {
    path.push_back(next);
  }
  return path;
}

}  // namespace steptree

#include "mcts/backup.h"

#include <cassert>

namespace steptree {

void Backup(Tree& tree, int leaf, double value) {
  for (int at = leaf; at >= 0; at = tree.node(at).parent) {
    Node& node = tree.node(at);
    node.visits += 1;
    node.value_sum += value;
  }
}

void ApplyVirtualLoss(Tree& tree, const std::vector<int>& path) {
  for (int at : path) tree.node(at).in_flight += 1;
}

void RevertVirtualLoss(Tree& tree, const std::vector<int>& path) {
  for (int at : path) {
    Node& node = tree.node(at);
    assert(node.in_flight > 0);
    node.in_flight -= 1;
  }
}

}  // namespace steptree

// Backup and virtual loss: the statistics updates of tree search.
//
// Backup (AlphaMath Almost Zero, Chen et al. 2024, single agent): the value v of a leaf is
// added to the leaf and to every ancestor, unchanged (no sign flip):
//   visits += 1, value_sum += v   for every node on the path root..leaf.
//
// Virtual loss (several rollouts in flight through one tree): while a rollout is in flight,
// every node on its path has in_flight += 1, which selection reads as one more visit of
// value -1 (mcts/node.h). Applying and reverting touch only in_flight, never visits or
// value_sum, so a revert restores the exact statistics.
//
// Invariant: every ApplyVirtualLoss(path) is followed by exactly one RevertVirtualLoss(path)
// on the same path before the search returns; in_flight is never negative.
#pragma once

#include <vector>

#include "mcts/tree.h"

namespace steptree {

// Adds `value` to the node `leaf` and to every ancestor (visits += 1, value_sum += value).
void Backup(Tree& tree, int leaf, double value);

// in_flight += 1 on every node of `path`.
void ApplyVirtualLoss(Tree& tree, const std::vector<int>& path);

// in_flight -= 1 on every node of `path` (each must have a rollout in flight).
void RevertVirtualLoss(Tree& tree, const std::vector<int>& path);

}  // namespace steptree

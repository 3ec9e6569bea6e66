// PUCT selection: the tree policy of AlphaZero-style search (Silver et al. 2017, after
// Rosin 2011), as AlphaMath Almost Zero (Chen et al. 2024) uses it:
//
//   PUCT(child) = Q_eff(child) + c_puct * P(child) * sqrt(N_eff(parent)) / (1 + N_eff(child))
//
// where N_eff and Q_eff include the virtual loss of rollouts in flight (mcts/node.h) and an
// unvisited child's Q is 0 (AlphaMath's choice: an unexplored step is neither good nor bad
// until backed up; with values in [-1, 1] this is "neutral", not optimistic).
//
// Invariants: selection reads the tree and never changes it; ties go to the child with the
// lower position (the first created), so selection is deterministic.
#pragma once

#include <vector>

#include "mcts/tree.h"

namespace steptree {

// The PUCT score of `child` under `parent`.
double PuctScore(const Node& parent, const Node& child, double c_puct);

// The child of `parent` with the highest PUCT score (lowest position on ties); -1 for a
// node without children.
int SelectChild(const Tree& tree, int parent, double c_puct);

// Descends from the root by SelectChild until a node without children (an unexpanded node
// or a terminal). Returns the path, root first, leaf last.
std::vector<int> SelectPath(const Tree& tree, double c_puct);

}  // namespace steptree

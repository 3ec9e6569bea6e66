// Value targets: the training data for the value head that a finished tree holds
// (AlphaMath Almost Zero, Chen et al. 2024: the value head regresses the Q of every step on
// a root-to-terminal path, with the final step's target the +1/-1 outcome).
//
// One path per terminal node, root excluded (the question is not a step). The target of a
// step is its Q (value_sum / visits) when visited, else its value (an unvisited node's Q is
// undefined: it happens in trees grown without backups, such as SBS's). At the terminal the
// target is +1 or -1 when correctness is known, else as for any other step.
#pragma once

#include <string>
#include <vector>

#include "mcts/tree.h"

namespace steptree {

struct ValueTarget {
  std::string step;  // the step's text
  double q;          // the regression target for the state this step ends
};

struct ValuePath {
  int terminal;                    // index of the terminal node the path ends at
  std::vector<ValueTarget> steps;  // root's first step .. the terminal, in order
};

// Paths to every terminal, in node index order.
std::vector<ValuePath> ValueTargets(const Tree& tree);

}  // namespace steptree

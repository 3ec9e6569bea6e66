// Root-to-terminal paths of a pruned tree (export/prune.h) and the per-question cap on how
// many of them an export keeps (AlphaMath, Chen et al. 2024, kept up to 4 correct and 4
// incorrect solutions per question).
//
// Which paths a cap keeps: the terminals the search visited most (its own confidence in
// them; ties in tag order), then written in tag order.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "mcts/tree.h"

namespace steptree {

inline constexpr long kNoPathLimit = -1;

// A path limit as written on the command line: "all" (kNoPathLimit) or an integer >= 0;
// nullopt for anything else.
std::optional<long> ParsePathLimit(const std::string& text);

struct TreePath {
  int terminal = 0;        // the leaf the path ends at
  bool correct = false;    // its final answer equals the gold answer
  std::vector<int> nodes;  // the steps, root excluded, first step first; ends at `terminal`
};

// One path per terminal of `tree`, in tag order (index order of a pruned tree).
std::vector<TreePath> AllPaths(const Tree& tree);

// At most `max_correct` correct and `max_incorrect` incorrect paths (kNoPathLimit: all).
std::vector<TreePath> CapPaths(const Tree& tree, const std::vector<TreePath>& paths, long max_correct,
                               long max_incorrect);

}  // namespace steptree

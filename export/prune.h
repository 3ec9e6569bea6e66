// Pruning a searched tree before it becomes training data.
//
// Three rules, applied in one pass (PruneTree):
//   1. A valid terminal is a terminal with a graded final answer: "answer" is set (the
//      step stated one) and "correct" is known (the problem has a gold answer). Invalid
//      terminals (a cut or overlong step, a final step without an answer, the depth limit)
//      and unexpanded leaves say nothing about where a step leads, so every subtree that
//      holds no valid terminal is dropped. Afterwards every leaf is a valid terminal.
//   2. Siblings with the same step text (after trimming whitespace), both terminal or both
//      not, and with the same final answer, are merged into one node: visits and
//      value_sum add up (so Q = value_sum / visits is the Q of the merged state), the
//      children of both are gathered under it (and merged in turn), `merged` counts the
//      nodes folded in, `value` and `prior` are the first member's. Search already merges
//      duplicates at expansion (mcts/tree.h); this also catches texts that differ only in
//      surrounding whitespace or in how the step ended.
//   3. Q targets need visits (MinVisitsQ): see export/labels.h.
// Invariants of the result: parents come before children and node index order is tag
// order (a depth-first copy); every leaf is a valid terminal, or the tree is the root alone
// when the input has no valid terminal.
#pragma once

#include <string>
#include <vector>

#include "mcts/tree.h"

namespace steptree {

// Terminal with an extracted answer and known correctness (rule 1).
bool IsValidTerminal(const Node& node);

struct PrunedTree {
  Tree tree{"", {}};
  // Per node of `tree`: the tag in the input tree of its first merged member.
  std::vector<std::string> source_tags;
};

struct PruneStats {
  long nodes_in = 0;       // input nodes, root included
  long nodes_kept = 0;     // output nodes, root included
  long nodes_dropped = 0;  // input nodes in subtrees without a valid terminal
  long nodes_merged = 0;   // input nodes folded into an identical sibling
  PruneStats& operator+=(const PruneStats& other);
};

PrunedTree PruneTree(const Tree& tree, PruneStats* stats = nullptr);

}  // namespace steptree

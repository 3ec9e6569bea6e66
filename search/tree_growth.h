// Growing a tree from backend output: the one place where candidate steps become nodes
// (mcts/tree.h merges duplicates and normalises priors) and are classified as terminal or
// not (search/terminal.h). Every search algorithm grows its tree through these functions.
//
// Invariant: every node created here has been classified exactly once, at creation; a
// candidate merged into an existing node leaves that node's classification unchanged.
#pragma once

#include <vector>

#include "datasets/problem.h"
#include "mcts/tree.h"
#include "search/tree_session.h"
#include "search/terminal.h"

namespace steptree {

// A tree holding only the root: the question and its encoded state.
Tree StartTree(const TreeSession& session, const Problem& problem);

// Whether the backend may be asked for the children of `node`: not terminal and its state
// shorter than the backend's limit.
bool Expandable(const Tree& tree, int node, const TerminalRules& rules);

// Whether a beam (SBS, a DVTS subtree) may keep the node of a candidate: still going, or a
// final step with a parsable answer.
inline bool Keepable(const Node& node) {
  return !node.terminal || (node.end == StepEnd::kFinal && node.answer);
}

// Adds candidates as children of `parent`, classifying every newly created child. Returns
// the node holding each candidate, in order.
std::vector<int> AddClassifiedChildren(Tree* tree, int parent, const std::vector<StepCandidate>& candidates,
                                       const TerminalRules& rules);

// Inserts a whole solution (one Rollout row) as a path from the root, following existing
// nodes where the steps are the same (so many solutions form a trie). The path stops at the
// first terminal step: later steps of the row, if any, are dropped. Returns the node the
// solution ends at (terminal unless the backend stopped the row early), or -1 for a row
// without steps.
int InsertSolution(Tree* tree, const std::vector<StepCandidate>& steps, const TerminalRules& rules);

}  // namespace steptree

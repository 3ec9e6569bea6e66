// The reasoning tree: owns every node of one problem's search in a vector; the root (index
// 0) is the question, every other node one reasoning step.
//
// Tags name nodes by their path: the root is "0", its children "0.0", "0.1", ..., a
// grandchild "0.3.1" (the second child of the fourth child). Tag order (TagLess) is the
// lexicographic order of these child positions: the order in which ties are broken.
//
// Priors (AlphaMath Almost Zero, Chen et al. 2024, normalised here):
//   P(child) = exp(mean token log-prob of the step) / sum over the distinct siblings.
// Duplicate sibling steps (the same text after trimming whitespace, ending the same way)
// are merged into the first one: its probability mass grows by the duplicate's mass and its
// `merged` count by one. The merge key includes how the step ended because a final step and
// a continuing step with the same text lead to different states.
//
// Invariants:
//   - Nodes are never removed; indices are stable. A parent's index is below its children's.
//   - The state of a node = the root's token_ids (the encoded question) followed by the
//     token_ids of every step on the path (StateTokens).
//   - After every AddChildren, the priors of that parent's children sum to 1.
#pragma once

#include <string>
#include <vector>

#include "mcts/node.h"
#include "core/step.h"

namespace steptree {

class Tree {
 public:
  // The root holds the question text and its encoded state.
  Tree(std::string question, std::vector<int> question_state);

  int size() const { return static_cast<int>(nodes_.size()); }
  const Node& node(int index) const { return nodes_.at(index); }
  Node& node(int index) { return nodes_.at(index); }
  const std::vector<Node>& nodes() const { return nodes_; }
  const Node& root() const { return nodes_.front(); }

  std::string Tag(int index) const;
  // Position of every node on the path among its siblings, root excluded ("0.3.1" -> {3, 1}).
  std::vector<int> TagPath(int index) const;
  // True when a's tag sorts before b's (lexicographic on the child positions).
  bool TagLess(int a, int b) const;
  // Node indices from the root to `index`, both included.
  std::vector<int> PathFromRoot(int index) const;
  // The step texts from the root's first child down to `index` (empty for the root).
  std::vector<std::string> PathSteps(int index) const;
  // The token state of a node: question state + every step's token_ids along the path.
  std::vector<int> StateTokens(int index) const;
  // The length of StateTokens(index), from the token counts alone.
  long StateLength(int index) const;

  struct Insertion {
    int node;      // the child holding the candidate
    bool created;  // false when the candidate was merged into an existing child
  };
  // Adds candidate steps as children of `parent` (merging duplicates among themselves and
  // with existing children) and renormalises the priors of all its children. New children
  // take the candidate's text, ids, log-prob, end and value; whether they are terminal is
  // for the caller to decide. Returns one insertion per candidate, in order.
  std::vector<Insertion> AddChildren(int parent, const std::vector<StepCandidate>& candidates);

  // Appends a fully formed node as the last child of node.parent (which must exist); sets
  // its depth. Low level: used by AddChildren and by the JSON reader. Returns its index.
  int AppendNode(Node node);

 private:
  void NormalisePriors(int parent);

  std::vector<Node> nodes_;
};

}  // namespace steptree

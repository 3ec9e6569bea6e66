#include "search/tree_growth.h"

namespace steptree {

Tree StartTree(const TreeSession& session, const Problem& problem) {
  return Tree(problem.question, session.EncodeQuestion(problem.question));
}

bool Expandable(const Tree& tree, int node, const TerminalRules& rules) {
  return !tree.node(node).terminal && tree.StateLength(node) < rules.max_state_tokens;
}

std::vector<int> AddClassifiedChildren(Tree* tree, int parent, const std::vector<StepCandidate>& candidates,
                                       const TerminalRules& rules) {
  std::vector<int> nodes;
  nodes.reserve(candidates.size());
  for (const Tree::Insertion& insertion : tree->AddChildren(parent, candidates)) {
    if (insertion.created) {
      Node& node = tree->node(insertion.node);
      // The path is read only for final steps of questions with a target.
      const bool needs_path = rules.has_target && node.end == StepEnd::kFinal;
      const std::vector<std::string> path = needs_path ? tree->PathSteps(insertion.node) : std::vector<std::string>();
      ApplyOutcome(ClassifyStep(node, tree->StateLength(insertion.node), rules, path), &node);
    }
    nodes.push_back(insertion.node);
  }
  return nodes;
}

int InsertSolution(Tree* tree, const std::vector<StepCandidate>& steps, const TerminalRules& rules) {
  int at = 0;
  for (const StepCandidate& step : steps) {
    at = AddClassifiedChildren(tree, at, {step}, rules).front();
    if (tree->node(at).terminal) break;
  }
  return at == 0 ? -1 : at;
}

}  // namespace steptree

#include "search/result.h"

namespace steptree {

SearchResult MakeResult(Tree tree, int chosen, const Budget& budget, const Problem& problem) {
  SearchResult result(std::move(tree));
  result.chosen = chosen;
  result.budget = budget;
  result.budget.nodes = result.tree.size();
  if (chosen >= 0) {
    result.answer = result.tree.node(chosen).answer;
    result.correct = result.tree.node(chosen).correct;
  }
  if (problem.gold && !result.correct) result.correct = false;
  return result;
}

}  // namespace steptree

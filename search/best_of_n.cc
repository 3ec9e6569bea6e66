#include "search/best_of_n.h"

#include "search/rollouts.h"
#include "search/tree_growth.h"

namespace steptree {

SearchResult SearchBestOfN(const SearchBackend& backend, const Problem& problem, const BestOfNParams& params,
                           uint64_t seed, TerminalReward reward) {
  const TerminalRules rules = MakeTerminalRules(problem, backend, reward, params.max_depth);
  Tree tree = StartTree(backend, problem);
  Budget budget;
  const RolledSolution* best = nullptr;
  const std::vector<RolledSolution> solutions =
      RollOutSolutions(backend, problem, seed, rules, params.temperature, params.n, &tree, &budget);
  for (const RolledSolution& solution : solutions) {
    if (solution.answered && (!best || solution.final_value > best->final_value)) best = &solution;
  }
  return MakeResult(std::move(tree), best ? best->leaf : -1, budget, problem);
}

}  // namespace steptree

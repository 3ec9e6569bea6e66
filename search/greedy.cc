#include "search/greedy.h"

#include "search/rollouts.h"
#include "search/tree_growth.h"

namespace steptree {

SearchResult SearchGreedy(const TreeSession& session, const Problem& problem, const GreedyParams& params,
                          uint64_t seed, TerminalReward reward) {
  const TerminalRules rules = MakeTerminalRules(problem, session, reward, params.max_depth);
  Tree tree = StartTree(session, problem);
  Budget budget;
  const std::vector<SampleOutcome> solutions =
      RollOutSolutions(session, problem, seed, rules, /*temperature=*/0.0, /*count=*/1, &tree, &budget);
  const int chosen = solutions.empty() ? -1 : solutions.front().leaf;
  return MakeResult(std::move(tree), chosen, budget, problem);
}

}  // namespace steptree

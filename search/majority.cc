#include "search/majority.h"

#include "search/rollouts.h"
#include "search/tree_growth.h"
#include "search/voting.h"

namespace steptree {

SearchResult SearchMajority(const SearchBackend& backend, const Problem& problem, const MajorityParams& params,
                            uint64_t seed, TerminalReward reward) {
  const TerminalRules rules = MakeTerminalRules(problem, backend, reward, params.max_depth);
  Tree tree = StartTree(backend, problem);
  Budget budget;
  std::vector<Ballot> ballots;
  for (const RolledSolution& solution :
       RollOutSolutions(backend, problem, seed, rules, params.temperature, params.k, &tree, &budget)) {
    if (solution.answered) ballots.push_back({solution.leaf, *tree.node(solution.leaf).answer, 1.0});
  }
  const int chosen = MajorityVote(ballots);
  return MakeResult(std::move(tree), chosen, budget, problem);
}

}  // namespace steptree

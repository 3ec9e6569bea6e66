#include "search/best_of_n.h"

#include "search/rollouts.h"
#include "search/tree_growth.h"

namespace steptree {

SearchResult SearchBestOfN(const TreeSession& session, const Problem& problem, const BestOfNParams& params,
                           uint64_t seed, TerminalReward reward) {
  const TerminalRules rules = MakeTerminalRules(problem, session, reward, params.max_depth);
  Tree tree = StartTree(session, problem);
  Budget budget;
  std::vector<SampleOutcome> samples =
      RollOutSolutions(session, problem, seed, rules, params.temperature, params.n, &tree, &budget);
  const int chosen = ChooseByBestValue(samples);
  SearchResult result = MakeResult(std::move(tree), chosen, budget, problem);
  result.samples = std::move(samples);
  return result;
}

}  // namespace steptree

#include "search/rollouts.h"

#include "mcts/backup.h"
#include "search/seeds.h"
#include "search/tree_growth.h"

namespace steptree {

std::vector<RolledSolution> RollOutSolutions(const SearchBackend& backend, const Problem& problem, uint64_t seed,
                                             const TerminalRules& rules, double temperature, int count,
                                             Tree* tree, Budget* budget) {
  if (!Expandable(*tree, 0, rules)) return {};
  std::vector<uint64_t> seeds;
  for (int j = 0; j < count; ++j) seeds.push_back(SampleSeed(seed, problem.id, tree->Tag(0), j));
  StepSampling sampling;
  sampling.temperature = static_cast<float>(temperature);
  const std::vector<std::vector<StepCandidate>> rows =
      backend.Rollout(tree->StateTokens(0), seeds, sampling, rules.max_depth, budget);

  std::vector<RolledSolution> solutions;
  for (const std::vector<StepCandidate>& row : rows) {
    RolledSolution solution;
    solution.leaf = InsertSolution(tree, row, rules);
    if (solution.leaf >= 0) {
      const Node& leaf = tree->node(solution.leaf);
      solution.final_value = row[leaf.depth - 1].value;
      solution.answered = leaf.terminal && leaf.end == CandidateEnd::kFinal && leaf.answer.has_value();
      Backup(*tree, solution.leaf, leaf.value);
    }
    solutions.push_back(solution);
  }
  return solutions;
}

}  // namespace steptree

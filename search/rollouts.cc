#include "search/rollouts.h"

#include "mcts/backup.h"
#include "search/seeds.h"
#include "search/tree_growth.h"
#include "search/voting.h"

namespace steptree {

std::vector<SampleOutcome> RollOutSolutions(const TreeSession& session, const Problem& problem, uint64_t seed,
                                             const TerminalRules& rules, double temperature, int count,
                                             Tree* tree, Budget* budget) {
  if (!Expandable(*tree, 0, rules)) return {};
  std::vector<uint64_t> seeds;
  for (int j = 0; j < count; ++j) seeds.push_back(SampleSeed(seed, problem.id, tree->Tag(0), j));
  StepSampling sampling;
  sampling.temperature = static_cast<float>(temperature);
  const std::vector<std::vector<StepCandidate>> rows =
      session.Rollout(tree->StateTokens(0), seeds, sampling, rules.max_depth, budget);

  std::vector<SampleOutcome> solutions;
  for (const std::vector<StepCandidate>& row : rows) {
    SampleOutcome solution;
    for (const StepCandidate& step : row) solution.generated_tokens += static_cast<long>(step.token_ids.size());
    solution.leaf = InsertSolution(tree, row, rules);
    if (solution.leaf >= 0) {
      const Node& leaf = tree->node(solution.leaf);
      solution.answered = leaf.terminal && leaf.end == StepEnd::kFinal && leaf.answer.has_value();
      // A target-checked answer is scored by the check (+1/-1), everything else by the backend.
      const bool checked = rules.checks_target() && solution.answered;
      solution.final_value = checked ? leaf.value : row[leaf.depth - 1].value;
      Backup(*tree, solution.leaf, leaf.value);
    }
    solutions.push_back(solution);
  }
  return solutions;
}

int ChooseByMajority(const Tree& tree, const std::vector<SampleOutcome>& samples) {
  std::vector<Ballot> ballots;
  for (const SampleOutcome& sample : samples) {
    if (sample.answered) ballots.push_back({sample.leaf, *tree.node(sample.leaf).answer, 1.0});
  }
  return MajorityVote(ballots);
}

int ChooseByBestValue(const std::vector<SampleOutcome>& samples) {
  const SampleOutcome* best = nullptr;
  for (const SampleOutcome& sample : samples) {
    if (sample.answered && (!best || sample.final_value > best->final_value)) best = &sample;
  }
  return best ? best->leaf : -1;
}

}  // namespace steptree

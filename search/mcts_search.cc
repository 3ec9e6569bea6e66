#include "search/mcts_search.h"

#include <algorithm>

#include "mcts/backup.h"
#include "mcts/puct.h"
#include "search/seeds.h"
#include "search/tree_growth.h"

namespace steptree {

namespace {

// Selects up to `limit` paths under virtual loss; stops at the first collision.
std::vector<std::vector<int>> SelectWave(Tree* tree, double c_puct, int limit) {
  std::vector<std::vector<int>> wave;
  while (static_cast<int>(wave.size()) < limit) {
    std::vector<int> path = SelectPath(*tree, c_puct);
    const bool collision = std::any_of(wave.begin(), wave.end(),
                                       [&](const std::vector<int>& other) { return other.back() == path.back(); });
    if (collision) break;
    ApplyVirtualLoss(*tree, path);
    wave.push_back(std::move(path));
  }
  return wave;
}

// Expands the wave's non-terminal leaves with one Expand call.
void ExpandWave(const TreeSession& session, const Problem& problem, const MctsParams& params, uint64_t seed,
                const TerminalRules& rules, const std::vector<std::vector<int>>& wave, Tree* tree, Budget* budget) {
  std::vector<int> leaves;
  std::vector<ExpansionRequest> requests;
  for (const std::vector<int>& path : wave) {
    const int leaf = path.back();
    if (tree->node(leaf).terminal) continue;
    ExpansionRequest request;
    request.state = tree->StateTokens(leaf);
    const std::string tag = tree->Tag(leaf);
    for (int j = 0; j < params.b2; ++j) request.seeds.push_back(SampleSeed(seed, problem.id, tag, j));
    leaves.push_back(leaf);
    requests.push_back(std::move(request));
  }
  if (requests.empty()) return;
  StepSampling sampling;
  sampling.temperature = static_cast<float>(params.temperature);
  const std::vector<std::vector<StepCandidate>> candidates = session.Expand(requests, sampling, budget);
  for (size_t r = 0; r < leaves.size(); ++r) AddClassifiedChildren(tree, leaves[r], candidates[r], rules);
}

}  // namespace

std::vector<int> IterationCheckpoints(int iterations) {
  std::vector<int> checkpoints;
  for (int k = 5; k <= iterations; k *= 2) checkpoints.push_back(k);
  return checkpoints;
}

SearchResult SearchMcts(const TreeSession& session, const Problem& problem, const MctsParams& params, uint64_t seed,
                        TerminalReward reward) {
  const TerminalRules rules = MakeTerminalRules(problem, session, reward, params.max_depth);
  // Terminals checked against the question's own target are proofs (answer_choice.h).
  const bool verified_first = rules.checks_target();
  Tree tree = StartTree(session, problem);
  Budget budget;
  if (!Expandable(tree, 0, rules)) return MakeResult(std::move(tree), -1, budget, problem);
  tree.node(0).value = session.Evaluate({tree.StateTokens(0)}, &budget).at(0);

  const std::vector<int> checkpoints = IterationCheckpoints(params.iterations);
  std::vector<IterationChoice> answer_by_iteration;
  size_t next_checkpoint = 0;
  int done = 0;
  while (done < params.iterations) {
    int limit = std::min(params.parallel_rollouts, params.iterations - done);
    if (next_checkpoint < checkpoints.size()) limit = std::min(limit, checkpoints[next_checkpoint] - done);
    const std::vector<std::vector<int>> wave = SelectWave(&tree, params.c_puct, limit);
    done += static_cast<int>(wave.size());
    ExpandWave(session, problem, params, seed, rules, wave, &tree, &budget);
    for (const std::vector<int>& path : wave) {
      RevertVirtualLoss(tree, path);
      Backup(tree, path.back(), tree.node(path.back()).value);
    }
    if (next_checkpoint < checkpoints.size() && done == checkpoints[next_checkpoint]) {
      Budget spent = budget;
      spent.nodes = tree.size();
      answer_by_iteration.push_back({done, ChooseAnswer(tree, params.answer_by, verified_first), spent});
      ++next_checkpoint;
    }
  }
  const int chosen = ChooseAnswer(tree, params.answer_by, verified_first);
  SearchResult result = MakeResult(std::move(tree), chosen, budget, problem);
  result.answer_by_iteration = std::move(answer_by_iteration);
  return result;
}

}  // namespace steptree

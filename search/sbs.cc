#include "search/sbs.h"

#include <algorithm>

#include "search/seeds.h"
#include "search/tree_growth.h"

namespace steptree {

namespace {

// Higher value first, then tag order.
void SortByValue(const Tree& tree, std::vector<int>* nodes) {
  std::sort(nodes->begin(), nodes->end(), [&](int a, int b) {
    if (tree.node(a).value != tree.node(b).value) return tree.node(a).value > tree.node(b).value;
    return tree.TagLess(a, b);
  });
}

// Expands every beam node with one Expand call; returns all their children, beam order.
std::vector<int> ExpandBeam(const TreeSession& session, const Problem& problem, const SbsParams& params,
                            uint64_t seed, const TerminalRules& rules, const std::vector<int>& beam, Tree* tree,
                            Budget* budget) {
  std::vector<ExpansionRequest> requests;
  for (int node : beam) {
    ExpansionRequest request;
    request.state = tree->StateTokens(node);
    const int samples = node == 0 ? params.b1 * params.b2 : params.b2;
    const std::string tag = tree->Tag(node);
    for (int j = 0; j < samples; ++j) request.seeds.push_back(SampleSeed(seed, problem.id, tag, j));
    requests.push_back(std::move(request));
  }
  StepSampling sampling;
  sampling.temperature = static_cast<float>(params.temperature);
  const std::vector<std::vector<StepCandidate>> candidates = session.Expand(requests, sampling, budget);
  std::vector<int> children;
  for (size_t r = 0; r < beam.size(); ++r) {
    AddClassifiedChildren(tree, beam[r], candidates[r], rules);
    const std::vector<int>& added = tree->node(beam[r]).children;
    children.insert(children.end(), added.begin(), added.end());
  }
  return children;
}

}  // namespace

SearchResult SearchSbs(const TreeSession& session, const Problem& problem, const SbsParams& params, uint64_t seed,
                       TerminalReward reward) {
  const TerminalRules rules = MakeTerminalRules(problem, session, reward, params.max_depth);
  Tree tree = StartTree(session, problem);
  Budget budget;
  std::vector<int> beam;
  if (Expandable(tree, 0, rules)) beam.push_back(0);
  std::vector<int> finished;
  int width = params.b1;
  while (!beam.empty() && width > 0) {
    std::vector<int> candidates = ExpandBeam(session, problem, params, seed, rules, beam, &tree, &budget);
    candidates.erase(std::remove_if(candidates.begin(), candidates.end(),
                                    [&](int node) { return !Keepable(tree.node(node)); }),
                     candidates.end());
    SortByValue(tree, &candidates);
    candidates.resize(std::min<size_t>(candidates.size(), width));
    beam.clear();
    for (int node : candidates) {
      if (tree.node(node).terminal) {
        finished.push_back(node);
        --width;
      } else {
        beam.push_back(node);
      }
    }
  }
  SortByValue(tree, &finished);
  SearchResult result = MakeResult(std::move(tree), finished.empty() ? -1 : finished.front(), budget, problem);
  result.ranking = std::move(finished);
  return result;
}

}  // namespace steptree

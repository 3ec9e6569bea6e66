// DVTS(N, M): the algorithm and its invariants are described in search/dvts.h.
//
// One loop, depth by depth. kept[s] is the node subtree s stands on (the root at the start,
// -1 once the subtree ended). Each round expands every distinct kept node once, with M
// samples per subtree standing on it, in one Expand call, hands each subtree its own group
// of M candidates, and lets it keep the best keepable one:
//
//   kept:     s0 -> root   s1 -> root          (the root: 2 owners, 2M samples)
//   groups:   s0 <- c0..c(M-1)   s1 <- cM..c(2M-1)
//   kept:     s0 -> x     s1 -> y              (x, y: one request each next round)
#include "search/dvts.h"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "search/seeds.h"
#include "search/tree_growth.h"

namespace steptree {

namespace {

constexpr int kEnded = -1;  // kept[s] of a subtree that finished or ran out of candidates

// Higher value first, then tag order.
bool ValueBefore(const Tree& tree, int a, int b) {
  if (tree.node(a).value != tree.node(b).value) return tree.node(a).value > tree.node(b).value;
  return tree.TagLess(a, b);
}

// The best keepable node of `group` (by value, ties in tag order), or kEnded if none.
int BestOf(const Tree& tree, const std::vector<int>& group) {
  int best = kEnded;
  for (int node : group) {
    if (Keepable(tree.node(node)) && (best == kEnded || ValueBefore(tree, node, best))) best = node;
  }
  return best;
}

// One Expand call: samples[r] candidates of parents[r], sample j seeded by (parent's tag, j).
// Returns the node holding each candidate, per parent, in sample order.
std::vector<std::vector<int>> ExpandNodes(const TreeSession& session, const Problem& problem,
                                          const DvtsParams& params, uint64_t seed, const TerminalRules& rules,
                                          const std::vector<int>& parents, const std::vector<int>& samples,
                                          Tree* tree, Budget* budget) {
  std::vector<ExpansionRequest> requests;
  for (size_t r = 0; r < parents.size(); ++r) {
    ExpansionRequest request;
    request.state = tree->StateTokens(parents[r]);
    const std::string tag = tree->Tag(parents[r]);
    for (int j = 0; j < samples[r]; ++j) request.seeds.push_back(SampleSeed(seed, problem.id, tag, j));
    requests.push_back(std::move(request));
  }
  StepSampling sampling;
  sampling.temperature = static_cast<float>(params.temperature);
  const std::vector<std::vector<StepCandidate>> candidates = session.Expand(requests, sampling, budget);
  std::vector<std::vector<int>> nodes;
  for (size_t r = 0; r < parents.size(); ++r) {
    nodes.push_back(AddClassifiedChildren(tree, parents[r], candidates[r], rules));
  }
  return nodes;
}

}  // namespace

SearchResult SearchDvts(const TreeSession& session, const Problem& problem, const DvtsParams& params, uint64_t seed,
                        TerminalReward reward) {
  if (params.m < 1 || params.n < params.m || params.n % params.m != 0) {
    throw std::invalid_argument("SearchDvts: n (" + std::to_string(params.n) + ") must be a positive multiple of m (" +
                                std::to_string(params.m) + ")");
  }
  const TerminalRules rules = MakeTerminalRules(problem, session, reward, params.max_depth);
  Tree tree = StartTree(session, problem);
  Budget budget;
  const int subtrees = params.n / params.m;
  std::vector<int> kept(static_cast<size_t>(subtrees), Expandable(tree, 0, rules) ? 0 : kEnded);
  std::vector<int> finished;  // distinct final-answer nodes, in the order subtrees reached them
  while (true) {
    // The distinct kept nodes (in the order of their first owner) and their owners.
    std::vector<int> frontier;
    std::vector<std::vector<int>> owners;
    for (int s = 0; s < subtrees; ++s) {
      const int node = kept[static_cast<size_t>(s)];
      if (node == kEnded) continue;
      const auto it = std::find(frontier.begin(), frontier.end(), node);
      if (it == frontier.end()) {
        frontier.push_back(node);
        owners.push_back({s});
      } else {
        owners[static_cast<size_t>(it - frontier.begin())].push_back(s);
      }
    }
    if (frontier.empty()) break;
    std::vector<int> samples;
    for (const std::vector<int>& o : owners) samples.push_back(static_cast<int>(o.size()) * params.m);
    const std::vector<std::vector<int>> children =
        ExpandNodes(session, problem, params, seed, rules, frontier, samples, &tree, &budget);

    for (size_t r = 0; r < frontier.size(); ++r) {
      for (size_t i = 0; i < owners[r].size(); ++i) {
        const auto first = children[r].begin() + static_cast<long>(i) * params.m;
        const int best = BestOf(tree, std::vector<int>(first, first + params.m));
        int& slot = kept[static_cast<size_t>(owners[r][i])];
        if (best == kEnded) {
          slot = kEnded;  // only invalid candidates: the subtree ends without an answer
        } else if (tree.node(best).terminal) {
          if (std::find(finished.begin(), finished.end(), best) == finished.end()) finished.push_back(best);
          slot = kEnded;
        } else {
          slot = Expandable(tree, best, rules) ? best : kEnded;
        }
      }
    }
  }
  std::sort(finished.begin(), finished.end(), [&](int a, int b) { return ValueBefore(tree, a, b); });
  SearchResult result = MakeResult(std::move(tree), finished.empty() ? -1 : finished.front(), budget, problem);
  result.ranking = std::move(finished);
  return result;
}

}  // namespace steptree

// maj@k (self-consistency, Wang et al. 2023; AlphaMath Almost Zero, Chen et al. 2024 report
// maj@5): k solutions sampled independently, grown into one tree that merges identical step
// prefixes (a trie of solutions). The answer is the most frequent final answer among the k
// solutions, answers grouped by the grader's equivalence, ties broken by first occurrence
// (search/voting.h). The chosen node is the first solution's terminal of the winning class.
#pragma once

#include <cstdint>

#include "datasets/problem.h"
#include "search/param_table.h"
#include "search/tree_session.h"
#include "search/result.h"
#include "search/terminal.h"

namespace steptree {

struct MajorityParams {
  int k = 5;                 // solutions sampled
  double temperature = 0.6;  // sampling temperature
  int max_depth = 10;        // steps before an unfinished solution is cut (reward -1)
  // The parameters above, each declared once (search/param_table.h): key, help, range.
  static const std::vector<ParamRow<MajorityParams>>& Table();
};

inline const std::vector<ParamRow<MajorityParams>>& MajorityParams::Table() {
  static const std::vector<ParamRow<MajorityParams>> table = {
      {"k", "solutions sampled; the answer is the most frequent", &MajorityParams::k, 1, kMaxSamples},
      TemperatureRow(&MajorityParams::temperature), MaxDepthRow(&MajorityParams::max_depth)};
  return table;
}

SearchResult SearchMajority(const TreeSession& session, const Problem& problem, const MajorityParams& params,
                            uint64_t seed, TerminalReward reward = TerminalReward::kGold);

}  // namespace steptree

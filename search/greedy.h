// Greedy decoding as a search: SBS(1,1) at temperature 0 without values, i.e. one solution
// decoded by argmax, recorded as a chain in the tree (AlphaMath Almost Zero, Chen et al.
// 2024, report it as the baseline). The answer is the chain's final answer, if any.
#pragma once

#include <cstdint>

#include "datasets/problem.h"
#include "search/param_table.h"
#include "search/tree_session.h"
#include "search/result.h"
#include "search/terminal.h"

namespace steptree {

struct GreedyParams {
  int max_depth = 10;  // steps before an unfinished solution is cut (reward -1)
  // The parameters above, each declared once (search/param_table.h): key, help, range.
  static const std::vector<ParamRow<GreedyParams>>& Table();
};

inline const std::vector<ParamRow<GreedyParams>>& GreedyParams::Table() {
  static const std::vector<ParamRow<GreedyParams>> table = {
      MaxDepthRow(&GreedyParams::max_depth)};
  return table;
}

SearchResult SearchGreedy(const TreeSession& session, const Problem& problem, const GreedyParams& params,
                          uint64_t seed, TerminalReward reward = TerminalReward::kGold);

}  // namespace steptree

// Best-of-N by value: N solutions sampled independently (grown into one trie, as maj@k),
// the answer taken from the finished solution whose final state the backend values highest
// (the value head's V(final state), never the gold reward, so the choice is the same in
// both reward modes). Ties go to the earlier sample. Needs a value head.
#pragma once

#include <cstdint>

#include "datasets/problem.h"
#include "search/param_table.h"
#include "search/tree_session.h"
#include "search/result.h"
#include "search/terminal.h"

namespace steptree {

struct BestOfNParams {
  int n = 5;                 // solutions sampled
  double temperature = 0.6;  // sampling temperature
  int max_depth = 10;        // steps before an unfinished solution is cut (reward -1)
  // The parameters above, each declared once (search/param_table.h): key, help, range.
  static const std::vector<ParamRow<BestOfNParams>>& Table();
};

inline const std::vector<ParamRow<BestOfNParams>>& BestOfNParams::Table() {
  static const std::vector<ParamRow<BestOfNParams>> table = {
      {"n", "solutions sampled; the answer is the one valued highest", &BestOfNParams::n, 1, kMaxSamples},
      TemperatureRow(&BestOfNParams::temperature), MaxDepthRow(&BestOfNParams::max_depth)};
  return table;
}

SearchResult SearchBestOfN(const TreeSession& session, const Problem& problem, const BestOfNParams& params,
                           uint64_t seed, TerminalReward reward = TerminalReward::kGold);

}  // namespace steptree

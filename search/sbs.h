// Step-level beam search SBS(B1, B2) (AlphaMath Almost Zero, Chen et al. 2024, sec. 3.3):
// a beam of at most B1 partial solutions advanced one step at a time, every candidate step
// scored by the value head.
//
//   depth 1: the root is expanded into B1*B2 candidates; later depths: every beam node into
//   B2 candidates, all beam nodes of one depth in ONE batched Expand call.
//   All valid candidates of the depth are ranked by value (highest first, ties in tag order)
//   and the top `width` kept (width starts at B1). A kept candidate that is a final answer
//   leaves the beam for the finished list and width shrinks by one; the others form the next
//   beam. Invalid candidates (cut, context, empty, final without a parsable answer) have
//   value -1 and are never kept. A candidate at max_depth that does not finish is terminal
//   with -1 (search/terminal.h), so the search ends at max_depth at the latest.
//   Result: the finished answers ranked by value (best first, ties in tag order); the answer
//   is the first.
//
// Invariants: |beam| + |finished| <= B1 at every depth; a node is expanded at most once.
// Values at finished nodes follow the reward mode: the gold reward for data generation,
// the value head's score for inference.
#pragma once

#include <cstdint>

#include "datasets/problem.h"
#include "search/param_table.h"
#include "search/tree_session.h"
#include "search/result.h"
#include "search/terminal.h"

namespace steptree {

struct SbsParams {
  int b1 = 3;                // beam width: partial solutions kept per depth
  int b2 = 5;                // candidate steps sampled per beam node (the root gets b1 * b2)
  double temperature = 0.6;  // sampling temperature of candidate steps
  int max_depth = 10;        // steps before an unfinished solution is cut (reward -1)
  // The parameters above, each declared once (search/param_table.h): key, help, range.
  static const std::vector<ParamRow<SbsParams>>& Table();
};

inline const std::vector<ParamRow<SbsParams>>& SbsParams::Table() {
  static const std::vector<ParamRow<SbsParams>> table = {
      {"b1", "beam width: partial solutions kept per depth", &SbsParams::b1, 1, kMaxBeam},
      CandidatesPerNodeRow(&SbsParams::b2), TemperatureRow(&SbsParams::temperature),
      MaxDepthRow(&SbsParams::max_depth)};
  return table;
}

// result.ranking lists the finished terminals, best first.
SearchResult SearchSbs(const TreeSession& session, const Problem& problem, const SbsParams& params, uint64_t seed,
                       TerminalReward reward = TerminalReward::kGold);

}  // namespace steptree

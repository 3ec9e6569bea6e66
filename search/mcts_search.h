// The MCTS driver (AlphaMath Almost Zero, Chen et al. 2024, sec. 3.2; PUCT from Silver et
// al. 2017 after Rosin 2011), with several rollouts in flight per tree.
//
// One iteration: select from the root by PUCT (mcts/puct.h) down to a leaf (an unexpanded
// node or a terminal); a terminal backs up its reward; any other leaf is expanded into B2
// sampled steps (merged duplicates, normalised priors, each child valued by its candidate,
// terminal children valued by their reward) and backs up its OWN value: the value computed
// when it was created (the root's from Evaluate). Backup adds that value to every node on
// the path (mcts/backup.h). The root is expanded in the first iteration.
//
// Waves: up to `parallel_rollouts` leaves are selected one after another, each path under
// virtual loss so the next selection avoids it; a selection that reaches a leaf already
// selected in this wave ends the wave early (that selection is discarded, not counted).
// Then all non-terminal leaves of the wave are expanded by ONE batched Expand call, and the
// wave's virtual loss is reverted and its values backed up, in selection order.
// Iterations count selections; the search stops after `iterations`.
//
// answer_by_iteration: the answer choice after 5, 10, 20, 40, ... (<= iterations)
// selections. Waves never straddle a checkpoint, so the choice at checkpoint k is exactly
// what a search with iterations = k (same seed and parameters) returns.
//
// Invariants: no virtual loss remains when a wave ends; a node is expanded at most once;
// sample j of the expansion of the node tagged t is seeded SampleSeed(seed, problem id, t, j).
#pragma once

#include <cstdint>
#include <vector>

#include "datasets/problem.h"
#include "search/answer_choice.h"
#include "search/param_table.h"
#include "search/tree_session.h"
#include "search/result.h"
#include "search/terminal.h"

namespace steptree {

struct MctsParams {
  int iterations = 40;                   // selections (each backs up one value)
  int b2 = 5;                            // candidate steps sampled per expansion
  double temperature = 0.6;              // sampling temperature of candidate steps
  double c_puct = 1.5;                   // exploration weight in PUCT
  int max_depth = 8;                     // steps before an unfinished solution is cut (reward -1)
  int parallel_rollouts = 4;             // leaves selected (under virtual loss) per wave
  AnswerBy answer_by = AnswerBy::kQValue;  // how the final answer is chosen among terminals
  // The parameters above, each declared once (search/param_table.h): key, help, range.
  static const std::vector<ParamRow<MctsParams>>& Table();
};

inline const std::vector<ParamRow<MctsParams>>& MctsParams::Table() {
  static const std::vector<ParamRow<MctsParams>> table = {
      {"iterations", "selections (each backs up one value)", &MctsParams::iterations, 1, kMaxIterations},
      CandidatesPerNodeRow(&MctsParams::b2),
      TemperatureRow(&MctsParams::temperature),
      {"c_puct", "exploration weight in PUCT", &MctsParams::c_puct, 0, kMaxCpuct},
      MaxDepthRow(&MctsParams::max_depth),
      {"parallel_rollouts", "leaves selected under virtual loss per batched expansion", &MctsParams::parallel_rollouts,
       1, kMaxBranching},
      {"answer_by", "final answer by q_value | value | visits | majority", &MctsParams::answer_by, 0}};
  return table;
}

// 5, 10, 20, 40, ... up to `iterations`.
std::vector<int> IterationCheckpoints(int iterations);

SearchResult SearchMcts(const TreeSession& session, const Problem& problem, const MctsParams& params, uint64_t seed,
                        TerminalReward reward = TerminalReward::kGold);

}  // namespace steptree

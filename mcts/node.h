// One node of a reasoning tree: a partial solution (the question plus the steps on the path
// from the root) with the statistics search keeps about it.
//
// Statistics (AlphaMath Almost Zero, Chen et al. 2024; single agent, no sign flips):
//   Q(s) = value_sum / visits, 0 while unvisited.
//   Backup of a value v at a leaf adds v to value_sum and 1 to visits of the leaf and of
//   every ancestor (mcts/backup.h).
// Virtual loss (several rollouts in flight through one tree): `in_flight` counts rollouts
// selected through the node but not yet backed up. Selection sees
//   N_eff = visits + in_flight,  Q_eff = (value_sum - in_flight) / N_eff  (0 when N_eff = 0)
// i.e. every in-flight visit counts as a visit of value -1. The real statistics
// (visits, value_sum) never include virtual loss, so reverting it is exact.
//
// Invariants:
//   - `prior` of the children of one node sums to 1 (the root's prior is 1).
//   - `depth` = number of steps from the root (root 0) = parent's depth + 1.
//   - `terminal` nodes have no children; `answer` and `correct` are only set at terminals.
//   - `num_tokens` = token_ids.size() while token ids are held; trees read back from JSON
//     keep only the count (token_ids empty).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/step.h"

namespace steptree {

struct Node {
  int parent = -1;            // index of the parent in Tree::nodes(); -1 for the root
  std::vector<int> children;  // child indices, in creation order (= tag order)
  std::string step;           // the step's text (the root: the question)
  std::vector<int> token_ids; // the step's ids incl. its delimiter (the root: the question's state)
  int num_tokens = 0;         // number of step tokens (token_ids.size() when ids are held)
  int tool_tokens = 0;        // of those, written by the calculator tool (not sampled)
  double logprob_sum = 0;     // sum of the step's token log-probs at temperature 1
  double probability = 1;     // unnormalised prior mass: exp(mean token log-prob), summed over
                              // merged duplicates; only ratios between siblings matter
  double prior = 1;           // probability normalised over the siblings
  double value = 0;           // V(state) from the backend, or the reward at a terminal
  double value_sum = 0;       // sum of backed-up values
  int visits = 0;             // number of backups through this node
  int in_flight = 0;          // rollouts selected through this node, not yet backed up
  int depth = 0;              // steps from the root
  int merged = 0;             // duplicate sibling steps merged into this node
  bool terminal = false;      // no further steps: a final answer, or an invalid/overlong path
  StepEnd end = StepEnd::kStep;  // how the step ended
  std::optional<std::string> answer;       // terminals: the extracted final answer, if any
  std::optional<bool> correct;             // terminals: answer equals the gold (when gold known)

  // Mean backed-up value; 0 while unvisited (AlphaMath's choice for unvisited nodes).
  double Q() const { return visits == 0 ? 0.0 : value_sum / visits; }
  // Visits as selection sees them: real visits plus rollouts in flight.
  int EffectiveVisits() const { return visits + in_flight; }
  // Q as selection sees it: each in-flight visit counts as a value of -1.
  double EffectiveQ() const {
    const int n = EffectiveVisits();
    return n == 0 ? 0.0 : (value_sum - in_flight) / n;
  }
  bool IsLeaf() const { return children.empty(); }
};

}  // namespace steptree

// Step labels read off a pruned tree (export/prune.h): what every exporter and the audit
// attach to a step.
//
// For a node s of the pruned tree (every leaf a valid terminal: a graded final answer),
// with C(s) its correct terminals below (s itself included when terminal) and T(s) all its
// terminals below:
//   hard(s)      = C(s) > 0                 Math-Shepherd "hard estimation" (Wang et al. 2024,
//                                           eq. 2): a step is good when some completion
//                                           below it reaches the gold answer
//   soft_frac(s) = C(s) / T(s)              Math-Shepherd "soft estimation" (eq. 3): the share
//                                           of completions below that reach it; terminals
//                                           count once each (duplicates were merged)
//   Q target     = +1 / -1 at a terminal (its correctness),
//                  else clamp(value_sum / visits, -1, 1) when visits >= min_visits,
//                  else none: the node's Q rests on too few rollouts (AlphaMath, Chen et
//                  al. 2024, trains V on the Q of visited nodes)
//   q_or_value(s)= the Q target, or, where there is none, clamp(value, -1, 1): the value
//                  head's own estimate when the node was made. It is what the value format
//                  writes for such a step (mcts/value_targets.h does the same for unvisited
//                  nodes), so a step without a Q target teaches V nothing new.
//   soft_q(s)    = (q_or_value(s) + 1) / 2  in [0, 1]
#pragma once

#include <optional>
#include <vector>

#include "mcts/tree.h"

namespace steptree {

enum class StepLabelRule {
  kHard,      // hard(s), true / false
  kSoftQ,     // soft_q(s) in [0, 1]
  kSoftFrac,  // soft_frac(s) in [0, 1]
};
// "hard", "soft-q", "soft-frac".
const char* StepLabelRuleName(StepLabelRule rule);

class TreeLabels {
 public:
  // `tree` must be pruned (every leaf a valid terminal); it must outlive this object.
  TreeLabels(const Tree& tree, int min_visits);

  int correct_below(int node) const { return correct_below_.at(node); }
  int terminals_below(int node) const { return terminals_below_.at(node); }
  bool Hard(int node) const { return correct_below_.at(node) > 0; }
  double SoftFrac(int node) const;
  std::optional<double> QTarget(int node) const;
  double QOrValue(int node) const;
  double SoftQ(int node) const { return (QOrValue(node) + 1.0) / 2.0; }
  // The label of `rule` as a number: hard gives 1 or 0.
  double Label(int node, StepLabelRule rule) const;

 private:
  const Tree& tree_;
  int min_visits_;
  std::vector<int> correct_below_;
  std::vector<int> terminals_below_;
};

}  // namespace steptree

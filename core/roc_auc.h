// Area under the ROC curve, torch-free, for every module that ranks scores against a
// binary outcome (value/value_eval.h scores the value head; export/audit.h scores labels).
//
//   AUC = (1 / (n+ n-)) sum_{i in +, j in -} ( [s_i > s_j] + 1/2 [s_i = s_j] )
// the Mann-Whitney U statistic over the n+ n- positive-negative pairs (Hanley & McNeil
// 1982), computed from mid-ranks in O(n log n); NaN when either class is empty.
#pragma once

#include <vector>

namespace steptree {

// Mann-Whitney AUC of `scores` for `positive` (same sizes); NaN when either class is empty.
double AreaUnderRoc(const std::vector<double>& scores, const std::vector<bool>& positive);

}  // namespace steptree

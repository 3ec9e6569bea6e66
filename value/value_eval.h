// How well the value head predicts whether a partial solution ends correct: the figures.
// No torch here. policy/train/value_evaluation.h scores the prefixes (teacher forced, V read
// at each step's last content token, the hidden state search reads) and calls these.
//
// Every prefix s_k = question + steps 1..k of a value path (mcts/value_records.h) is
// labelled with its path's outcome y (the final Q > 0) and regressed against its Q target.
//
//   AUC = (1 / (n+ n-)) sum_{i in +, j in -} ( [V_i > V_j] + 1/2 [V_i = V_j] )
//         the Mann-Whitney U statistic over n+ n- pairs (Hanley & McNeil 1982), computed
//         from mid-ranks; undefined (NaN, JSON null) when one class is absent
//   p   = (V + 1) / 2 in [0, 1], cut into 10 equal bins [b/10, (b+1)/10) (the last closed)
//   ECE = sum_b (n_b / n) | mean p in b - mean y in b |   (Naeini et al. 2015; Guo et al. 2017)
//   MSE = mean over prefixes of (V - Q)^2
// AUC is also given per depth k = 1..7 and for k >= 8 together ("8+").
//
//   AUC within question = mean over the questions whose paths end both right and wrong of
//         the AUC of V(whole path) for the path's outcome among that question's paths.
// The pooled AUC rewards a head that only knows how hard a question is (hard questions get
// low V on every path); ranking one question's answers, what best-of-N, SBS and MCTS ask of
// the head, needs the within-question AUC to be well above 0.5.
//
//   AUC depth-matched = sum_g U_g / sum_g n+_g n-_g over groups g = (question, depth k),
//         where the members of g are the distinct states question + steps 1..k at that depth
//         (a state several paths share counts once, labelled right when any path through it
//         ends right) and U_g counts the (right, wrong) pairs of g that V orders right (ties
//         1/2): the pooled Mann-Whitney statistic of same-question, same-depth pairs.
// Whole paths of one question may differ in ways that give the outcome away without judging
// anything (length, a step cut at the token limit): on countdown's MCTS paths a fresh,
// untrained head scores 0.98 within question. Same-depth states of one question are what
// SBS ranks against each other and MCTS compares among siblings, so this figure asks the
// head what search asks of it.
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/roc_auc.h"
#include "mcts/value_records.h"

namespace steptree {

// AreaUnderRoc (Mann-Whitney AUC) lives in core/roc_auc.h, torch-free, shared with
// export/audit.h.

// One scored prefix.
struct PrefixValue {
  int depth = 0;              // k: steps in the prefix, >= 1
  double value = 0;           // V(question + steps 1..k)
  double target = 0;          // Q_k
  bool path_correct = false;  // the path's outcome
};

// The prefixes of one path from its per-step targets (targets.back() is the outcome) and
// its predicted values (same size).
std::vector<PrefixValue> PathPrefixValues(const std::vector<double>& targets, const std::vector<float>& values);

struct CalibrationBin {
  double bin_low = 0, bin_high = 0;  // range of p = (V + 1) / 2
  double mean_predicted = std::nan("");  // mean p in the bin (NaN when empty)
  double observed = std::nan("");        // share of correct-path prefixes in the bin (NaN when empty)
  long count = 0;
};

struct DepthFigures {
  std::string depth;  // "1".."7", "8+"
  long prefixes = 0;
  double auc = std::nan("");  // NaN when the depth has one class only
};

struct ValueReport {
  long n_paths = 0;          // paths scored
  long n_skipped_paths = 0;  // paths longer than the model's context, not scored
  long n_prefixes = 0;
  // Figures are NaN (JSON null) when undefined: no prefix, or one class only for AUC.
  double positive_share = std::nan("");  // share of prefixes on correct paths
  double auc = std::nan("");
  double ece = std::nan("");
  double mse = std::nan("");
  double auc_within_question = std::nan("");  // see above; NaN without a mixed question
  long questions_with_both = 0;               // questions whose paths end right and wrong
  double auc_depth_matched = std::nan("");    // see above; NaN without a mixed group
  long depth_matched_pairs = 0;               // sum_g n+_g n-_g
  std::vector<DepthFigures> by_depth;        // depths that occur, in order
  std::vector<CalibrationBin> calibration;  // always 10 bins
};

// Figures over `prefixes` (n_paths is recorded as given). NaN figures when there is none.
ValueReport ScorePrefixValues(const std::vector<PrefixValue>& prefixes, long n_paths);

// Mean over questions with both outcomes of the AUC of `final_values` for `correct`, paths
// grouped by `questions` (all three the same size). Sets *mixed_questions when non-null.
double WithinQuestionAuc(const std::vector<std::string>& questions, const std::vector<double>& final_values,
                         const std::vector<bool>& correct, long* mixed_questions = nullptr);

// One path's prefixes for DepthMatchedAuc: its question, its steps and V of each prefix
// (values[k - 1] = V(question + steps 1..k); as many as steps, or fewer when cut), outcome.
struct ScoredPath {
  const std::string* question = nullptr;
  const std::vector<std::string>* steps = nullptr;
  const std::vector<float>* values = nullptr;
  bool correct = false;
};

// The depth-matched AUC above; sets *pairs to sum_g n+_g n-_g when non-null.
double DepthMatchedAuc(const std::vector<ScoredPath>& paths, long* pairs = nullptr);

// {"n_paths", "n_skipped_paths", "n_prefixes", "positive_share", "auc",
//  "auc_within_question", "questions_with_both", "auc_depth_matched", "depth_matched_pairs",
//  "auc_by_depth": {"1": x, ...}, "prefixes_by_depth": {"1": n, ...}, "ece", "mse",
//  "calibration": [{"bin_low", "bin_high", "mean_predicted", "observed", "count"}]}
// (NaN figures become null.)
nlohmann::json ValueReportToJson(const ValueReport& report);

// A human-readable table of the report.
std::string FormatValueReport(const ValueReport& report);

}  // namespace steptree

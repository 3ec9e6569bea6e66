// steptree audit: how good are the labels an export would carry? Measured on synthetic
// problems, where true step correctness is known (export/step_truth.h).
//
// On trees (search --output), each tree is pruned as for export (export/prune.h) and every
// step node of the pruned tree (each state once) is one labelled step:
//   prm_hard       hard(s) (export/labels.h) against truth(s)
//   prm_soft       soft_q(s) >= threshold against truth(s); AUC of soft_q for truth
//   prm_soft_frac  soft_frac(s) >= threshold, and its AUC, likewise
// With "good" the positive class:
//   accuracy = (TP + TN) / n, precision = TP / (TP + FP), recall = TP / (TP + FN)
// (NaN, JSON null, when the denominator is 0).
//   value_auc_by_depth  AUC (core/roc_auc.h) of the value head's V(s) (the node's
//                       "value") for eventual correctness hard(s), over the non-terminal
//                       step nodes at each depth ("1".."7", "8+"; terminals carry their
//                       reward, not V); value_auc: all depths together
//   q_auc_by_depth      the same for the Q target (non-terminal nodes that have one)
//   correct_answer_wrong_step_share
//                       among root-to-terminal paths whose final answer is correct, the
//                       share with a step before it that fails CheckCalculation: what
//                       checking answers alone lets into SFT data. Given for the input
//                       trees, after pruning (merging can join paths), and for the paths
//                       an sft export keeps (at most max_correct per question, most
//                       visited first: export/paths.h).
//   pairs               the pairs a pairs export would hold (SelectPairs, export/records.h):
//                       how many have a truly good chosen step, a truly bad rejected step,
//                       and both ("agree": the preference the pair teaches is right)
// Trees of other sources than "synthetic" are counted and skipped (their steps are not
// calculations the tool can check), as are trees without a valid terminal.
//
// On exports (AuditExport): every step of every record is one labelled step.
//   prm    "completions" and "labels": true/false labels are scored as prm_hard, numbers
//          as prm_soft; the last completion is the final answer, graded against "gold".
//   value  "steps": [{"step", "Q"}]: (Q + 1) / 2 is scored as prm_soft and Q by depth as
//          q_auc_by_depth (for the path's outcome, the last Q); the last Q gives the
//          final answer's correctness.
#pragma once

#include <cmath>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "export/labels.h"
#include "export/records.h"
#include "export/step_truth.h"
#include "export/tree_input.h"

namespace steptree {

struct Confusion {
  long tp = 0, fp = 0, fn = 0, tn = 0;  // positive = a good step
  void Add(bool predicted_good, bool truly_good);
  long n() const { return tp + fp + fn + tn; }
  double Accuracy() const;
  double Precision() const;
  double Recall() const;
};

// Labels of one rule against the truth: the confusion at a threshold and the scores for AUC.
struct LabelAgreement {
  bool used = false;           // some step was scored
  bool soft = false;           // scores are soft labels (AUC is reported)
  double threshold = 0.5;      // soft: predicted good when score >= threshold
  Confusion confusion;
  std::vector<double> scores;  // soft only
  std::vector<bool> truth;     // soft only
  void AddHard(bool label, bool truly_good);
  void AddSoft(double score, bool truly_good);
};

// Scores of one depth bucket for one outcome.
struct ScoredOutcomes {
  std::vector<double> scores;
  std::vector<bool> positive;
};

struct PathShare {
  long paths = 0;            // paths with a correct final answer
  long with_wrong_step = 0;  // ... and a step that fails CheckCalculation
};

struct PairAgreement {
  long pairs = 0;
  long chosen_good = 0;   // the chosen step is truly good
  long rejected_bad = 0;  // the rejected step is truly bad
  long agree = 0;         // both
};

struct AuditOptions {
  int min_visits = 1;                 // Q targets (as export --min-visits)
  PairOptions pairs;                  // as export --margin, --pairs-per-step
  double threshold = 0.5;             // soft labels: good when >= threshold
  long max_correct = 4;               // the sft export's cap, for the share after export
  TruthRule truth = TruthRule::kPrefix;
};

struct AuditReport {
  std::string input = "trees";        // "trees", "prm export", "value export"
  long records = 0;                   // trees or export records read
  long audited = 0;                   // of those, scored
  long not_synthetic = 0;             // trees skipped: not a synthetic problem
  long without_valid_terminal = 0;    // trees skipped: nothing graded to label from
  long steps = 0;                     // labelled steps scored
  long truly_good_steps = 0;
  LabelAgreement prm_hard, prm_soft, prm_soft_frac;
  std::map<int, ScoredOutcomes> value_by_depth;  // depth bucket (8 = "8+") -> V, eventual correctness
  std::map<int, ScoredOutcomes> q_by_depth;      // the same for Q targets
  std::map<int, Confusion> hard_by_difficulty;   // prm_hard per synthetic level
  PathShare share_trees, share_pruned, share_exported;
  PairAgreement pairs;                // trees only
};

// Adds one tree (skipped unless synthetic, counted either way).
void AuditTree(const SearchedTree& source, const AuditOptions& options, AuditReport* report);
// Every tree of a trees file.
void AuditTreeFile(const std::string& path, const AuditOptions& options, AuditReport* report);
// Every record of an export file; `format` is "prm" or "value". Throws InputError(file,
// line, ...) on a record of another layout.
void AuditExport(const std::string& path, const std::string& format, const AuditOptions& options,
                 AuditReport* report);

// {"input", "truth", "records", "audited", "not_synthetic", "without_valid_terminal",
//  "steps", "truly_good_share", "prm_hard": {"accuracy", "precision", "recall", "n", "tp",
//  "fp", "fn", "tn"} or null, "prm_soft": {... "threshold", "auc"} or null, "prm_soft_frac",
//  "value_auc", "value_auc_by_depth": {"1": x, ...}, "q_auc", "q_auc_by_depth",
//  "prm_hard_by_difficulty": {"3": {"accuracy", "n"}}, "pairs": {"n", "chosen_good",
//  "rejected_bad", "agree", "agree_share"} (trees; null on exports), "correct_answer_wrong_step_share",
//  "correct_answer_wrong_step": {"trees"|"export": {"paths", "with_wrong_step", "share"},
//  "pruned": ..., "exported": {..., "max_correct"}}}
nlohmann::json AuditReportToJson(const AuditReport& report, const AuditOptions& options);
std::string FormatAuditReport(const AuditReport& report, const AuditOptions& options);

}  // namespace steptree

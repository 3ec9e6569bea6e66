// steptree export: trees files (search --output) -> training data in one of four formats.
//
// Per tree: PruneTree (export/prune.h) -> TreeLabels (export/labels.h) -> the paths
// (export/paths.h), capped per question -> the format's records (export/records.h).
// Trees without a valid terminal (no graded final answer: no gold, or nothing finished)
// give no record and are counted.
//   sft    correct paths, at most max_correct per question
//   value  correct and incorrect paths, at most max_correct / max_incorrect
//   prm    as value, one label per step by `labels` (and `threshold`)
//   pairs  sibling pairs of every node, not capped by the path limits
// Output: every record goes to an AtomicOutputFile, committed after the last tree, so a
// bad input line (InputError: file and line) leaves an existing output file as it was.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "export/labels.h"
#include "export/paths.h"
#include "export/prune.h"
#include "export/records.h"
#include "export/tree_input.h"

namespace steptree {

enum class ExportFormat { kSft, kValue, kPrm, kPairs };
// "sft", "value", "prm", "pairs".
const char* ExportFormatName(ExportFormat format);
// nullopt for an unknown name.
std::optional<ExportFormat> ParseExportFormat(const std::string& name);

struct ExportOptions {
  ExportFormat format = ExportFormat::kSft;
  int min_visits = 1;                 // Q targets need at least this many visits (labels.h)
  long max_correct = 4;               // correct paths kept per question (kNoPathLimit: all)
  long max_incorrect = 4;             // incorrect paths kept per question (value, prm)
  SftStyle sft_style = SftStyle::kChat;
  StepLabelRule labels = StepLabelRule::kHard;  // prm
  std::optional<double> threshold;    // prm: cut soft labels into true/false at this value
  PairOptions pairs;                  // pairs: margin and pairs per step
  // Path formats: drop correct paths with a wrong step before the answer (a right answer
  // reached by luck), where the problem has exact step truth (export/step_truth.h: the
  // synthetic families); other problems' paths are kept as they are.
  bool only_right_steps = false;
};

// Figures of one group of records (all, or one difficulty).
struct ExportTally {
  long questions = 0;  // trees that gave at least one record
  long records = 0;
  long steps = 0;      // labelled steps: the steps of every exported path; 2 per pair
};

struct ExportSummary {
  long trees = 0;                    // tree records read
  long repeated_problems = 0;        // trees whose problem id an earlier tree already had (their
                                     // record ids carry "#K", K = 2, 3, ...: ids stay unique)
  long without_valid_terminal = 0;   // trees with no graded final answer
  ExportTally all;
  std::map<int, ExportTally> by_difficulty;
  ExportTally without_difficulty;
  long correct_paths = 0, incorrect_paths = 0;  // sft, value, prm
  long dropped_wrong_step_paths = 0;            // correct paths with a wrong step (only_right_steps)
  // Step labels (prm: the label, positive = true or >= 0.5; value: Q, positive = Q > 0).
  long positive_labels = 0, negative_labels = 0;
  double label_sum = 0;
  double q_gap_sum = 0;              // pairs: sum of chosen_q - rejected_q
  long steps_without_q_target = 0;   // value, prm soft-q: exported steps (below min_visits)
                                     // whose label fell back to the node's value
  PruneStats pruning;
};

// The records of one tree (appends to *summary's counts).
std::vector<nlohmann::ordered_json> ExportTree(const SearchedTree& source, const ExportOptions& options,
                                               ExportSummary* summary);

// Reads every tree of `tree_files` in order and writes the records to `out` atomically
// ("-": standard output). Record ids are unique across all inputs: the K-th tree (K >= 2) of
// a problem id already seen (the same file twice, or an SBS and an MCTS file of the same
// problems) exports as problem id "<id>#K".
ExportSummary ExportTrees(const std::vector<std::string>& tree_files, const ExportOptions& options,
                          const std::string& out);

// {"format", "out", "trees", "questions", "without_valid_terminal", "records", "paths",
//  "correct_paths", "incorrect_paths", "steps", "labels": {"positive", "negative",
//  "positive_share", "mean"} or null, "mean_q_gap" (pairs), "by_difficulty": {"3":
//  {"questions", "records", "steps"}}, "without_difficulty": {...}, "pruning": {"nodes_in",
//  "nodes_kept", "nodes_dropped", "nodes_merged", "steps_without_q_target"}, "options"}
nlohmann::json ExportSummaryToJson(const ExportSummary& summary, const ExportOptions& options,
                                   const std::string& out);
std::string FormatExportSummary(const ExportSummary& summary, const ExportOptions& options, const std::string& out);

}  // namespace steptree

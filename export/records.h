// The records of each export format, built from one pruned tree (docs/formats.md, "Export
// formats", has every field with an example and a Python loader).
//
// Text layout: the question and steps are laid out as steptree's own model reads them
// (policy/text/prompt.h: "Q: " question "\n" step_1 "\n" ... step_n, newlines inside the question
// folded into spaces), so an export trains steptree directly:
//   sft     one record per correct path, in one of two styles. Both also carry the native
//           problem fields "id", "question", "steps", "answer" (and "difficulty"), which is
//           what `train --sft` reads, so the same file trains steptree and chat/completion
//           trainers alike:
//             chat        "messages": [{"role": "user", "content": question},
//                                      {"role": "assistant", "content": steps joined by "\n"}]
//             completion  "prompt": "Q: " question "\n", "completion": steps joined by "\n"
//   value   {"id", "question", "steps": [{"step", "Q"}], "gold", "difficulty"}: the layout
//           `train --values` and `eval-value --data` read (mcts/value_records.h); Q is
//           q_or_value (export/labels.h) and the last Q the outcome, +1 or -1
//   prm     {"id", "prompt": question, "completions": [step, ...], "labels": [...],
//           ("scores": [...],) "gold", "difficulty"}: Hugging Face TRL's stepwise-supervision
//           layout; labels always true/false (hard, or a soft rule cut at a threshold), as
//           TRL's PRMTrainer casts them with int(); a soft rule without a threshold also
//           writes its numbers in [0, 1] as "scores"
//   pairs   {"id", "prompt", "chosen", "rejected", "question", "prefix", "chosen_q",
//           "rejected_q", "difficulty"}: prompt = "Q: " question "\n" + each prefix step + "\n";
//           chosen and rejected are sibling steps (PairRecords below)
// Keys in this order ("difficulty" only when known; "gold" null without one).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "export/labels.h"
#include "export/paths.h"
#include "export/prune.h"
#include "export/tree_input.h"

namespace steptree {

enum class SftStyle { kChat, kCompletion };

// "Q: " question "\n", the question on one line (policy/text/prompt.h's prompt without BOS).
std::string PromptText(const std::string& question);

// A figure of a JSON summary (the export's, the audit's): the number, or null when it is
// not finite (a share of nothing, the AUC of an empty class).
nlohmann::json FigureJson(double x);

nlohmann::ordered_json SftRecord(const SearchedTree& source, const PrunedTree& pruned, const TreePath& path,
                                 SftStyle style);
nlohmann::ordered_json ValueRecord(const SearchedTree& source, const PrunedTree& pruned, const TreeLabels& labels,
                                   const TreePath& path);
// `threshold` set: labels are `rule`'s value >= threshold (true/false); unset: hard gives
// true/false, the soft rules numbers in [0, 1].
nlohmann::ordered_json PrmRecord(const SearchedTree& source, const PrunedTree& pruned, const TreeLabels& labels,
                                 const TreePath& path, StepLabelRule rule, std::optional<double> threshold);

struct PairOptions {
  double margin = 0.5;     // chosen's Q target - rejected's Q target must be at least this
  int per_step = 2;        // the top `per_step` good siblings x the bottom `per_step` bad ones
};
// Step-level preference pairs (rStar-Math, Guan et al. 2025, sec. 3.3: for each step, the
// highest-Q steps that lead to a correct answer against the lowest-Q steps that do not).
// For every node p of the pruned tree, among p's children that have a Q target:
//   chosen candidates   = hard-good children (a correct terminal below), highest Q first
//   rejected candidates = hard-bad children, lowest Q first
// every pair of the first `per_step` of each with Q(chosen) - Q(rejected) >= margin.
// Nodes in tag order, pairs chosen-major.
struct StepPair {
  int parent = 0;  // the shared prefix ends here (0: the question alone)
  int chosen = 0, rejected = 0;
  double chosen_q = 0, rejected_q = 0;
};
std::vector<StepPair> SelectPairs(const Tree& pruned, const TreeLabels& labels, const PairOptions& options);
// The records of SelectPairs' pairs.
std::vector<nlohmann::ordered_json> PairRecords(const SearchedTree& source, const PrunedTree& pruned,
                                                const TreeLabels& labels, const PairOptions& options);

}  // namespace steptree

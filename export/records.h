// The records of each export format, built from one pruned tree (docs/formats.md, "Export
// formats", has every field with an example and a Python loader).
//
// Text layout: each record is laid out as the tree's model read its text (SearchedTree's
// prompt, step delimiter and chat messages, from the tree's provenance; trees without one
// are the built-in model's: "Q: " question "\n" and "\n" between steps). "steps joined"
// below means each step but the last followed by the model's step delimiter.
//   sft     one record per correct path, in one of two styles. Both also carry the native
//           problem fields "id", "question", "steps", "answer" (and "difficulty"), which is
//           what `train --sft` reads, so the same file trains steptree and TRL's SFTTrainer:
//             chat        "messages": a chat model's own conversation ([system,] user) or
//                         [{"role": "user", "content": question}], then
//                         {"role": "assistant", "content": steps joined}
//             completion  a chat model: "prompt": its messages, "completion": [the assistant
//                         message] (TRL's conversational prompt-completion); any other:
//                         "prompt": the prompt text, "completion": steps joined
//   value   {"id", "question", "steps": [{"step", "Q"}], "gold", "difficulty"}: the layout
//           `train --values` and `eval-value --data` read (mcts/value_records.h); Q is
//           q_or_value (export/labels.h) and the last Q the outcome, +1 or -1
//   prm     {"id", "prompt": the prompt text, "completions": [step, ...], "labels": [...],
//           ("scores": [...],) "question", "gold", "difficulty"}: TRL's stepwise-supervision
//           layout (PRMTrainer joins completions with its step_separator: set it to the
//           model's delimiter); labels always true/false (hard, or a soft rule cut at a
//           threshold), as TRL's PRMTrainer casts them with int(); a soft rule without a
//           threshold also writes its numbers in [0, 1] as "scores"
//   pairs   {"id", "prompt", "chosen", "rejected", "question", "prefix", "chosen_q",
//           "rejected_q", "difficulty"}: TRL's standard preference layout; prompt = the
//           prompt text + each prefix step followed by the delimiter (a text even for chat
//           models: a step continues an unfinished assistant turn, which a conversational
//           pair cannot hold); chosen and rejected are sibling steps (PairRecords below)
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

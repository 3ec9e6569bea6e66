// The output record of one searched problem: one JSON line of trees.jsonl.
//
//   {"format": "steptree-tree", "version": 1, "id": <problem id>,
//    "problem": <the input record as read, or {"id", "question", "gold"} when there is none>,
//    "config": <ConfigToJson: mode and every parameter>,
//    "model_digest": <ModelDigest of the model folder (core/file_digest.h); only when known>,
//    "provenance": <what made the tree and how its model read it; only when known>:
//        {"steptree_version": <what steptree --version prints>,
//         "model": {"path", "digest" (= model_digest), "files": {<file name>: <digest>}},
//         "tool": "none" | "calculator", "prompt_format": <PromptFormat::name()>,
//         "step_delimiter": <text after every step but the last>,
//         "prompt": <the question's prompt as text (PromptFormat::PromptText)>,
//         "messages": [{"role", "content"}, ...]  (only when "prompt" is a chat template's
//                     rendering of these messages, with add_generation_prompt)}
//        export rebuilds each record in the model's own layout from it (export/records.h)
//    "budget": {"generated_tokens", "prefill_tokens", "cached_tokens", ["tool_tokens",]
//               "forward_calls", "nodes"}  (core/step.h BudgetToJson),
//    "answer": <string or null>, "correct": <true, false, or null without gold>,
//    "ranking": [{"tag", "answer", "value", "correct"}, ...]             (sbs only),
//    "answer_by_iteration": [{"iteration", "tag", "answer", "correct"}, ...]  (mcts only;
//                           "tag" and "answer" null when nothing was chosen),
//    "tree": <TreeToJson: every node>}
// Keys in this order; no wall-clock figures, so equal runs give equal bytes.
#pragma once

#include <nlohmann/json.hpp>

#include "datasets/problem.h"
#include "search/config.h"
#include "search/result.h"

namespace steptree {

inline constexpr const char* kTreeRecordFormat = "steptree-tree";
inline constexpr int kTreeRecordVersion = 1;

// `model_digest` empty or `provenance` null: that key is left out.
nlohmann::ordered_json SearchRecord(const Problem& problem, const SearchConfig& config, const SearchResult& result,
                                    const std::string& model_digest = "",
                                    const nlohmann::ordered_json& provenance = nlohmann::ordered_json());

// The record's "problem": the input record as read, or {"id", "question", "gold"}.
nlohmann::ordered_json ProblemJson(const Problem& problem);

}  // namespace steptree

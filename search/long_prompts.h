// Questions whose prompt does not fit the model's context (`--on-long-prompt`).
//
// A question is long when its encoded root state (SearchBackend::EncodeQuestion: the
// prompt format's rendering of the question) has max_state_tokens() tokens or more: search
// could not expand it, and its tree would be a root with no step. Such a problem used to be
// searched anyway, silently wrong. The policy decides instead, before any work:
//   error          (default) the run is refused: a UsageError naming the first long
//                  problem, its length and the context;
//   skip           long problems are left out of the run; the summary counts them
//                  (`skipped_long_prompts`) and names them (`skipped_ids`);
//   truncate-left  the question keeps its last part: the longest proper suffix that starts
//                  a word and whose prompt takes at most half the context (the other half is
//                  left for the steps). The tree's root step is the truncated question; a
//                  data set's problem record keeps the original (search/record.h). The
//                  summary counts them (`truncated_long_prompts`).
// The decision depends only on the questions and the model, so every shard of a run
// (search/shard.h) and every resume make the same one.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "datasets/problem.h"
#include "search/backend.h"

namespace steptree {

enum class LongPromptPolicy { kError, kSkip, kTruncateLeft };

// "error" | "skip" | "truncate-left"; nullopt otherwise.
std::optional<LongPromptPolicy> LongPromptPolicyFromName(const std::string& name);

struct LongPromptReport {
  std::vector<std::string> skipped_ids;    // in input order
  std::vector<std::string> truncated_ids;  // in input order
};

// Applies `policy` to `problems` in place (kSkip removes, kTruncateLeft shortens the long
// ones). Throws UsageError (kError) naming the first long problem.
LongPromptReport ApplyLongPromptPolicy(std::vector<Problem>* problems, const SearchBackend& backend,
                                       LongPromptPolicy policy);

// The question's longest proper suffix that starts a word (or, in a question without spaces,
// a UTF-8 character) and whose encoded root state has at most `max_tokens` tokens; empty
// when none does.
std::string TruncateQuestionLeft(const std::string& question, const SearchBackend& backend, int max_tokens);

}  // namespace steptree

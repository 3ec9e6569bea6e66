// Step-level preference pairs for the policy: two sibling steps after the same prefix, one
// that led the search to a correct answer (chosen) and one that did not (rejected), as
// `export --format pairs` writes them (export/records.h; rStar-Math, Guan et al. 2025,
// sec. 3.3 selects such pairs to train its reward model). Here they train the policy itself,
// without a reference model (CPO, Xu et al. 2024, eq. 3, whose likelihood term is the CE on
// correct paths the trainer already has):
//
//   l(step)    = sum over the step's tokens t (and the delimiter that ends it) of
//                log p(t | question, prefix, earlier tokens of the step); tokens the
//                calculator tool wrote excluded (they are not the policy's choice)
//   L_pairs    = mean over pairs of  softplus(-beta * (l(chosen) - l(rejected)))
//              = mean of -log sigmoid(beta * margin)
//
// Tokens the two steps share from the start have the same log-probability in both and
// cancel in the margin, so each row is scored from the first token where the two encodings
// differ. A pair whose margin is already large costs almost nothing: the loss works on the
// sibling choices the policy still gets wrong, which are greedy decoding's mistakes.
// No torch in this header.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "policy/text/prompt.h"

namespace steptree {

struct StepPreference {
  std::string question;
  std::vector<std::string> prefix;  // the steps before the two siblings
  std::string chosen, rejected;
};

// Reads a pairs JSONL file (`export --format pairs`: "question", "prefix" (an array of
// strings), "chosen", "rejected"; other keys ignored). Throws InputError(file, line, what was
// expected) on the first bad line, InputError(file, 0, ...) for an unreadable or empty file.
std::vector<StepPreference> LoadStepPreferences(const std::string& path);

// One side of a pair as the trainer scores it: the prefix and the step with its delimiter
// (PromptFormat::EncodePrefix), scored from `scored_from` on.
struct ScoredStep {
  std::vector<int> ids;
  size_t scored_from = 0;             // ids before this are context only; < ids.size()
  std::vector<uint8_t> tool_written;  // empty, or ids.size() entries (1: not scored)
};

struct PreferenceExample {
  ScoredStep chosen, rejected;
};

// The example of `pair`, or nullopt when the two steps encode the same, neither has a token
// of its own to score, or a side is longer than the context (ids.size() > context + 1).
// Invariant of a result: both sides have at least one scored position >= 1.
std::optional<PreferenceExample> EncodeStepPreference(const PromptFormat& format, const StepPreference& pair,
                                                      int context);

}  // namespace steptree

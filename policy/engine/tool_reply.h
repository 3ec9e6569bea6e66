// The calculator's reply inside a step (the GSM8K convention: the policy writes "<<EXPR=",
// the engine writes "RESULT>>"; datasets/calculator.h), found in the step's decoded TEXT,
// not its token ids, so that it works with any tokenizer: a trigger may be split over
// several tokens ("<<", "2", "+3", "=") or end inside one ("=5" in a BPE vocabulary).
//
//   after token t, when Decode(t) holds "=" and Decode(step ids) ends an open "<<EXPR=" call:
//     reply  = CalculatorReply(EXPR)                ("5>>", or "error>>")
//     if t's text runs past the "=" (and the ids before t decode to a prefix of the text
//     that stops at or before the "="), t is taken back and the reply starts with the text
//     from there up to the "=", so the tool, not the policy, writes what follows the "="
//     forced = EncodeContinuation(reply)            (no BOS from a post-processor)
//
// No torch here.
#pragma once

#include <optional>
#include <vector>

#include "policy/text/tokenizer.h"

namespace steptree {

struct ToolReply {
  std::vector<int> forced;  // ids the engine feeds next, never sampled
  bool take_back = false;   // the step's last id is removed before them
};

// The reply after the step's ids so far (`step_ids`, its last id just sampled), or none
// when they do not end an open call.
std::optional<ToolReply> ToolReplyAfter(const Tokenizer& tokenizer, const std::vector<int>& step_ids);

}  // namespace steptree

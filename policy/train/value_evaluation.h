// Scoring a policy's value head on value-target paths (the value-target JSONL of
// mcts/value_records.h): every prefix s_k = question + steps 1..k of every path is scored
// by V(s_k), teacher forced (policy/train/teacher_forcing.h): one training-style forward
// per batch of whole paths, V read at each step's last content token, the same hidden
// state search reads. The figures (AUC, calibration, MSE, within-question AUC) are
// value/value_eval.h's. No torch in this header.
#pragma once

#include <vector>

#include "mcts/value_records.h"
#include "value/value_eval.h"

namespace steptree {

class Policy;

struct ValueEvalOptions {
  long batch_tokens = 8192;  // padded tokens per forward
};

// V of every prefix of every path (paths over the context are skipped and counted), then
// ScorePrefixValues and WithinQuestionAuc. Does not check has_trained_value_head(): callers
// warn.
ValueReport EvaluateValues(const Policy& policy, const std::vector<ValuePathRecord>& paths,
                           const ValueEvalOptions& options = {});

}  // namespace steptree

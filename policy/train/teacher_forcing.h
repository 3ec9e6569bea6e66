// Teacher forcing: whole training sequences through the policy's training forward, giving
// the token cross-entropy of the imitated steps and the value head at every step end in
// the same pass — the two terms of AlphaMath's loss (Chen et al. 2024, eq. 5). Shared by
// the trainer (policy/train/trainer.h) and value evaluation (policy/train/value_evaluation.h).
// Include only
// from torch translation units.
//
//   CE  = mean over imitated solution tokens t of  -log p(t | tokens before t), tokens the
//         calculator tool wrote excluded (TrainingExample::tool_written)
//   MSE = mean over step ends k of  (V(question + steps 1..k) - target_k)^2
//
// V is read at TrainingExample::value_positions (policy/text/prompt.h StepValuePositions): the
// hidden state of the last content token of each step, the same one step generation reads.
// Rows are right-padded; a real token never attends to a later one, so padding is harmless.
#pragma once

#include <cmath>
#include <vector>

#include <torch/torch.h>

#include "policy/train/training_path.h"

namespace steptree {

class CausalLm;  // policy/model/causal_lm.h
class ValueHeadImpl;

// Puts a module in eval mode for a scope and restores its previous mode.
class EvalModeScope {
 public:
  explicit EvalModeScope(torch::nn::Module* module) : module_(module), was_training_(module && module->is_training()) {
    if (module_) module_->eval();
  }
  ~EvalModeScope() {
    if (was_training_) module_->train();
  }
  EvalModeScope(const EvalModeScope&) = delete;
  EvalModeScope& operator=(const EvalModeScope&) = delete;

 private:
  torch::nn::Module* module_;
  bool was_training_;
};

struct TokenBatch {
  torch::Tensor inputs;           // int64 [B, T]: ids[:-1], right-padded with PAD
  torch::Tensor targets;          // int64 [B, T]: ids[1:] on imitated solution tokens, else ignored
  torch::Tensor value_rows;       // int64 [N]: the row of each step end
  torch::Tensor value_positions;  // int64 [N]: its input position
  torch::Tensor value_targets;    // float [N]: its target
  long target_tokens = 0;         // targets that count
  long value_count = 0;           // N
};

TokenBatch CollateBatch(const std::vector<const TrainingExample*>& rows, int pad_id);

struct BatchForward {
  torch::Tensor token_loss;  // scalar mean CE; undefined when the batch has no target token
  torch::Tensor values;      // float [N]: V at the step ends; undefined without value head or N = 0
  torch::Tensor value_loss;  // scalar mean (V - target)^2; defined with `values`
};

// One forward of `batch`. `value_head` may be null (no values). With `backbone_grad` false
// the backbone runs under NoGradGuard and only the value head can receive gradients.
BatchForward ForwardBatch(CausalLm& model, ValueHeadImpl* value_head, const TokenBatch& batch,
                          bool backbone_grad);

// The loss of one batch (policy/train/trainer.h): CE + alpha MSE; CE alone without value targets;
// alpha MSE for a batch without imitated tokens; MSE alone when the backbone is frozen.
// Throws std::logic_error for a batch with neither.
torch::Tensor TrainingLoss(const BatchForward& forward, double value_alpha, bool freeze_backbone);

struct TeacherForcedPass {
  double token_loss = std::nan("");        // token-weighted mean CE; NaN without target tokens
  long target_tokens = 0;
  std::vector<std::vector<float>> values;  // per example: V at its value positions, in order
};

// Evaluates `examples` in their order, in batches of at most `batch_tokens` padded tokens
// (inputs padded with `pad_id`): no gradients, model and head in eval mode (no dropout) for
// the call, their modes restored after. `value_head` may be null (then no values).
TeacherForcedPass TeacherForce(CausalLm& model, ValueHeadImpl* value_head,
                               const std::vector<TrainingExample>& examples, int pad_id, long batch_tokens);

}  // namespace steptree

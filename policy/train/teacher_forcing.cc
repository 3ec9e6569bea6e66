// Teacher-forced batches (policy/train/teacher_forcing.h).
#include "policy/train/teacher_forcing.h"

#include <algorithm>
#include <optional>

#include "policy/model/causal_lm.h"
#include "value/value_head.h"

namespace steptree {
namespace {

constexpr long kIgnoreIndex = -100;
// Evaluation batches need no row cap beyond the token budget.
constexpr int kMaxEvalRows = 1 << 20;

}  // namespace

TokenBatch CollateBatch(const std::vector<const TrainingExample*>& rows, int pad_id) {
  size_t longest = 0;
  for (const TrainingExample* e : rows) longest = std::max(longest, e->ids.size() - 1);
  const long b = static_cast<long>(rows.size());
  const long t = static_cast<long>(longest);
  TokenBatch batch;
  batch.inputs = torch::full({b, t}, pad_id, torch::kLong);
  batch.targets = torch::full({b, t}, kIgnoreIndex, torch::kLong);
  auto inputs = batch.inputs.accessor<int64_t, 2>();
  auto targets = batch.targets.accessor<int64_t, 2>();
  std::vector<int64_t> value_rows, value_positions;
  std::vector<float> value_targets;
  for (long r = 0; r < b; ++r) {
    const TrainingExample& e = *rows[r];
    for (size_t i = 0; i + 1 < e.ids.size(); ++i) {
      inputs[r][i] = e.ids[i];
      // Position i predicts token i+1; only solution tokens of imitated paths are targets,
      // and never one the calculator tool wrote.
      const bool tool_written = !e.tool_written.empty() && e.tool_written[i + 1] != 0;
      if (e.imitate && i + 1 >= e.prompt_length && !tool_written) {
        targets[r][i] = e.ids[i + 1];
        ++batch.target_tokens;
      }
    }
    value_rows.insert(value_rows.end(), e.value_positions.size(), r);
    value_positions.insert(value_positions.end(), e.value_positions.begin(), e.value_positions.end());
    value_targets.insert(value_targets.end(), e.value_targets.begin(), e.value_targets.end());
  }
  batch.value_count = static_cast<long>(value_rows.size());
  batch.value_rows = torch::tensor(value_rows, torch::kLong);
  batch.value_positions = torch::tensor(value_positions, torch::kLong);
  batch.value_targets = torch::tensor(value_targets, torch::kFloat);
  return batch;
}

BatchForward ForwardBatch(CausalLm& model, ValueHeadImpl* value_head, const TokenBatch& batch,
                          bool backbone_grad) {
  LmOutput out;
  {
    std::optional<torch::NoGradGuard> frozen;
    if (!backbone_grad) frozen.emplace();
    out = model.Forward(batch.inputs);
  }
  BatchForward result;
  if (batch.target_tokens > 0) {
    const int64_t vocab = out.logits.size(-1);
    result.token_loss = torch::nn::functional::cross_entropy(
        out.logits.reshape({-1, vocab}), batch.targets.reshape({-1}),
        torch::nn::functional::CrossEntropyFuncOptions().ignore_index(kIgnoreIndex));
  }
  if (value_head != nullptr && batch.value_count > 0) {
    const torch::Tensor step_ends = out.hidden.index({batch.value_rows, batch.value_positions});  // [N, D]
    result.values = value_head->Forward(step_ends);
    result.value_loss = (result.values - batch.value_targets).pow(2).mean();
  }
  return result;
}

TeacherForcedPass TeacherForce(CausalLm& model, ValueHeadImpl* value_head,
                               const std::vector<TrainingExample>& examples, int pad_id, long batch_tokens) {
  torch::NoGradGuard no_grad;
  EvalModeScope model_mode(&model.module());
  EvalModeScope head_mode(value_head);
  std::vector<const TrainingExample*> rows;
  rows.reserve(examples.size());
  for (const TrainingExample& e : examples) rows.push_back(&e);

  TeacherForcedPass pass;
  pass.values.resize(examples.size());
  double loss_sum = 0;
  size_t next_example = 0;
  for (const auto& rows_of_batch : CutIntoBatches(rows, batch_tokens, kMaxEvalRows)) {
    const TokenBatch batch = CollateBatch(rows_of_batch, pad_id);
    const BatchForward forward = ForwardBatch(model, value_head, batch, /*backbone_grad=*/false);
    if (forward.token_loss.defined()) {
      loss_sum += forward.token_loss.item<double>() * batch.target_tokens;
      pass.target_tokens += batch.target_tokens;
    }
    if (forward.values.defined()) {
      const torch::Tensor values = forward.values.contiguous();
      const float* v = values.data_ptr<float>();
      for (const TrainingExample* e : rows_of_batch) {
        pass.values[next_example].assign(v, v + e->value_positions.size());
        v += e->value_positions.size();
        ++next_example;
      }
    } else {
      next_example += rows_of_batch.size();
    }
  }
  if (pass.target_tokens > 0) pass.token_loss = loss_sum / pass.target_tokens;
  return pass;
}

}  // namespace steptree

// The step-preference loss (policy/train/preference_loss.h).
#include "policy/train/preference_loss.h"

#include <algorithm>
#include <cstdint>

#include "policy/model/causal_lm.h"
#include "policy/train/teacher_forcing.h"

namespace steptree {
namespace {

// The scored positions of the 2P rows, flattened: the row, the input position whose logits
// predict the token, and the token.
struct ScoredPositions {
  torch::Tensor inputs;     // int64 [2P, T]
  torch::Tensor rows;       // int64 [N]
  torch::Tensor positions;  // int64 [N]
  torch::Tensor tokens;     // int64 [N]
};

ScoredPositions Collate(const std::vector<const PreferenceExample*>& pairs, int pad_id) {
  std::vector<const ScoredStep*> sides;
  for (const PreferenceExample* pair : pairs) sides.push_back(&pair->chosen);
  for (const PreferenceExample* pair : pairs) sides.push_back(&pair->rejected);
  size_t longest = 0;
  for (const ScoredStep* side : sides) longest = std::max(longest, side->ids.size() - 1);
  ScoredPositions scored;
  scored.inputs = torch::full({static_cast<long>(sides.size()), static_cast<long>(longest)}, pad_id, torch::kLong);
  auto inputs = scored.inputs.accessor<int64_t, 2>();
  std::vector<int64_t> rows, positions, tokens;
  for (size_t r = 0; r < sides.size(); ++r) {
    const ScoredStep& side = *sides[r];
    for (size_t i = 0; i + 1 < side.ids.size(); ++i) inputs[static_cast<long>(r)][static_cast<long>(i)] = side.ids[i];
    // Invariant (EncodeStepPreference): scored_from >= 1 and some position from there is scored.
    for (size_t i = side.scored_from; i < side.ids.size(); ++i) {
      if (!side.tool_written.empty() && side.tool_written[i] != 0) continue;
      rows.push_back(static_cast<int64_t>(r));
      positions.push_back(static_cast<int64_t>(i - 1));
      tokens.push_back(side.ids[i]);
    }
  }
  scored.rows = torch::tensor(rows, torch::kLong);
  scored.positions = torch::tensor(positions, torch::kLong);
  scored.tokens = torch::tensor(tokens, torch::kLong);
  return scored;
}

// l(side) for every row: [2P] (chosen rows first).
torch::Tensor SideLogProbs(CausalLm& model, const ScoredPositions& scored, long row_count) {
  const LmOutput out = model.Forward(scored.inputs);
  // Only the scored positions' logits go through log_softmax: a large vocabulary times every
  // padded position would not fit.
  const torch::Tensor logits = out.logits.index({scored.rows, scored.positions}).to(torch::kFloat);  // [N, V]
  const torch::Tensor token_logprobs =
      torch::log_softmax(logits, -1).gather(1, scored.tokens.unsqueeze(1)).squeeze(1);  // [N]
  return torch::zeros({row_count}, torch::kFloat).index_add(0, scored.rows, token_logprobs);
}

}  // namespace

PreferenceForward ForwardPreferences(CausalLm& model, const std::vector<const PreferenceExample*>& pairs,
                                     double beta, int pad_id) {
  const long p = static_cast<long>(pairs.size());
  const ScoredPositions scored = Collate(pairs, pad_id);
  const torch::Tensor sums = SideLogProbs(model, scored, 2 * p);
  PreferenceForward result;
  result.margins = sums.slice(0, 0, p) - sums.slice(0, p, 2 * p);
  result.loss = torch::nn::functional::softplus(-beta * result.margins).mean();
  return result;
}

std::vector<double> PreferenceMargins(CausalLm& model, const std::vector<PreferenceExample>& pairs, int pad_id,
                                      int batch_pairs) {
  torch::NoGradGuard no_grad;
  EvalModeScope eval_mode(&model.module());
  std::vector<double> margins;
  margins.reserve(pairs.size());
  for (size_t first = 0; first < pairs.size(); first += static_cast<size_t>(batch_pairs)) {
    std::vector<const PreferenceExample*> batch;
    for (size_t i = first; i < std::min(pairs.size(), first + static_cast<size_t>(batch_pairs)); ++i) {
      batch.push_back(&pairs[i]);
    }
    const torch::Tensor m = ForwardPreferences(model, batch, 1.0, pad_id).margins.contiguous();
    const float* v = m.data_ptr<float>();
    margins.insert(margins.end(), v, v + m.numel());
  }
  return margins;
}

}  // namespace steptree

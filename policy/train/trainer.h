// Training of a policy (the built-in GPT or a Hugging Face model, policy/model/causal_lm.h) and its
// value head. One loop serves supervised fine-tuning on reference solutions (`train-policy`)
// and AlphaMath's joint policy/value training on search paths (`train`; Chen et al. 2024,
// "AlphaMath Almost Zero", eq. 5):
//
//   L   = CE + alpha * MSE                  (alpha = value_alpha, AlphaMath: 0.01)
//   CE  = mean token cross-entropy over the solution tokens of imitated paths (SFT records,
//         correct search paths); the question is context, not a target
//   MSE = mean over the batch's step ends k of (V(question + steps 1..k) - Q_k)^2, over every
//         path with value targets, correct or not (policy/train/teacher_forcing.h)
// With step-preference pairs (policy/train/step_preference.h) the loss gains
//   + preference_weight * L_pairs  over preference_pairs_per_step pairs a step.
// Without value-head training L = CE and the head is left alone (train-policy). With
// freeze_backbone L = MSE and only the head's parameters change (the backbone runs without
// gradients and in eval mode, so the head learns the features inference will give it).
//
// AdamW with linear warm-up then cosine decay to min_lr_ratio * lr; gradients clipped to a
// global L2 norm. Batches are built by length: each pool of `pool_size` consecutive paths is
// sorted by token length and cut into batches of at most `batch_tokens` padded tokens, and
// the pool's batches are visited in a seeded random order — little padding, same data for
// the same seed. Dropout (the model's, and the value head's p = 0.1) draws from torch's
// global generator reseeded from (seed, step) before every step.
//
// Resumable: every save writes the model (and the value head when it trains), the optimizer
// state (safetensors) and trainer_state.json (step, pool, batch in pool); resume continues
// from there and reaches the same weights as an uninterrupted run. No torch in this header.
#pragma once

#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "datasets/problem.h"
#include "datasets/synthetic.h"
#include "policy/model/format/gpt_config.h"
#include "policy/train/step_preference.h"
#include "policy/train/training_path.h"

namespace steptree {

// Training paths by index (an infinite stream; indices >= 0).
class TrainingStream {
 public:
  virtual ~TrainingStream() = default;
  virtual TrainingPath Get(long index) const = 0;
  virtual nlohmann::json Describe() const = 0;
};

// Reference solutions of synthetic problems of the train split (never a held-out question).
std::unique_ptr<TrainingStream> MakeSyntheticStream(SyntheticOptions options);
// The given paths, reshuffled (seeded) every epoch. Throws std::invalid_argument when empty.
std::unique_ptr<TrainingStream> MakeFileStream(std::vector<TrainingPath> paths, uint64_t seed,
                                               nlohmann::json description);

struct TrainOptions {
  std::string out_dir;          // checkpoint directory written (config.json, model.safetensors, ...)
  std::string init_dir;         // start from this checkpoint; "" = fresh model from `config`
  GptConfig config;             // architecture of a fresh model
  uint64_t seed = 1;            // model init, data order, dropout
  long steps = 2000;            // optimizer steps
  long batch_tokens = 8192;     // padded tokens per batch (rows x longest row)
  int max_batch_rows = 256;     // rows per batch at most
  int pool_size = 2048;         // paths sorted together by length
  double lr = 2e-3;             // peak learning rate
  double min_lr_ratio = 0.1;    // final lr = min_lr_ratio * lr (cosine)
  long warmup_steps = 100;      // linear warm-up
  double weight_decay = 0.1;    // AdamW, matrices only (the value head's [1, D] weight too)
  double grad_clip = 1.0;       // global gradient L2 norm
  long eval_every = 250;        // held-out figures every N steps (0 = only at the end)
  long save_every = 250;        // checkpoint every N steps (0 = only at the end)
  int threads = 0;              // torch intra-op threads; 0 = all cores
  bool resume = false;          // continue from out_dir/trainer_state.json when present
  double max_minutes = 0;       // stop (and save) after this wall time; 0 = no limit
  long stop_after_steps = 0;    // stop (and save) after this many steps of this run; 0 = no limit
  bool train_value_head = false;  // also fit the value head to the paths' value targets
  double value_alpha = 0.01;      // weight of the value MSE in the joint loss
  bool freeze_backbone = false;   // only the value head learns, L = MSE (needs train_value_head)
  double preference_weight = 1.0;    // weight of L_pairs when preference pairs are given
  double preference_beta = 1.0;      // beta of L_pairs
  int preference_pairs_per_step = 16;  // pairs in each step's preference batch
  std::string log_label = "train-policy";  // prefix of progress and warning lines
};

struct TrainResult {
  long steps_done = 0;
  double train_loss = std::nan("");    // CE, mean over the last eval interval's batches with CE
  double value_loss = std::nan("");    // MSE, likewise; NaN without value-head training
  double heldout_loss = std::nan("");  // held-out CE at the end
  double heldout_value_mse = std::nan("");  // held-out value MSE at the end
  double heldout_value_auc = std::nan("");  // held-out AUC of V for path correctness at the end
  long heldout_value_paths = 0;        // held-out paths with value targets that fit the context
  long tokens = 0;                     // cross-entropy target tokens trained on this run
  long value_targets = 0;              // step ends trained on this run
  double seconds = 0;
  double tokens_per_second = 0;
  long skipped_too_long = 0;           // paths over the context or with nothing to learn, left out
  double preference_loss = std::nan("");        // L_pairs, mean over the last eval interval
  double heldout_pair_accuracy = std::nan("");  // share of held-out pairs with l(chosen) > l(rejected)
  double heldout_pair_accuracy_start = std::nan("");  // the same before this run's first step
  long train_pairs = 0, heldout_pairs = 0;      // pairs encoded (each fits the context)
  long skipped_pairs = 0;                       // pairs left out (too long, or nothing to score)
};

// Step-preference pairs, split into trained and held-out (by question, as the paths are).
struct PreferenceData {
  std::vector<StepPreference> train, heldout;
};

// Trains on `train` and reports held-out figures on `heldout` (CE on imitated paths; value
// MSE and AUC on paths with value targets when the value head trains).
// With `preferences` (non-null, some train pairs) each step also takes
// preference_pairs_per_step pairs, reshuffled (seeded) every epoch, into L_pairs.
TrainResult Train(const TrainOptions& options, const TrainingStream& train,
                  const std::vector<TrainingPath>& heldout, const PreferenceData* preferences = nullptr);

// Supervised fine-tuning: Train with the problems' reference solutions held out.
TrainResult TrainPolicy(const TrainOptions& options, const TrainingStream& train,
                        const std::vector<Problem>& heldout);

}  // namespace steptree

// Supervised fine-tuning of the built-in policy on reference solutions (`train-policy`).
//
// Loss: mean token cross-entropy over solution tokens only (the question is context, not a
// target). AdamW with linear warm-up then cosine decay to min_lr_ratio * lr; gradients
// clipped to a global L2 norm. Batches are built by length: each pool of `pool_size`
// consecutive problems is sorted by token length and cut into batches of at most
// `batch_tokens` padded tokens, and the pool's batches are visited in a seeded random
// order — little padding, same data for the same seed.
//
// Resumable: every save writes the model, the optimizer state (safetensors) and
// trainer_state.json (step, pool, batch in pool); --resume continues from there and
// reaches the same weights as an uninterrupted run. No torch in this header.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "datasets/problem.h"
#include "datasets/synthetic.h"
#include "policy/gpt_config.h"

namespace steptree {

// Training problems by index (infinite stream; indices >= 0).
class ProblemStream {
 public:
  virtual ~ProblemStream() = default;
  virtual Problem Get(long index) const = 0;
  virtual nlohmann::json Describe() const = 0;
};

// Synthetic problems of the train split (never a held-out question).
std::unique_ptr<ProblemStream> MakeSyntheticStream(SyntheticOptions options);
// Problems of a file with reference solutions, reshuffled (seeded) every epoch.
std::unique_ptr<ProblemStream> MakeFileStream(std::vector<Problem> problems, uint64_t seed,
                                              nlohmann::json description);

struct TrainOptions {
  std::string out_dir;          // checkpoint directory written (config.json, model.safetensors, ...)
  std::string init_dir;         // start from this checkpoint; "" = fresh model from `config`
  GptConfig config;             // architecture of a fresh model
  uint64_t seed = 1;            // model init and data order
  long steps = 2000;            // optimizer steps
  long batch_tokens = 8192;     // padded tokens per batch (rows x longest row)
  int max_batch_rows = 256;     // rows per batch at most
  int pool_size = 2048;         // problems sorted together by length
  double lr = 2e-3;             // peak learning rate
  double min_lr_ratio = 0.1;    // final lr = min_lr_ratio * lr (cosine)
  long warmup_steps = 100;      // linear warm-up
  double weight_decay = 0.1;    // AdamW, matrices only
  double grad_clip = 1.0;       // global gradient L2 norm
  long eval_every = 250;        // held-out loss every N steps (0 = only at the end)
  long save_every = 250;        // checkpoint every N steps (0 = only at the end)
  int threads = 0;              // torch intra-op threads; 0 = all cores
  bool resume = false;          // continue from out_dir/trainer_state.json when present
  double max_minutes = 0;       // stop (and save) after this wall time; 0 = no limit
  long stop_after_steps = 0;    // stop (and save) after this many steps of this run; 0 = no limit
};

struct TrainResult {
  long steps_done = 0;
  double train_loss = 0;        // mean over the last eval interval
  double heldout_loss = 0;      // at the end
  long tokens = 0;              // real (non-pad) tokens trained on this run
  double seconds = 0;
  double tokens_per_second = 0;
  long skipped_too_long = 0;    // sequences over the context, left out
};

TrainResult TrainPolicy(const TrainOptions& options, const ProblemStream& train,
                        const std::vector<Problem>& heldout);

}  // namespace steptree

// A tiny training run shared by the trainer's test suites: a 1-layer, 32-wide GPT on one
// thread, a few seconds at most, no held-out or save cadence (both only at the end).
#pragma once

#include <string>

#include "policy/train/trainer.h"

namespace steptree::test {

inline GptConfig TinyTrainingConfig() {
  GptConfig c;
  c.n_layer = 1;
  c.n_head = 2;
  c.d_model = 32;
  c.d_ff = 64;
  c.context = 160;
  return c;
}

inline TrainOptions TinyTrainingRun(const std::string& out, long steps) {
  TrainOptions o;
  o.out_dir = out;
  o.config = TinyTrainingConfig();
  o.steps = steps;
  o.batch_tokens = 1024;
  o.pool_size = 64;
  o.lr = 3e-3;
  o.warmup_steps = 2;
  o.eval_every = 0;
  o.save_every = 0;
  o.threads = 1;
  o.seed = 5;
  return o;
}

}  // namespace steptree::test

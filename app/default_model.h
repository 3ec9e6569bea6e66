// The embedded default: the built-in model steptree ships with, its training recipe, and
// where its checkpoint lives.
//
// The checkpoint is committed at models/default/ (config.json + model.safetensors) and
// reproduced by `steptree train-policy --recipe default -o models/default`. Lookup order:
// $STEPTREE_MODEL_DIR, <binary dir>/../models/default, <source dir>/models/default.
#pragma once

#include <string>

#include "datasets/synthetic.h"
#include "policy/trainer.h"

namespace steptree::app {

// The recipe: architecture, optimiser and schedule, synthetic training data.
TrainOptions DefaultRecipe();
SyntheticOptions DefaultTrainingData();
// Seed and size of the held-out set used for held-out loss while training.
inline constexpr uint64_t kHeldoutSeed = 424242;

// Directory of the default checkpoint, or "" when none is found.
std::string FindDefaultModelDir();
// FindDefaultModelDir(), or UsageError explaining how to make one.
std::string RequireDefaultModelDir();

}  // namespace steptree::app

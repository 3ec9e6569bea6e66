// The embedded defaults: the built-in models steptree ships with, one per synthetic family,
// their training recipes, and where their checkpoints live.
//
//   arithmetic  models/default/    `steptree train-policy --recipe default --run-dir models/default`
//   countdown   models/countdown/  `steptree train-policy --recipe countdown --run-dir models/countdown`
//               (steps call the calculator: config.json has "tool": "calculator")
// Each is config.json + model.safetensors (+ value_head.safetensors). Lookup order:
// $STEPTREE_MODEL_DIR (arithmetic) or $STEPTREE_COUNTDOWN_MODEL_DIR (countdown),
// <binary dir>/../models/<name>, <source dir>/models/<name>.
#pragma once

#include <string>

#include "datasets/synthetic.h"
#include "policy/train/trainer.h"

namespace steptree::app {

// The recipe: architecture, optimiser and schedule, synthetic training data.
TrainOptions DefaultRecipe();
SyntheticOptions DefaultTrainingData();
// The countdown default's recipe: the same architecture with the calculator tool, trained
// on countdown levels kCountdownTrainLevels (weighted toward the middle levels).
TrainOptions CountdownRecipe();
SyntheticOptions CountdownTrainingData();
// The recipe of a family's default (DefaultRecipe / CountdownRecipe) and its data.
TrainOptions RecipeFor(ProblemFamily family);
SyntheticOptions TrainingDataFor(ProblemFamily family);
// Levels the countdown default trains on and is evaluated on (demo, eval, search
// --synthetic): 1..5 and 1..4 of datasets/countdown.h's ladder.
inline constexpr int kCountdownTrainMinLevel = 1, kCountdownTrainMaxLevel = 5;
inline constexpr int kCountdownEvalMinLevel = 1, kCountdownEvalMaxLevel = 4;
// Seed and size of the held-out set used for held-out loss while training.
inline constexpr uint64_t kHeldoutSeed = 424242;

// "default" (arithmetic) or "countdown": the folder under models/.
std::string DefaultModelName(ProblemFamily family);
// Directory of the family's default checkpoint, or "" when none is found.
std::string FindDefaultModelDir(ProblemFamily family = ProblemFamily::kArithmetic);
// FindDefaultModelDir(family), or UsageError explaining how to make one.
std::string RequireDefaultModelDir(ProblemFamily family = ProblemFamily::kArithmetic);

}  // namespace steptree::app

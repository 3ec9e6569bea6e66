// Command-line flags shared by the training commands (`train-policy`, `train`): output and
// resume, seed, optimiser and schedule, held-out and checkpoint cadence, run length,
// threads. Each command adds its own data and model flags.
#pragma once

#include <cxxopts.hpp>

#include "policy/train/trainer.h"

namespace steptree::app {

// Adds the flags (group "training") with `defaults`' values as their defaults.
void AddTrainingFlags(cxxopts::Options& options, const TrainOptions& defaults);

// Copies the parsed flags into `train`. Throws UsageError without -o/--out or on values
// that cannot train (--steps < 1, --batch-tokens < 16, --lr <= 0).
void ReadTrainingFlags(const cxxopts::ParseResult& args, TrainOptions* train);

}  // namespace steptree::app

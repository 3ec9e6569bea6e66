// Command-line flags shared by the training commands (`train-policy`, `train`): the
// checkpoint directory (--run-dir; -o and --out are its deprecated names) and resume,
// seed, optimiser and schedule, held-out and checkpoint cadence, run length, threads. Each
// command adds its own data and model flags.
#pragma once

#include <vector>

#include <cxxopts.hpp>

#include "app/flag_aliases.h"
#include "policy/train/trainer.h"

namespace steptree::app {

// Adds the flags (group "training") with `defaults`' values as their defaults.
void AddTrainingFlags(cxxopts::Options& options, const TrainOptions& defaults);

// The old names of the training flags: -o and --out for --run-dir.
std::vector<DeprecatedFlag> DeprecatedTrainingFlags();

// Copies the parsed flags into `train`. Throws UsageError without --run-dir or on values
// that cannot train (--steps < 1, --batch-tokens < 16, --lr <= 0).
void ReadTrainingFlags(const cxxopts::ParseResult& args, TrainOptions* train);

}  // namespace steptree::app

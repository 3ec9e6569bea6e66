// The recipe that gives the embedded default its value head (AlphaMath's rounds, "almost
// zero": no human step labels):
//   round 1: MCTS with gold terminal rewards on synthetic training problems, with the
//            policy and an untrained head (leaf values 0); every tree's root-to-terminal
//            paths with their Q-values become value targets (+1 / -1 at the end); joint
//            training from the default checkpoint: CE on correct paths and on reference
//            solutions (which keep the policy where it was) + alpha * MSE of V against Q;
//   round 2: the same MCTS with the round-1 checkpoint (its value head now guides the
//            search) on the levels where answers are mixed; joint training from the
//            default checkpoint on both rounds' value targets.
// The recipe IS a list of steptree commands (ValueRecipeCommands): the demo runs them
// in-process when the default has no value head, and docs/user-guide.md shows them, so
// what the demo does and what a user types are the same thing.
#pragma once

#include <string>
#include <vector>

#include "datasets/synthetic.h"

namespace steptree::app {

// Each entry is one command line without the leading "steptree". `init_dir`: the policy to
// start from; `work_dir`: where problems, trees, value paths and the checkpoint go (the
// checkpoint is work_dir/model).
// `family`: the synthetic problems the rounds search and train on (countdown: levels 1-5,
// round 2 on 2-5; arithmetic: 1-8, round 2 on 2-6).
std::vector<std::vector<std::string>> ValueRecipeCommands(const std::string& init_dir, const std::string& work_dir,
                                                          int threads, ProblemFamily family = ProblemFamily::kArithmetic);

// Runs the commands one after another in this process (searches and training resume if
// interrupted); returns the new checkpoint directory (work_dir/model).
std::string RunValueRecipe(const std::string& init_dir, const std::string& work_dir, int threads,
                           ProblemFamily family = ProblemFamily::kArithmetic);

}  // namespace steptree::app

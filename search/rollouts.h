// Whole solutions sampled from the root in one backend Rollout call, shared by the
// rollout-based searches (greedy, maj@k, best-of-N). The solutions are inserted into one
// tree as a trie (identical step prefixes share nodes), and each solution's final reward
// is backed up along its path, so a node's visits count the solutions through it and its
// Q is their mean reward.
//
// Sample j is seeded SampleSeed(seed, problem id, "0", j) (search/seeds.h).
#pragma once

#include <cstdint>
#include <vector>

#include "datasets/problem.h"
#include "mcts/tree.h"
#include "search/tree_session.h"
#include "search/result.h"
#include "search/terminal.h"

namespace steptree {

// Samples `count` solutions of at most rules.max_depth steps at `temperature`, grows them
// into *tree and adds the model work to *budget. Returns one entry per sample, in order
// (none when the question alone fills the backend's context); final_value is the backend's
// value of the leaf's state, never the gold reward; with target-checked terminals (kTarget
// on a question with a target) an answered sample's final_value is the check's +1 / -1, so
// best-of-N returns a verified solution whenever one was sampled.
std::vector<SampleOutcome> RollOutSolutions(const TreeSession& session, const Problem& problem, uint64_t seed,
                                             const TerminalRules& rules, double temperature, int count,
                                             Tree* tree, Budget* budget);

// The choice rules of the rollout-based searches over any subset of their samples (in
// sample order), so budget studies re-vote subsets exactly as a run of that size would:
//   majority: most frequent answer among answered samples (search/voting.h);
//   best value: the answered sample with the highest final_value, ties to the earlier one.
// Both return the chosen leaf, or -1 when no sample is answered.
int ChooseByMajority(const Tree& tree, const std::vector<SampleOutcome>& samples);
int ChooseByBestValue(const std::vector<SampleOutcome>& samples);

}  // namespace steptree

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
#include "search/backend.h"
#include "search/terminal.h"

namespace steptree {

struct RolledSolution {
  int leaf = -1;           // the node the solution ends at; -1 for a row without steps
  double final_value = 0;  // the backend's value of the leaf's state (never the gold reward)
  // True when the solution ends with a final-answer step holding a parsable answer.
  bool answered = false;
};

// Samples `count` solutions of at most rules.max_depth steps at `temperature`, grows them
// into *tree and adds the model work to *budget. Returns one entry per sample, in order
// (none when the question alone fills the backend's context).
std::vector<RolledSolution> RollOutSolutions(const SearchBackend& backend, const Problem& problem, uint64_t seed,
                                             const TerminalRules& rules, double temperature, int count,
                                             Tree* tree, Budget* budget);

}  // namespace steptree

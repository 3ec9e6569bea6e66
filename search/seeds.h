// Where every random stream of a search comes from. A sample's seed is derived from
// (run seed, problem id, node tag, sample index) and never drawn from a shared generator,
// so a tree does not depend on the thread count, the order problems are run in, or on
// which other problems share a batch. Same seed -> identical tree.
#pragma once

#include <cstdint>
#include <string>

#include "core/rng.h"

namespace steptree {

// The seed of sample `sample_index` drawn from the node tagged `node_tag` of a problem.
// Rollout-based searches (greedy, maj, best-of-N) draw whole solutions from the root "0".
inline uint64_t SampleSeed(uint64_t seed, const std::string& problem_id, const std::string& node_tag,
                           int sample_index) {
  const uint64_t problem_seed = DeriveSeed(seed, HashString(problem_id));
  const uint64_t node_seed = DeriveSeed(problem_seed, HashString(node_tag));
  return DeriveSeed(node_seed, static_cast<uint64_t>(sample_index));
}

}  // namespace steptree

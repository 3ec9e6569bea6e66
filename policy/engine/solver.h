// Whole-solution decoding for a set of problems: the policy alone, no search (greedy or
// sampled). Problems are decoded in batches of similar prompt length; each problem's
// random stream is derived from (seed, problem id), so results do not depend on batch
// composition, order or thread count. No torch in this header.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "datasets/problem.h"
#include "policy/engine/step_generator.h"

namespace steptree {

class Policy;

struct SolveOptions {
  StepSampling sampling;  // temperature 0 = greedy
  int max_steps = 16;       // steps per solution before it is cut
  int batch_size = 64;      // problems decoded together
  uint64_t seed = 1;        // sampling seed (unused when greedy)
};

struct Solution {
  std::vector<std::string> steps;
  std::optional<std::string> answer;  // extracted final answer
  bool correct = false;               // answer equals the gold answer (false without gold)
  StepEnd end = StepEnd::kFinal;        // why decoding stopped
  long generated_tokens = 0;
  long prefill_tokens = 0;
};

struct SolveStats {
  Budget generation;
  double seconds = 0;
};

// Called after every batch with the indices of the problems it finished (their solutions
// are final, graded) and the count done so far: write them out, report progress.
using SolvedBatchCallback = std::function<void(const std::vector<size_t>& finished,
                                               const std::vector<Solution>& solutions, long done,
                                               long total)>;

std::vector<Solution> SolveProblems(const Policy& policy, const std::vector<Problem>& problems,
                                    const SolveOptions& options, SolveStats* stats = nullptr,
                                    const SolvedBatchCallback& on_batch = nullptr);

}  // namespace steptree

// Small helpers shared by subcommands for flag values that cxxopts does not check.
#pragma once

#include <string>
#include <utility>

#include "datasets/synthetic.h"

namespace steptree::app {

// "3" -> {3,3}; "1-8" -> {1,8}; throws UsageError outside 1..8.
std::pair<int, int> ParseDifficultyRange(const std::string& text);
// "any" | "train" | "heldout"; throws UsageError otherwise.
ProblemSplit ParseSplit(const std::string& text);
// "arithmetic" | "countdown" (--family); throws UsageError otherwise.
ProblemFamily ParseFamily(const std::string& text);
// A problem count given by `flag`: throws UsageError unless 1 <= n <= kMaxProblemCount.
long CheckProblemCount(long n, const std::string& flag);

}  // namespace steptree::app

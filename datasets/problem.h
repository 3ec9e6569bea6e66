// A math problem as every module sees it: what loaders produce, what the generator makes,
// what search consumes.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace steptree {

struct Problem {
  std::string id;                            // unique within a data set
  std::string question;                      // the problem statement
  std::optional<std::string> gold;           // gold final answer, as text ("42", "\frac{1}{2}")
  std::vector<std::string> reference_steps;  // reference solution, one step per entry (may be empty)
  std::string source;                        // "gsm8k", "math", "synthetic", "generic"
  std::optional<int> difficulty;             // 1..8 for synthetic problems, MATH level where known
  nlohmann::json record;                     // the input record as read (written back into outputs)
};

}  // namespace steptree

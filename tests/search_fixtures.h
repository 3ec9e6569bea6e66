// Helpers for search tests on the fake backend (search/fake_backend.h), shared by
// tests/test_search.cc, tests/test_dvts.cc, tests/test_oracle_values.cc and
// tests/test_countdown_search.cc.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/rng.h"
#include "search/config.h"
#include "search/record.h"
#include "search/runner.h"

#include "datasets/problem.h"
#include "search/fake_backend.h"

namespace steptree::test {

// A scripted step that goes on, and one that ends the solution.
inline ScriptedStep Step(const std::string& text, double probability, double value) {
  return {text, probability, value, StepEnd::kStep};
}
inline ScriptedStep Final(const std::string& text, double probability, double value) {
  return {text, probability, value, StepEnd::kFinal};
}

// A branching script for determinism tests: three children per state, finals from depth 2
// (and the third child from depth 1), values and answers hashed from the path; the
// question "slow" sleeps 2 ms per call (to shuffle thread timing).
inline std::vector<ScriptedStep> BranchingScript(const std::string& question, const std::vector<std::string>& steps) {
  std::string path = question;
  for (const std::string& step : steps) path += "|" + step;
  const uint64_t h = HashString(path);
  const int depth = static_cast<int>(steps.size());
  if (question == "slow") std::this_thread::sleep_for(std::chrono::milliseconds(2));
  std::vector<ScriptedStep> children;
  for (int k = 0; k < 3; ++k) {
    const double probability = 0.2 + 0.2 * k;
    const double value = static_cast<double>((h >> (8 * k)) % 17) / 8.0 - 1.0;
    if (depth >= 2 || (depth == 1 && k == 2)) {
      children.push_back(Final("The answer is " + std::to_string((h >> (8 * k)) % 3) + ".", probability, value));
    } else {
      children.push_back(Step("step " + std::to_string(depth) + "." + std::to_string(k), probability, value));
    }
  }
  return children;
}

// Every problem's tree record (search/record.h), one line each in input order, from a run
// with `threads` workers and `trees_per_worker` trees batched together: the text that must
// not depend on either.
inline std::string SearchRecordsText(const std::vector<Problem>& problems, const SearchBackend& backend,
                                     const SearchConfig& config, int threads, int trees_per_worker) {
  std::string out;
  RunOptions options;
  options.threads = threads;
  options.trees_per_worker = trees_per_worker;
  RunSearch(problems, backend, config, options, [&](size_t, const Problem& problem, SearchResult& result) {
    out += SearchRecord(problem, config, result).dump() + "\n";
  });
  return out;
}

inline Problem MakeProblem(const std::string& id, const std::string& question, std::optional<std::string> gold) {
  Problem problem;
  problem.id = id;
  problem.question = question;
  problem.gold = std::move(gold);
  return problem;
}

// Sample j takes scripted child j % count: a test decides exactly which children exist.
inline FakeBackendOptions Enumerating() {
  FakeBackendOptions options;
  options.enumerate_children = true;
  return options;
}

}  // namespace steptree::test

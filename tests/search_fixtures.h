// Helpers for search tests on the fake backend (search/fake_backend.h), shared by
// tests/test_search.cc and tests/test_oracle_values.cc.
#pragma once

#include <optional>
#include <string>

#include "datasets/problem.h"
#include "search/fake_backend.h"

namespace steptree::test {

// A scripted step that goes on, and one that ends the solution.
inline ScriptedStep Step(const std::string& text, double probability, double value) {
  return {text, probability, value, CandidateEnd::kStep};
}
inline ScriptedStep Final(const std::string& text, double probability, double value) {
  return {text, probability, value, CandidateEnd::kFinal};
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

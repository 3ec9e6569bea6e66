// The summary of a search run (`steptree search --json`, `merge --json`, sweeps, bench):
// accuracy, the share of trees holding a correct terminal, and the per-problem budget,
// over every problem in the trees file, whether searched by this run, resumed from an
// earlier one, or merged from shards.
//
// Keys: {"mode", "n", "searched", "resumed", "accuracy", "correct", "graded",
//        "solved_share", "by_difficulty": {"1": {"accuracy", "n"}, ...},
//        "tokens_per_problem", "prefill_tokens_per_problem", "cached_tokens_per_problem",
//        "forward_calls_per_problem", "nodes_per_problem", "generated_tokens", "seconds",
//        "seconds_per_problem", "tokens_per_second", "threads", "config", "out"}
// accuracy = correct / graded over the problems with a gold answer (null when none has
// one); solved_share = trees with a correct terminal / n (pass@tree). Wall-clock figures
// (seconds, tokens_per_second) are the run's own and never enter a trees file.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/step.h"
#include "datasets/problem.h"
#include "search/result.h"

namespace steptree {

// What the summary needs of one searched problem.
struct TreeOutcome {
  std::optional<bool> correct;    // null without a gold answer
  bool solved = false;            // some terminal of the tree is correct
  Budget budget;
  std::optional<int> difficulty;  // the problem's level, where known
};

TreeOutcome OutcomeOfResult(const Problem& problem, const SearchResult& result);

// From a tree record (search/record.h). The difficulty is not read: a record holds the
// input as read, whose level the loader interpreted. Throws std::invalid_argument naming
// the bad key.
TreeOutcome OutcomeOfRecord(const nlohmann::json& record);

// The figures of the run itself.
struct RunFigures {
  long searched = 0, resumed = 0, generated_tokens = 0;
  double seconds = 0;
  int threads = 1;
};

// The summary over `outcomes` (one per problem in the file, in file order).
nlohmann::json SummariseOutcomes(const std::vector<TreeOutcome>& outcomes, const nlohmann::json& config,
                                 const RunFigures& run, const std::string& out);

// One line per figure for people: accuracy (by difficulty), tokens, nodes, seconds.
std::string FormatSearchSummary(const nlohmann::json& summary);

}  // namespace steptree

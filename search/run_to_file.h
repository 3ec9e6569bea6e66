// Running one search configuration over a problem set into a trees file: the part shared by
// `steptree search`, `demo`, `sweep` and `bench`.
//
// Output: one tree record per problem (search/record.h), appended and flushed as each
// problem finishes, in input order (RunSearch delivers in order), to "<out>.partial" beside
// the output; at the end the partial files are renamed over the outputs. So an existing
// output stays byte-identical until a whole new one replaces it, and a killed run keeps
// every finished problem in the partial file. Both outputs are checked
// (core/output_path.h) before any work. With `resume`, the run continues
// "<out>.partial" when it exists, else `out`: problems whose id is there are skipped after
// checking that each record has this run's configuration, this input's record of the
// problem and this model's digest (any difference is an InputError naming the line; the
// file is left as it was); a last line cut by a kill is dropped, and the value targets keep
// only the paths of problems whose tree is kept. The summary covers every problem in the
// file (resumed and new); wall-clock figures cover this run only and never enter the trees
// file.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "datasets/problem.h"
#include "search/backend.h"
#include "search/config.h"

namespace steptree {

struct SearchRunOptions {
  std::string out;            // trees JSONL
  bool resume = false;        // skip problems already in `out` (else `out` is truncated)
  int threads = 1;            // problems searched in parallel, one core each
  int trees_per_worker = 1;   // cross-tree batching: trees in flight per worker (search/runner.h)
  int max_batch_rows = 0;     // cross-tree batching: run a merged batch at this many rows (0 = wait for all)
  std::string value_targets;  // when set: write value-target paths (mcts/value_records.h) here
  std::string model_digest;   // ModelDigest of the model folder: recorded in every tree, checked on resume
  std::string progress_label = "search";
};

// Searches `problems`, writes `options.out`, returns the summary:
// {"mode", "n", "searched", "resumed", "accuracy", "correct", "solved_share",
//  "by_difficulty": {"1": {"accuracy", "n"}, ...}, "tokens_per_problem",
//  "prefill_tokens_per_problem", "cached_tokens_per_problem", "forward_calls_per_problem", "nodes_per_problem",
//  "generated_tokens", "seconds", "seconds_per_problem", "tokens_per_second", "threads",
//  "config", "out"}
// accuracy counts problems with a gold answer (null when none has one); solved_share is
// the share whose tree holds at least one correct terminal (pass@tree).
nlohmann::json RunSearchToFile(const std::vector<Problem>& problems, const SearchBackend& backend,
                               const SearchConfig& config, const SearchRunOptions& options);

// One line per figure for people: accuracy (by difficulty), tokens, nodes, seconds.
std::string FormatSearchSummary(const nlohmann::json& summary);

}  // namespace steptree

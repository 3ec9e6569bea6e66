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
// file. A shard (`search --shard K/N`) runs the same way on its share of the problems and,
// once its trees are published, writes its manifest (search/shard.h) for `merge`.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "datasets/problem.h"
#include "search/backend.h"
#include "search/config.h"
#include "search/run_summary.h"
#include "search/shard.h"

namespace steptree {

struct SearchRunOptions {
  std::string out;            // trees JSONL
  bool resume = false;        // skip problems already in `out` (else `out` is truncated)
  int threads = 1;            // problems searched in parallel, one core each
  int trees_per_worker = 1;   // cross-tree batching: trees in flight per worker (search/runner.h)
  int max_batch_rows = 0;     // cross-tree batching: run a merged batch at this many rows (0 = wait for all)
  std::string value_targets;  // when set: write value-target paths (mcts/value_records.h) here
  std::string model_digest;   // ModelDigest of the model folder: recorded in every tree, checked on resume
  // The provenance of a problem's tree (search/record.h), called once per searched problem;
  // unset: trees carry none.
  std::function<nlohmann::ordered_json(const Problem&)> provenance;
  std::string progress_label = "search";
  std::optional<ShardSpec> shard;  // search only this shard of `problems`, and write its manifest
};

// Searches `problems` (with options.shard: only that shard's share, search/shard.h),
// writes `options.out` (and a shard's manifest beside it) and returns the summary
// (search/run_summary.h) of every problem in the file.
nlohmann::json RunSearchToFile(const std::vector<Problem>& problems, const SearchBackend& backend,
                               const SearchConfig& config, const SearchRunOptions& options);

}  // namespace steptree

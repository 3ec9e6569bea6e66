// `steptree merge`: the trees (and value targets) of the shards of one search run
// (search/shard.h), put back into input order. The merged trees file is byte-identical to
// the one-process run's: position i is row i div N of shard i mod N, copied as written.
//
// Checks, each an error naming the file (exit 2) before anything is written:
//   - every shard has finished (its manifest exists) and belongs to the same run: the same
//     shard count, input size, data digest, model digest and search configuration;
//   - no shard index is given twice, and none is missing (unless allow_missing: the merged
//     file then holds the shards given, in input order, and the summary lists the rest);
//   - every tree record is of the manifest's configuration and model, the shard holds
//     exactly its share of problems, and no problem id appears twice across the shards;
//   - value targets (when asked for) exist for every shard and belong to its problems.
// Outputs appear whole or not at all (core/atomic_output.h).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace steptree {

struct MergeOptions {
  std::string out;              // merged trees JSONL
  std::string value_targets;    // merged value-target JSONL; "" = not merged
  bool allow_missing = false;   // merge what is there, list the missing shards
};

// Merges the shards whose trees files are `shard_trees` (any order). Returns the merged
// run's summary (search/run_summary.h; "by_difficulty" from the shards' summaries, the
// rest from the records) with "shards": N, "missing_shards": [K...], "missing_problems":
// the count of input problems not in the merged file, and "seconds": the slowest shard's.
nlohmann::json MergeShards(const std::vector<std::string>& shard_trees, const MergeOptions& options);

}  // namespace steptree

// Scale-out measured on one machine (`steptree bench`, issue 16): one search mode over the
// same problems, once as one `steptree search` process and once as N shard processes
// (`search --shard K/N`, search/shard.h) run side by side and merged (search/merge.h).
// Both are child processes of this binary with one worker each, so both include starting
// up and loading the model.
//
//   problems/s (one process) = problems / wall seconds of the one process
//   problems/s (sharded)     = problems / wall seconds from the first shard's start to the
//                              end of the merge
//   speedup                  = sharded problems/s / one-process problems/s (at most N, and
//                              at most the cores; start-up and the slowest shard cost)
//   identical                = the merged trees file's digest equals the one process's
//                              (core/file_digest.h): sharding must not change a byte.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "bench/search_bench.h"

namespace steptree::bench {

struct ShardBenchOptions {
  std::string model_dir;      // the model both runs load
  long problems = 0;          // held-out synthetic problems (search --synthetic)
  uint64_t problem_seed = 0;  // their seed (search --problem-seed)
  BenchSearchMode mode;       // the search mode and its parameters
  int shards = 2;             // N
  std::string scratch_dir;    // where the trees files go
};

struct ShardMeasurement {
  std::string key, label;
  int shards = 0;
  long problems = 0;
  double one_process_seconds = 0;
  double sharded_seconds = 0;  // shards side by side, then the merge
  double merge_seconds = 0;
  std::string one_process_digest, merged_digest;

  double problems_s_one_process() const;
  double problems_s_sharded() const;
  double speedup() const;
  bool identical() const { return !merged_digest.empty() && merged_digest == one_process_digest; }
};

// Runs both, as child processes of this binary (/proc/self/exe). Throws std::runtime_error
// when a child fails.
ShardMeasurement MeasureShards(const ShardBenchOptions& options);

nlohmann::json ShardMeasurementToJson(const ShardMeasurement& m);

}  // namespace steptree::bench

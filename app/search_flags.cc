// Flags of the commands that run searches (app/search_flags.h).
#include "app/search_flags.h"

#include <string>

#include "core/input_error.h"
#include "policy/engine/policy_backend.h"

namespace steptree::app {

void AddKvCacheFlag(cxxopts::Options& options) {
  options.add_options()("kv-cache-mb",
                        "prefix KV cache of each search tree, in MiB (0 = off; memory use up to threads x this). "
                        "Results are the same with any size: only prefill work changes",
                        cxxopts::value<long>()->default_value(std::to_string(kDefaultKvCacheMbPerTree)));
}

void AddTreesPerWorkerFlag(cxxopts::Options& options) {
  options.add_options()("trees-per-worker",
                        "cross-tree batching: trees each worker searches at once, their expansions run as one "
                        "model batch (1 = off). Results are the same with any value",
                        cxxopts::value<int>()->default_value("1"));
  options.add_options()("max-batch",
                        "with --trees-per-worker: run a merged batch once it holds this many rows (candidates), "
                        "without waiting for every tree (0 = wait for all). Results are the same with any value",
                        cxxopts::value<int>()->default_value("0"));
}

int MaxBatchFrom(const cxxopts::ParseResult& args) {
  const int rows = args["max-batch"].as<int>();
  if (rows < 0 || rows > 65536) throw UsageError("--max-batch must be between 0 and 65536");
  return rows;
}

int TreesPerWorkerFrom(const cxxopts::ParseResult& args) {
  const int trees = args["trees-per-worker"].as<int>();
  if (trees < 1 || trees > 256) throw UsageError("--trees-per-worker must be between 1 and 256");
  return trees;
}

int64_t KvCacheBytesFrom(const cxxopts::ParseResult& args) {
  const long mb = args["kv-cache-mb"].as<long>();
  if (mb < 0 || mb > (1L << 24)) throw UsageError("--kv-cache-mb must be between 0 and 16777216");
  return static_cast<int64_t>(mb) << 20;
}

}  // namespace steptree::app

// Flags of the commands that run searches (search, demo, sweep): the prefix KV cache budget
// and cross-tree batching.
#pragma once

#include <cstdint>

#include <cxxopts.hpp>

namespace steptree::app {

// --kv-cache-mb: the prefix KV cache budget of each search tree (policy/engine/prefix_cache.h).
void AddKvCacheFlag(cxxopts::Options& options);
int64_t KvCacheBytesFrom(const cxxopts::ParseResult& args);
// --trees-per-worker and --max-batch: cross-tree batching (search/expand_combiner.h).
void AddTreesPerWorkerFlag(cxxopts::Options& options);
int TreesPerWorkerFrom(const cxxopts::ParseResult& args);
int MaxBatchFrom(const cxxopts::ParseResult& args);

}  // namespace steptree::app

// Running one search over many problems in parallel (oneTBB), delivering results in input
// order so that the output is byte-identical whatever the thread count.
//
// Scheduling: a task_arena of `threads` threads; each of `threads` workers takes the next
// unstarted problem from a shared counter (so problems start in input order) and searches
// it alone. With trees_per_worker G > 1, each worker is G threads sharing one
// ExpandCombiner: G trees in flight per worker, their expansions batched together; the
// model still runs one batch at a time per worker. A finished result is held until every earlier problem is delivered; delivery
// runs under one mutex, so the callback is never called concurrently, and always in input
// order (skipped problems are passed over).
//
// Determinism: a problem's tree depends only on (backend, problem, config) (search/seeds.h),
// never on the worker that ran it or on the other problems.
#pragma once

#include <cstddef>
#include <functional>
#include <vector>

#include "datasets/problem.h"
#include "search/backend.h"
#include "search/config.h"
#include "search/result.h"

namespace steptree {

// Dispatches to the search of config.mode.
SearchResult SearchProblem(const SearchBackend& backend, const Problem& problem, const SearchConfig& config);

struct RunOptions {
  int threads = 1;  // worker threads (>= 1)
  // Cross-tree batching (search/expand_combiner.h): each worker searches this many trees at
  // once, on as many threads, and their Expand calls run as one model batch. 1 = off.
  // Results do not depend on it.
  int trees_per_worker = 1;
  // With trees_per_worker > 1: a merged batch runs once it holds this many rows, without
  // waiting for every tree of the worker (0 = wait for all). Results do not depend on it.
  int max_batch_rows = 0;
  // Problems for which this returns true are not searched (--resume: already written).
  std::function<bool(const Problem&)> skip;
  // Called on each worker's thread before it searches its first problem (e.g. to set the
  // model's intra-op threads to 1). May run more than once on one OS thread.
  std::function<void()> worker_init;
};

// Receives each searched problem's result, in input order, one call at a time. `index` is
// the problem's position in the input vector.
using ResultCallback = std::function<void(size_t index, const Problem& problem, SearchResult& result)>;

// Searches every problem not skipped. Throws UsageError for an invalid config
// (ValidateConfig) before searching anything. It does not check the backend's value head:
// callers refuse NeedsValueHead(config) searches on a backend without one. An exception
// thrown by a search or by the callback stops the run and is rethrown here (results not
// yet delivered are dropped).
void RunSearch(const std::vector<Problem>& problems, const SearchBackend& backend, const SearchConfig& config,
               const RunOptions& options, const ResultCallback& on_result);

}  // namespace steptree

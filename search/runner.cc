#include "search/runner.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <stdexcept>
#include <vector>

#include <tbb/task_arena.h>
#include <tbb/task_group.h>

#include "search/expand_combiner.h"
#include "search/oracle_values.h"

namespace steptree {

namespace {

// Holds finished results until everything before them is delivered (see runner.h).
class InOrderDelivery {
 public:
  InOrderDelivery(const std::vector<Problem>& problems, const std::vector<bool>& skipped,
                  const ResultCallback& on_result)
      : problems_(problems), skipped_(skipped), on_result_(on_result), finished_(problems.size()) {}

  void Finish(size_t index, SearchResult result) {
    std::lock_guard<std::mutex> lock(mutex_);
    finished_[index].emplace(std::move(result));
    DeliverReady();
  }

 private:
  void DeliverReady() {  // requires mutex_
    while (next_ < problems_.size() && (skipped_[next_] || finished_[next_])) {
      if (!skipped_[next_]) {
        on_result_(next_, problems_[next_], *finished_[next_]);
        finished_[next_].reset();
      }
      ++next_;
    }
  }

  const std::vector<Problem>& problems_;
  const std::vector<bool>& skipped_;
  const ResultCallback& on_result_;
  std::mutex mutex_;
  std::vector<std::optional<SearchResult>> finished_;  // guarded by mutex_
  size_t next_ = 0;                                    // guarded by mutex_: next index to deliver
};

// Runs `threads` copies of `worker` at once and waits; the first exception is rethrown.
// The product runs them as oneTBB tasks in a task_arena of `threads` threads. Under
// ThreadSanitizer (scripts/sanitize.sh tsan) they run on std::threads instead: a TBB task is
// handed to its thread inside libtbb.so, which is not instrumented, so TSan would see the
// task's construction and its first read as a race. The workers' code is the same.
void RunWorkers(int threads, const std::function<void()>& worker) {
#if defined(__SANITIZE_THREAD__)
  std::mutex error_mutex;
  std::exception_ptr first_error;
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      try {
        worker();
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!first_error) first_error = std::current_exception();
      }
    });
  }
  for (std::thread& thread : pool) thread.join();
  if (first_error) std::rethrow_exception(first_error);
#else
  tbb::task_arena arena(threads);
  arena.execute([&] {
    tbb::task_group workers;
    for (int t = 0; t < threads; ++t) workers.run(worker);
    workers.wait();
  });
#endif
}

}  // namespace

SearchResult SearchProblem(const SearchBackend& backend, const Problem& problem, const SearchConfig& config) {
  std::optional<OracleValueBackend> oracle;
  if (config.value_source == ValueSource::kOracle) oracle.emplace(backend, problem.question, problem.gold);
  // One tree for this problem: the backend's per-tree state (e.g. a prefix KV cache) lives
  // from here to the end of the search.
  const TreeSession session(oracle ? static_cast<const SearchBackend&>(*oracle) : backend, StepControlsOf(config));
  const uint64_t seed = config.seed;
  const TerminalReward reward = config.terminal_reward;
  switch (config.mode) {
    case SearchMode::kGreedy: return SearchGreedy(session, problem, config.greedy, seed, reward);
    case SearchMode::kMajority: return SearchMajority(session, problem, config.maj, seed, reward);
    case SearchMode::kBestOfN: return SearchBestOfN(session, problem, config.bon, seed, reward);
    case SearchMode::kSbs: return SearchSbs(session, problem, config.sbs, seed, reward);
    case SearchMode::kMcts: return SearchMcts(session, problem, config.mcts, seed, reward);
    case SearchMode::kDvts: return SearchDvts(session, problem, config.dvts, seed, reward);
  }
  throw std::logic_error("SearchProblem: unknown search mode");
}

void RunSearch(const std::vector<Problem>& problems, const SearchBackend& backend, const SearchConfig& config,
               const RunOptions& options, const ResultCallback& on_result) {
  ValidateConfig(config);
  const int threads = std::max(1, options.threads);
  std::vector<bool> skipped(problems.size(), false);
  if (options.skip) {
    for (size_t i = 0; i < problems.size(); ++i) skipped[i] = options.skip(problems[i]);
  }
  InOrderDelivery delivery(problems, skipped, on_result);

  std::atomic<size_t> next_problem{0};
  std::atomic<bool> failed{false};  // set by the first worker that throws: the others stop
  auto worker = [&] {
    try {
      backend.PrepareWorkerThread();
      if (options.worker_init) options.worker_init();
      for (size_t i = next_problem++; i < problems.size() && !failed; i = next_problem++) {
        if (skipped[i]) continue;
        delivery.Finish(i, SearchProblem(backend, problems[i], config));
      }
    } catch (...) {
      failed = true;
      throw;  // task_group::wait rethrows it
    }
  };
  if (options.trees_per_worker <= 1) {
    RunWorkers(threads, worker);
    return;
  }

  // Cross-tree batching: `threads` groups of G threads, one combiner per group.
  const int group_size = options.trees_per_worker;
  std::vector<std::unique_ptr<ExpandCombiner>> combiners;
  for (int g = 0; g < threads; ++g) combiners.push_back(std::make_unique<ExpandCombiner>(backend, group_size, options.max_batch_rows));
  std::mutex error_mutex;
  std::exception_ptr first_error;
  auto member = [&](ExpandCombiner* combiner) {
    try {
      backend.PrepareWorkerThread();
      if (options.worker_init) options.worker_init();
      const CombiningBackend combined(backend, *combiner);
      for (size_t i = next_problem++; i < problems.size() && !failed; i = next_problem++) {
        if (skipped[i]) continue;
        delivery.Finish(i, SearchProblem(combined, problems[i], config));
      }
    } catch (...) {
      failed = true;
      std::lock_guard<std::mutex> lock(error_mutex);
      if (!first_error) first_error = std::current_exception();
    }
    combiner->Leave();
  };
  std::vector<std::thread> members;
  for (int g = 0; g < threads; ++g) {
    for (int k = 0; k < group_size; ++k) members.emplace_back(member, combiners[g].get());
  }
  for (std::thread& t : members) t.join();
  if (first_error) std::rethrow_exception(first_error);
}

}  // namespace steptree

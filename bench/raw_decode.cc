// Raw batched decode on the KV-cached path (bench/raw_decode.h).
#include "bench/raw_decode.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <exception>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <thread>

#include <torch/torch.h>

#include "bench/timing.h"
#include "policy/model/causal_lm.h"
#include "policy/model/kv_cache.h"
#include "policy/policy.h"

namespace steptree::bench {
namespace {

// One timed run; returns its seconds.
using Run = std::function<double()>;
// Builds a stream's run (its own cache and inputs) on the thread that will call it.
using MakeRun = std::function<Run()>;

// D Decode calls for every row of `prefilled`, feeding `token`.
double DecodeRun(CausalLm& lm, const KvCache& prefilled, int decode_tokens, int64_t token) {
  KvCache cache = prefilled;  // shares storage; length back at P (see the header)
  const torch::Tensor ids = torch::full({cache.rows()}, token, torch::kInt64);
  const Clock::time_point start = Clock::now();
  for (int t = 0; t < decode_tokens; ++t) lm.Decode(ids, &cache);
  return SecondsSince(start);
}

// One Prefill call of every prompt.
double PrefillRun(CausalLm& lm, const std::vector<std::vector<int>>& prompts) {
  KvCache cache;
  const Clock::time_point start = Clock::now();
  lm.Prefill(prompts, static_cast<int64_t>(prompts.front().size()), &cache);
  return SecondsSince(start);
}

// Timed runs until min_runs and min_seconds, at most max_runs, given one run's seconds.
int RunsFor(const RawDecodeOptions& options, double run_seconds) {
  const double wanted = run_seconds > 0 ? std::ceil(options.min_seconds / run_seconds) : options.min_runs;
  return static_cast<int>(std::clamp<double>(std::max<double>(options.min_runs, wanted), 1, options.max_runs));
}

struct Timing {
  double seconds = 0;  // per run: the fastest (one stream) or wall / runs (several)
  int runs = 0;
};

// One stream on the calling thread (its intra-op threads): an untimed warm-up, then the
// fastest of the timed runs.
Timing TimeOneStream(const RawDecodeOptions& options, const MakeRun& make_run) {
  const Run run = make_run();
  Timing timing;
  timing.runs = RunsFor(options, run());  // the warm-up sizes the count
  timing.seconds = 1e30;
  for (int r = 0; r < timing.runs; ++r) timing.seconds = std::min(timing.seconds, run());
  return timing;
}

// `streams` streams at once, each on its own thread with one torch thread (the search
// workers' threading model). Each builds its run and warms up; then all start together and
// do the same number of runs; the wall time from that common start to the last finish,
// divided by the runs, is the time of one run of all streams.
Timing TimeStreams(const RawDecodeOptions& options, int streams, const MakeRun& make_run) {
  std::mutex mutex;
  std::condition_variable changed;
  int ready = 0;                // guarded by mutex
  double slowest_warmup = 0;    // guarded by mutex
  int runs = 0;                 // guarded by mutex; 0 until the common start
  std::exception_ptr failure;   // guarded by mutex
  std::vector<std::thread> threads;
  for (int stream = 0; stream < streams; ++stream) {
    threads.emplace_back([&] {
      torch::set_num_threads(1);
      torch::NoGradGuard no_grad;
      Run run;
      double warmup = 0;
      try {
        run = make_run();
        warmup = run();
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex);
        failure = std::current_exception();
      }
      int my_runs = 0;
      {
        std::unique_lock<std::mutex> lock(mutex);
        ++ready;
        slowest_warmup = std::max(slowest_warmup, warmup);
        changed.notify_all();
        changed.wait(lock, [&] { return runs > 0 || failure; });
        if (failure) return;
        my_runs = runs;
      }
      try {
        for (int r = 0; r < my_runs; ++r) run();
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex);
        failure = std::current_exception();
      }
    });
  }
  Timing timing;
  Clock::time_point start;
  {
    std::unique_lock<std::mutex> lock(mutex);
    changed.wait(lock, [&] { return ready == streams; });
    if (!failure) {
      runs = RunsFor(options, slowest_warmup);
      timing.runs = runs;
      start = Clock::now();
    }
    changed.notify_all();
  }
  for (std::thread& t : threads) t.join();
  if (failure) std::rethrow_exception(failure);
  timing.seconds = SecondsSince(start) / timing.runs;
  return timing;
}

Timing TimeRuns(const RawDecodeOptions& options, const MakeRun& make_run) {
  return options.streams == 1 ? TimeOneStream(options, make_run) : TimeStreams(options, options.streams, make_run);
}

}  // namespace

int64_t MatmulParameters(const GptConfig& c) {
  const int64_t d = c.d_model, ff = c.d_ff;
  return static_cast<int64_t>(c.n_layer) * (4 * d * d + 2 * d * ff) + static_cast<int64_t>(c.vocab_size) * d;
}

double DecodeFlopsPerToken(const GptConfig& c, double attended_keys) {
  return 2.0 * static_cast<double>(MatmulParameters(c)) + 4.0 * c.n_layer * c.d_model * attended_keys;
}

RawDecodeResult MeasureRawDecode(const Policy& policy, const RawDecodeOptions& options, double peak_gflops,
                                 const char* progress_label) {
  const GptConfig& config = policy.config();  // logic_error for a Hugging Face policy
  if (options.prompt_tokens < 1 || options.decode_tokens < 1 || options.min_runs < 1 ||
      options.max_runs < options.min_runs || options.streams < 1) {
    throw std::invalid_argument("MeasureRawDecode: prompt/decode tokens, runs and streams must be >= 1");
  }
  if (options.prompt_tokens + options.decode_tokens > config.context) {
    throw std::invalid_argument("MeasureRawDecode: prompt + decode tokens exceed the context");
  }
  torch::NoGradGuard no_grad;
  CausalLm& lm = policy.lm();
  // A fixed prompt of byte-range ids (any valid ids compute the same amount).
  std::vector<int> prompt(options.prompt_tokens);
  for (int i = 0; i < options.prompt_tokens; ++i) prompt[i] = 32 + (i * 37) % 90;
  const int64_t token = 48;
  const int64_t capacity = options.prompt_tokens + options.decode_tokens;
  const bool print = progress_label != nullptr && progress_label[0] != '\0';

  RawDecodeResult result;
  result.streams = options.streams;
  result.mean_attended_keys = options.prompt_tokens + (options.decode_tokens + 1) / 2.0;
  result.flops_per_token = DecodeFlopsPerToken(config, result.mean_attended_keys);
  for (int batch : options.batches) {
    if (batch < 1) throw std::invalid_argument("MeasureRawDecode: batch sizes must be >= 1");
    const Timing timing = TimeRuns(options, [&]() -> Run {
      auto prefilled = std::make_shared<KvCache>();
      lm.Prefill({prompt}, capacity, prefilled.get());
      prefilled->SelectRows(torch::zeros({batch}, torch::kInt64));
      return [&lm, prefilled, &options, token] { return DecodeRun(lm, *prefilled, options.decode_tokens, token); };
    });
    RawDecodePoint point;
    point.batch = batch;
    point.runs = timing.runs;
    point.tokens_s = static_cast<double>(options.streams) * batch * options.decode_tokens / timing.seconds;
    point.gflops = point.tokens_s * result.flops_per_token / 1e9;
    point.peak_fraction = peak_gflops > 0 ? point.gflops / peak_gflops : 0.0;
    point.ms_per_step = 1000.0 * timing.seconds / options.decode_tokens;
    result.points.push_back(point);
    if (print) {
      std::fprintf(stderr, "%s: batch %3d  %9.0f tokens/s  %6.2f GFLOP/s  %5.1f%% of peak  %.3f ms/step\n",
                   progress_label, batch, point.tokens_s, point.gflops, 100 * point.peak_fraction,
                   point.ms_per_step);
    }
  }

  if (options.prefill_rows >= 1) {
    // Distinct prompts (each row's ids shifted), so Prefill computes every row.
    std::vector<std::vector<int>> prompts(options.prefill_rows, prompt);
    for (int r = 0; r < options.prefill_rows; ++r) {
      for (int& id : prompts[r]) id = 32 + (id - 32 + r) % 90;
    }
    const Timing timing = TimeRuns(options, [&]() -> Run { return [&] { return PrefillRun(lm, prompts); }; });
    result.prefill_rows = options.prefill_rows;
    result.prefill_tokens_s =
        static_cast<double>(options.streams) * options.prefill_rows * options.prompt_tokens / timing.seconds;
    result.prefill_gflops =
        result.prefill_tokens_s * DecodeFlopsPerToken(config, (options.prompt_tokens + 1) / 2.0) / 1e9;
    if (print) {
      std::fprintf(stderr, "%s: prefill %d x %d tokens  %9.0f tokens/s  %6.2f GFLOP/s\n", progress_label,
                   options.prefill_rows, options.prompt_tokens, result.prefill_tokens_s, result.prefill_gflops);
    }
  }
  return result;
}

}  // namespace steptree::bench

// What `steptree bench` found, as one JSON object and as a table for people, with the five
// targets of the performance issue judged against the measured figures. No torch here.
//
// Derived figures:
//   raw tokens/s at batch b (b between measured batch sizes): the time of one decode step,
//     t(b) = b / tokens_s(b), is interpolated linearly in b between the two nearest measured
//     batches (a step costs a fixed per-op overhead plus work linear in b), then
//     tokens_s = b / t(b). Below the smallest measured batch t is held at its value there;
//     above the largest, tokens/s is held at its value there.
//   over_raw = search tokens/s / raw tokens/s at the search's mean decode batch.
//   raw_model_seconds = generated tokens / raw tokens/s at the mean decode batch
//     + prefill tokens / raw prefill tokens/s: the wall time the search's model work would
//     take the model alone, run the way the search ran it (raw rates are of all --threads
//     streams together, as the search's workers are), to compare with the search's seconds.
//   thread_speedup = problems/s with 2 workers / problems/s with 1 worker (same problems,
//     same mode).
//   shards: one process against N shard processes, bench/shard_bench.h.
//   outside_model_fraction (overall) = 1 - sum of seconds inside backend calls over the
//     three modes / sum of (wall seconds * workers) over the three modes.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/matmul_peak.h"
#include "bench/raw_decode.h"
#include "bench/search_bench.h"
#include "bench/shard_bench.h"
#include "policy/model/format/gpt_config.h"

namespace steptree::bench {

struct BenchModel {
  std::string name;            // "default" or "wide"
  std::string source;          // checkpoint directory, or "random weights (seed 1)"
  GptConfig config;
  long parameters = 0;
  RawDecodeResult decode;
};

struct BenchReport {
  int threads = 1;                 // torch threads for matmul/decode; search workers
  unsigned hardware_threads = 0;   // std::thread::hardware_concurrency()
  long problems = 0;
  bool quick = false;
  int prompt_tokens = 0, decode_tokens = 0;  // raw decode setup
  MatmulPeak matmul;
  BenchModel default_model, wide_model;
  std::vector<SearchMeasurement> search;  // greedy, sbs, mcts at `threads` workers
  SearchMeasurement speedup_one, speedup_two;  // the speedup mode at 1 and 2 workers
  std::optional<ShardMeasurement> shards;      // the speedup mode as N shard processes (--shards)
  double peak_rss_mb = 0;          // after the search runs (default model loaded)
  double peak_rss_mb_whole = 0;    // at the end (the wide model's decode included)
};

// Raw decode tokens/s at a (fractional) batch size, interpolated as above. Points must be
// non-empty, in increasing batch order.
double RawTokensPerSecondAt(const std::vector<RawDecodePoint>& points, double batch);

// The --json object (documented in docs/performance.md and the command's --help).
nlohmann::json ReportToJson(const BenchReport& report);

// The same figures as tables (stdout without --json).
std::string FormatReport(const BenchReport& report);

// Peak resident set size of this process so far, in MiB (getrusage ru_maxrss).
double PeakRssMb();

}  // namespace steptree::bench

// One process against N shard processes (bench/shard_bench.h).
#include "bench/shard_bench.h"

#include <chrono>
#include <cstdio>
#include <iostream>
#include <stdexcept>
#include <vector>

#include "bench/timing.h"
#include "core/child_process.h"
#include "core/file_digest.h"
#include "search/config.h"
#include "search/merge.h"
#include "search/shard.h"

namespace steptree::bench {
namespace {

// `steptree search` arguments for the mode: every parameter of its configuration as a flag.
std::vector<std::string> SearchArguments(const ShardBenchOptions& o, const std::string& out) {
  std::vector<std::string> args = {"steptree", "search", "--model", o.model_dir, "--problems",
                                   std::to_string(o.problems), "--problem-seed", std::to_string(o.problem_seed),
                                   "--threads", "1", "--allow-untrained-value", "--output", out};
  const nlohmann::ordered_json config = ConfigToJson(o.mode.config);
  for (const auto& [key, value] : config.items()) {
    std::string flag = key;
    for (char& c : flag) c = c == '_' ? '-' : c;
    args.push_back("--" + flag);
    args.push_back(value.is_string() ? value.get<std::string>() : value.dump());
  }
  return args;
}

void Check(int status, const std::string& what) {
  if (status != 0) {
    throw std::runtime_error("bench: " + what + " exited with " + std::to_string(status) + " (its output is above)");
  }
}

}  // namespace

double ShardMeasurement::problems_s_one_process() const {
  return Rate(static_cast<double>(problems), one_process_seconds);
}
double ShardMeasurement::problems_s_sharded() const { return Rate(static_cast<double>(problems), sharded_seconds); }
double ShardMeasurement::speedup() const {
  const double one = problems_s_one_process();
  return one > 0 ? problems_s_sharded() / one : 0.0;
}

ShardMeasurement MeasureShards(const ShardBenchOptions& o) {
  const std::string self = "/proc/self/exe";
  ShardMeasurement m;
  m.key = o.mode.key;
  m.label = o.mode.label;
  m.shards = o.shards;
  m.problems = o.problems;

  std::cerr << "bench: " << o.mode.label << " in one process\n";
  const std::string one = o.scratch_dir + "/shard-bench-one.jsonl";
  Clock::time_point start = Clock::now();
  Check(RunChildProcess(self, SearchArguments(o, one)), "the one-process search");
  m.one_process_seconds = SecondsSince(start);

  std::cerr << "bench: " << o.mode.label << " as " << o.shards << " shard processes side by side\n";
  const std::string pattern = o.scratch_dir + "/shard-bench.{shard}.jsonl";
  std::vector<int> children;
  std::vector<std::string> shard_files;
  start = Clock::now();
  for (int k = 0; k < o.shards; ++k) {
    std::vector<std::string> args = SearchArguments(o, pattern);
    args.insert(args.end(), {"--shard", std::to_string(k) + "/" + std::to_string(o.shards)});
    children.push_back(StartChildProcess(self, args));
    shard_files.push_back(ShardPath(pattern, k));
  }
  std::vector<int> statuses;
  for (int pid : children) statuses.push_back(WaitChildProcess(pid));
  for (size_t k = 0; k < statuses.size(); ++k) Check(statuses[k], "shard " + std::to_string(k));
  const Clock::time_point merge_start = Clock::now();
  MergeOptions merge;
  merge.out = o.scratch_dir + "/shard-bench-merged.jsonl";
  MergeShards(shard_files, merge);
  m.merge_seconds = SecondsSince(merge_start);
  m.sharded_seconds = SecondsSince(start);
  m.one_process_digest = DigestHex(FileDigest(one));
  m.merged_digest = DigestHex(FileDigest(merge.out));
  return m;
}

nlohmann::json ShardMeasurementToJson(const ShardMeasurement& m) {
  return {{"mode", m.key},
          {"shards", m.shards},
          {"problems", m.problems},
          {"one_process_seconds", m.one_process_seconds},
          {"sharded_seconds", m.sharded_seconds},
          {"merge_seconds", m.merge_seconds},
          {"problems_s_one_process", m.problems_s_one_process()},
          {"problems_s_sharded", m.problems_s_sharded()},
          {"speedup", m.speedup()},
          {"one_process_digest", m.one_process_digest},
          {"merged_digest", m.merged_digest},
          {"identical", m.identical()}};
}

}  // namespace steptree::bench

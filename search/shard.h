// One search run split across processes or machines (Slurm job arrays, Kubernetes Indexed
// Jobs): `search --shard K/N` searches shard K of N, `merge` puts the shards back together.
//
// The split: input problem i (0-based, input order) belongs to shard i mod N. Round-robin
// keeps the shards' costs close when cost drifts along the input (data sets sorted by
// level or length), and shard sizes differ by at most one. A problem's tree depends only on
// (backend, problem, config) (search/runner.h: per-problem seeds, never a shared stream),
// so shard K's trees are exactly the one-process run's trees of its problems, and the
// merged file, which takes position i from shard i mod N at row i div N, is byte-identical
// to the one-process run.
//
// A shard that finishes writes its manifest, "<trees>.shard.json", after its trees:
//   {"format": "steptree-shard", "version": 1, "shard": K, "shards": N,
//    "problems": <problems in the whole input>, "shard_problems": <its share>,
//    "data_digest": <ProblemsDigest of the whole input>, "model_digest": <or "">,
//    "config": <ConfigToJson>, "trees": <the trees file's name>,
//    "value_targets": <its value-target file relative to the manifest's folder, or null>,
//    "summary": <the shard's search summary (search/run_summary.h)>}
// No manifest means the shard has not finished: merge refuses it.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "datasets/problem.h"

namespace steptree {

inline constexpr const char* kShardManifestFormat = "steptree-shard";
inline constexpr int kShardManifestVersion = 1;
inline constexpr int kMaxShards = 100000;

struct ShardSpec {
  int index = 0;  // K, 0 <= K < count
  int count = 1;  // N
};

// Reads the environment; tests pass their own.
using EnvironmentLookup = std::function<const char*(const char*)>;

// `--shard` as given: "K/N", or "auto": from a Slurm job array (the index is
// SLURM_ARRAY_TASK_ID; the count is `count_flag` when given, else SLURM_ARRAY_TASK_COUNT,
// and then the array must be the whole run 0..N-1) or a Kubernetes Indexed Job
// (JOB_COMPLETION_INDEX; the count must come from `count_flag`, --shard-count).
// `count_flag` <= 0: not given. Throws UsageError naming the flag or variable.
ShardSpec ParseShardFlag(const std::string& value, int count_flag, const EnvironmentLookup& environment);

// The problems of shard `spec`, in input order.
std::vector<Problem> ShardProblems(const std::vector<Problem>& problems, const ShardSpec& spec);

// How many of `total` problems shard `index` of `count` holds.
long ShardSize(long total, const ShardSpec& spec);

// `pattern` with every "{shard}" replaced by the index (an output path per shard).
std::string ShardPath(const std::string& pattern, int index);

// Digest of the input problems (their records as written into trees, in order): shards of
// one run must have read the same problems. 16 hex digits.
std::string ProblemsDigest(const std::vector<Problem>& problems);

struct ShardManifest {
  ShardSpec shard;
  long problems = 0;  // in the whole input
  std::string data_digest;
  std::string model_digest;
  nlohmann::json config;
  std::string trees;          // the trees file as given to --output
  std::string value_targets;  // as given to --value-targets; "" when none
  nlohmann::json summary;
};

std::string ShardManifestPath(const std::string& trees);

// Writes ShardManifestPath(manifest.trees) whole or not at all.
void WriteShardManifest(const ShardManifest& manifest);

// Reads the manifest of the shard whose trees file is `trees`; "value_targets" comes back
// as a path usable from here. Throws InputError naming the manifest (a missing one: "the
// shard has not finished").
ShardManifest ReadShardManifest(const std::string& trees);

// The manifest `json`, read from `path`, checked as ReadShardManifest checks it (InputError
// naming `path`); `trees` is the shard's trees file ("value_targets" is resolved beside it).
ShardManifest ShardManifestFromJson(const nlohmann::json& json, const std::string& path, const std::string& trees);

}  // namespace steptree

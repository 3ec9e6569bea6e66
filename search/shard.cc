// Shards of one search run (search/shard.h).
#include "search/shard.h"

#include <charconv>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "core/file_digest.h"
#include "core/input_error.h"
#include "core/json_file.h"
#include "search/record.h"

namespace steptree {
namespace fs = std::filesystem;
namespace {

// A whole non-negative decimal number, or nothing.
std::optional<long> WholeNumber(const std::string& text) {
  long value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end || value < 0) return std::nullopt;
  return value;
}

// An environment variable holding a whole number; nothing when unset. Throws when set to
// anything else.
std::optional<long> NumberFromEnvironment(const EnvironmentLookup& environment, const char* name) {
  const char* value = environment(name);
  if (value == nullptr) return std::nullopt;
  const std::optional<long> number = WholeNumber(value);
  if (!number) {
    throw UsageError(std::string("--shard auto: ") + name + " is \"" + value + "\", expected a whole number");
  }
  return number;
}

ShardSpec CheckedSpec(long index, long count, const std::string& source) {
  if (count < 1 || count > kMaxShards) {
    throw UsageError(source + ": the shard count must be 1.." + std::to_string(kMaxShards) + ", got " +
                     std::to_string(count));
  }
  if (index >= count) {
    throw UsageError(source + ": shard index " + std::to_string(index) + " is not below the count " +
                     std::to_string(count) + " (indices are 0-based)");
  }
  return ShardSpec{static_cast<int>(index), static_cast<int>(count)};
}

// Without --shard-count the array must be the whole run, indices 0..N-1 (`--array=0-N`):
// a resubmission of some tasks (`--array=2,5`) has another count and minimum, and would
// silently take another shard's index.
ShardSpec ShardFromSlurm(long task_id, int count_flag, const EnvironmentLookup& environment) {
  if (count_flag > 0) return CheckedSpec(task_id, count_flag, "--shard auto (SLURM_ARRAY_TASK_ID, --shard-count)");
  const std::optional<long> min = NumberFromEnvironment(environment, "SLURM_ARRAY_TASK_MIN");
  const std::optional<long> max = NumberFromEnvironment(environment, "SLURM_ARRAY_TASK_MAX");
  std::optional<long> count = NumberFromEnvironment(environment, "SLURM_ARRAY_TASK_COUNT");
  if (!count && max) count = *max - min.value_or(0) + 1;
  if (!count) {
    throw UsageError("--shard auto: SLURM_ARRAY_TASK_ID is set but neither SLURM_ARRAY_TASK_COUNT nor "
                     "SLURM_ARRAY_TASK_MAX is; give --shard-count N");
  }
  if (min.value_or(0) != 0 || (max && *max != *count - 1)) {
    throw UsageError("--shard auto: this Slurm array is not the whole run 0.." + std::to_string(*count - 1) +
                     " (SLURM_ARRAY_TASK_MIN/MAX/COUNT; a resubmission of some tasks?): give --shard-count N, "
                     "and the index is SLURM_ARRAY_TASK_ID");
  }
  return CheckedSpec(task_id, *count, "--shard auto (SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_COUNT)");
}

}  // namespace

ShardSpec ParseShardFlag(const std::string& value, int count_flag, const EnvironmentLookup& environment) {
  if (value != "auto") {
    const size_t slash = value.find('/');
    const std::optional<long> index = slash == std::string::npos ? std::nullopt : WholeNumber(value.substr(0, slash));
    const std::optional<long> count = slash == std::string::npos ? std::nullopt : WholeNumber(value.substr(slash + 1));
    if (!index || !count) throw UsageError("--shard expects K/N (e.g. 0/3) or auto, got \"" + value + "\"");
    if (count_flag > 0 && count_flag != *count) {
      throw UsageError("--shard " + value + " and --shard-count " + std::to_string(count_flag) + " disagree");
    }
    return CheckedSpec(*index, *count, "--shard " + value);
  }
  if (const std::optional<long> task = NumberFromEnvironment(environment, "SLURM_ARRAY_TASK_ID")) {
    return ShardFromSlurm(*task, count_flag, environment);
  }
  if (const std::optional<long> index = NumberFromEnvironment(environment, "JOB_COMPLETION_INDEX")) {
    if (count_flag <= 0) {
      throw UsageError("--shard auto in a Kubernetes Indexed Job (JOB_COMPLETION_INDEX) needs --shard-count N, "
                       "the Job's completions");
    }
    return CheckedSpec(*index, count_flag, "--shard auto (JOB_COMPLETION_INDEX, --shard-count)");
  }
  throw UsageError("--shard auto found neither SLURM_ARRAY_TASK_ID (a Slurm job array) nor JOB_COMPLETION_INDEX "
                   "(a Kubernetes Indexed Job); give --shard K/N");
}

std::vector<Problem> ShardProblems(const std::vector<Problem>& problems, const ShardSpec& spec) {
  std::vector<Problem> shard;
  for (size_t i = static_cast<size_t>(spec.index); i < problems.size(); i += static_cast<size_t>(spec.count)) {
    shard.push_back(problems[i]);
  }
  return shard;
}

long ShardSize(long total, const ShardSpec& spec) {
  return total > spec.index ? (total - spec.index + spec.count - 1) / spec.count : 0;
}

std::string ShardPath(const std::string& pattern, int index) {
  std::string path = pattern;
  const std::string placeholder = "{shard}";
  for (size_t at = path.find(placeholder); at != std::string::npos; at = path.find(placeholder, at)) {
    path.replace(at, placeholder.size(), std::to_string(index));
  }
  return path;
}

std::string ProblemsDigest(const std::vector<Problem>& problems) {
  std::string bytes;
  for (const Problem& p : problems) bytes += ProblemJson(p).dump() + "\n";
  return DigestHex(BytesDigest(bytes));
}

std::string ShardManifestPath(const std::string& trees) { return trees + ".shard.json"; }

void WriteShardManifest(const ShardManifest& m) {
  nlohmann::ordered_json json;
  json["format"] = kShardManifestFormat;
  json["version"] = kShardManifestVersion;
  json["shard"] = m.shard.index;
  json["shards"] = m.shard.count;
  json["problems"] = m.problems;
  json["shard_problems"] = ShardSize(m.problems, m.shard);
  json["data_digest"] = m.data_digest;
  json["model_digest"] = m.model_digest;
  json["config"] = m.config;
  json["trees"] = fs::path(m.trees).filename().string();
  json["value_targets"] = nullptr;
  if (!m.value_targets.empty()) {
    // Relative to the manifest's folder, so a run directory can move as a whole.
    const fs::path folder = fs::absolute(m.trees).lexically_normal().parent_path();
    json["value_targets"] = fs::absolute(m.value_targets).lexically_normal().lexically_relative(folder).string();
  }
  json["summary"] = m.summary;
  WriteFileAtomically(ShardManifestPath(m.trees), json.dump(2) + "\n");
}

ShardManifest ReadShardManifest(const std::string& trees) {
  const std::string path = ShardManifestPath(trees);
  if (!fs::exists(path)) {
    const bool partial = fs::exists(trees + ".partial");
    throw InputError(path, 0, std::string("the manifest a shard writes when it finishes, but there is none: ") +
                                  (partial ? "the shard was stopped before the end (" + trees +
                                                 ".partial); run it again with --resume"
                                           : "the shard has not finished, or was not run with --shard"));
  }
  std::ifstream in(path);
  return ShardManifestFromJson(nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false), path, trees);
}

ShardManifest ShardManifestFromJson(const nlohmann::json& json, const std::string& path, const std::string& trees) {
  const auto expect = [&](bool ok, const std::string& what) {
    if (!ok) throw InputError(path, 0, "a \"" + std::string(kShardManifestFormat) + "\" manifest with " + what);
  };
  // (Compared as JSON values: a key of another type is a wrong value, not a type error.)
  expect(json.is_object() && json.contains("format") && json["format"] == kShardManifestFormat,
         "\"format\": \"steptree-shard\"");
  expect(json.contains("version") && json["version"] == kShardManifestVersion, "\"version\": 1");
  for (const char* key : {"shard", "shards", "problems"}) {
    expect(json.contains(key) && json[key].is_number_integer() && json[key].get<long>() >= 0,
           std::string("a whole \"") + key + "\"");
  }
  for (const char* key : {"data_digest", "model_digest"}) {
    expect(json.contains(key) && json[key].is_string(), std::string("a string \"") + key + "\"");
  }
  expect(json.contains("config") && json["config"].is_object(), "a \"config\" object");
  expect(json["shards"].get<long>() >= 1 && json["shards"].get<long>() <= kMaxShards &&
             json["shard"].get<long>() < json["shards"].get<long>(),
         "\"shards\" 1.." + std::to_string(kMaxShards) + " and a \"shard\" index below it");
  ShardManifest m;
  m.shard = CheckedSpec(json["shard"].get<long>(), json["shards"].get<long>(), path);
  m.problems = json["problems"].get<long>();
  m.data_digest = json["data_digest"].get<std::string>();
  m.model_digest = json["model_digest"].get<std::string>();
  m.config = json["config"];
  m.trees = trees;
  if (json.contains("value_targets") && json["value_targets"].is_string()) {
    m.value_targets = (fs::path(trees).parent_path() / json["value_targets"].get<std::string>()).string();
  }
  m.summary = json.value("summary", nlohmann::json::object());
  return m;
}

}  // namespace steptree

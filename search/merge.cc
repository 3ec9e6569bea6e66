// Merging the shards of one search run (search/merge.h).
#include "search/merge.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <optional>

#include "core/atomic_output.h"
#include "core/input_error.h"
#include "core/output_path.h"
#include "search/record.h"
#include "search/run_summary.h"
#include "search/shard.h"

namespace steptree {
namespace {

// One tree line of a shard, as written, with what the checks and the summary need.
struct ShardTree {
  std::string line;
  std::string id;
  TreeOutcome outcome;
};

struct LoadedShard {
  ShardManifest manifest;
  std::vector<ShardTree> trees;  // in the shard's order: row j is input problem K + j N
};

// The first manifest field that differs from the reference's, as "KEY (A here, B in FILE)";
// empty when the shard belongs to the same run.
std::string RunDifference(const ShardManifest& m, const ShardManifest& reference) {
  const auto differs = [&](const char* key, const std::string& here, const std::string& there) {
    return std::string(key) + " (" + here + " here, " + there + " in " + reference.trees + ")";
  };
  if (m.shard.count != reference.shard.count) {
    return differs("shard count", std::to_string(m.shard.count), std::to_string(reference.shard.count));
  }
  if (m.problems != reference.problems) {
    return differs("input size", std::to_string(m.problems), std::to_string(reference.problems));
  }
  if (m.data_digest != reference.data_digest) return differs("data digest", m.data_digest, reference.data_digest);
  if (m.model_digest != reference.model_digest) return differs("model digest", m.model_digest, reference.model_digest);
  if (m.config != reference.config) return differs("search configuration", m.config.dump(), reference.config.dump());
  return "";
}

// Calls visit(line, number, record) for each non-empty line of `path` (record is null
// when the line is not JSON), after checking that the file can be read (`what` names it).
template <typename Visit>
void ForEachJsonLine(const std::string& path, const std::string& what, Visit visit) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, 0, what);
  std::string line;
  long number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) continue;
    visit(line, number, nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false));
  }
}

// Reads a shard's trees, checking each against its manifest.
std::vector<ShardTree> ReadShardTrees(const ShardManifest& m) {
  std::vector<ShardTree> trees;
  ForEachJsonLine(m.trees, "a readable trees file of a finished shard", [&](const std::string& line, long number,
                                                                             const nlohmann::json& record) {
    if (!record.is_object() || record.value("format", "") != kTreeRecordFormat || !record.contains("id") ||
        !record["id"].is_string()) {
      throw InputError(m.trees, number, std::string("a \"") + kTreeRecordFormat + "\" tree record with an \"id\"");
    }
    if (record.value("config", nlohmann::json()) != m.config) {
      throw InputError(m.trees, number, "a tree of the shard's search configuration (its manifest's \"config\")");
    }
    if (record.value("model_digest", std::string()) != m.model_digest) {
      throw InputError(m.trees, number, "a tree of the shard's model (model_digest \"" + m.model_digest + "\")");
    }
    ShardTree tree;
    tree.line = line;
    tree.id = record["id"].get<std::string>();
    try {
      tree.outcome = OutcomeOfRecord(record);
    } catch (const std::invalid_argument& e) {
      throw InputError(m.trees, number, std::string("a tree record whose ") + e.what());
    }
    trees.push_back(std::move(tree));
  });
  const long expected = ShardSize(m.problems, m.shard);
  if (static_cast<long>(trees.size()) != expected) {
    throw InputError(m.trees, 0, "the " + std::to_string(expected) + " trees of shard " +
                                     std::to_string(m.shard.index) + "/" + std::to_string(m.shard.count) + " of " +
                                     std::to_string(m.problems) + " problems, found " +
                                     std::to_string(trees.size()));
  }
  return trees;
}

// The shards by index, checked to be one run, each index at most once.
std::map<int, LoadedShard> LoadShards(const std::vector<std::string>& shard_trees) {
  std::map<int, LoadedShard> shards;
  const ShardManifest* reference = nullptr;
  for (const std::string& trees : shard_trees) {
    LoadedShard shard;
    shard.manifest = ReadShardManifest(trees);
    const ShardManifest& m = shard.manifest;
    if (reference != nullptr) {
      const std::string difference = RunDifference(m, *reference);
      if (!difference.empty()) throw InputError(trees, 0, "a shard of the same run, but its " + difference + " differs");
    }
    if (const auto twin = shards.find(m.shard.index); twin != shards.end()) {
      throw InputError(trees, 0, "each shard once, but shard " + std::to_string(m.shard.index) + "/" +
                                     std::to_string(m.shard.count) + " is also " + twin->second.manifest.trees);
    }
    shard.trees = ReadShardTrees(m);
    const int index = m.shard.index;
    shards[index] = std::move(shard);
    reference = &shards[index].manifest;
  }
  std::map<std::string, std::string> seen;  // problem id -> the file holding it
  for (const auto& [index, shard] : shards) {
    for (const ShardTree& tree : shard.trees) {
      const auto [it, inserted] = seen.emplace(tree.id, shard.manifest.trees);
      if (!inserted) {
        throw InputError(shard.manifest.trees, 0, "each problem once, but \"" + tree.id + "\" is also in " + it->second);
      }
    }
  }
  return shards;
}

// Problem id of a value-target path id "<problem id>/<tag>".
std::string PathProblem(const std::string& path_id) {
  const size_t slash = path_id.rfind('/');
  return slash == std::string::npos ? "" : path_id.substr(0, slash);
}

// A shard's value-target lines grouped by problem id, in file order.
std::map<std::string, std::vector<std::string>> ReadShardValueTargets(const LoadedShard& shard) {
  const ShardManifest& m = shard.manifest;
  if (m.value_targets.empty()) {
    throw InputError(ShardManifestPath(m.trees), 0, "a shard run with --value-targets (merge --value-targets "
                                                    "merges them), but this one wrote none");
  }
  std::map<std::string, std::vector<std::string>> by_problem;
  for (const ShardTree& tree : shard.trees) by_problem[tree.id];
  ForEachJsonLine(m.value_targets, "the shard's readable value-target file", [&](const std::string& line, long number,
                                                                                 const nlohmann::json& record) {
    const std::string problem =
        record.is_object() && record.contains("id") && record["id"].is_string() ? PathProblem(record["id"]) : "";
    const auto group = by_problem.find(problem);
    if (group == by_problem.end()) {
      throw InputError(m.value_targets, number, "a value-target path of one of the shard's problems (\"id\": "
                                                "\"<problem id>/<tag>\")");
    }
    group->second.push_back(line);
  });
  return by_problem;
}

// The merged summary: figures from the records, by_difficulty from the shards' summaries
// (each shard's accuracy times its n is its whole count of correct answers).
nlohmann::json MergedSummary(const std::map<int, LoadedShard>& shards, const std::vector<const ShardTree*>& merged,
                             const std::vector<int>& missing, long missing_problems, const std::string& out) {
  std::vector<TreeOutcome> outcomes;
  for (const ShardTree* tree : merged) outcomes.push_back(tree->outcome);
  RunFigures figures;
  std::map<std::string, std::pair<long, long>> by_difficulty;  // level -> (correct, n)
  for (const auto& [index, shard] : shards) {
    const nlohmann::json& s = shard.manifest.summary;
    figures.searched += s.value("searched", 0L);
    figures.resumed += s.value("resumed", 0L);
    figures.generated_tokens += static_cast<long>(s.value("tokens_per_second", 0.0) * s.value("seconds", 0.0) + 0.5);
    figures.seconds = std::max(figures.seconds, s.value("seconds", 0.0));
    figures.threads = std::max(figures.threads, s.value("threads", 1));
    if (!s.contains("by_difficulty") || !s["by_difficulty"].is_object()) continue;
    for (const auto& [level, v] : s["by_difficulty"].items()) {
      const long n = v.value("n", 0L);
      by_difficulty[level].first += std::lround(v.value("accuracy", 0.0) * static_cast<double>(n));
      by_difficulty[level].second += n;
    }
  }
  nlohmann::json summary = SummariseOutcomes(outcomes, shards.begin()->second.manifest.config, figures, out);
  for (const auto& [level, cn] : by_difficulty) {
    if (cn.second == 0) continue;
    summary["by_difficulty"][level] = {{"accuracy", static_cast<double>(cn.first) / static_cast<double>(cn.second)},
                                       {"n", cn.second}};
  }
  summary["shards"] = shards.begin()->second.manifest.shard.count;
  summary["missing_shards"] = missing;
  summary["missing_problems"] = missing_problems;
  return summary;
}

}  // namespace

nlohmann::json MergeShards(const std::vector<std::string>& shard_trees, const MergeOptions& options) {
  if (shard_trees.empty()) throw UsageError("give the trees file of every shard");
  CheckOutputFile(options.out, "-o");
  if (!options.value_targets.empty()) {
    CheckOutputFile(options.value_targets, "--value-targets");
    CheckDistinctOutputs(options.out, "-o", options.value_targets, "--value-targets");
  }
  for (const std::string& trees : shard_trees) {
    if (OutputTarget(trees) == OutputTarget(options.out)) throw UsageError("-o " + options.out + " is one of the shards: merge into another file");
  }
  const std::map<int, LoadedShard> shards = LoadShards(shard_trees);
  const ShardManifest& first = shards.begin()->second.manifest;
  std::vector<int> missing;
  for (int k = 0; k < first.shard.count; ++k) {
    if (!shards.count(k)) missing.push_back(k);
  }
  if (!missing.empty() && !options.allow_missing) {
    std::string given;
    for (const auto& [index, shard] : shards) given += (given.empty() ? "" : ", ") + shard.manifest.trees;
    throw UsageError("shard " + std::to_string(missing.front()) + "/" + std::to_string(first.shard.count) +
                     (missing.size() > 1 ? " (and " + std::to_string(missing.size() - 1) + " more)" : "") +
                     " is missing: the files given (" + given +
                     ") are the others; give every shard's trees file, or --allow-missing");
  }
  std::map<int, std::map<std::string, std::vector<std::string>>> value_targets;
  if (!options.value_targets.empty()) {
    for (const auto& [index, shard] : shards) value_targets[index] = ReadShardValueTargets(shard);
  }

  // Input position i is row i div N of shard i mod N.
  AtomicOutputFile trees_out(options.out, "-o");
  std::optional<AtomicOutputFile> values_out;
  if (!options.value_targets.empty()) values_out.emplace(options.value_targets, "--value-targets");
  std::vector<const ShardTree*> merged;
  long missing_problems = 0;
  for (long i = 0; i < first.problems; ++i) {
    const int k = static_cast<int>(i % first.shard.count);
    const auto shard = shards.find(k);
    if (shard == shards.end()) {
      ++missing_problems;
      continue;
    }
    const ShardTree& tree = shard->second.trees[static_cast<size_t>(i / first.shard.count)];
    trees_out.WriteLine(tree.line);
    merged.push_back(&tree);
    if (values_out) {
      for (const std::string& line : value_targets[k][tree.id]) values_out->WriteLine(line);
    }
  }
  // The value targets first: a kill between the two leaves no merged trees without them.
  if (values_out) values_out->Commit();
  trees_out.Commit();
  return MergedSummary(shards, merged, missing, missing_problems, options.out);
}

}  // namespace steptree

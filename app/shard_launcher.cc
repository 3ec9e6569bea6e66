// Sharded search through a cluster launcher (app/shard_launcher.h).
#include "app/shard_launcher.h"

#include <filesystem>
#include <iostream>

#include "core/child_process.h"
#include "core/input_error.h"
#include "core/json_file.h"
#include "search/merge.h"
#include "search/shard.h"

namespace steptree::app {
namespace {

namespace fs = std::filesystem;

// `word` quoted for /bin/sh.
std::string ShellQuoted(const std::string& word) {
  std::string quoted = "'";
  for (char c : word) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

std::string Replaced(std::string text, const std::string& placeholder, const std::string& value) {
  for (size_t at = text.find(placeholder); at != std::string::npos; at = text.find(placeholder, at + value.size())) {
    text.replace(at, placeholder.size(), value);
  }
  return text;
}

// The script every shard runs; the cluster sets which shard through the environment.
std::string ShardScript(const std::vector<std::string>& search_flags, int shards, const std::string& pattern) {
  const std::string binary = fs::canonical("/proc/self/exe").string();
  std::string command = "exec " + ShellQuoted(binary) + " search";
  for (const std::string& flag : search_flags) command += " " + ShellQuoted(flag);
  command += " --shard auto --shard-count " + std::to_string(shards) + " --resume --output " + ShellQuoted(pattern);
  return "#!/bin/sh\n"
         "# One shard of a steptree search, written by `steptree evolve --launcher`: the shard\n"
         "# index comes from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX; --resume continues a\n"
         "# shard that was stopped.\n" +
         command + "\n";
}

std::vector<int> UnfinishedShards(const std::string& pattern, int shards) {
  std::vector<int> unfinished;
  for (int k = 0; k < shards; ++k) {
    if (!fs::exists(ShardManifestPath(ShardPath(pattern, k)))) unfinished.push_back(k);
  }
  return unfinished;
}

std::string CommaList(const std::vector<int>& indices) {
  std::string list;
  for (int k : indices) list += (list.empty() ? "" : ",") + std::to_string(k);
  return list;
}

}  // namespace

std::string LauncherCommand(const ShardLaunch& launch, const std::vector<int>& indices, const std::string& script) {
  std::string command = Replaced(launch.launcher, "{indices}", CommaList(indices));
  command = Replaced(command, "{shards}", std::to_string(launch.shards));
  if (command.find("{script}") == std::string::npos) return command + " " + ShellQuoted(script);
  return Replaced(command, "{script}", ShellQuoted(script));
}

void RunShardedSearch(const ShardLaunch& launch, const std::vector<std::string>& search_flags,
                      const std::string& shard_dir, const std::string& out) {
  fs::create_directories(shard_dir);
  const std::string pattern = (fs::absolute(shard_dir) / "trees.{shard}.jsonl").string();
  const std::string script = (fs::absolute(shard_dir) / "search-shard.sh").string();
  WriteFileAtomically(script, ShardScript(search_flags, launch.shards, pattern));
  fs::permissions(script, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                              fs::perms::others_read | fs::perms::others_exec);
  for (int submission = 0;; ++submission) {
    const std::vector<int> unfinished = UnfinishedShards(pattern, launch.shards);
    if (unfinished.empty()) break;
    if (submission > launch.retries) {
      throw ExternalError("shards " + CommaList(unfinished) + " of " + shard_dir + " did not finish after " +
                               std::to_string(submission) + " submissions through --launcher (its output is above)");
    }
    const std::string command = LauncherCommand(launch, unfinished, script);
    std::cerr << "evolve: submitting shards " << CommaList(unfinished) << ": " << command << "\n" << std::flush;
    const int rc = RunChildProcess("/bin/sh", {"sh", "-c", command});
    if (rc != 0) std::cerr << "evolve: the launcher exited with " << rc << "; checking which shards finished\n";
  }
  std::vector<std::string> shard_trees;
  for (int k = 0; k < launch.shards; ++k) shard_trees.push_back(ShardPath(pattern, k));
  MergeOptions merge;
  merge.out = out;
  MergeShards(shard_trees, merge);
}

}  // namespace steptree::app

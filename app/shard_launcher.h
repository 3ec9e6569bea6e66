// One search run as N shards submitted through a cluster's own launcher (`evolve
// --launcher`; docs/scale-out.md). The launcher is a shell command template:
//   {indices}  the shards to run, as a comma list ("0,1,2"; Slurm's --array syntax)
//   {shards}   N
//   {script}   the shard script (appended when the template does not name it)
// e.g. `sbatch --wait --array={indices}`. The script runs this binary's `search` with
// `--shard auto --shard-count N --resume`, so each array task (SLURM_ARRAY_TASK_ID) or
// Indexed Job pod (JOB_COMPLETION_INDEX) searches its shard and a resubmitted one resumes.
// The launcher must return when its tasks have ended (sbatch --wait, kubectl wait).
// A shard without a manifest afterwards (failed, killed, preempted) is submitted again, up
// to `retries` more times; then the shards are merged (search/merge.h) into the output,
// byte-identical to the same search in one process.
#pragma once

#include <string>
#include <vector>

namespace steptree::app {

struct ShardLaunch {
  std::string launcher;  // the command template; "" = no launcher
  int shards = 2;
  int retries = 2;
};

// Searches with `search_flags` (every `steptree search` flag but --output, --shard and
// --resume) as `launch.shards` shards whose files go to `shard_dir`, then merges them into
// `out`. Throws ExternalError (exit 3) when shards are still unfinished after every retry.
void RunShardedSearch(const ShardLaunch& launch, const std::vector<std::string>& search_flags,
                      const std::string& shard_dir, const std::string& out);

// The launcher command for the shards `indices`: the template with its placeholders filled.
std::string LauncherCommand(const ShardLaunch& launch, const std::vector<int>& indices, const std::string& script);

}  // namespace steptree::app

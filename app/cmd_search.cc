// steptree search: one search mode over a problem set, writing one scored tree per problem.
#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <map>
#include <optional>
#include <set>

#include <cxxopts.hpp>

#include "app/command.h"
#include "app/command_flags.h"
#include "app/data_flags.h"
#include "app/default_model.h"
#include "app/evaluation.h"
#include "app/flag_parsing.h"
#include "app/model_flags.h"
#include "app/provenance.h"
#include "app/search_flags.h"
#include "search/run_to_file.h"
#include "core/input_error.h"
#include "datasets/loaders.h"
#include "core/output_path.h"
#include "policy/model/blas_check.h"
#include "policy/policy.h"
#include "policy/engine/policy_backend.h"
#include "search/config.h"
#include "search/long_prompts.h"
#include "search/shard.h"

namespace steptree::app {
namespace {

// The step controls every mode takes (search/config.h), each a flag of its own.
const char* const kStepControlKeys[] = {"top_k", "top_p", "max_step_tokens", "max_new_tokens", "stop"};

std::string FlagName(std::string key) {
  std::replace(key.begin(), key.end(), '_', '-');
  return key;
}

// Every search parameter of every mode, once: key -> (help, "mode=default" list).
struct ParamFlag {
  std::string help;
  std::string defaults;
};
std::map<std::string, ParamFlag> AllParamFlags() {
  std::map<std::string, ParamFlag> flags;
  for (SearchMode mode : AllSearchModes()) {
    for (const ParamDescription& p : DescribeParams(mode)) {
      ParamFlag& flag = flags[p.key];
      if (flag.help.empty()) flag.help = p.help;
      flag.defaults += std::string(flag.defaults.empty() ? "" : ", ") + SearchModeName(mode) + " " + p.default_value;
    }
  }
  return flags;
}

int RunSearchCommand(int argc, char** argv) {
  cxxopts::Options options(
      "steptree search",
      "Searches every problem with one mode and writes one scored tree per problem (JSONL,\n"
      "docs/formats.md). Modes: greedy (SBS(1,1) at T=0), maj (k samples, majority answer),\n"
      "bon (best of n by value), sbs (step-level beam search SBS(b1,b2)), mcts (PUCT MCTS),\n"
      "dvts (diverse verifier tree search: n/m subtrees of width m, each greedy by value).\n"
      "Search parameters apply to the modes that take them (defaults per mode shown).\n"
      "--terminal-reward gold (the default) scores final answers against the gold answer (data\n"
      "generation; mcts/sbs then see the answer, so their accuracy is not an evaluation); value\n"
      "scores them with the value head (inference: use it to evaluate); target checks the whole\n"
      "path against the question's own target where it has one (countdown; no gold needed).\n"
      "--json prints the run summary {\"mode\", \"n\", \"searched\", \"resumed\", \"accuracy\",\n"
      "\"correct\", \"graded\", \"solved_share\", \"by_difficulty\", \"tokens_per_problem\",\n"
      "\"prefill_tokens_per_problem\", \"cached_tokens_per_problem\", \"forward_calls_per_problem\", \"nodes_per_problem\",\n"
      "\"generated_tokens\", \"seconds\", \"seconds_per_problem\", \"tokens_per_second\", \"threads\",\n"
      "\"config\", \"out\", \"model\", \"skipped_long_prompts\", \"truncated_long_prompts\"}. A shard (--shard) also writes OUTPUT.shard.json for `merge`.\n"
      "The resolved config is written to OUTPUT.config.json (--config of it makes the same trees).");
  options.add_options()
      ("data", "problem JSONL (any format the loaders read)", cxxopts::value<std::string>())
      ("problems", "instead of --data: this many held-out synthetic problems (of --family)", cxxopts::value<long>())
      ("family", "synthetic family: arithmetic (levels 1..8) | countdown (levels 1..4); also picks the default "
       "model", cxxopts::value<std::string>()->default_value("arithmetic"))
      ("problem-seed", "seed of the held-out synthetic problems",
       cxxopts::value<uint64_t>()->default_value(std::to_string(kDefaultProblemSeed)))
      ("mode", "greedy | maj | bon | sbs | mcts | dvts", cxxopts::value<std::string>())
      ("o,output", "trees JSONL to write", cxxopts::value<std::string>())
      ("model", "checkpoint or Hugging Face model directory (default: the embedded default)",
       cxxopts::value<std::string>())
      ("resume", "keep the trees already in --output and search only the missing problems")
      ("value-targets", "also write value-target paths (value JSONL) of every tree with known outcomes",
       cxxopts::value<std::string>())
      ("allow-untrained-value", "run bon/sbs/mcts/dvts with a model whose value head is untrained (values 0)")
      ("value-source", RowOf(SearchConfig::Table(), "value_source").help,
       cxxopts::value<std::string>()->default_value(ValueSourceName(SearchConfig().value_source)))
      ("shard", "search only shard K of N of the problems (problem i is in shard i mod N), K/N or auto (from "
       "Slurm's SLURM_ARRAY_TASK_ID or a Kubernetes Indexed Job's JOB_COMPLETION_INDEX); {shard} in --output and "
       "--value-targets becomes K; `steptree merge` joins the shards (docs/scale-out.md)", cxxopts::value<std::string>())
      ("shard-count", "with --shard auto: the number of shards N (required in a Kubernetes Indexed Job; in a Slurm "
       "array the index is then SLURM_ARRAY_TASK_ID itself)", cxxopts::value<int>())
      ("on-long-prompt", "a question whose prompt fills the model's context: error (refuse the run, naming it) | "
       "skip (leave it out; counted in the summary) | truncate-left (keep its last words, in half the context)",
       cxxopts::value<std::string>()->default_value("error"))
      ("threads", "problems searched in parallel, one core each (0 = all cores)", cxxopts::value<int>()->default_value("0"))
      ("json", "print the run summary as one JSON object")
      ("h,help", "show this help");
  for (const char* key : kStepControlKeys) {
    const auto& row = RowOf(SearchConfig::Table(), key);
    SearchConfig defaults;
    options.add_options("step controls")(FlagName(key), std::string(row.help) + " (default " +
                                                            TextOf(row.Bind(&defaults)) + ")",
                                         cxxopts::value<std::string>());
  }
  const std::map<std::string, ParamFlag> param_flags = AllParamFlags();
  for (const auto& [key, flag] : param_flags) {
    options.add_options("search parameters")(FlagName(key), flag.help + " (" + flag.defaults + ")",
                                             cxxopts::value<std::string>());
  }
  AddDataFlags(options);
  AddModelLoadFlags(options);
  AddKvCacheFlag(options);
  AddTreesPerWorkerFlag(options);
  const std::optional<CommandFlags> parsed =
      ParseCommandFlags(options, argc, argv, {{{"out", "output"}, {"synthetic", "problems"}}});
  if (!parsed) return 0;
  const cxxopts::ParseResult& args = parsed->args;

  if (!args.count("mode")) throw UsageError("--mode is required (greedy | maj | bon | sbs | mcts | dvts)");
  if (!args.count("output")) throw UsageError("-o/--output TREES.jsonl is required");
  if (args.count("data") == args.count("problems")) throw UsageError("give exactly one of --data F and --problems N");
  const ProblemFamily family = ParseFamily(args["family"].as<std::string>());
  const std::optional<LongPromptPolicy> long_prompts = LongPromptPolicyFromName(args["on-long-prompt"].as<std::string>());
  if (!long_prompts) {
    throw UsageError("--on-long-prompt expects error, skip or truncate-left, got \"" +
                     args["on-long-prompt"].as<std::string>() + "\"");
  }
  const std::string mode_name = args["mode"].as<std::string>();
  const std::optional<SearchMode> mode = SearchModeFromName(mode_name);
  if (!mode) throw UsageError("--mode expects " + SearchModeNameList() + ", got \"" + mode_name + "\"");
  SearchConfig config;
  config.mode = *mode;
  for (const auto& [key, flag] : param_flags) {
    if (args.count(FlagName(key))) SetParam(&config, key, args[FlagName(key)].as<std::string>());
  }
  SetParam(&config, "value_source", args["value-source"].as<std::string>());
  for (const char* key : kStepControlKeys) {
    if (args.count(FlagName(key))) SetParam(&config, key, args[FlagName(key)].as<std::string>());
  }
  ValidateConfig(config);
  std::optional<ShardSpec> shard;
  if (args.count("shard-count") && !args.count("shard")) throw UsageError("--shard-count goes with --shard auto");
  if (args.count("shard-count") && args["shard-count"].as<int>() < 1) throw UsageError("--shard-count must be >= 1");
  if (args.count("shard")) {
    shard = ParseShardFlag(args["shard"].as<std::string>(), args.count("shard-count") ? args["shard-count"].as<int>() : 0,
                           [](const char* name) { return std::getenv(name); });
    // N shards writing one file would overwrite each other.
    for (const char* flag : {"output", "value-targets"}) {
      if (shard->count > 1 && args.count(flag) && args[flag].as<std::string>().find("{shard}") == std::string::npos) {
        throw UsageError(std::string("--") + flag + " " + args[flag].as<std::string>() + " names one file for " +
                         std::to_string(shard->count) + " shards: put {shard} in it (e.g. trees.{shard}.jsonl)");
      }
    }
  }
  // A shard's outputs: {shard} in a path becomes its index.
  const auto output_path = [&](const std::string& flag) {
    const std::string path = args[flag].as<std::string>();
    return shard ? ShardPath(path, shard->index) : path;
  };
  // Outputs before any work: a mistyped second path must not cost the first file anything.
  CheckOutputFile(output_path("output"), "--output");
  if (args.count("value-targets")) CheckOutputFile(output_path("value-targets"), "--value-targets");

  std::vector<Problem> problems;
  if (args.count("data")) {
    problems = LoadProblems(args["data"].as<std::string>(), DataFlagsFrom(args)).problems;
  } else {
    const long n = CheckProblemCount(args["problems"].as<long>(), "--problems");
    problems = DefaultEvalProblems(n, args["problem-seed"].as<uint64_t>(), family);
  }
  const bool oracle = config.value_source == ValueSource::kOracle;
  if (config.terminal_reward == TerminalReward::kGold || oracle) {
    for (const Problem& p : problems) {
      if (p.gold) continue;
      throw UsageError("problem \"" + p.id + "\" has no gold answer: " +
                       (oracle ? "--value-source oracle judges final answers by it"
                               : "use --terminal-reward value to search without one"));
    }
  }

  WarnIfReferenceBlas();
  const int threads = ConfigureTorchThreads(args["threads"].as<int>());
  const std::string model_dir = args.count("model") ? args["model"].as<std::string>() : RequireDefaultModelDir(family);
  const std::unique_ptr<Policy> policy = LoadPolicyWithFlags(model_dir, args);
  const PolicyBackend backend(*policy, KvCacheBytesFrom(args));
  if (NeedsValueHead(config) && !backend.has_value_head() && !args.count("allow-untrained-value")) {
    throw UsageError("mode " + mode_name + " ranks by value but " + model_dir +
                     " has no trained value head (value_head.safetensors); train one with `steptree train`, "
                     "or pass --allow-untrained-value");
  }

  SearchRunOptions run;
  run.out = output_path("output");
  run.shard = shard;
  run.resume = args.count("resume") > 0;
  run.threads = threads;
  run.trees_per_worker = TreesPerWorkerFrom(args);
  if (run.trees_per_worker > 1 && !policy->row_invariant()) {
    throw UsageError("--trees-per-worker needs row-invariant inference (the built-in model, or a Hugging Face model on "
                     "the CPU with --kernels invariant): on " + model_dir + " a row's results would depend on which trees share its batch");
  }
  run.max_batch_rows = MaxBatchFrom(args);
  if (args.count("value-targets")) run.value_targets = output_path("value-targets");
  const ModelDigests digests = DigestModelFolder(model_dir);
  run.model_digest = ModelDigestAsRun(digests.folder, *policy);
  run.provenance = TreeProvenance(model_dir, digests, *policy);
  const LongPromptReport long_report = ApplyLongPromptPolicy(&problems, backend, *long_prompts);
  if (problems.empty()) throw UsageError("every problem's prompt is longer than the model's context; nothing to search");
  nlohmann::json summary = RunSearchToFile(problems, backend, config, run);
  summary["model"] = model_dir;
  summary["skipped_long_prompts"] = long_report.skipped_ids.size();
  summary["truncated_long_prompts"] = long_report.truncated_ids.size();
  parsed->WriteConfigBesideFile(run.out);
  if (args.count("json")) {
    std::cout << summary.dump() << std::endl;
  } else {
    std::cout << "model " << model_dir << "\n" << FormatSearchSummary(summary);
    if (!long_report.skipped_ids.empty()) {
      std::cout << "  " << long_report.skipped_ids.size() << " problems skipped: prompt longer than the context (first: "
                << long_report.skipped_ids.front() << ")\n";
    }
    if (!long_report.truncated_ids.empty()) {
      std::cout << "  " << long_report.truncated_ids.size()
                << " questions truncated on the left to fit the context (first: " << long_report.truncated_ids.front()
                << ")\n";
    }
    std::cout << "trees written to " << run.out << "\n";
  }
  return 0;
}

CommandRegistrar search_registrar({"search", "greedy, maj@k, best-of-N, SBS or MCTS over problems, writing scored trees",
                            RunSearchCommand});

}  // namespace
}  // namespace steptree::app

// steptree merge: the shards of one search run (`search --shard K/N`) back into one trees
// file, byte-identical to the one-process run (search/merge.h, docs/scale-out.md).
#include <iostream>

#include <cxxopts.hpp>

#include "app/command.h"
#include "app/command_flags.h"
#include "app/flag_parsing.h"
#include "core/input_error.h"
#include "search/merge.h"
#include "search/run_summary.h"

namespace steptree::app {
namespace {

int RunMerge(int argc, char** argv) {
  cxxopts::Options options(
      "steptree merge",
      "Merges the shards of one search run (search --shard K/N or --shard auto) into one trees\n"
      "file in input order, byte-identical to the same search run in one process. Every shard\n"
      "must have finished (its manifest TREES.shard.json exists) and belong to the same run\n"
      "(shard count, data, model, search configuration); a missing, duplicated or foreign\n"
      "shard is refused (exit 2) unless --allow-missing, which merges the shards given and\n"
      "lists the rest. --json prints the merged summary: the keys of `search --json` plus\n"
      "\"shards\", \"missing_shards\" and \"missing_problems\". The resolved config is written to\n"
      "MERGED.jsonl.config.json.\n"
      "Usage: steptree merge -o MERGED.jsonl [--value-targets V.jsonl] SHARD_TREES.jsonl...");
  // clang-format off
  options.add_options()
      ("o,output", "merged trees JSONL", cxxopts::value<std::string>())
      ("value-targets", "also merge the shards' value targets (each shard run with --value-targets) into this file",
       cxxopts::value<std::string>())
      ("allow-missing", "merge the shards given even when some are missing; the summary lists them")
      ("json", "print the merged summary as one JSON object")
      ("shards", "the shards' trees files", cxxopts::value<std::vector<std::string>>())
      ("h,help", "show this help");
  // clang-format on
  options.parse_positional({"shards"});
  options.positional_help("SHARD_TREES.jsonl...");
  const std::optional<CommandFlags> parsed = ParseCommandFlags(options, argc, argv, {{{"out", "output"}}});
  if (!parsed) return 0;
  const cxxopts::ParseResult& args = parsed->args;
  if (!args.count("output")) throw UsageError("-o/--output MERGED.jsonl is required");
  if (!args.count("shards")) throw UsageError("give the trees file of every shard (SHARD_TREES.jsonl...)");
  MergeOptions merge;
  merge.out = args["output"].as<std::string>();
  if (args.count("value-targets")) merge.value_targets = args["value-targets"].as<std::string>();
  merge.allow_missing = args.count("allow-missing") > 0;
  const nlohmann::json summary = MergeShards(args["shards"].as<std::vector<std::string>>(), merge);
  parsed->WriteConfigBesideFile(merge.out);
  if (args.count("json")) {
    std::cout << summary.dump() << std::endl;
    return 0;
  }
  std::cout << "merged " << summary["n"].get<long>() << " problems from "
            << summary["shards"].get<int>() - static_cast<int>(summary["missing_shards"].size()) << " of "
            << summary["shards"].get<int>() << " shards\n";
  if (!summary["missing_shards"].empty()) {
    std::cout << "  missing shards " << summary["missing_shards"].dump() << " ("
              << summary["missing_problems"].get<long>() << " problems)\n";
  }
  std::cout << FormatSearchSummary(summary) << "trees written to " << merge.out << "\n";
  return 0;
}

CommandRegistrar merge_registrar({"merge", "merges the shards of a search run (search --shard) into one trees file",
                            RunMerge});

}  // namespace
}  // namespace steptree::app

// steptree gen-problems: synthetic problems (arithmetic or countdown) with checked reference
// solutions.
#include <iostream>
#include <map>

#include <cxxopts.hpp>

#include "app/command.h"
#include "app/command_flags.h"
#include "app/flag_parsing.h"
#include "core/atomic_output.h"
#include "core/input_error.h"
#include "core/jsonl.h"
#include "datasets/synthetic.h"

namespace steptree::app {
namespace {

int RunGenProblems(int argc, char** argv) {
  cxxopts::Options options(
      "steptree gen-problems",
      "Writes synthetic problems as JSONL in the steptree format. --family arithmetic (the\n"
      "default): expressions and word problems, {id, question, answer, steps, difficulty, kind,\n"
      "source}; --family countdown: reach a target from given numbers with + - * /, each\n"
      "number once, {id, question, answer, steps, difficulty, numbers, target, source}, steps\n"
      "calling the calculator (\"<<a op b=c>> left: ...\"). Every step is computed by the\n"
      "generator (countdown targets are always reachable), so every label is right.\n"
      "Deterministic in --seed: problem i depends only on (seed, i). The resolved config is\n"
      "written to OUTPUT.config.json (--config of it makes the same file).");
  options.add_options()
      ("family", "arithmetic | countdown", cxxopts::value<std::string>()->default_value("arithmetic"))
      ("problems", "number of problems", cxxopts::value<long>()->default_value("100"))
      ("difficulty", "level 1..8 or a range A-B (levels cycle problem by problem)",
       cxxopts::value<std::string>()->default_value("1-8"))
      ("seed", "random seed", cxxopts::value<uint64_t>()->default_value("1"))
      ("split", "any | train | heldout (heldout: the 10% of question texts never trained on)",
       cxxopts::value<std::string>()->default_value("any"))
      ("word-share", "share of word problems (the rest are expressions)",
       cxxopts::value<double>()->default_value("0.5"))
      ("o,output", "output JSONL file", cxxopts::value<std::string>())
      ("json", "print a JSON summary {\"n\", \"output\", \"by_difficulty\"}")
      ("h,help", "show this help");
  const std::optional<CommandFlags> parsed = ParseCommandFlags(options, argc, argv, {{{"n", "problems"}}});
  if (!parsed) return 0;
  const cxxopts::ParseResult& args = parsed->args;
  if (!args.count("output")) throw UsageError("-o/--output is required");
  const long n = CheckProblemCount(args["problems"].as<long>(), "--problems");
  const double word_share = args["word-share"].as<double>();
  if (!(word_share >= 0 && word_share <= 1)) throw UsageError("--word-share must lie in [0, 1]");

  SyntheticOptions synthetic;
  synthetic.seed = args["seed"].as<uint64_t>();
  std::tie(synthetic.min_difficulty, synthetic.max_difficulty) =
      ParseDifficultyRange(args["difficulty"].as<std::string>());
  synthetic.split = ParseSplit(args["split"].as<std::string>());
  synthetic.word_problem_share = word_share;
  synthetic.family = ParseFamily(args["family"].as<std::string>());

  const std::string output = args["output"].as<std::string>();
  AtomicOutputFile writer(output, "-o");
  std::map<int, long> by_difficulty;
  for (long i = 0; i < n; ++i) {
    const Problem problem = MakeSyntheticProblem(synthetic, i);
    writer.WriteLine(problem.record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    ++by_difficulty[*problem.difficulty];
  }
  writer.Commit();
  parsed->WriteConfigBesideFile(output);
  if (args.count("json")) {
    nlohmann::json summary = {{"n", n}, {"output", output}};
    for (const auto& [d, count] : by_difficulty) summary["by_difficulty"][std::to_string(d)] = count;
    std::cout << summary.dump() << std::endl;
  } else {
    std::cout << "wrote " << n << " problems to " << output << std::endl;
  }
  return 0;
}

CommandRegistrar gen_problems_registrar({"gen-problems", "make synthetic problems (arithmetic, countdown) with checked steps",
                                         RunGenProblems});

}  // namespace
}  // namespace steptree::app

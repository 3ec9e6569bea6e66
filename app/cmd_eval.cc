// steptree eval: accuracy of a policy on a problem set (the policy alone, no search).
#include <filesystem>
#include <iostream>

#include <cxxopts.hpp>

#include "app/command.h"
#include "app/command_flags.h"
#include "app/data_flags.h"
#include "app/default_model.h"
#include "app/evaluation.h"
#include "app/flag_parsing.h"
#include "app/model_flags.h"
#include "core/atomic_output.h"
#include "core/input_error.h"
#include "core/jsonl.h"
#include "datasets/loaders.h"
#include "core/progress.h"
#include "policy/model/blas_check.h"
#include "policy/policy.h"

namespace steptree::app {
namespace {

int RunEval(int argc, char** argv) {
  cxxopts::Options options(
      "steptree eval",
      "Decodes a solution per problem with the policy alone and grades it.\n"
      "Without --data: --problems held-out synthetic problems across difficulties 1..8.\n"
      "With -o, the resolved config is written to OUTPUT.config.json (--config of it makes the\n"
      "same file).\n"
      "--json prints {\"accuracy\", \"n\", \"correct\", \"by_difficulty\": {\"1\": {\"accuracy\", \"n\"}, ...},\n"
      "\"tokens_per_problem\", \"tokens_per_second\", \"prefill_tokens\", \"generated_tokens\",\n"
      "\"forward_calls\", \"seconds\", \"seconds_per_problem\", \"mode\", \"model\"}.");
  options.add_options()
      ("model", "checkpoint or Hugging Face model directory (default: the embedded default)",
       cxxopts::value<std::string>())
      ("data", "problem JSONL (default: held-out synthetic problems)", cxxopts::value<std::string>())
      ("problems", "number of held-out synthetic problems without --data", cxxopts::value<long>()->default_value("400"))
      ("family", "synthetic family without --data: arithmetic | countdown (also picks the default model)",
       cxxopts::value<std::string>()->default_value("arithmetic"))
      ("problem-seed", "seed of the held-out synthetic problems", cxxopts::value<uint64_t>()->default_value(std::to_string(kDefaultProblemSeed)))
      ("mode", "greedy | sample", cxxopts::value<std::string>()->default_value("greedy"))
      ("temperature", "sampling temperature (mode sample)", cxxopts::value<float>()->default_value("0.6"))
      ("top-k", "top-k (0 = off)", cxxopts::value<int>()->default_value("0"))
      ("top-p", "nucleus mass (1 = off)", cxxopts::value<float>()->default_value("1"))
      ("seed", "sampling seed", cxxopts::value<uint64_t>()->default_value("1"))
      ("max-steps", "steps per solution at most", cxxopts::value<int>()->default_value("16"))
      ("batch-size", "problems decoded together", cxxopts::value<int>()->default_value("64"))
      ("threads", "torch threads (0 = all cores)", cxxopts::value<int>()->default_value("0"))
      ("o,output", "write one solution record per problem (JSONL)", cxxopts::value<std::string>())
      ("json", "print the summary as one JSON object")
      ("h,help", "show this help");
  AddDataFlags(options);
  AddModelLoadFlags(options);
  const std::optional<CommandFlags> parsed = ParseCommandFlags(options, argc, argv, {{{"n", "problems"}}});
  if (!parsed) return 0;
  const cxxopts::ParseResult& args = parsed->args;
  const std::string mode = args["mode"].as<std::string>();
  if (mode != "greedy" && mode != "sample") throw UsageError("--mode expects greedy or sample");
  SolveOptions solve;
  if (mode == "sample") {
    solve.sampling.temperature = args["temperature"].as<float>();
    solve.sampling.top_k = args["top-k"].as<int>();
    solve.sampling.top_p = args["top-p"].as<float>();
    if (!(solve.sampling.temperature > 0)) throw UsageError("--temperature must be > 0 in mode sample");
  }
  solve.seed = args["seed"].as<uint64_t>();
  solve.max_steps = args["max-steps"].as<int>();
  solve.batch_size = args["batch-size"].as<int>();
  if (solve.max_steps < 1 || solve.batch_size < 1) throw UsageError("--max-steps and --batch-size must be >= 1");

  ConfigureTorchThreads(args["threads"].as<int>());
  WarnIfReferenceBlas();
  const ProblemFamily family = ParseFamily(args["family"].as<std::string>());
  const std::string model_dir =
      args.count("model") ? args["model"].as<std::string>() : RequireDefaultModelDir(family);
  std::vector<Problem> problems;
  if (args.count("data")) {
    problems = LoadProblems(args["data"].as<std::string>(), DataFlagsFrom(args)).problems;
  } else {
    const long n = CheckProblemCount(args["problems"].as<long>(), "--problems");
    problems = DefaultEvalProblems(n, args["problem-seed"].as<uint64_t>(), family);
  }
  const std::unique_ptr<Policy> policy = LoadPolicyWithFlags(model_dir, args);
  std::unique_ptr<AtomicOutputFile> writer;
  if (args.count("output")) writer = std::make_unique<AtomicOutputFile>(args["output"].as<std::string>(), "-o");
  auto WriteSolution = [&](const Problem& problem, const Solution& solution) {
    if (writer) writer->WriteLine(SolutionRecord(problem, solution).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  };

  Progress progress("eval");
  SolveStats stats;
  const std::vector<Solution> solutions = SolveProblems(
      *policy, problems, solve, &stats, [&](const std::vector<size_t>& finished, const std::vector<Solution>& solved, long done,
          long total) {
        for (size_t i : finished) WriteSolution(problems[i], solved[i]);
        progress.Update(done, total);
      });
  progress.Finish();
  if (writer) {
    writer->Commit();
    parsed->WriteConfigBesideFile(writer->path());
  }
  nlohmann::json summary = SummariseSolutions(problems, solutions, stats);
  summary["mode"] = mode;
  summary["model"] = model_dir;
  if (args.count("json")) {
    std::cout << summary.dump() << std::endl;
  } else {
    std::cout << "model " << model_dir << ", mode " << mode << "\n" << FormatSummary(summary);
  }
  return 0;
}

CommandRegistrar eval_registrar({"eval", "accuracy of the policy alone (greedy or sampled)", RunEval});

}  // namespace
}  // namespace steptree::app

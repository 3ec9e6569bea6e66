// steptree demo: the main job on the embedded default — held-out problems, the default
// model (trained first if absent), greedy solutions written as JSONL, accuracy by
// difficulty and tokens/s.
#include <filesystem>
#include <iostream>

#include <cxxopts.hpp>

#include "app/command.h"
#include "app/default_model.h"
#include "app/evaluation.h"
#include "datasets/input_error.h"
#include "datasets/jsonl.h"
#include "datasets/progress.h"
#include "policy/blas_check.h"
#include "policy/policy.h"

namespace steptree::app {
namespace {

std::string TrainDefaultModel() {
  const std::filesystem::path dir = std::filesystem::path("models") / "default";
  std::cerr << "demo: no default model found; training it with the default recipe into " << dir
            << " (about 30 minutes on 2 cores)\n";
  TrainOptions recipe = DefaultRecipe();
  recipe.out_dir = dir.string();
  recipe.resume = true;
  SyntheticOptions held = DefaultTrainingData();
  held.seed = kHeldoutSeed;
  held.split = ProblemSplit::kHeldOut;
  TrainPolicy(recipe, *MakeSyntheticStream(DefaultTrainingData()), MakeSyntheticProblems(held, 256));
  return dir.string();
}

int RunDemo(int argc, char** argv) {
  cxxopts::Options options(
      "steptree demo",
      "The main job on the embedded default: makes held-out synthetic problems across the\n"
      "difficulty ladder, loads the default model (training it first if absent), decodes\n"
      "greedily, writes the solutions as JSONL and prints accuracy by difficulty and tokens/s.\n"
      "--json prints the eval summary object (see `steptree eval --help`) plus \"output\",\n"
      "the solutions file.");
  options.add_options()
      ("n", "held-out problems", cxxopts::value<long>()->default_value("200"))
      ("problem-seed", "seed of the held-out problems", cxxopts::value<uint64_t>()->default_value("2026"))
      ("model", "checkpoint directory (default: the embedded default)", cxxopts::value<std::string>())
      ("o,output", "solutions JSONL", cxxopts::value<std::string>()->default_value("runs/demo/solutions.jsonl"))
      ("threads", "torch threads (0 = all cores)", cxxopts::value<int>()->default_value("0"))
      ("json", "print the summary as one JSON object")
      ("h,help", "show this help");
  const std::optional<cxxopts::ParseResult> parsed = ParseOrHelp(options, argc, argv);
  if (!parsed) return 0;
  const cxxopts::ParseResult& args = *parsed;
  const long n = args["n"].as<long>();
  if (n < 1) throw UsageError("--n must be >= 1");
  ConfigureTorchThreads(args["threads"].as<int>());
  WarnIfReferenceBlas();

  std::string model_dir;
  if (args.count("model")) {
    model_dir = args["model"].as<std::string>();
  } else {
    model_dir = FindDefaultModelDir();
    if (model_dir.empty()) model_dir = TrainDefaultModel();
  }
  const std::unique_ptr<Policy> policy = Policy::Load(model_dir);
  const std::vector<Problem> problems = DefaultEvalProblems(n, args["problem-seed"].as<uint64_t>());

  const std::filesystem::path output = args["output"].as<std::string>();
  if (output.has_parent_path()) std::filesystem::create_directories(output.parent_path());
  JsonlWriter writer(output.string());
  auto WriteSolution = [&](const Problem& problem, const Solution& solution) {
    writer.Write(SolutionRecord(problem, solution));
  };

  Progress progress("demo");
  SolveStats stats;
  const std::vector<Solution> solutions =
      SolveProblems(*policy, problems, SolveOptions{}, &stats,
                    [&](const std::vector<size_t>& finished, const std::vector<Solution>& solved, long done,
          long total) {
        for (size_t i : finished) WriteSolution(problems[i], solved[i]);
        progress.Update(done, total);
      });
  progress.Finish();

  nlohmann::json summary = SummariseSolutions(problems, solutions, stats);
  summary["mode"] = "greedy";
  summary["model"] = model_dir;
  summary["output"] = output.string();
  if (args.count("json")) {
    std::cout << summary.dump() << std::endl;
  } else {
    std::cout << "steptree demo: " << n << " held-out problems, model " << model_dir
              << " (" << policy->num_parameters() << " parameters), greedy\n"
              << FormatSummary(summary) << "solutions written to " << output.string() << "\n";
  }
  return 0;
}

CommandRegistrar registrar({"demo", "the main job: the default model on held-out problems", RunDemo});

}  // namespace
}  // namespace steptree::app

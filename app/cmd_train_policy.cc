// steptree train-policy: supervised fine-tuning of the built-in policy on reference
// solutions (any JSONL with them, or synthetic problems made on the fly).
#include <iostream>

#include <cxxopts.hpp>

#include "app/command.h"
#include "app/command_flags.h"
#include "app/data_flags.h"
#include "app/default_model.h"
#include "app/flag_parsing.h"
#include "app/train_flags.h"
#include "core/input_error.h"
#include "datasets/loaders.h"
#include "policy/train/trainer.h"

namespace steptree::app {
namespace {

int RunTrainPolicy(int argc, char** argv) {
  const TrainOptions d = DefaultRecipe();
  cxxopts::Options options(
      "steptree train-policy",
      "Trains the built-in policy on reference solutions: cross-entropy on solution tokens,\n"
      "AdamW, warm-up + cosine, gradient clipping, held-out loss, resumable.\n"
      "Data: --data F (any JSONL with reference solutions: steptree, GSM8K, MATH) or, without\n"
      "--data, synthetic problems of the train split made on the fly.\n"
      "--recipe default reproduces the embedded arithmetic default, --recipe countdown the\n"
      "countdown default (synthetic countdown levels 1-5, steps calling the calculator):\n"
      "  steptree train-policy --recipe default --run-dir models/default\n"
      "  steptree train-policy --recipe countdown --run-dir models/countdown\n"
      "The resolved config goes to RUN_DIR/train-policy.config.json.");
  options.add_options()
      ("recipe", "start from a named recipe: default | countdown", cxxopts::value<std::string>())
      ("family", "synthetic training problems without --data: arithmetic | countdown (--recipe countdown: "
       "countdown)", cxxopts::value<std::string>())
      ("tool", "none | calculator: the model calls the calculator in its steps (recorded in its config; "
       "--recipe countdown: calculator)", cxxopts::value<std::string>())
      ("data", "training JSONL with reference solutions", cxxopts::value<std::string>())
      ("eval-data", "held-out JSONL (default: 256 held-out synthetic problems, or 5% of --data)",
       cxxopts::value<std::string>())
      ("difficulty", "synthetic levels, e.g. 1-8 (default: the recipe's, 1-8 weighted 6,6,2,2,1,1,1,1 for "
       "arithmetic, 1-5 weighted 1,2,3,3,2 for countdown)", cxxopts::value<std::string>())
      ("init", "start from this checkpoint instead of a fresh model", cxxopts::value<std::string>())
      ("layers", "transformer blocks", cxxopts::value<int>()->default_value(std::to_string(d.config.n_layer)))
      ("width", "model width d_model", cxxopts::value<int>()->default_value(std::to_string(d.config.d_model)))
      ("heads", "attention heads", cxxopts::value<int>()->default_value(std::to_string(d.config.n_head)))
      ("ff", "MLP width (0 = 4 x width)", cxxopts::value<int>()->default_value("0"))
      ("context", "context length", cxxopts::value<int>()->default_value(std::to_string(d.config.context)))
      ("positions", "rope | learned", cxxopts::value<std::string>()->default_value(d.config.positions))
      ("json", "print a JSON summary {steps, train_loss, heldout_loss, tokens, seconds, tokens_per_second, skipped_too_long, out}")
      ("h,help", "show this help");
  AddTrainingFlags(options, d);
  AddDataFlags(options);
  const std::optional<CommandFlags> parsed =
      ParseCommandFlags(options, argc, argv, {DeprecatedTrainingFlags()});
  if (!parsed) return 0;
  const cxxopts::ParseResult& args = parsed->args;

  const std::string recipe = args.count("recipe") ? args["recipe"].as<std::string>() : "default";
  if (recipe != "default" && recipe != "countdown") throw UsageError("--recipe expects default or countdown");
  ProblemFamily family = recipe == "countdown" ? ProblemFamily::kCountdown : ProblemFamily::kArithmetic;
  if (args.count("family")) family = ParseFamily(args["family"].as<std::string>());
  TrainOptions train = RecipeFor(family);
  ReadTrainingFlags(args, &train);  // the flags' defaults are the default recipe's values ...
  if (!args.count("steps")) train.steps = RecipeFor(family).steps;  // ... but for the steps of countdown's
  std::string tool = recipe == "countdown" ? "calculator" : "none";
  if (args.count("tool")) tool = args["tool"].as<std::string>();
  if (tool != "none" && tool != "calculator") throw UsageError("--tool expects none or calculator, got " + tool);
  if (args.count("init")) train.init_dir = args["init"].as<std::string>();
  train.config.n_layer = args["layers"].as<int>();
  train.config.d_model = args["width"].as<int>();
  train.config.n_head = args["heads"].as<int>();
  train.config.d_ff = args["ff"].as<int>() > 0 ? args["ff"].as<int>() : 4 * train.config.d_model;
  train.config.context = args["context"].as<int>();
  train.config.positions = args["positions"].as<std::string>();
  train.config.tool = tool;
  // Validates the architecture flags the same way a checkpoint's config is validated.
  train.config = GptConfig::FromJson(train.config.ToJson(), "flags");

  std::unique_ptr<TrainingStream> stream;
  std::vector<Problem> heldout;
  if (args.count("data")) {
    LoadedDataset data = LoadReferenceSolutions(args["data"].as<std::string>(), DataFlagsFrom(args));
    std::vector<Problem> with_steps = std::move(data.problems);
    if (!args.count("eval-data")) {
      // Hold out every 20th problem.
      std::vector<Problem> kept;
      for (size_t i = 0; i < with_steps.size(); ++i) {
        (i % 20 == 19 ? heldout : kept).push_back(std::move(with_steps[i]));
      }
      with_steps = std::move(kept);
    }
    stream = MakeFileStream(SftTrainingPaths(with_steps), train.seed,
                            {{"source", "file"}, {"path", args["data"].as<std::string>()},
                             {"format", data.format}});
  } else {
    SyntheticOptions synthetic = TrainingDataFor(family);
    synthetic.seed = train.seed;
    // The recipe's weights are per level of its range; another range trains its levels evenly.
    if (args.count("difficulty")) {
      const auto range = ParseDifficultyRange(args["difficulty"].as<std::string>());
      if (range != std::make_pair(synthetic.min_difficulty, synthetic.max_difficulty)) {
        std::tie(synthetic.min_difficulty, synthetic.max_difficulty) = range;
        synthetic.difficulty_weights.clear();
      }
    }
    stream = MakeSyntheticStream(synthetic);
    if (!args.count("eval-data")) {
      SyntheticOptions held = synthetic;
      held.seed = kHeldoutSeed;
      held.split = ProblemSplit::kHeldOut;
      heldout = MakeSyntheticProblems(held, 256);
    }
  }
  if (args.count("eval-data")) {
    heldout = LoadProblems(args["eval-data"].as<std::string>(), DataFlagsFrom(args)).problems;
  }

  const TrainResult result = TrainPolicy(train, *stream, heldout);
  parsed->WriteConfigInDir(train.out_dir);
  const nlohmann::json summary = {{"steps", result.steps_done},
                                  {"train_loss", result.train_loss},
                                  {"heldout_loss", result.heldout_loss},
                                  {"tokens", result.tokens},
                                  {"seconds", result.seconds},
                                  {"tokens_per_second", result.tokens_per_second},
                                  {"skipped_too_long", result.skipped_too_long},
                                  {"out", train.out_dir}};
  if (args.count("json")) {
    std::cout << summary.dump() << std::endl;
  } else {
    std::cout << "trained " << result.steps_done << " steps in " << result.seconds
              << " s; held-out loss " << result.heldout_loss << "; checkpoint in "
              << train.out_dir << std::endl;
  }
  return 0;
}

CommandRegistrar train_policy_registrar({"train-policy", "train the built-in policy on reference solutions",
                                         RunTrainPolicy});

}  // namespace
}  // namespace steptree::app

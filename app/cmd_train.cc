// steptree train: AlphaMath's joint training of the policy and its value head on search
// paths (value-target JSONL) and/or reference solutions, from an existing checkpoint.
#include <cmath>
#include <iostream>
#include <optional>

#include <cxxopts.hpp>

#include "app/command.h"
#include "app/command_flags.h"
#include "app/data_flags.h"
#include "app/default_model.h"
#include "app/train_flags.h"
#include "core/input_error.h"
#include "datasets/loaders.h"
#include "core/rng.h"
#include "policy/train/step_preference.h"
#include "policy/train/trainer.h"
#include "mcts/value_records.h"

namespace steptree::app {
namespace {

// One question in kHeldoutModulus is held out, chosen by a hash of the question, so every
// path of a question lands on the same side (no held-out question is trained on).
constexpr uint64_t kHeldoutModulus = 20;

// Defaults of a fine-tuning run from a trained checkpoint (the model comes from --init).
TrainOptions ValueTrainingDefaults() {
  TrainOptions d;
  d.log_label = "train";
  d.steps = 1000;
  d.batch_tokens = 4096;
  d.lr = 1e-3;
  d.warmup_steps = 50;
  d.weight_decay = 0.1;
  d.grad_clip = 1.0;
  d.eval_every = 250;
  d.save_every = 250;
  d.value_alpha = 0.01;  // AlphaMath
  return d;
}

bool IsHeldOut(const std::string& question) {
  return HashString("steptree-train-heldout:" + question) % kHeldoutModulus == 0;
}

// Splits `paths` into train and held-out by IsHeldOut.
void SplitHeldOut(std::vector<TrainingPath> paths, std::vector<TrainingPath>* train,
                  std::vector<TrainingPath>* heldout) {
  for (TrainingPath& path : paths) (IsHeldOut(path.question) ? heldout : train)->push_back(std::move(path));
}

int RunTrain(int argc, char** argv) {
  cxxopts::Options options(
      "steptree train",
      "Trains a checkpoint's policy and value head together (AlphaMath):\n"
      "  loss = CE + alpha * MSE\n"
      "CE: token cross-entropy on the steps of correct value paths (final Q = +1) and of --sft\n"
      "reference solutions; MSE: (V(question + steps 1..k) - Q_k)^2 over every step of every value\n"
      "path. --freeze-backbone trains the value head alone (loss = MSE; the backbone is unchanged).\n"
      "--pairs adds sibling-step preferences (export --format pairs): + pair-weight * mean\n"
      "softplus(-beta * (log p(chosen step) - log p(rejected step))) over --pair-batch pairs a step.\n"
      "5% of the questions (by hash) are held out: held-out CE, value MSE and AUC are reported.\n"
      "Value paths: JSONL {\"id\", \"question\", \"steps\": [{\"step\", \"Q\"}, ...]} (docs/formats.md).\n"
      "--json prints {\"steps\", \"train_loss\", \"value_loss\", \"heldout_loss\", \"heldout_value_mse\",\n"
      "\"heldout_value_auc\", \"heldout_paths\", \"train_paths\", \"tokens\", \"value_targets\", \"seconds\",\n"
      "\"skipped_too_long\", \"out\"}; with --pairs also \"pair_loss\", \"train_pairs\", \"heldout_pairs\",\n"
      "\"skipped_pairs\", \"heldout_pair_accuracy_start\", \"heldout_pair_accuracy\".");
  const TrainOptions d = ValueTrainingDefaults();
  // clang-format off
  options.add_options()
      ("init", "start from this checkpoint or Hugging Face model directory (default: the embedded default)",
       cxxopts::value<std::string>())
      ("model", "the same as --init", cxxopts::value<std::string>())
      ("values", "value-target JSONL (repeat the flag for several files)", cxxopts::value<std::vector<std::string>>())
      ("sft", "problems with reference solutions (any format the loaders read)", cxxopts::value<std::string>())
      ("alpha", "weight of the value MSE in the loss", cxxopts::value<double>()->default_value(std::to_string(d.value_alpha)))
      ("pairs", "step-preference pairs JSONL, export --format pairs (repeat the flag for several files)",
       cxxopts::value<std::vector<std::string>>())
      ("pair-weight", "weight of the pair loss", cxxopts::value<double>()->default_value(std::to_string(d.preference_weight)))
      ("pair-beta", "beta of the pair loss", cxxopts::value<double>()->default_value(std::to_string(d.preference_beta)))
      ("pair-batch", "preference pairs in each training step",
       cxxopts::value<int>()->default_value(std::to_string(d.preference_pairs_per_step)))
      ("freeze-backbone", "train only the value head (no CE; the backbone stays bit-identical)")
      ("json", "print the summary as one JSON object")
      ("h,help", "show this help");
  // clang-format on
  AddTrainingFlags(options, d);
  AddDataFlags(options);
  const std::optional<CommandFlags> parsed =
      ParseCommandFlags(options, argc, argv, {DeprecatedTrainingFlags()});
  if (!parsed) return 0;
  const cxxopts::ParseResult& args = parsed->args;
  if (!args.count("values") && !args.count("sft")) throw UsageError("--values F.jsonl and/or --sft F.jsonl is required");
  const bool freeze = args.count("freeze-backbone") > 0;
  if (freeze && args.count("pairs")) throw UsageError("--freeze-backbone trains the value head only: --pairs train the policy");
  if (freeze && args.count("sft")) throw UsageError("--freeze-backbone trains the value head only: --sft has nothing to teach it");
  if (freeze && !args.count("values")) throw UsageError("--freeze-backbone needs --values");

  TrainOptions train = d;
  ReadTrainingFlags(args, &train);
  if (args.count("init") && args.count("model")) throw UsageError("give --init or --model, not both");
  train.init_dir = args.count("init")    ? args["init"].as<std::string>()
                   : args.count("model") ? args["model"].as<std::string>()
                                         : RequireDefaultModelDir();
  train.value_alpha = args["alpha"].as<double>();
  train.freeze_backbone = freeze;
  train.train_value_head = args.count("values") > 0;
  if (!std::isfinite(train.value_alpha) || train.value_alpha < 0) throw UsageError("--alpha must be a number >= 0");
  train.preference_weight = args["pair-weight"].as<double>();
  train.preference_beta = args["pair-beta"].as<double>();
  train.preference_pairs_per_step = args["pair-batch"].as<int>();
  if (!std::isfinite(train.preference_weight) || train.preference_weight < 0 || !std::isfinite(train.preference_beta) ||
      !(train.preference_beta > 0) || train.preference_pairs_per_step < 1) {
    throw UsageError("--pair-weight >= 0, --pair-beta > 0 and --pair-batch >= 1 are required");
  }

  std::vector<TrainingPath> train_paths, heldout_paths;
  nlohmann::json description = {{"source", "files"}};
  long value_path_count = 0;
  if (args.count("values")) {
    const std::vector<std::string> files = args["values"].as<std::vector<std::string>>();
    for (const std::string& file : files) {
      std::vector<TrainingPath> paths;
      for (const ValuePathRecord& record : LoadValuePaths(file)) {
        paths.push_back(ValueTrainingPath(record, /*imitate_correct=*/!freeze));
      }
      value_path_count += static_cast<long>(paths.size());
      SplitHeldOut(std::move(paths), &train_paths, &heldout_paths);
    }
    description["values"] = files;
  }
  if (args.count("sft")) {
    const std::string file = args["sft"].as<std::string>();
    const LoadedDataset data = LoadReferenceSolutions(file, DataFlagsFrom(args));
    description["sft"] = {{"path", file}, {"format", data.format}, {"problems", data.problems.size()}};
    SplitHeldOut(SftTrainingPaths(data.problems), &train_paths, &heldout_paths);
  }
  std::optional<PreferenceData> preferences;
  if (args.count("pairs")) {
    preferences.emplace();
    const std::vector<std::string> files = args["pairs"].as<std::vector<std::string>>();
    for (const std::string& file : files) {
      for (StepPreference& pair : LoadStepPreferences(file)) {
        (IsHeldOut(pair.question) ? preferences->heldout : preferences->train).push_back(std::move(pair));
      }
    }
    description["pairs"] = files;
  }
  description["value_paths"] = value_path_count;
  if (train_paths.empty()) {
    throw UsageError("no training path left after holding out 5% of the questions: give more data");
  }
  const long train_path_count = static_cast<long>(train_paths.size());
  const auto stream = MakeFileStream(std::move(train_paths), train.seed, description);

  const TrainResult result = Train(train, *stream, heldout_paths, preferences ? &*preferences : nullptr);
  parsed->WriteConfigInDir(train.out_dir);
  nlohmann::json summary = {{"steps", result.steps_done},
                                  {"train_loss", result.train_loss},
                                  {"value_loss", result.value_loss},
                                  {"heldout_loss", result.heldout_loss},
                                  {"heldout_value_mse", result.heldout_value_mse},
                                  {"heldout_value_auc", result.heldout_value_auc},
                                  {"heldout_paths", static_cast<long>(heldout_paths.size())},
                                  {"train_paths", train_path_count},
                                  {"tokens", result.tokens},
                                  {"value_targets", result.value_targets},
                                  {"seconds", result.seconds},
                                  {"skipped_too_long", result.skipped_too_long},
                                  {"out", train.out_dir}};
  if (preferences) {
    summary["pair_loss"] = result.preference_loss;
    summary["train_pairs"] = result.train_pairs;
    summary["heldout_pairs"] = result.heldout_pairs;
    summary["skipped_pairs"] = result.skipped_pairs;
    summary["heldout_pair_accuracy_start"] = result.heldout_pair_accuracy_start;
    summary["heldout_pair_accuracy"] = result.heldout_pair_accuracy;
  }
  if (args.count("json")) {
    std::cout << summary.dump() << std::endl;
  } else {
    std::cout << "trained " << result.steps_done << " steps in " << result.seconds << " s; held-out loss "
              << result.heldout_loss << ", held-out value MSE " << result.heldout_value_mse << ", AUC "
              << result.heldout_value_auc << "; checkpoint in " << train.out_dir << std::endl;
  }
  return 0;
}

CommandRegistrar train_registrar({"train", "train policy and value head on value paths (AlphaMath joint loss)", RunTrain});

}  // namespace
}  // namespace steptree::app

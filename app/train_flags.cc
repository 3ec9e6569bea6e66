// Training flags shared by train-policy and train (app/train_flags.h).
#include "app/train_flags.h"

#include <string>

#include "core/output_path.h"
#include "core/input_error.h"

namespace steptree::app {

void AddTrainingFlags(cxxopts::Options& options, const TrainOptions& d) {
  // clang-format off
  options.add_options("training")
      ("run-dir", "checkpoint directory to write (and the resolved config, COMMAND.config.json)",
       cxxopts::value<std::string>())
      ("resume", "continue from RUN_DIR/trainer_state.json when present")
      ("seed", "seed of a fresh model's init, data order and dropout", cxxopts::value<uint64_t>()->default_value(std::to_string(d.seed)))
      ("steps", "optimizer steps", cxxopts::value<long>()->default_value(std::to_string(d.steps)))
      ("batch-tokens", "padded tokens per batch", cxxopts::value<long>()->default_value(std::to_string(d.batch_tokens)))
      ("lr", "peak learning rate", cxxopts::value<double>()->default_value(std::to_string(d.lr)))
      ("warmup", "warm-up steps", cxxopts::value<long>()->default_value(std::to_string(d.warmup_steps)))
      ("weight-decay", "AdamW weight decay", cxxopts::value<double>()->default_value(std::to_string(d.weight_decay)))
      ("grad-clip", "gradient norm clip", cxxopts::value<double>()->default_value(std::to_string(d.grad_clip)))
      ("eval-every", "held-out figures every N steps (0 = only at the end)", cxxopts::value<long>()->default_value(std::to_string(d.eval_every)))
      ("save-every", "checkpoint every N steps (0 = only at the end)", cxxopts::value<long>()->default_value(std::to_string(d.save_every)))
      ("max-minutes", "stop and save after this many minutes (0 = none)", cxxopts::value<double>()->default_value("0"))
      ("threads", "torch threads (0 = all cores)", cxxopts::value<int>()->default_value("0"));
  // clang-format on
}

std::vector<DeprecatedFlag> DeprecatedTrainingFlags() { return {{"o", "run-dir"}, {"out", "run-dir"}}; }

void ReadTrainingFlags(const cxxopts::ParseResult& args, TrainOptions* train) {
  if (!args.count("run-dir")) throw UsageError("--run-dir DIR is required (the checkpoint directory)");
  train->out_dir = args["run-dir"].as<std::string>();
  CheckOutputDir(train->out_dir, "--run-dir");
  train->resume = args.count("resume") > 0;
  train->seed = args["seed"].as<uint64_t>();
  train->steps = args["steps"].as<long>();
  train->batch_tokens = args["batch-tokens"].as<long>();
  train->lr = args["lr"].as<double>();
  train->warmup_steps = args["warmup"].as<long>();
  train->weight_decay = args["weight-decay"].as<double>();
  train->grad_clip = args["grad-clip"].as<double>();
  train->eval_every = args["eval-every"].as<long>();
  train->save_every = args["save-every"].as<long>();
  train->max_minutes = args["max-minutes"].as<double>();
  train->threads = args["threads"].as<int>();
  if (train->steps < 1 || train->batch_tokens < 16 || !(train->lr > 0)) {
    throw UsageError("--steps >= 1, --batch-tokens >= 16 and --lr > 0 are required");
  }
}

}  // namespace steptree::app

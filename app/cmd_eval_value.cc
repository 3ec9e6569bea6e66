// steptree eval-value: how well a checkpoint's value head predicts the eventual correctness
// of partial solutions (AUC overall and by depth, calibration, ECE, MSE against Q).
#include <iostream>

#include <cxxopts.hpp>

#include "app/command.h"
#include "app/command_flags.h"
#include "app/default_model.h"
#include "app/model_flags.h"
#include "core/input_error.h"
#include "policy/model/blas_check.h"
#include "policy/policy.h"
#include "mcts/value_records.h"
#include "policy/train/value_evaluation.h"
#include "value/value_eval.h"

namespace steptree::app {
namespace {

int RunEvalValue(int argc, char** argv) {
  cxxopts::Options options(
      "steptree eval-value",
      "Scores V(question + steps 1..k) for every prefix of every path of a value-target JSONL\n"
      "(one teacher-forced forward per batch of paths) against the path's eventual correctness\n"
      "(final Q > 0): AUC overall and by depth (1..7, 8+; Mann-Whitney, ties count 1/2), 10-bin\n"
      "calibration of p = (V + 1) / 2, expected calibration error, MSE against the Q targets, and\n"
      "the AUC within question (final values ranked among one question's paths, averaged over\n"
      "questions with right and wrong paths), and the depth-matched AUC (distinct states of one\n"
      "question at one depth ranked against each other: what SBS and MCTS ask of a value head).\n"
      "--json prints {\"n_paths\", \"n_skipped_paths\", \"n_prefixes\", \"positive_share\", \"auc\",\n"
      "\"auc_within_question\", \"questions_with_both\", \"auc_depth_matched\", \"depth_matched_pairs\",\n"
      "\"auc_by_depth\": {\"1\": x, ...}, \"prefixes_by_depth\", \"ece\", \"mse\", \"calibration\":\n"
      "[{\"bin_low\", \"bin_high\", \"mean_predicted\", \"observed\", \"count\"}], \"model\", \"data\"}.");
  // clang-format off
  options.add_options()
      ("model", "checkpoint or Hugging Face model directory (default: the embedded default)",
       cxxopts::value<std::string>())
      ("data", "value-target JSONL", cxxopts::value<std::string>())
      ("batch-tokens", "padded tokens per forward", cxxopts::value<long>()->default_value("8192"))
      ("threads", "torch threads (0 = all cores)", cxxopts::value<int>()->default_value("0"))
      ("json", "print the report as one JSON object")
      ("h,help", "show this help");
  // clang-format on
  AddModelLoadFlags(options);
  const std::optional<CommandFlags> parsed = ParseCommandFlags(options, argc, argv, {});
  if (!parsed) return 0;
  const cxxopts::ParseResult& args = parsed->args;
  if (!args.count("data")) throw UsageError("--data F.jsonl is required");
  ValueEvalOptions eval;
  eval.batch_tokens = args["batch-tokens"].as<long>();
  if (eval.batch_tokens < 16) throw UsageError("--batch-tokens must be at least 16");

  const std::string data = args["data"].as<std::string>();
  const std::vector<ValuePathRecord> paths = LoadValuePaths(data);
  const std::string model_dir = args.count("model") ? args["model"].as<std::string>() : RequireDefaultModelDir();
  ConfigureTorchThreads(args["threads"].as<int>());
  WarnIfReferenceBlas();
  const std::unique_ptr<Policy> policy = LoadPolicyWithFlags(model_dir, args);
  if (!policy->has_trained_value_head()) {
    std::cerr << "steptree eval-value: warning: " << model_dir
              << " has no trained value head (no value_head.safetensors): V comes from a fresh head\n";
  }
  const ValueReport report = EvaluateValues(*policy, paths, eval);
  if (args.count("json")) {
    nlohmann::json json = ValueReportToJson(report);
    json["model"] = model_dir;
    json["data"] = data;
    std::cout << json.dump() << std::endl;
  } else {
    std::cout << "value head of " << model_dir << " on " << data << "\n" << FormatValueReport(report);
  }
  return 0;
}

CommandRegistrar eval_value_registrar({"eval-value", "AUC, calibration and MSE of a value head on value paths", RunEvalValue});

}  // namespace
}  // namespace steptree::app

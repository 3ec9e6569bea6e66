// steptree generate: the continuation of a prompt by a policy (built-in checkpoint or a
// Hugging Face model directory), greedy unless a temperature or seed is given. One row
// through the KV cache: Prefill, then one Decode per token (policy/model/causal_lm.h).
#include <chrono>
#include <iostream>
#include <sstream>

#include <cxxopts.hpp>
#include <nlohmann/json.hpp>

#include "app/command.h"
#include "app/command_flags.h"
#include "app/default_model.h"
#include "app/model_flags.h"
#include "core/input_error.h"
#include "core/rng.h"
#include "policy/model/blas_check.h"
#include "policy/model/causal_lm.h"
#include "policy/policy.h"
#include "policy/text/prompt.h"
#include "policy/engine/sampling.h"

namespace steptree::app {
namespace {

std::vector<int> ParseIds(const std::string& text, int vocab_size) {
  std::vector<int> ids;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    size_t used = 0;
    long id = -1;
    try {
      id = std::stol(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != item.size() || id < 0 || id >= vocab_size) {
      throw UsageError("--prompt-ids expects comma-separated token ids in 0.." + std::to_string(vocab_size - 1) +
                       ", got \"" + item + "\"");
    }
    ids.push_back(static_cast<int>(id));
  }
  if (ids.empty()) throw UsageError("--prompt-ids expects at least one id");
  return ids;
}

int RunGenerate(int argc, char** argv) {
  cxxopts::Options options(
      "steptree generate",
      "Prints the continuation of a prompt: greedy decoding, or sampling when --temperature or\n"
      "--seed is given (--seed alone samples at temperature 1). --model takes a steptree\n"
      "checkpoint or a Hugging Face model directory (Llama, Qwen2, Mistral: docs/formats.md).\n"
      "--format raw encodes the prompt as it is (with the tokenizer's own special tokens, e.g.\n"
      "Llama-3's BOS); --format question puts it into the model's prompt format as a question.\n"
      "Decoding stops at a stop token (EOS; kept in \"ids\", not in the text), after\n"
      "--max-tokens, or at the model's context.\n"
      "--json prints {\"prompt_ids\": [...], \"ids\": [...], \"text\": \"...\", \"end\": \"eos\"|\"length\"|\n"
      "\"context\", \"seconds\", \"tokens_per_second\", \"model\", \"description\"} (ids of the continuation\n"
      "only).");
  options.add_options()
      ("model", "checkpoint or Hugging Face model directory (default: the embedded default)",
       cxxopts::value<std::string>())
      ("prompt", "prompt text", cxxopts::value<std::string>())
      ("prompt-ids", "instead of --prompt: comma-separated token ids", cxxopts::value<std::string>())
      ("format", "raw | question", cxxopts::value<std::string>()->default_value("raw"))
      ("max-tokens", "tokens to generate at most", cxxopts::value<int>()->default_value("64"))
      ("temperature", "sampling temperature (0 = greedy)", cxxopts::value<float>())
      ("top-k", "top-k when sampling (0 = off)", cxxopts::value<int>()->default_value("0"))
      ("top-p", "nucleus mass when sampling (1 = off)", cxxopts::value<float>()->default_value("1"))
      ("seed", "sampling seed", cxxopts::value<uint64_t>())
      ("threads", "torch threads (0 = all cores)", cxxopts::value<int>()->default_value("0"))
      ("json", "print one JSON object")
      ("h,help", "show this help");
  AddModelLoadFlags(options);
  const std::optional<CommandFlags> parsed = ParseCommandFlags(options, argc, argv, {});
  if (!parsed) return 0;
  const cxxopts::ParseResult& args = parsed->args;
  if (args.count("prompt") == args.count("prompt-ids")) throw UsageError("give exactly one of --prompt T and --prompt-ids I,J,..");
  const int max_tokens = args["max-tokens"].as<int>();
  if (max_tokens < 1) throw UsageError("--max-tokens must be >= 1");
  const std::string format = args["format"].as<std::string>();
  if (format != "raw" && format != "question") throw UsageError("--format expects raw or question");
  if (format == "question" && args.count("prompt-ids")) throw UsageError("--format question needs --prompt");

  StepSampling sampling;
  if (args.count("temperature")) sampling.temperature = args["temperature"].as<float>();
  if (args.count("seed") && !args.count("temperature")) sampling.temperature = 1.f;
  if (sampling.temperature < 0) throw UsageError("--temperature must be >= 0");
  sampling.top_k = args["top-k"].as<int>();
  sampling.top_p = args["top-p"].as<float>();
  if (sampling.top_k < 0 || !(sampling.top_p > 0 && sampling.top_p <= 1)) {
    throw UsageError("--top-k must be >= 0 and --top-p in (0, 1]");
  }
  Rng rng(args.count("seed") ? args["seed"].as<uint64_t>() : 1);

  ConfigureTorchThreads(args["threads"].as<int>());
  WarnIfReferenceBlas();
  const std::string model_dir = args.count("model") ? args["model"].as<std::string>() : RequireDefaultModelDir();
  const std::unique_ptr<Policy> policy = LoadPolicyWithFlags(model_dir, args);
  const Tokenizer& tokenizer = policy->tokenizer();
  CausalLm& lm = policy->lm();

  std::vector<int> prompt_ids;
  if (args.count("prompt-ids")) {
    prompt_ids = ParseIds(args["prompt-ids"].as<std::string>(), policy->vocab_size());
  } else if (format == "question") {
    prompt_ids = policy->prompt().EncodePrefix(args["prompt"].as<std::string>(), {});
  } else {
    prompt_ids = tokenizer.Encode(args["prompt"].as<std::string>());
  }
  if (prompt_ids.empty()) throw UsageError("the prompt encodes to no tokens");
  const int context = policy->context();
  if (static_cast<int>(prompt_ids.size()) >= context) {
    throw UsageError("the prompt has " + std::to_string(prompt_ids.size()) + " tokens, the model's context is " +
                     std::to_string(context));
  }

  const auto start = std::chrono::steady_clock::now();
  std::vector<int> ids;
  std::string end = "length";
  {
    torch::NoGradGuard no_grad;
    const int budget = std::min(max_tokens, context - static_cast<int>(prompt_ids.size()));
    KvCache cache;
    LmOutput out = lm.Prefill({prompt_ids}, static_cast<int64_t>(prompt_ids.size()) + budget, &cache);
    SamplingScratch scratch;
    for (int i = 0; i < budget; ++i) {
      const torch::Tensor logits = out.logits.contiguous();
      const int id = SampleToken(logits.data_ptr<float>(), static_cast<int>(logits.size(1)), sampling, &rng, &scratch).id;
      ids.push_back(id);
      if (tokenizer.EndsSolution(id)) {
        end = "eos";
        break;
      }
      if (i + 1 == budget) {
        if (budget < max_tokens) end = "context";
        break;
      }
      out = lm.Decode(torch::tensor({static_cast<int64_t>(id)}, torch::kInt64), &cache);
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::vector<int> text_ids = ids;
  if (end == "eos") text_ids.pop_back();
  const std::string text = tokenizer.Decode(text_ids);

  if (args.count("json")) {
    nlohmann::json j = {{"prompt_ids", prompt_ids},
                        {"ids", ids},
                        {"text", text},
                        {"end", end},
                        {"seconds", seconds},
                        {"tokens_per_second", ids.size() / std::max(seconds, 1e-9)},
                        {"model", model_dir},
                        {"description", policy->Describe()}};
    std::cout << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << std::endl;
  } else {
    std::cout << text << std::endl;
  }
  return 0;
}

CommandRegistrar generate_registrar({"generate", "the continuation of a prompt (built-in or Hugging Face model)", RunGenerate});

}  // namespace
}  // namespace steptree::app

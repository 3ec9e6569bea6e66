#include "app/model_flags.h"

#include "core/file_digest.h"
#include "core/input_error.h"

namespace steptree::app {
namespace {

// Flags a built-in checkpoint refuses when given (--dtype f32 and --device cpu are what it
// computes with anyway, so they pass).
const char* const kHfOnlyFlags[] = {"prompt-format", "step-delimiter", "system-prompt", "kernels"};

}  // namespace

void AddModelLoadFlags(cxxopts::Options& options) {
  options.add_options("Hugging Face model")
      ("dtype", "f32 | bf16: compute dtype (bf16: matrix products in bfloat16)",
       cxxopts::value<std::string>()->default_value("f32"))
      ("device", "cpu | cuda (needs a CUDA LibTorch)", cxxopts::value<std::string>()->default_value("cpu"))
      ("kernels", "invariant | torch: CPU inference kernels (invariant: row-invariant on weights packed once, so the "
                  "prefix KV cache and --trees-per-worker apply, at the cost of a second copy of the weights in "
                  "memory; torch: torch's kernels, no copy, no reuse)",
       cxxopts::value<std::string>()->default_value("invariant"))
      ("prompt-format", "auto | template | alphamath | chatml | llama3 (overrides steptree.json)", cxxopts::value<std::string>())
      ("step-delimiter", "text that ends a reasoning step (overrides steptree.json; default \"\\n\\n\")",
       cxxopts::value<std::string>())
      ("system-prompt", "the system message of chat formats (overrides steptree.json)", cxxopts::value<std::string>());
  options.add_options("Tools")
      ("tool", "none | calculator: run the calculator on \"<<EXPR=\" in steps (default: as the checkpoint "
               "was trained)", cxxopts::value<std::string>());
}

namespace {

// --tool, when given, overrides the checkpoint's setting.
void ApplyToolFlag(const cxxopts::ParseResult& args, Policy* policy) {
  if (!args.count("tool")) return;
  const std::string tool = args["tool"].as<std::string>();
  if (tool != "none" && tool != "calculator") throw UsageError("--tool expects none or calculator, got " + tool);
  policy->set_calculator(tool == "calculator");
}

}  // namespace

PolicyLoadOptions ModelLoadFlagsFrom(const cxxopts::ParseResult& args) {
  PolicyLoadOptions load;
  load.dtype = args["dtype"].as<std::string>();
  load.device = args["device"].as<std::string>();
  load.kernels = args["kernels"].as<std::string>();
  if (args.count("prompt-format")) load.prompt_format = args["prompt-format"].as<std::string>();
  if (args.count("step-delimiter")) load.step_delimiter = args["step-delimiter"].as<std::string>();
  if (args.count("system-prompt")) load.system_prompt = args["system-prompt"].as<std::string>();
  return load;
}

std::unique_ptr<Policy> LoadPolicyWithFlags(const std::string& dir, const cxxopts::ParseResult& args) {
  std::unique_ptr<Policy> policy = Policy::Load(dir, ModelLoadFlagsFrom(args));
  ApplyToolFlag(args, policy.get());
  if (policy->is_hf()) return policy;
  const std::string dtype = args["dtype"].as<std::string>();
  std::string refused;
  if (dtype != "f32" && dtype != "fp32") refused = "--dtype " + dtype;
  if (args["device"].as<std::string>() != "cpu") refused = "--device " + args["device"].as<std::string>();
  for (const char* flag : kHfOnlyFlags) {
    if (args.count(flag)) refused = std::string("--") + flag;
  }
  if (!refused.empty()) {
    throw UsageError(refused + " applies to Hugging Face model directories only; " + dir + " is a built-in checkpoint");
  }
  return policy;
}

std::string ModelDigestAsRun(const std::string& folder_digest, const Policy& policy) {
  std::string digest = folder_digest;
  if (policy.calculator() != policy.checkpoint_calculator()) digest += policy.calculator() ? "+tool=calculator" : "+tool=none";
  return digest;
}

}  // namespace steptree::app

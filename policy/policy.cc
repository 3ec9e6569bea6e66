// Policy: creation, checkpoint save and validated load (layout in policy/policy.h).
//
// A checkpoint is untrusted data: Load checks the directory, the config (strict JSON
// schema, GptConfig::FromJson), the safetensors header (SafetensorsFile::Open), the
// metadata format tag, and that the tensors are exactly the model's parameters with the
// same shapes, all F32. Every failure is an InputError naming the offending file. A
// Hugging Face model directory is read by policy/hf_policy.h with the same care; both kinds
// share the value-head file and everything after loading goes through lm() and prompt().
#include "policy/policy.h"

#include "core/json_file.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "core/input_error.h"
#include "policy/model/gpt.h"
#include "policy/hf_policy.h"
#include "policy/text/prompt.h"
#include "policy/model/format/safetensors_header.h"  // ShapeString
#include "policy/model/tensor_io.h"
#include "value/value_head.h"

namespace steptree {
namespace {

constexpr const char* kConfigFile = "config.json";
constexpr const char* kWeightsFile = "model.safetensors";
constexpr const char* kFormat = "steptree-gpt";
constexpr const char* kVersion = "1";
constexpr const char* kValueHeadFile = "value_head.safetensors";
constexpr const char* kValueHeadFormat = "steptree-value-head";
// AlphaMath's dropout before the value projection.
constexpr double kValueHeadDropout = 0.1;
// A fresh head's seed is derived from the model's so Create(config, seed) stays one seed.
constexpr uint64_t kValueHeadSeedSalt = 0x5A1E;


std::unique_ptr<Tokenizer> CheckedTokenizer(const GptConfig& config, const std::string& source) {
  std::unique_ptr<Tokenizer> tokenizer = MakeTokenizer(config.tokenizer, source);
  if (config.vocab_size < tokenizer->vocab_size()) {
    throw InputError(source, 0,
                     "vocab_size >= " + std::to_string(tokenizer->vocab_size()) + " for tokenizer \"" +
                         config.tokenizer + "\", got " + std::to_string(config.vocab_size));
  }
  return tokenizer;
}

}  // namespace

// Exactly one of `model` (built-in) and `hf` is set; `lm` points at it.
struct Policy::ModelHolder {
  explicit ModelHolder(const GptConfig& config, uint64_t seed)
      : model(config, seed), lm(model.get()), value_head(config.d_model, kValueHeadDropout, seed ^ kValueHeadSeedSalt) {}
  explicit ModelHolder(HfLlama hf_model)
      : hf(std::move(hf_model)),
        lm(hf.get()),
        value_head(hf->config().hidden_size, kValueHeadDropout, kValueHeadSeedSalt) {}
  Gpt model{nullptr};
  HfLlama hf{nullptr};
  CausalLm* lm;
  ValueHead value_head;
};

namespace {

// Copies `tensors` into `params` after checking names, dtypes and shapes: exactly the
// module's parameters, all F32. Errors name `path`.
void CopyCheckedTensors(const std::map<std::string, torch::Tensor>& tensors,
                        const torch::OrderedDict<std::string, torch::Tensor>& params, const std::string& path) {
  torch::NoGradGuard no_grad;
  for (const auto& item : params) {
    auto it = tensors.find(item.key());
    if (it == tensors.end()) throw InputError(path, 0, "tensor \"" + item.key() + "\"");
    const torch::Tensor& t = it->second;
    if (t.scalar_type() != torch::kFloat32) {
      throw InputError(path, 0, "tensor \"" + item.key() + "\" of dtype F32");
    }
    if (t.sizes() != item.value().sizes()) {
      throw InputError(path, 0,
                       "tensor \"" + item.key() + "\" of shape " + ShapeString(item.value().sizes().vec()) +
                           ", got " + ShapeString(t.sizes().vec()));
    }
    item.value().copy_(t);
  }
  for (const auto& [name, t] : tensors) {
    if (!params.contains(name)) throw InputError(path, 0, "only the model's tensors, got an extra \"" + name + "\"");
  }
}

// Loads a safetensors file whose metadata must carry {"format": format, "version": "1"}.
std::map<std::string, torch::Tensor> LoadTaggedTensors(const std::string& path, const std::string& format) {
  std::map<std::string, std::string> metadata;
  std::map<std::string, torch::Tensor> tensors = LoadTensorMap(path, &metadata);
  auto found = metadata.find("format");
  if (found == metadata.end() || found->second != format) {
    throw InputError(path, 0, "metadata \"format\": \"" + format + "\"");
  }
  auto version = metadata.find("version");
  if (version == metadata.end() || version->second != kVersion) {
    throw InputError(path, 0, std::string("metadata \"version\": \"") + kVersion + "\"");
  }
  return tensors;
}

}  // namespace

Policy::~Policy() = default;

std::unique_ptr<Policy> Policy::Create(const GptConfig& config, uint64_t seed) {
  std::unique_ptr<Policy> policy(new Policy());
  // Same checks as a loaded config: a programmatic config must be just as valid.
  policy->config_ = GptConfig::FromJson(config.ToJson(), "model config");
  policy->tokenizer_ = CheckedTokenizer(policy->config_, "model config");
  policy->prompt_ = MakeBuiltinPromptFormat(*policy->tokenizer_);
  policy->holder_ = std::make_unique<ModelHolder>(policy->config_, seed);
  policy->holder_->model->eval();
  policy->holder_->value_head->eval();
  policy->calculator_ = policy->checkpoint_calculator_ = policy->config_.tool == "calculator";
  return policy;
}

void Policy::set_calculator(bool on) {
  calculator_ = on;
  if (!is_hf()) config_.tool = on ? "calculator" : "none";
}

std::unique_ptr<Policy> Policy::Load(const std::string& dir, const PolicyLoadOptions& options) {
  namespace fs = std::filesystem;
  if (IsHfModelDir(dir)) return LoadHf(dir, options);
  if (!fs::is_directory(dir)) {
    throw InputError(dir, 0, std::string("a checkpoint directory with ") + kConfigFile + " and " + kWeightsFile);
  }
  const std::string config_path = (fs::path(dir) / kConfigFile).string();
  const std::string weights_path = (fs::path(dir) / kWeightsFile).string();
  if (!fs::is_regular_file(config_path)) throw InputError(config_path, 0, "a model configuration file");

  std::unique_ptr<Policy> policy(new Policy());
  policy->config_ = GptConfig::FromJson(ReadJsonFile(config_path), config_path);
  policy->tokenizer_ = CheckedTokenizer(policy->config_, config_path);
  policy->prompt_ = MakeBuiltinPromptFormat(*policy->tokenizer_);
  policy->holder_ = std::make_unique<ModelHolder>(policy->config_, 0);
  GptImpl& model = *policy->holder_->model;

  CopyCheckedTensors(LoadTaggedTensors(weights_path, kFormat), model.named_parameters(), weights_path);
  policy->LoadValueHead(dir);
  model.eval();
  policy->calculator_ = policy->checkpoint_calculator_ = policy->config_.tool == "calculator";
  return policy;
}

void Policy::LoadValueHead(const std::string& dir) {
  const std::string value_path = (std::filesystem::path(dir) / kValueHeadFile).string();
  if (std::filesystem::exists(value_path)) {
    CopyCheckedTensors(LoadTaggedTensors(value_path, kValueHeadFormat), holder_->value_head->named_parameters(),
                       value_path);
    value_head_trained_ = true;
  }
  holder_->value_head->eval();
}

std::unique_ptr<Policy> Policy::LoadHf(const std::string& dir, const PolicyLoadOptions& options) {
  HfLoadOptions hf_options;
  hf_options.dtype = options.dtype;
  hf_options.device = options.device;
  hf_options.kernels = options.kernels;
  hf_options.prompt_format = options.prompt_format;
  hf_options.step_delimiter = options.step_delimiter;
  hf_options.system_prompt = options.system_prompt;
  HfPolicyParts parts = LoadHfPolicyParts(dir, hf_options);
  std::unique_ptr<Policy> policy(new Policy());
  policy->tokenizer_ = std::move(parts.text.tokenizer);
  policy->prompt_ = std::move(parts.text.prompt);
  policy->holder_ = std::make_unique<ModelHolder>(std::move(parts.model));
  policy->hf_ = std::make_unique<HfSource>(std::move(parts.source));
  policy->LoadValueHead(dir);
  return policy;
}

void Policy::Save(const std::string& dir, const nlohmann::json& extra) const {
  if (hf_) {
    SaveHfPolicyFiles(*hf_, dir, *holder_->hf, backbone_trained_, extra);
  } else {
    SaveBuiltin(dir, extra);
  }
  if (value_head_trained_) {
    std::map<std::string, torch::Tensor> head;
    for (const auto& item : holder_->value_head->named_parameters()) head[item.key()] = item.value().detach();
    SaveTensorMap((std::filesystem::path(dir) / kValueHeadFile).string(), head,
                  {{"format", kValueHeadFormat}, {"version", kVersion}});
  }
}

void Policy::SaveBuiltin(const std::string& dir, const nlohmann::json& extra) const {
  std::filesystem::create_directories(dir);
  nlohmann::json config = config_.ToJson();
  config["training"] = extra;
  WriteFileAtomically((std::filesystem::path(dir) / kConfigFile).string(), config.dump(2) + "\n");
  std::map<std::string, torch::Tensor> tensors;
  for (const auto& item : holder_->model->named_parameters()) tensors[item.key()] = item.value().detach();
  SaveTensorMap((std::filesystem::path(dir) / kWeightsFile).string(), tensors,
                {{"format", kFormat}, {"version", kVersion}});
}

const GptConfig& Policy::config() const {
  if (hf_) throw std::logic_error("Policy::config(): the built-in model's config, but this is " + hf_->config.architecture);
  return config_;
}

int Policy::context() const { return static_cast<int>(holder_->lm->context()); }

int Policy::vocab_size() const { return static_cast<int>(holder_->lm->vocab_size()); }

int64_t Policy::num_parameters() const {
  int64_t n = 0;
  for (const auto& p : holder_->lm->module().parameters()) n += p.numel();
  return n;
}

std::string Policy::Describe() const {
  const double millions = static_cast<double>(num_parameters()) / 1e6;
  char size[32];
  std::snprintf(size, sizeof size, "%.1fM", millions);
  if (!hf_) {
    return config_.architecture + ", " + std::to_string(config_.n_layer) + " layers, width " +
           std::to_string(config_.d_model) + ", " + size + " parameters";
  }
  const HfModelConfig& c = hf_->config;
  const bool bf16 = holder_->hf->compute_dtype() == HfComputeDType::kBF16;
  return c.architecture + ", " + std::to_string(c.num_hidden_layers) + " layers, hidden " +
         std::to_string(c.hidden_size) + ", " + std::to_string(c.num_attention_heads) + "/" +
         std::to_string(c.num_key_value_heads) + " heads, " + size + " parameters, " + (bf16 ? "bf16" : "fp32") +
         ", prompt " + prompt_->name();
}

CausalLm& Policy::lm() const { return *holder_->lm; }

GptImpl& Policy::model() const {
  if (hf_) throw std::logic_error("Policy::model(): the built-in GPT, but this is " + hf_->config.architecture);
  return *holder_->model;
}

bool Policy::row_invariant() const { return lm().row_invariant(); }

ValueHeadImpl& Policy::value_head() const { return *holder_->value_head; }

}  // namespace steptree

// Hugging Face model directories as policy parts, and saving them back
// (policy/hf_policy.h).
#include "policy/hf_policy.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "core/input_error.h"
#include "policy/model/hf_weights.h"

namespace steptree {
namespace {

namespace fs = std::filesystem;

// Files of a model directory copied verbatim when a policy is saved (those present).
const char* const kCopiedFiles[] = {"config.json",          "generation_config.json", "tokenizer.json",
                                    "tokenizer_config.json", "special_tokens_map.json", "chat_template.jinja",
                                    "chat_template.json",    "vocab.json",             "merges.txt"};
constexpr const char* kSingleWeights = "model.safetensors";
constexpr const char* kIndexFile = "model.safetensors.index.json";

// Hard link, else copy; replaces `to`.
void LinkOrCopy(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::remove(to, ec);
  fs::create_hard_link(from, to, ec);
  if (ec) fs::copy_file(from, to, fs::copy_options::overwrite_existing);
}

void WriteTextAtomically(const fs::path& path, const std::string& text) {
  const fs::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.flush()) throw std::runtime_error("cannot write " + tmp.string());
  }
  fs::rename(tmp, path);
}

std::vector<std::string> WeightFileNames(const std::string& dir) {
  if (!fs::exists(fs::path(dir) / kIndexFile)) return {kSingleWeights};
  std::vector<std::string> names = {kIndexFile};
  const nlohmann::json index = ReadJsonFile((fs::path(dir) / kIndexFile).string());
  std::set<std::string> shards;
  for (const auto& item : index["weight_map"].items()) shards.insert(item.value().get<std::string>());
  names.insert(names.end(), shards.begin(), shards.end());
  return names;
}

}  // namespace

void CheckHfDevice(const std::string& device) {
  if (device == "cpu") return;
  if (device != "cuda") throw UsageError("--device expects cpu or cuda, got \"" + device + "\"");
  if (!torch::cuda::is_available()) {
    throw UsageError(
        "--device cuda: this LibTorch has no CUDA (Debian's libtorch is CPU-only) or sees no GPU; build steptree "
        "against an official CUDA LibTorch (docs/user-guide.md, \"GPU\")");
  }
}

HfPolicyParts LoadHfPolicyParts(const std::string& dir, const HfLoadOptions& options) {
  HfComputeDType dtype;
  if (options.dtype == "f32" || options.dtype == "fp32") {
    dtype = HfComputeDType::kF32;
  } else if (options.dtype == "bf16") {
    dtype = HfComputeDType::kBF16;
  } else {
    throw UsageError("--dtype expects f32 or bf16, got \"" + options.dtype + "\"");
  }
  CheckHfDevice(options.device);

  HfPolicyParts parts;
  parts.source.dir = dir;
  parts.source.settings = HfPromptSettings::FromDirectory(dir);
  if (options.prompt_format) parts.source.settings.format = *options.prompt_format;
  if (options.step_delimiter) parts.source.settings.step_delimiter = *options.step_delimiter;
  if (options.system_prompt) parts.source.settings.system_prompt = *options.system_prompt;
  const HfPromptSettings& settings = parts.source.settings;
  if (settings.format != "auto" && settings.format != "template" && settings.format != "alphamath" &&
      settings.format != "chatml" && settings.format != "llama3") {
    throw UsageError("--prompt-format expects auto, template, alphamath, chatml or llama3, got \"" + settings.format + "\"");
  }
  if (settings.step_delimiter.find_first_not_of(" \t") == std::string::npos) {
    throw UsageError("--step-delimiter must not be empty or blank");
  }
  // The tokenizer first: it is cheap, and a directory without one fails before the weights load.
  parts.text = LoadHfText(dir, settings);
  if (options.kernels != "invariant" && options.kernels != "torch") {
    throw UsageError("--kernels expects invariant or torch, got \"" + options.kernels + "\"");
  }
  parts.model = LoadHfLlama(dir, dtype, options.device);
  parts.model->set_torch_kernels(options.kernels == "torch");
  parts.source.config = parts.model->config();
  parts.source.weight_files = WeightFileNames(dir);
  if (parts.text.tokenizer->vocab_size() > parts.model->config().vocab_size) {
    throw InputError((fs::path(dir) / "tokenizer.json").string(), 0,
                     "at most vocab_size = " + std::to_string(parts.model->config().vocab_size) +
                         " tokens (config.json), got " + std::to_string(parts.text.tokenizer->vocab_size()));
  }
  return parts;
}

void SaveHfPolicyFiles(const HfSource& source, const std::string& out_dir, HfLlamaImpl& model, bool backbone_trained,
                       const nlohmann::json& training_record) {
  fs::create_directories(out_dir);
  std::error_code ec;
  const bool same_dir = fs::equivalent(source.dir, out_dir, ec);
  if (!same_dir) {
    for (const char* name : kCopiedFiles) {
      const fs::path from = fs::path(source.dir) / name;
      if (fs::exists(from)) fs::copy_file(from, fs::path(out_dir) / name, fs::copy_options::overwrite_existing);
    }
  }
  nlohmann::json settings = source.settings.ToJson();
  settings["training"] = training_record;
  WriteTextAtomically(fs::path(out_dir) / kHfSettingsFile, settings.dump(2) + "\n");

  if (backbone_trained) {
    // One file; an index left from an earlier save would take precedence, so it goes.
    fs::remove(fs::path(out_dir) / kIndexFile, ec);
    std::map<std::string, torch::Tensor> tensors;
    for (const auto& item : model.named_parameters()) tensors[item.key()] = item.value().detach();
    SaveHfTensors((fs::path(out_dir) / kSingleWeights).string(), tensors);
  } else if (!same_dir) {
    for (const std::string& name : source.weight_files) LinkOrCopy(fs::path(source.dir) / name, fs::path(out_dir) / name);
  }
}

}  // namespace steptree

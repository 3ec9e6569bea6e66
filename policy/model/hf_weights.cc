// Hugging Face weight files: single or sharded safetensors, checked against the config and
// copied into parameters (policy/model/hf_weights.h).
#include "policy/model/hf_weights.h"

#include <cstring>
#include <filesystem>
#include <regex>
#include <set>

#include "core/input_error.h"
#include "policy/model/format/hf_config.h"
#include "policy/model/format/hf_weights_index.h"
#include "policy/model/tensor_io.h"

namespace steptree {
namespace {

namespace fs = std::filesystem;

constexpr const char* kSingleFile = "model.safetensors";
constexpr const char* kIndexFile = "model.safetensors.index.json";



bool IsIgnored(const std::string& name, bool tied_embeddings) {
  static const std::regex kInvFreq(R"(model\.layers\.\d+\.self_attn\.rotary_emb\.inv_freq)");
  return std::regex_match(name, kInvFreq) || (tied_embeddings && name == "lm_head.weight");
}

torch::ScalarType ScalarTypeOf(DType dtype) {
  switch (dtype) {
    case DType::kF32: return torch::kFloat32;
    case DType::kF16: return torch::kFloat16;
    case DType::kBF16: return torch::kBFloat16;
    default: throw std::logic_error("HfWeights: non-float tensor passed Check");
  }
}

}  // namespace

HfWeights HfWeights::Open(const std::string& dir) {
  HfWeights weights;
  const std::string single = (fs::path(dir) / kSingleFile).string();
  const std::string index = (fs::path(dir) / kIndexFile).string();
  std::map<std::string, std::string> shard_of;  // tensor -> shard file name (sharded only)
  std::vector<std::string> shard_names;
  if (fs::exists(index)) {
    weights.index_path_ = index;
    weights.main_path_ = index;
    HfWeightIndex parsed = ParseHfWeightIndex(ReadJsonFile(index), index);
    shard_of = std::move(parsed.shard_of);
    shard_names = std::move(parsed.shard_names);
  } else if (fs::exists(single)) {
    weights.main_path_ = single;
    shard_names.push_back(kSingleFile);
  } else {
    throw InputError(dir, 0,
                     std::string("a Hugging Face model directory with ") + kSingleFile + " or " + kIndexFile +
                         " (pytorch_model.bin is not read: convert it to safetensors)");
  }

  for (const std::string& shard : shard_names) {
    const std::string path = (fs::path(dir) / shard).string();
    std::shared_ptr<SafetensorsFile> file = SafetensorsFile::Open(path);
    for (const TensorView& view : file->tensors()) {
      if (!weights.index_path_.empty()) {
        auto mapped = shard_of.find(view.name);
        if (mapped == shard_of.end()) {
          throw InputError(path, 0, "only tensors listed in " + std::string(kIndexFile) + ", got " + Quoted(view.name));
        }
        if (mapped->second != shard) {
          throw InputError(path, 0, "tensor " + Quoted(view.name) + " only in " + mapped->second + " as the index says");
        }
      }
      if (!weights.tensors_.emplace(view.name, Located{&view, path}).second) {
        throw InputError(path, 0, "each tensor once, " + Quoted(view.name) + " appears in two files");
      }
    }
    weights.file_paths_.push_back(path);
    weights.files_.push_back(std::move(file));
  }
  for (const auto& [name, shard] : shard_of) {
    if (!weights.tensors_.count(name)) {
      throw InputError((fs::path(dir) / shard).string(), 0, "tensor " + Quoted(name) + " (listed in the index)");
    }
  }
  return weights;
}

void HfWeights::Check(const std::vector<std::pair<std::string, std::vector<int64_t>>>& expected,
                      bool tied_embeddings) const {
  std::set<std::string> wanted;
  for (const auto& [name, shape] : expected) {
    wanted.insert(name);
    auto it = tensors_.find(name);
    if (it == tensors_.end()) throw InputError(main_path_, 0, "tensor " + Quoted(name) + " (missing)");
    const TensorView& view = *it->second.view;
    if (view.dtype != DType::kF32 && view.dtype != DType::kF16 && view.dtype != DType::kBF16) {
      throw InputError(it->second.file, 0,
                       "tensor " + Quoted(name) + " of dtype F32, F16 or BF16, got " + DTypeName(view.dtype));
    }
    if (view.shape != shape) {
      throw InputError(it->second.file, 0,
                       "tensor " + Quoted(name) + " of shape " + ShapeString(shape) + ", got " + ShapeString(view.shape));
    }
  }
  for (const auto& [name, located] : tensors_) {
    if (!wanted.count(name) && !IsIgnored(name, tied_embeddings)) {
      throw InputError(located.file, 0, "only the model's tensors, got an unknown tensor " + Quoted(name));
    }
  }
}

void HfWeights::CopyInto(const torch::OrderedDict<std::string, torch::Tensor>& params) const {
  torch::NoGradGuard no_grad;
  for (const auto& item : params) {
    auto it = tensors_.find(item.key());
    if (it == tensors_.end()) throw std::logic_error("HfWeights::CopyInto: " + item.key() + " was not checked");
    const TensorView& view = *it->second.view;
    const torch::ScalarType type = ScalarTypeOf(view.dtype);
    const size_t element = DTypeSize(view.dtype);
    torch::Tensor source;
    if (reinterpret_cast<uintptr_t>(view.data) % element == 0) {
      // Read-only use of the read-only mapping: copy_ below only reads `source`.
      source = torch::from_blob(const_cast<std::byte*>(view.data), view.shape, torch::TensorOptions().dtype(type));
    } else {
      // An unaligned tensor (legal in the format): copy its bytes to aligned memory first.
      source = torch::empty(view.shape, torch::TensorOptions().dtype(type));
      std::memcpy(source.data_ptr(), view.data, view.nbytes);
    }
    item.value().copy_(source);
  }
}

std::vector<std::string> HfWeights::DTypes() const {
  std::set<std::string> names;
  for (const auto& [name, located] : tensors_) names.insert(DTypeName(located.view->dtype));
  return {names.begin(), names.end()};
}

HfLlama LoadHfLlama(const std::string& dir, HfComputeDType dtype, const std::string& device) {
  const HfModelConfig config = LoadHfModelConfig(dir);
  const HfWeights weights = HfWeights::Open(dir);
  weights.Check(HfParameterShapes(config), config.tie_word_embeddings);
  HfLlama model(config, dtype);
  weights.CopyInto(model->named_parameters());
  if (device != "cpu") model->to(torch::Device(device));
  model->eval();
  return model;
}

void SaveHfTensors(const std::string& path, const std::map<std::string, torch::Tensor>& tensors) {
  SaveTensorMap(path, tensors, {{"format", "pt"}});
}

}  // namespace steptree

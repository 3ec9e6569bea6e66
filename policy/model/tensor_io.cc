// Named torch tensors <-> safetensors files, on top of the torch-free policy/model/format/safetensors.h.
#include "policy/model/tensor_io.h"

#include <cstring>
#include <stdexcept>
#include <vector>

#include "core/input_error.h"
#include "policy/model/format/safetensors.h"

namespace steptree {
namespace {

DType ToDType(torch::ScalarType type) {
  switch (type) {
    case torch::kFloat32: return DType::kF32;
    case torch::kFloat16: return DType::kF16;
    case torch::kBFloat16: return DType::kBF16;
    case torch::kFloat64: return DType::kF64;
    case torch::kInt64: return DType::kI64;
    case torch::kInt32: return DType::kI32;
    case torch::kInt16: return DType::kI16;
    case torch::kInt8: return DType::kI8;
    case torch::kUInt8: return DType::kU8;
    case torch::kBool: return DType::kBool;
    default:
      throw std::invalid_argument(std::string("no safetensors dtype for torch ") +
                                  c10::toString(type));
  }
}

torch::ScalarType ToScalarType(DType dtype) {
  switch (dtype) {
    case DType::kF32: return torch::kFloat32;
    case DType::kF16: return torch::kFloat16;
    case DType::kBF16: return torch::kBFloat16;
    case DType::kF64: return torch::kFloat64;
    case DType::kI64: return torch::kInt64;
    case DType::kI32: return torch::kInt32;
    case DType::kI16: return torch::kInt16;
    case DType::kI8: return torch::kInt8;
    case DType::kU8: return torch::kUInt8;
    case DType::kBool: return torch::kBool;
  }
  throw std::logic_error("unknown DType");
}

}  // namespace

void SaveTensorMap(const std::string& path, const std::map<std::string, torch::Tensor>& tensors,
                   const std::map<std::string, std::string>& metadata) {
  std::vector<torch::Tensor> keep;  // CPU contiguous copies, alive until written
  std::vector<TensorToWrite> to_write;
  keep.reserve(tensors.size());
  to_write.reserve(tensors.size());
  for (const auto& [name, tensor] : tensors) {
    if (!tensor.defined()) throw std::invalid_argument("undefined tensor " + name);
    const DType dtype = ToDType(tensor.scalar_type());
    keep.push_back(tensor.detach().to(torch::kCPU).contiguous());
    const torch::Tensor& t = keep.back();
    to_write.push_back(TensorToWrite{name, dtype, t.sizes().vec(), t.data_ptr(),
                                     static_cast<size_t>(t.numel()) * t.element_size()});
  }
  WriteSafetensors(path, to_write, metadata);
}

std::map<std::string, torch::Tensor> LoadTensorMap(const std::string& path,
                                                   std::map<std::string, std::string>* metadata) {
  const std::unique_ptr<SafetensorsFile> file = SafetensorsFile::Open(path);
  std::map<std::string, torch::Tensor> result;
  for (const TensorView& view : file->tensors()) {
    if (view.dtype == DType::kBool) {
      // Any byte other than 0 or 1 is not a valid torch bool.
      const auto* bytes = reinterpret_cast<const unsigned char*>(view.data);
      for (size_t i = 0; i < view.nbytes; ++i) {
        if (bytes[i] > 1) {
          throw InputError(path, 0, "BOOL values 0 or 1 in tensor \"" + view.name + "\"");
        }
      }
    }
    torch::Tensor t = torch::empty(view.shape, torch::TensorOptions().dtype(ToScalarType(view.dtype)));
    if (view.nbytes != static_cast<size_t>(t.numel()) * t.element_size()) {
      throw std::logic_error("safetensors view size disagrees with torch for " + view.name);
    }
    if (view.nbytes > 0) std::memcpy(t.data_ptr(), view.data, view.nbytes);  // own the bytes
    result.emplace(view.name, std::move(t));
  }
  if (metadata != nullptr) *metadata = file->metadata();
  return result;
}

}  // namespace steptree

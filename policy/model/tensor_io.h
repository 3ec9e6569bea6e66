// Named torch tensors <-> safetensors files. Include only from torch translation units.
#pragma once

#include <map>
#include <string>

#include <torch/torch.h>

namespace steptree {

// Writes every tensor (made contiguous, moved to CPU) under its name.
void SaveTensorMap(const std::string& path, const std::map<std::string, torch::Tensor>& tensors,
                   const std::map<std::string, std::string>& metadata = {});

// Reads every tensor of a validated file as an owning CPU tensor of the stored dtype.
std::map<std::string, torch::Tensor> LoadTensorMap(const std::string& path,
                                                   std::map<std::string, std::string>* metadata = nullptr);

}  // namespace steptree

// safetensors files: reading (memory-mapped, validated) and writing. No torch here.
//
// Format and header validation: policy/model/format/safetensors_header.h. Checkpoints come from
// strangers: the header is validated completely (ParseSafetensorsHeader, with its limits)
// before any tensor data is touched. Any violation throws InputError naming the file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "policy/model/format/safetensors_header.h"

namespace steptree {

// A tensor inside a mapped file: no copy. Valid while its SafetensorsFile lives.
struct TensorView {
  std::string name;
  DType dtype;
  std::vector<int64_t> shape;
  const std::byte* data;  // points into the mapping
  size_t nbytes;          // == product(shape) * DTypeSize(dtype), checked on open
};

class SafetensorsFile {
 public:
  // Maps and validates `path`. Throws InputError("path", 0, what was expected) when the
  // file is missing, too short, has a header size over the limit or past the end, a header
  // that is not a JSON object of valid entries, an unknown dtype, a negative or overflowing
  // shape, offsets outside the data buffer, overlapping tensors, or a byte length that does
  // not match dtype x shape. Headers are limited to kMaxHeaderBytes.
  static constexpr uint64_t kMaxHeaderBytes = kMaxSafetensorsHeaderBytes;
  static std::unique_ptr<SafetensorsFile> Open(const std::string& path);
  ~SafetensorsFile();
  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;

  const std::string& path() const { return path_; }
  // Tensors in header order.
  const std::vector<TensorView>& tensors() const { return tensors_; }
  // nullptr when absent.
  const TensorView* Find(const std::string& name) const;
  const std::map<std::string, std::string>& metadata() const { return metadata_; }

 private:
  SafetensorsFile() = default;
  std::string path_;
  void* mapping_ = nullptr;
  size_t mapping_size_ = 0;
  std::vector<TensorView> tensors_;
  std::map<std::string, size_t> index_;  // name -> position in tensors_
  std::map<std::string, std::string> metadata_;
};

// One tensor to write. `data` holds exactly product(shape) * DTypeSize(dtype) bytes.
struct TensorToWrite {
  std::string name;
  DType dtype;
  std::vector<int64_t> shape;
  const void* data;
  size_t nbytes;
};

// Writes a safetensors file atomically (to path + ".tmp", then rename), tensors in the
// given order, 8-byte aligned data. Throws std::invalid_argument on a bad request (duplicate
// or reserved name, non-UTF-8 text, nbytes not matching dtype x shape) and
// std::runtime_error on I/O failure.
void WriteSafetensors(const std::string& path, const std::vector<TensorToWrite>& tensors,
                      const std::map<std::string, std::string>& metadata = {});

}  // namespace steptree

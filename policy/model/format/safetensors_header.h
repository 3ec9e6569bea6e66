// The safetensors header: parsed and validated from the file's bytes, without touching the
// tensor data. No torch, no I/O (policy/model/format/safetensors.h maps the file and calls this; the
// fuzzer calls it on arbitrary bytes).
//
// Format (https://github.com/huggingface/safetensors): 8 bytes little-endian u64 N, then
// N bytes of UTF-8 JSON header {"name": {"dtype": "F32", "shape": [..],
// "data_offsets": [begin, end]}, ..., "__metadata__": {"k": "v"}}, then the data buffer.
// Offsets are relative to the start of the data buffer.
//
// Limits (each an InputError naming the file, checked before anything is allocated):
//   kMaxSafetensorsHeaderBytes  the declared header length N (as the safetensors crate);
//                               N must also fit in the file (N <= file size - 8);
//   kMaxSafetensorsHeaderDepth  JSON nesting of the header (the format needs 3 levels);
//   shapes                      dimensions are non-negative integers whose product times the
//                               dtype size fits in 64 bits (and the element count in int64);
//   offsets                     begin <= end <= data buffer size, end - begin == the byte size
//                               of dtype x shape, and no two tensors overlap.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace steptree {

enum class DType { kF32, kF16, kBF16, kF64, kI64, kI32, kI16, kI8, kU8, kBool };

// "F32" -> kF32 etc.; throws std::invalid_argument on an unknown name.
DType DTypeFromName(const std::string& name);
const char* DTypeName(DType dtype);
size_t DTypeSize(DType dtype);

// Largest declared header length accepted: 100 MB, the safetensors crate's own limit.
constexpr uint64_t kMaxSafetensorsHeaderBytes = 100'000'000;
// Root object (depth 0) -> tensor entry (1) -> shape / data_offsets arrays (2).
constexpr int kMaxSafetensorsHeaderDepth = 3;
// The header key of the file's metadata (string values), which is not a tensor.
constexpr const char* kSafetensorsMetadataKey = "__metadata__";

// One tensor entry of a validated header.
struct SafetensorsEntry {
  std::string name;
  DType dtype;
  std::vector<int64_t> shape;
  uint64_t begin = 0;   // data_offsets, relative to the data buffer
  uint64_t nbytes = 0;  // == product(shape) * DTypeSize(dtype) == end - begin
};

struct SafetensorsHeader {
  uint64_t header_bytes = 0;           // N
  uint64_t data_offset = 0;            // 8 + N: where the data buffer starts in the file
  std::vector<SafetensorsEntry> tensors;  // in header order
  std::map<std::string, std::string> metadata;
};

// Validates the header of a safetensors file whose first `size` bytes are `bytes` (the
// whole file: offsets are checked against its size). Throws InputError(path, 0, what was
// expected) when the file is too short, the header length is over the limit or past the
// end, the header is not UTF-8 or not a JSON object of valid entries (duplicate keys
// included), a dtype is unknown, a shape is negative or overflows, offsets fall outside the
// data buffer or do not match dtype x shape, or tensors overlap.
SafetensorsHeader ParseSafetensorsHeader(const std::string& path, const unsigned char* bytes, uint64_t size);

// Byte size of dtype x shape into *nbytes; false when a dimension is negative or the size
// (or the element count as int64) overflows.
bool SafetensorsByteSize(const std::vector<int64_t>& shape, size_t dtype_size, uint64_t* nbytes);

// Untrusted text made safe for a one-line message: printable ASCII kept, other bytes as
// \xNN, cut after `limit` characters.
std::string PrintableText(const std::string& text, size_t limit = 80);
// PrintableText in double quotes, for names in messages.
std::string Quoted(const std::string& text);
// "[2, 3]": a shape for messages.
std::string ShapeString(const std::vector<int64_t>& shape);

}  // namespace steptree

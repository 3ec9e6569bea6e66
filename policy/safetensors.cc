// safetensors reading (read-only private mmap, header validated before any tensor data is
// used) and atomic writing. Plain C++ and POSIX: no torch in this translation unit.
#include "policy/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <set>
#include <stdexcept>
#include <utility>

#include <nlohmann/json.hpp>

#include "datasets/input_error.h"
#include "datasets/jsonl.h"  // IsValidUtf8

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "safetensors data is little-endian; this code maps it as native memory"
#endif

namespace steptree {
namespace {

using Json = nlohmann::ordered_json;  // keeps header order

constexpr const char* kMetadataKey = "__metadata__";
// Root object (depth 0) -> tensor entry (1) -> shape / data_offsets arrays (2).
constexpr int kMaxJsonDepth = 3;

struct DTypeInfo {
  DType dtype;
  const char* name;
  size_t size;
};
constexpr DTypeInfo kDTypes[] = {
    {DType::kF32, "F32", 4}, {DType::kF16, "F16", 2}, {DType::kBF16, "BF16", 2},
    {DType::kF64, "F64", 8}, {DType::kI64, "I64", 8}, {DType::kI32, "I32", 4},
    {DType::kI16, "I16", 2}, {DType::kI8, "I8", 1},   {DType::kU8, "U8", 1},
    {DType::kBool, "BOOL", 1},
};

const DTypeInfo* FindDType(const std::string& name) {
  for (const DTypeInfo& info : kDTypes) {
    if (name == info.name) return &info;
  }
  return nullptr;
}

const DTypeInfo& Info(DType dtype) {
  for (const DTypeInfo& info : kDTypes) {
    if (info.dtype == dtype) return info;
  }
  throw std::logic_error("unknown DType value " + std::to_string(static_cast<int>(dtype)));
}

std::string KnownDTypeNames() {
  std::string names;
  for (const DTypeInfo& info : kDTypes) {
    if (!names.empty()) names += " ";
    names += info.name;
  }
  return names;
}

// Untrusted text made safe for a one-line message: printable ASCII kept, other bytes as
// \xNN, cut after `limit` characters.
std::string Printable(const std::string& text, size_t limit = 80) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : text) {
    if (out.size() >= limit) {
      out += "...";
      break;
    }
    if (c >= 0x20 && c < 0x7f) {
      out.push_back(static_cast<char>(c));
    } else {
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string Quoted(const std::string& text) { return "\"" + Printable(text) + "\""; }

std::string ShapeString(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

uint64_t ReadLe64(const unsigned char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

std::string Le64(uint64_t v) {
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  return bytes;
}

// Element count and byte size of dtype x shape; false on overflow.
bool CheckedByteSize(const std::vector<int64_t>& shape, size_t dtype_size, uint64_t* nbytes) {
  uint64_t n = dtype_size;
  for (int64_t dim : shape) {
    if (dim < 0 || __builtin_mul_overflow(n, static_cast<uint64_t>(dim), &n)) return false;
  }
  // Element counts must also fit torch's int64 numel.
  if (dtype_size > 0 && n / dtype_size > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return false;
  }
  *nbytes = n;
  return true;
}

// Parses the header text as JSON, rejecting duplicate keys in any object (nlohmann would
// silently keep one of them) and nesting deeper than the format needs.
Json ParseHeaderJson(const std::string& path, const std::string& text) {
  std::vector<std::set<std::string>> keys;  // one set per open object
  auto callback = [&](int depth, Json::parse_event_t event, Json& parsed) -> bool {
    switch (event) {
      case Json::parse_event_t::object_start:
      case Json::parse_event_t::array_start:
        if (depth >= kMaxJsonDepth) {
          throw InputError(path, 0,
                           "a safetensors header nested at most " + std::to_string(kMaxJsonDepth) +
                               " levels deep");
        }
        if (event == Json::parse_event_t::object_start) keys.emplace_back();
        break;
      case Json::parse_event_t::object_end:
        if (!keys.empty()) keys.pop_back();
        break;
      case Json::parse_event_t::key: {
        const std::string& key = parsed.get_ref<const std::string&>();
        if (!keys.empty() && !keys.back().insert(key).second) {
          throw InputError(path, 0,
                           "unique names in the safetensors header, " + Quoted(key) +
                               " appears twice");
        }
        break;
      }
      default:
        break;
    }
    return true;
  };
  try {
    return Json::parse(text.begin(), text.end(), callback);
  } catch (const Json::exception& e) {
    throw InputError(path, 0, "a JSON safetensors header (" + Printable(e.what(), 200) + ")");
  }
}

// Closes a file descriptor on scope exit.
class FdCloser {
 public:
  explicit FdCloser(int fd) : fd_(fd) {}
  ~FdCloser() {
    if (fd_ >= 0) ::close(fd_);
  }
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;
  int Release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

struct Span {
  uint64_t begin;
  uint64_t end;
  size_t index;
};

}  // namespace

DType DTypeFromName(const std::string& name) {
  if (const DTypeInfo* info = FindDType(name)) return info->dtype;
  throw std::invalid_argument("unknown safetensors dtype " + Quoted(name));
}

const char* DTypeName(DType dtype) { return Info(dtype).name; }

size_t DTypeSize(DType dtype) { return Info(dtype).size; }

std::unique_ptr<SafetensorsFile> SafetensorsFile::Open(const std::string& path) {
  std::unique_ptr<SafetensorsFile> file(new SafetensorsFile());
  file->path_ = path;

  // O_NONBLOCK: opening a FIFO must not hang; it is rejected as not regular below.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    throw InputError(path, 0, std::string("a readable safetensors file (") + std::strerror(errno) + ")");
  }
  FdCloser closer(fd);
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    throw InputError(path, 0, "a regular safetensors file");
  }
  const uint64_t file_size = static_cast<uint64_t>(st.st_size);
  if (file_size < 8) {
    throw InputError(path, 0,
                     "a safetensors file of at least 8 bytes, got " + std::to_string(file_size));
  }
  void* mapping = ::mmap(nullptr, file_size, PROT_READ, MAP_PRIVATE, fd, 0);
  if (mapping == MAP_FAILED) {
    throw InputError(path, 0, std::string("a file that can be memory-mapped (") + std::strerror(errno) + ")");
  }
  file->mapping_ = mapping;
  file->mapping_size_ = file_size;
  const auto* base = static_cast<const unsigned char*>(mapping);

  // Header length, bounded before anything is allocated or read.
  const uint64_t header_size = ReadLe64(base);
  if (header_size > kMaxHeaderBytes) {
    throw InputError(path, 0,
                     "a safetensors header length <= " + std::to_string(kMaxHeaderBytes) +
                         " bytes, header claims " + std::to_string(header_size) + " bytes");
  }
  if (header_size > file_size - 8) {
    throw InputError(path, 0,
                     "a safetensors header length <= file size, header claims " +
                         std::to_string(header_size) + " bytes but only " +
                         std::to_string(file_size - 8) + " follow");
  }
  const std::string text(reinterpret_cast<const char*>(base + 8), header_size);
  if (!IsValidUtf8(text)) throw InputError(path, 0, "a UTF-8 safetensors header");
  const Json header = ParseHeaderJson(path, text);
  if (!header.is_object()) {
    throw InputError(path, 0,
                     std::string("a JSON object as safetensors header, got ") + header.type_name());
  }

  const uint64_t data_size = file_size - 8 - header_size;
  const unsigned char* data = base + 8 + header_size;
  std::vector<Span> spans;
  for (auto it = header.begin(); it != header.end(); ++it) {
    const std::string& name = it.key();
    const Json& entry = it.value();
    if (name == kMetadataKey) {
      if (!entry.is_object()) {
        throw InputError(path, 0, std::string("__metadata__ to be an object, got ") + entry.type_name());
      }
      for (auto m = entry.begin(); m != entry.end(); ++m) {
        if (!m.value().is_string()) {
          throw InputError(path, 0,
                           "__metadata__ of strings to strings, " + Quoted(m.key()) + " is " +
                               m.value().type_name());
        }
        file->metadata_[m.key()] = m.value().get<std::string>();
      }
      continue;
    }

    const std::string where = "tensor " + Quoted(name);
    if (!entry.is_object()) {
      throw InputError(path, 0, "an object for " + where + ", got " + entry.type_name());
    }
    for (auto field = entry.begin(); field != entry.end(); ++field) {
      if (field.key() != "dtype" && field.key() != "shape" && field.key() != "data_offsets") {
        throw InputError(path, 0,
                         "only dtype, shape and data_offsets in " + where + ", got " +
                             Quoted(field.key()));
      }
    }

    const auto dtype_it = entry.find("dtype");
    if (dtype_it == entry.end() || !dtype_it->is_string()) {
      throw InputError(path, 0, "a string \"dtype\" in " + where);
    }
    const DTypeInfo* info = FindDType(dtype_it->get_ref<const std::string&>());
    if (info == nullptr) {
      throw InputError(path, 0,
                       "a dtype among " + KnownDTypeNames() + " for " + where + ", got " +
                           Quoted(dtype_it->get_ref<const std::string&>()));
    }

    const auto shape_it = entry.find("shape");
    if (shape_it == entry.end() || !shape_it->is_array()) {
      throw InputError(path, 0, "an array \"shape\" in " + where);
    }
    std::vector<int64_t> shape;
    for (const Json& dim : *shape_it) {
      // nlohmann stores non-negative integers as unsigned, negative ones as signed.
      if (!dim.is_number_unsigned() ||
          dim.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        throw InputError(path, 0,
                         "non-negative integer dimensions in the shape of " + where + ", got " +
                             Printable(dim.dump()));
      }
      shape.push_back(static_cast<int64_t>(dim.get<uint64_t>()));
    }
    uint64_t nbytes = 0;
    if (!CheckedByteSize(shape, info->size, &nbytes)) {
      throw InputError(path, 0, "a shape whose byte size fits in 64 bits for " + where);
    }

    const auto offsets_it = entry.find("data_offsets");
    if (offsets_it == entry.end() || !offsets_it->is_array() || offsets_it->size() != 2 ||
        !(*offsets_it)[0].is_number_unsigned() || !(*offsets_it)[1].is_number_unsigned()) {
      throw InputError(path, 0,
                       "\"data_offsets\" [begin, end] of two non-negative integers in " + where);
    }
    const uint64_t begin = (*offsets_it)[0].get<uint64_t>();
    const uint64_t end = (*offsets_it)[1].get<uint64_t>();
    if (begin > end) {
      throw InputError(path, 0,
                       "data_offsets begin <= end in " + where + ", got [" +
                           std::to_string(begin) + ", " + std::to_string(end) + "]");
    }
    if (end > data_size) {
      throw InputError(path, 0,
                       "data_offsets within the " + std::to_string(data_size) +
                           "-byte data buffer in " + where + ", got end " + std::to_string(end) +
                           " (truncated file?)");
    }
    if (end - begin != nbytes) {
      throw InputError(path, 0,
                       std::to_string(nbytes) + " bytes for " + where + " (" + info->name + " x " +
                           ShapeString(shape) + "), data_offsets span " +
                           std::to_string(end - begin));
    }

    spans.push_back({begin, end, file->tensors_.size()});
    file->tensors_.push_back(TensorView{name, info->dtype, std::move(shape),
                                        reinterpret_cast<const std::byte*>(data + begin),
                                        static_cast<size_t>(nbytes)});
  }

  // Tensors must not share bytes (empty tensors hold none).
  std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  uint64_t covered_end = 0;
  size_t covered_by = 0;
  for (const Span& span : spans) {
    if (span.begin == span.end) continue;
    if (span.begin < covered_end) {
      throw InputError(path, 0,
                       "non-overlapping tensors, " + Quoted(file->tensors_[span.index].name) +
                           " overlaps " + Quoted(file->tensors_[covered_by].name));
    }
    covered_end = span.end;
    covered_by = span.index;
  }

  for (size_t i = 0; i < file->tensors_.size(); ++i) file->index_[file->tensors_[i].name] = i;
  return file;
}

SafetensorsFile::~SafetensorsFile() {
  if (mapping_ != nullptr) ::munmap(mapping_, mapping_size_);
}

const TensorView* SafetensorsFile::Find(const std::string& name) const {
  const auto it = index_.find(name);
  return it == index_.end() ? nullptr : &tensors_[it->second];
}

namespace {

void WriteAll(int fd, const void* data, size_t size, const std::string& tmp) {
  const auto* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd, p, std::min<size_t>(size, 1u << 30));
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error("cannot write " + tmp + ": " + std::strerror(errno));
    }
    p += n;
    size -= static_cast<size_t>(n);
  }
}

}  // namespace

void WriteSafetensors(const std::string& path, const std::vector<TensorToWrite>& tensors,
                      const std::map<std::string, std::string>& metadata) {
  // Build and check the header first: nothing touches the disk for a bad request.
  Json header = Json::object();
  if (!metadata.empty()) {
    Json meta = Json::object();
    for (const auto& [key, value] : metadata) {
      if (!IsValidUtf8(key) || !IsValidUtf8(value)) {
        throw std::invalid_argument("safetensors metadata must be UTF-8: " + Quoted(key));
      }
      meta[key] = value;
    }
    header[kMetadataKey] = std::move(meta);
  }
  uint64_t offset = 0;
  for (const TensorToWrite& t : tensors) {
    if (!IsValidUtf8(t.name) || t.name == kMetadataKey) {
      throw std::invalid_argument("bad safetensors tensor name " + Quoted(t.name));
    }
    if (header.contains(t.name)) {
      throw std::invalid_argument("duplicate safetensors tensor name " + Quoted(t.name));
    }
    uint64_t nbytes = 0;
    if (!CheckedByteSize(t.shape, DTypeSize(t.dtype), &nbytes) || nbytes != t.nbytes) {
      throw std::invalid_argument("tensor " + Quoted(t.name) + ": " + std::to_string(t.nbytes) +
                                  " bytes do not match " + DTypeName(t.dtype) + " x " +
                                  ShapeString(t.shape));
    }
    if (nbytes > 0 && t.data == nullptr) {
      throw std::invalid_argument("tensor " + Quoted(t.name) + " has no data");
    }
    header[t.name] = Json{{"dtype", DTypeName(t.dtype)},
                          {"shape", t.shape},
                          {"data_offsets", {offset, offset + nbytes}}};
    offset += nbytes;
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // data starts 8-byte aligned

  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error("cannot create " + tmp + ": " + std::strerror(errno));
  FdCloser closer(fd);
  try {
    const std::string length = Le64(text.size());
    WriteAll(fd, length.data(), length.size(), tmp);
    WriteAll(fd, text.data(), text.size(), tmp);
    for (const TensorToWrite& t : tensors) WriteAll(fd, t.data, t.nbytes, tmp);
    if (::fsync(fd) != 0) throw std::runtime_error("cannot sync " + tmp + ": " + std::strerror(errno));
    if (::close(closer.Release()) != 0) {
      throw std::runtime_error("cannot close " + tmp + ": " + std::strerror(errno));
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
      throw std::runtime_error("cannot rename " + tmp + " to " + path + ": " + std::strerror(errno));
    }
  } catch (...) {
    ::unlink(tmp.c_str());
    throw;
  }
}

}  // namespace steptree

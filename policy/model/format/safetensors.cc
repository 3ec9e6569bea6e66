// safetensors reading (read-only private mmap, header validated before any tensor data is
// used) and atomic writing. Plain C++ and POSIX: no torch in this translation unit.
#include "policy/model/format/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <utility>

#include <nlohmann/json.hpp>

#include "core/input_error.h"
#include "core/jsonl.h"  // IsValidUtf8

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "safetensors data is little-endian; this code maps it as native memory"
#endif

namespace steptree {
namespace {

using HeaderJson = nlohmann::ordered_json;  // keeps header order

std::string Le64(uint64_t v) {
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  return bytes;
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

}  // namespace

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

  SafetensorsHeader header = ParseSafetensorsHeader(path, base, file_size);
  file->metadata_ = std::move(header.metadata);
  const unsigned char* data = base + header.data_offset;
  file->tensors_.reserve(header.tensors.size());
  for (SafetensorsEntry& entry : header.tensors) {
    file->tensors_.push_back(TensorView{std::move(entry.name), entry.dtype, std::move(entry.shape),
                                        reinterpret_cast<const std::byte*>(data + entry.begin),
                                        static_cast<size_t>(entry.nbytes)});
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
  HeaderJson header = HeaderJson::object();
  if (!metadata.empty()) {
    HeaderJson meta = HeaderJson::object();
    for (const auto& [key, value] : metadata) {
      if (!IsValidUtf8(key) || !IsValidUtf8(value)) {
        throw std::invalid_argument("safetensors metadata must be UTF-8: " + Quoted(key));
      }
      meta[key] = value;
    }
    header[kSafetensorsMetadataKey] = std::move(meta);
  }
  uint64_t offset = 0;
  for (const TensorToWrite& t : tensors) {
    if (!IsValidUtf8(t.name) || t.name == kSafetensorsMetadataKey) {
      throw std::invalid_argument("bad safetensors tensor name " + Quoted(t.name));
    }
    if (header.contains(t.name)) {
      throw std::invalid_argument("duplicate safetensors tensor name " + Quoted(t.name));
    }
    uint64_t nbytes = 0;
    if (!SafetensorsByteSize(t.shape, DTypeSize(t.dtype), &nbytes) || nbytes != t.nbytes) {
      throw std::invalid_argument("tensor " + Quoted(t.name) + ": " + std::to_string(t.nbytes) +
                                  " bytes do not match " + DTypeName(t.dtype) + " x " +
                                  ShapeString(t.shape));
    }
    if (nbytes > 0 && t.data == nullptr) {
      throw std::invalid_argument("tensor " + Quoted(t.name) + " has no data");
    }
    header[t.name] = HeaderJson{{"dtype", DTypeName(t.dtype)},
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

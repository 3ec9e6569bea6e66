// File and model-folder digests (core/file_digest.h).
#include "core/file_digest.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <vector>

#include "core/input_error.h"
#include "core/rng.h"

namespace steptree {
namespace fs = std::filesystem;
namespace {

constexpr uint64_t kPrime1 = 0x9E3779B185EBCA87ULL;
constexpr uint64_t kPrime2 = 0xC2B2AE3D27D4EB4FULL;
constexpr uint64_t kPrime3 = 0x165667B19E3779F9ULL;

uint64_t Rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
uint64_t Round(uint64_t lane, uint64_t word) { return Rotl(lane ^ (word * kPrime1), 31) * kPrime2; }

// Streaming state: four lanes over 32-byte blocks, a tail buffer, the byte count.
class Hasher {
 public:
  void Add(const char* data, size_t size) {
    length_ += size;
    while (size > 0) {
      const size_t take = std::min(size, sizeof(block_) - filled_);
      std::memcpy(block_ + filled_, data, take);
      filled_ += take;
      data += take;
      size -= take;
      if (filled_ == sizeof(block_)) {
        for (int i = 0; i < 4; ++i) {
          uint64_t word;
          std::memcpy(&word, block_ + 8 * i, 8);
          lanes_[i] = Round(lanes_[i], word);
        }
        filled_ = 0;
      }
    }
  }
  void Add(const std::string& text) { Add(text.data(), text.size()); }
  uint64_t Finish() const {
    uint64_t h = length_ * kPrime3;
    for (int i = 0; i < 4; ++i) h = Rotl(h ^ SplitMix64(lanes_[i]), 27) * kPrime1;
    for (size_t i = 0; i < filled_; ++i) h = Rotl(h ^ (static_cast<unsigned char>(block_[i]) * kPrime3), 11) * kPrime1;
    return SplitMix64(h);
  }

 private:
  uint64_t lanes_[4] = {kPrime1, kPrime2, kPrime3, kPrime1 ^ kPrime2};
  char block_[32];
  size_t filled_ = 0;
  uint64_t length_ = 0;
};

// Adds the bytes of `path` to every hasher in `hashers`.
void AddFile(const std::string& path, std::initializer_list<Hasher*> hashers) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, 0, "a readable file");
  std::vector<char> buffer(1 << 20);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    for (Hasher* hasher : hashers) hasher->Add(buffer.data(), static_cast<size_t>(in.gcount()));
  }
  if (in.bad()) throw InputError(path, 0, "a readable file (I/O error)");
}

bool HasSuffix(const std::string& name, const char* suffix) {
  const size_t n = std::strlen(suffix);
  return name.size() > n && name.compare(name.size() - n, n, suffix) == 0;
}

bool CountsForModel(const std::string& name) {
  if (name.empty() || name[0] == '.' || name.find(".tmp") != std::string::npos) return false;
  // The resolved flags of the command that wrote the folder (train --run-dir): not the model.
  if (HasSuffix(name, ".config.json")) return false;
  for (const char* suffix : {".safetensors", ".json", ".model", ".txt"}) {
    if (HasSuffix(name, suffix)) return true;
  }
  return false;
}

}  // namespace

uint64_t FileDigest(const std::string& path) {
  Hasher hasher;
  AddFile(path, {&hasher});
  return hasher.Finish();
}

ModelDigests DigestModelFolder(const std::string& folder) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const fs::directory_entry& entry : fs::directory_iterator(folder, ec)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_regular_file(ec) && CountsForModel(name)) names.push_back(name);
  }
  if (ec) throw InputError(folder, 0, "a readable model folder (" + ec.message() + ")");
  std::sort(names.begin(), names.end());
  Hasher folder_hasher;
  ModelDigests digests;
  for (const std::string& name : names) {
    const std::string path = (fs::path(folder) / name).string();
    folder_hasher.Add(name + '\0' + std::to_string(fs::file_size(path, ec)) + '\0');
    Hasher file_hasher;
    AddFile(path, {&folder_hasher, &file_hasher});
    digests.files.emplace_back(name, DigestHex(file_hasher.Finish()));
  }
  digests.folder = DigestHex(folder_hasher.Finish());
  return digests;
}

std::string ModelDigest(const std::string& folder) { return DigestModelFolder(folder).folder; }

uint64_t BytesDigest(const std::string& bytes) {
  Hasher hasher;
  hasher.Add(bytes);
  return hasher.Finish();
}

std::string DigestHex(uint64_t digest) {
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(digest));
  return hex;
}

}  // namespace steptree

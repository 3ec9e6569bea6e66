// Content digests that tell two model folders (or data files) apart, so a resumed or merged
// run can refuse trees made with other weights or other problems.
//
// Digest: a 64-bit hash over every byte, read in 8-byte words by four independent lanes
// (h = rotl(h ^ w * P1, 31) * P2, the shape of xxHash64's round) and mixed at the end
// with SplitMix64 (core/rng.h). It detects changes, not attacks: it is no
// cryptographic checksum. It reads ~5 GB/s from the page cache, so a 7B model's 14 GB
// costs a few seconds, once per command.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace steptree {

// Digest of one file's bytes. Throws InputError(path, 0, ...) when it cannot be read.
uint64_t FileDigest(const std::string& path);

// Digest of a model folder: the names, sizes and bytes of its weight, configuration and
// tokenizer files (*.safetensors, *.json, *.model, *.txt), in name order; other files
// (a README, a run's logs, a command's resolved flags *.config.json) and hidden or
// temporary files do not count. 16 hex digits.
std::string ModelDigest(const std::string& folder);

// ModelDigest and, from the same single read, each counted file's own digest (FileDigest as
// 16 hex digits), in name order: what a tree's provenance records (search/record.h).
struct ModelDigests {
  std::string folder;                                       // ModelDigest(folder)
  std::vector<std::pair<std::string, std::string>> files;   // (file name, digest)
};
ModelDigests DigestModelFolder(const std::string& folder);

// Digest of bytes in memory (the same hash as FileDigest of a file holding them).
uint64_t BytesDigest(const std::string& bytes);

// A digest as 16 lowercase hex digits.
std::string DigestHex(uint64_t digest);

}  // namespace steptree

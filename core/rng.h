// Small deterministic random streams for data generation and search.
//
// SplitMix64 (Steele, Lea, Flood 2014) seeds and mixes; streams are derived from
// (seed, key...) by hashing, never from a shared generator, so results do not depend on
// the order in which work is done or on the thread count. Distributions are our own (not
// <random>'s, whose outputs differ between standard libraries).
#pragma once

#include <cstdint>
#include <string>

namespace steptree {

inline uint64_t SplitMix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// FNV-1a of a string, then mixed: a stable 64-bit key for ids and texts.
inline uint64_t HashString(const std::string& text) {
  uint64_t h = 0xCBF29CE484222325ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001B3ull;
  }
  return SplitMix64(h);
}

// A stream derived from a parent seed and a key.
inline uint64_t DeriveSeed(uint64_t seed, uint64_t key) { return SplitMix64(seed ^ SplitMix64(key)); }

class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    state_ += 0x9E3779B97F4A7C15ull;
    uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform integer in [lo, hi] (inclusive); lo <= hi.
  int64_t Uniform(int64_t lo, int64_t hi) {
    const uint64_t span = static_cast<uint64_t>(hi - lo) + 1;
    // Rejection sampling keeps it exactly uniform.
    const uint64_t limit = UINT64_MAX - UINT64_MAX % span;
    uint64_t r;
    do {
      r = Next();
    } while (r >= limit);
    return lo + static_cast<int64_t>(r % span);
  }
  // Uniform double in [0, 1).
  double UniformReal() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  bool Bernoulli(double p) { return UniformReal() < p; }
  template <typename T, size_t N>
  const T& Pick(const T (&items)[N]) {
    return items[Uniform(0, N - 1)];
  }

 private:
  uint64_t state_;
};

}  // namespace steptree

// The order a batched prefill runs its rows in: longest prefix first (stable: equal lengths
// keep their order), so each chunk's attention window is close to its rows' lengths, and the
// size of those chunks. Both causal LMs (policy/model/gpt.h, policy/model/hf_llama.h) prefill
// in this order and put the rows back afterwards. No torch here.
#pragma once

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <vector>

namespace steptree {

// Prefill runs rows in chunks of at most this many (padded) tokens: bounds the [n, H, T, T]
// score tensor while keeping matrix products large.
constexpr int64_t kPrefillChunkTokens = 16384;

// order[i] = the index in `prefixes` of the i-th row to run.
inline std::vector<int64_t> LongestFirstOrder(const std::vector<std::vector<int>>& prefixes) {
  std::vector<int64_t> order(prefixes.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return prefixes[a].size() > prefixes[b].size(); });
  return order;
}

}  // namespace steptree

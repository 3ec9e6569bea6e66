// Chunked prefill windows (policy/model/prefill_windows.h).
#include "policy/model/prefill_windows.h"

#include <algorithm>

#include "policy/model/prefill_order.h"

namespace steptree {

PrefillShape CheckPrefillShape(const std::vector<std::vector<int>>& prefixes, const std::vector<int64_t>& cached,
                               int64_t capacity, int64_t context, int64_t vocab) {
  const int64_t rows = static_cast<int64_t>(prefixes.size());
  TORCH_CHECK(rows > 0 && cached.size() == prefixes.size(), "Prefill: no prefixes, or not one cached count each");
  PrefillShape shape;
  for (const std::vector<int>& p : prefixes) shape.longest = std::max<int64_t>(shape.longest, static_cast<int64_t>(p.size()));
  TORCH_CHECK(shape.longest <= context, "Prefill: prefix longer than the context");
  TORCH_CHECK(capacity >= shape.longest, "Prefill: capacity below the longest prefix");
  shape.pad.resize(rows);
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t length = static_cast<int64_t>(prefixes[r].size());
    TORCH_CHECK(length > 0, "Prefill: empty prefix");
    TORCH_CHECK(cached[r] >= 0 && cached[r] < length, "Prefill: cached tokens must leave at least one to run");
    for (int id : prefixes[r]) TORCH_CHECK(id >= 0 && id < vocab, "Prefill: token id out of range");
    shape.pad[r] = shape.longest - length;
  }
  return shape;
}

torch::Tensor RunPrefillWindows(const std::vector<std::vector<int>>& prefixes, const std::vector<int64_t>& cached,
                                int64_t longest, int64_t width, const PrefillChunkRunner& run) {
  const int64_t rows = static_cast<int64_t>(prefixes.size());
  torch::Tensor last = torch::empty({rows, width});
  for (int64_t r0 = 0; r0 < rows;) {
    int64_t window = 0, n = 0;
    while (r0 + n < rows) {
      const int64_t suffix = static_cast<int64_t>(prefixes[r0 + n].size()) - cached[r0 + n];
      const int64_t w = std::max(window, suffix);
      if (n > 0 && (n + 1) * w > kPrefillChunkTokens) break;
      window = w;
      ++n;
    }
    torch::Tensor ids = torch::zeros({n, window}, torch::kInt64);
    torch::Tensor pos = torch::zeros({n, window}, torch::kInt64);
    auto ids_a = ids.accessor<int64_t, 2>();
    auto pos_a = pos.accessor<int64_t, 2>();
    for (int64_t i = 0; i < n; ++i) {
      const std::vector<int>& p = prefixes[r0 + i];
      const int64_t length = static_cast<int64_t>(p.size());
      for (int64_t j = std::max<int64_t>(0, length - window); j < length; ++j) {
        ids_a[i][window - length + j] = p[j];
        pos_a[i][window - length + j] = j;
      }
    }
    const torch::Tensor x = run(ids, pos, r0, longest - window);
    last.narrow(0, r0, n).copy_(x.select(1, window - 1));
    r0 += n;
  }
  return last;
}

}  // namespace steptree

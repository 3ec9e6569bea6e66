// The chunked prefill both row-invariant causal LMs share (policy/model/gpt.h,
// policy/model/hf_llama.h: CausalLm::PrefillCached, policy/model/causal_lm.h).
//
// Rows keep their order and are left-padded to the longest prefix L: row r's tokens fill
// slots [pad[r], L), pad[r] = L - |prefix r|, its first cached[r] tokens already written
// (by the caller's fill). Consecutive rows form chunks of at most kPrefillChunkTokens
// (padded) tokens. A chunk's window is its longest uncached suffix w: every row of it feeds
// its last w tokens into slots [L - w, L) (recomputing a cached token gives the same bits:
// row invariance), left-padded inside the window when the row is shorter than w; a padding
// query has no keys to attend and its slot lies before the row's pad, where nothing reads.
//
// Include only from torch translation units.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include <torch/torch.h>

namespace steptree {

struct PrefillShape {
  int64_t longest = 0;       // L
  std::vector<int64_t> pad;  // per row
};

// Checks what PrefillCached promises its callers (each prefix non-empty, at most `context`
// tokens, ids in [0, vocab), 0 <= cached < length, capacity >= L) and returns the layout.
PrefillShape CheckPrefillShape(const std::vector<std::vector<int>>& prefixes, const std::vector<int64_t>& cached,
                               int64_t capacity, int64_t context, int64_t vocab);

// Runs every chunk: run(ids int64 [n, w], positions int64 [n, w] (0 on padding), row0,
// slot0 = L - w) returns the last layer's output [n, w, D]; the result is each row's output
// at its last token, float [rows, D].
using PrefillChunkRunner =
    std::function<torch::Tensor(const torch::Tensor& ids, const torch::Tensor& positions, int64_t row0, int64_t slot0)>;
torch::Tensor RunPrefillWindows(const std::vector<std::vector<int>>& prefixes, const std::vector<int64_t>& cached,
                                int64_t longest, int64_t width, const PrefillChunkRunner& run);

}  // namespace steptree

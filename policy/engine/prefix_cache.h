// Prefix KV cache: the keys and values of token sequences already run through the model,
// in a radix tree keyed by token ids (the RadixAttention idea of SGLang, Zheng et al. 2024,
// "SGLang: Efficient Execution of Structured Language Model Programs"), so that expanding a
// search node prefills only the tokens no earlier call computed.
//
// In a search tree a node's state is its parent's state plus one step. When the parent's
// step was generated, every token of the child's state except the last (the delimiter,
// sampled but never fed) went through the model, and its keys and values are inserted here.
// Expanding the child then finds |state| - 1 tokens cached and runs one token; its siblings
// share their parent's entries (the tree stores each token once).
//
// Structure: every edge holds a run of tokens and their keys and values, a tensor
// [n_layer, 2, kv_heads, tokens, head_dim] (float, on the model's device); a node's
// sequence is the concatenation of the edges from the root. Children are keyed by their
// edge's first token, so a lookup walks one edge per branching point.
//
// Eviction: at most `budget_bytes` of keys and values. After an insert that goes over the
// budget, the least recently used leaves that no lookup has pinned are removed (a parent
// whose last child goes becomes a leaf and may go next), until the cache fits again; the
// newest insert's path is pinned while this runs, so it is never evicted at once. Lookups
// and inserts touch every node on their path (an increasing counter, not a clock).
//
// Invariants:
//   - every edge but the root's holds >= 1 token; siblings' first tokens differ;
//   - bytes() == the sum of the edges' tensor sizes <= budget after every Insert (unless
//     pinned paths alone exceed it);
//   - a node is pinned while a Pin it belongs to is alive; pinned nodes are never evicted.
//
// Determinism: the cache serves bits equal to what recomputation would give (only
// row-invariant models use it, policy/model/causal_lm.h), so what is cached, evicted or hit
// changes no search result; only the count of tokens computed changes. One cache belongs to
// one search tree and is used by one thread at a time (no locking).
//
// Include only from torch translation units.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include <torch/torch.h>

#include "policy/model/kv_cache.h"

namespace steptree {

class PrefixKvCache {
 public:
  struct Node;

  // Keeps the nodes of a matched path from eviction while alive.
  class Pin {
   public:
    Pin() = default;
    Pin(Pin&& other) noexcept;
    Pin& operator=(Pin&& other) noexcept;
    Pin(const Pin&) = delete;
    Pin& operator=(const Pin&) = delete;
    ~Pin();

   private:
    friend class PrefixKvCache;
    std::vector<Node*> path_;
  };

  struct Match {
    int64_t tokens = 0;  // cached tokens: a prefix of the looked-up sequence
    Pin pin;             // the path holding them
  };

  struct Stats {
    int64_t lookups = 0;        // Lookup calls
    int64_t looked_up = 0;      // tokens asked for (capped by max_tokens)
    int64_t hit = 0;            // tokens served from the cache
    int64_t inserted = 0;       // tokens stored
    int64_t evicted = 0;        // tokens dropped by eviction
    int64_t peak_bytes = 0;
  };

  explicit PrefixKvCache(int64_t budget_bytes);
  ~PrefixKvCache();
  PrefixKvCache(const PrefixKvCache&) = delete;
  PrefixKvCache& operator=(const PrefixKvCache&) = delete;

  // The longest cached prefix of tokens[0 .. max_tokens), pinned.
  Match Lookup(const std::vector<int>& tokens, int64_t max_tokens);
  // Copies the matched keys and values into cache row `row`, slots [slot0, slot0 + tokens).
  void CopyInto(const Match& match, KvCache* cache, int64_t row, int64_t slot0) const;
  // Lends them instead (a borrowing cache, KvCache Spans): row `row` reads slots [slot0,
  // slot0 + tokens) from the matched edges' tensors, which its spans keep alive, so nothing
  // is copied; an edge split or eviction later replaces or drops the node, not the tensor.
  void Lend(const Match& match, KvCache* cache, int64_t row, int64_t slot0) const;
  // Stores tokens[0 .. count) whose keys and values sit in cache row `row`, slots
  // [slot0, slot0 + count); only the part not already cached is copied. Then evicts to fit.
  void Insert(const std::vector<int>& tokens, int64_t count, const KvCache& cache, int64_t row, int64_t slot0);

  int64_t bytes() const { return bytes_; }
  int64_t budget_bytes() const { return budget_; }
  const Stats& stats() const { return stats_; }

 private:
  void Touch(const std::vector<Node*>& path);
  void EvictToFit();
  // Walks the matched edges in order: fn(edge_kv, slot, take) for each, where the edge's
  // first `take` tokens fill slots [slot, slot + take) (CopyInto and Lend).
  template <typename Fn>
  static void ForEachMatchedEdge(const Match& match, int64_t slot0, const char* caller, Fn fn);

  std::unique_ptr<Node> root_;
  int64_t budget_;
  int64_t bytes_ = 0;
  uint64_t last_use_stamp_ = 0;  // increases by one per lookup; Node::last_used orders LRU eviction
  Stats stats_;
};

}  // namespace steptree

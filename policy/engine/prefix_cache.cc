// The radix tree of cached keys and values (policy/engine/prefix_cache.h).
#include "policy/engine/prefix_cache.h"

#include <algorithm>
#include <cstring>
#include <queue>
#include <stdexcept>
#include <string>

namespace steptree {

struct PrefixKvCache::Node {
  std::vector<int> tokens;  // the edge from the parent
  torch::Tensor kv;         // [n_layer, 2, kv_heads, tokens.size(), head_dim]; undefined at the root
  std::map<int, std::unique_ptr<Node>> children;  // by first token
  Node* parent = nullptr;
  uint64_t last_used = 0;
  int pins = 0;

  int64_t Bytes() const { return kv.defined() ? static_cast<int64_t>(kv.numel() * kv.element_size()) : 0; }
};

namespace {

// Tokens shared by the edge and tokens[pos .. end).
int64_t CommonLength(const std::vector<int>& edge, const std::vector<int>& tokens, int64_t pos, int64_t end) {
  int64_t n = 0;
  const int64_t limit = std::min<int64_t>(static_cast<int64_t>(edge.size()), end - pos);
  while (n < limit && edge[n] == tokens[pos + n]) ++n;
  return n;
}

// Keys and values of cache row `row`, slots [first, first + count): [n_layer, 2, H, count, d].
torch::Tensor Gather(const KvCache& cache, int64_t row, int64_t first, int64_t count) {
  auto& mutable_cache = const_cast<KvCache&>(cache);  // keys()/values() are non-const accessors
  const torch::Tensor& k0 = mutable_cache.keys(0);
  TORCH_CHECK(k0.device().is_cpu() && k0.is_contiguous(), "PrefixKvCache: the KV cache must be contiguous CPU memory");
  const int64_t heads = k0.size(1), dim = k0.size(3);
  torch::Tensor kv = torch::empty({cache.n_layer(), 2, heads, count, dim}, k0.options());
  float* to = kv.data_ptr<float>();
  // Each slot where the row reads it: its leader's (sharing), a span or its own storage.
  for (int64_t l = 0; l < cache.n_layer(); ++l) {
    for (int kind = 0; kind < 2; ++kind) {
      for (int64_t h = 0; h < heads; ++h) {
        for (int64_t s = first; s < first + count; ++s, to += dim) {
          std::memcpy(to, mutable_cache.Read(l, kind, row, h, s), static_cast<size_t>(dim) * sizeof(float));
        }
      }
    }
  }
  return kv;
}

}  // namespace

PrefixKvCache::Pin::Pin(Pin&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }

PrefixKvCache::Pin& PrefixKvCache::Pin::operator=(Pin&& other) noexcept {
  if (this != &other) {
    for (Node* node : path_) --node->pins;
    path_ = std::move(other.path_);
    other.path_.clear();
  }
  return *this;
}

PrefixKvCache::Pin::~Pin() {
  for (Node* node : path_) --node->pins;
}

PrefixKvCache::PrefixKvCache(int64_t budget_bytes) : root_(std::make_unique<Node>()), budget_(budget_bytes) {
  if (budget_bytes < 0) throw std::invalid_argument("PrefixKvCache: negative budget");
}

PrefixKvCache::~PrefixKvCache() = default;

void PrefixKvCache::Touch(const std::vector<Node*>& path) {
  ++last_use_stamp_;
  for (Node* node : path) node->last_used = last_use_stamp_;
}

PrefixKvCache::Match PrefixKvCache::Lookup(const std::vector<int>& tokens, int64_t max_tokens) {
  const int64_t end = std::min<int64_t>(max_tokens, static_cast<int64_t>(tokens.size()));
  Match match;
  ++stats_.lookups;
  stats_.looked_up += std::max<int64_t>(0, end);
  Node* node = root_.get();
  int64_t pos = 0;
  while (pos < end) {
    auto it = node->children.find(tokens[pos]);
    if (it == node->children.end()) break;
    Node* child = it->second.get();
    const int64_t common = CommonLength(child->tokens, tokens, pos, end);
    pos += common;
    match.pin.path_.push_back(child);
    if (common < static_cast<int64_t>(child->tokens.size())) break;  // ends inside this edge
    node = child;
  }
  for (Node* n : match.pin.path_) ++n->pins;
  Touch(match.pin.path_);
  match.tokens = pos;
  stats_.hit += pos;
  return match;
}

template <typename Fn>
void PrefixKvCache::ForEachMatchedEdge(const Match& match, int64_t slot0, const char* caller, Fn fn) {
  int64_t remaining = match.tokens, slot = slot0;
  for (const Node* node : match.pin.path_) {
    const int64_t take = std::min<int64_t>(remaining, static_cast<int64_t>(node->tokens.size()));
    if (take <= 0) break;
    fn(node->kv, slot, take);
    remaining -= take;
    slot += take;
  }
  if (remaining != 0) throw std::logic_error(std::string(caller) + ": match longer than its path");
}

void PrefixKvCache::CopyInto(const Match& match, KvCache* cache, int64_t row, int64_t slot0) const {
  const torch::Tensor& k0 = cache->keys(0);
  TORCH_CHECK(k0.device().is_cpu() && k0.is_contiguous(), "PrefixKvCache: the KV cache must be contiguous CPU memory");
  const int64_t heads = k0.size(1), capacity = k0.size(2), dim = k0.size(3);
  ForEachMatchedEdge(match, slot0, "PrefixKvCache::CopyInto", [&](const torch::Tensor& kv, int64_t slot, int64_t take) {
    const int64_t edge = kv.size(3);
    const float* from = kv.data_ptr<float>();  // [n_layer, 2, H, edge, d], contiguous
    for (int64_t l = 0; l < cache->n_layer(); ++l) {
      for (int kind = 0; kind < 2; ++kind) {
        float* to = (kind == 0 ? cache->keys(l) : cache->values(l)).data_ptr<float>();
        for (int64_t h = 0; h < heads; ++h, from += edge * dim) {
          std::memcpy(to + ((row * heads + h) * capacity + slot) * dim, from,
                      static_cast<size_t>(take * dim) * sizeof(float));
        }
      }
    }
  });
}

void PrefixKvCache::Lend(const Match& match, KvCache* cache, int64_t row, int64_t slot0) const {
  ForEachMatchedEdge(match, slot0, "PrefixKvCache::Lend", [&](const torch::Tensor& kv, int64_t slot, int64_t take) {
    KvCache::Span span;
    span.kv = kv;  // shares the edge's storage; an edge split or eviction leaves it intact
    span.begin = slot;
    span.end = slot + take;
    cache->AddSpan(row, std::move(span));
  });
}

void PrefixKvCache::Insert(const std::vector<int>& tokens, int64_t count, const KvCache& cache, int64_t row,
                           int64_t slot0) {
  count = std::min<int64_t>(count, static_cast<int64_t>(tokens.size()));
  if (count <= 0 || budget_ == 0) return;
  Node* node = root_.get();
  Pin pin;  // the inserted path: not evicted by this insert
  int64_t pos = 0;
  while (pos < count) {
    auto it = node->children.find(tokens[pos]);
    if (it == node->children.end()) {
      // A new leaf holding the rest.
      auto leaf = std::make_unique<Node>();
      leaf->tokens.assign(tokens.begin() + pos, tokens.begin() + count);
      leaf->kv = Gather(cache, row, slot0 + pos, count - pos);
      leaf->parent = node;
      bytes_ += leaf->Bytes();
      stats_.inserted += count - pos;
      Node* raw = leaf.get();
      node->children.emplace(tokens[pos], std::move(leaf));
      pin.path_.push_back(raw);
      break;
    }
    Node* child = it->second.get();
    const int64_t common = CommonLength(child->tokens, tokens, pos, count);
    if (common < static_cast<int64_t>(child->tokens.size())) {
      // Split the edge: `child` keeps the shared head, a new node below it takes the tail
      // (and the children). The tail starts unpinned (see the header: copy before insert).
      auto tail = std::make_unique<Node>();
      tail->tokens.assign(child->tokens.begin() + common, child->tokens.end());
      tail->kv = child->kv.narrow(3, common, static_cast<int64_t>(tail->tokens.size())).clone();
      tail->children = std::move(child->children);
      for (auto& [first, grandchild] : tail->children) grandchild->parent = tail.get();
      tail->parent = child;
      tail->last_used = child->last_used;
      child->tokens.resize(common);
      child->kv = child->kv.narrow(3, 0, common).clone();
      child->children.clear();
      child->children.emplace(tail->tokens.front(), std::move(tail));
    }
    pos += common;
    pin.path_.push_back(child);
    node = child;
  }
  for (Node* n : pin.path_) ++n->pins;
  Touch(pin.path_);
  stats_.peak_bytes = std::max(stats_.peak_bytes, bytes_);
  EvictToFit();
}

void PrefixKvCache::EvictToFit() {
  if (bytes_ <= budget_) return;
  using Entry = std::pair<uint64_t, Node*>;  // (last_used, leaf): oldest first
  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> leaves;
  std::vector<Node*> stack{root_.get()};
  while (!stack.empty()) {
    Node* node = stack.back();
    stack.pop_back();
    for (auto& [first, child] : node->children) stack.push_back(child.get());
    if (node != root_.get() && node->children.empty() && node->pins == 0) leaves.emplace(node->last_used, node);
  }
  while (bytes_ > budget_ && !leaves.empty()) {
    Node* leaf = leaves.top().second;
    leaves.pop();
    Node* parent = leaf->parent;
    bytes_ -= leaf->Bytes();
    stats_.evicted += static_cast<int64_t>(leaf->tokens.size());
    parent->children.erase(leaf->tokens.front());
    if (parent != root_.get() && parent->children.empty() && parent->pins == 0) {
      leaves.emplace(parent->last_used, parent);
    }
  }
}

}  // namespace steptree

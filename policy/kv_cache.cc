// KvCache storage management: allocation, growth, row selection (compaction/expansion).
#include "policy/kv_cache.h"

#include <algorithm>

namespace steptree {

KvCache::KvCache(int64_t n_layer, int64_t n_head, int64_t head_dim, int64_t capacity,
                 const std::vector<int64_t>& pad, torch::Device device) {
  const int64_t rows = static_cast<int64_t>(pad.size());
  pad_ = torch::tensor(std::vector<int64_t>(pad.begin(), pad.end()), torch::kInt64);
  if (rows == 0) pad_ = torch::empty({0}, torch::kInt64);
  const int64_t max_pad = rows ? pad_.max().item<int64_t>() : 0;
  TORCH_CHECK(capacity >= max_pad, "KvCache capacity below the padding");
  pad_ = pad_.to(device);
  const auto options = torch::TensorOptions().device(device);
  for (int64_t l = 0; l < n_layer; ++l) {
    keys_.push_back(torch::zeros({rows, n_head, capacity, head_dim}, options));
    values_.push_back(torch::zeros({rows, n_head, capacity, head_dim}, options));
  }
  key_bias_ = torch::zeros({rows, capacity}, options);
  key_bias_.masked_fill_(torch::arange(capacity, options.dtype(torch::kInt64)).unsqueeze(0) < pad_.unsqueeze(1), kPadBias);
}

void KvCache::Reserve(int64_t capacity) {
  const int64_t old = this->capacity();
  if (capacity <= old) return;
  auto grow = [&](torch::Tensor& t) {
    auto sizes = t.sizes().vec();
    sizes[2] = capacity;
    torch::Tensor bigger = torch::zeros(sizes, t.options());
    bigger.narrow(2, 0, length_).copy_(t.narrow(2, 0, length_));
    t = bigger;
  };
  for (auto& k : keys_) grow(k);
  for (auto& v : values_) grow(v);
  torch::Tensor bias = torch::zeros({rows(), capacity}, key_bias_.options());
  bias.narrow(1, 0, old).copy_(key_bias_);
  key_bias_ = bias;
}

void KvCache::SelectRows(const torch::Tensor& rows) {
  const torch::Tensor index = rows.to(pad_.device());
  for (auto& k : keys_) k = k.index_select(0, index);
  for (auto& v : values_) v = v.index_select(0, index);
  pad_ = pad_.index_select(0, index);
  key_bias_ = key_bias_.index_select(0, index);
}

void KvCache::Advance(int64_t n) {
  TORCH_CHECK(length_ + n <= capacity(), "KvCache overflow");
  length_ += n;
}

int64_t KvCache::Bytes() const {
  int64_t bytes = 0;
  for (const auto& k : keys_) bytes += k.numel() * static_cast<int64_t>(k.element_size());
  return 2 * bytes;
}

}  // namespace steptree

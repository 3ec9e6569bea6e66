// KvCache storage management: allocation, growth, row selection (compaction/expansion).
#include "policy/model/kv_cache.h"

#include <algorithm>
#include <cstring>

namespace steptree {

torch::Tensor KvCache::NewStorage(at::IntArrayRef sizes, const torch::TensorOptions& options) const {
  return borrowing_ ? torch::empty(sizes, options) : torch::zeros(sizes, options);
}

KvCache::KvCache(int64_t n_layer, int64_t n_head, int64_t head_dim, int64_t capacity,
                 const std::vector<int64_t>& pad, torch::Device device, bool borrowing)
    : borrowing_(borrowing) {
  const int64_t rows = static_cast<int64_t>(pad.size());
  pad_ = torch::tensor(std::vector<int64_t>(pad.begin(), pad.end()), torch::kInt64);
  if (rows == 0) pad_ = torch::empty({0}, torch::kInt64);
  const int64_t max_pad = rows ? pad_.max().item<int64_t>() : 0;
  TORCH_CHECK(capacity >= max_pad, "KvCache capacity below the padding");
  pad_ = pad_.to(device);
  const auto options = torch::TensorOptions().device(device);
  for (int64_t l = 0; l < n_layer; ++l) {
    keys_.push_back(NewStorage({rows, n_head, capacity, head_dim}, options));
    values_.push_back(NewStorage({rows, n_head, capacity, head_dim}, options));
  }
  spans_.resize(rows);
  share_leader_.resize(rows);
  for (int64_t r = 0; r < rows; ++r) share_leader_[r] = r;
  shared_end_ = pad;
  key_bias_ = torch::zeros({rows, capacity}, options);
  key_bias_.masked_fill_(torch::arange(capacity, options.dtype(torch::kInt64)).unsqueeze(0) < pad_.unsqueeze(1), kPadBias);
}

void KvCache::Reserve(int64_t capacity) {
  const int64_t old = this->capacity();
  if (capacity <= old) return;
  auto grow = [&](torch::Tensor& t) {
    auto sizes = t.sizes().vec();
    sizes[2] = capacity;
    torch::Tensor bigger = NewStorage(sizes, t.options());
    bigger.narrow(2, 0, length_).copy_(t.narrow(2, 0, length_));
    t = bigger;
  };
  for (auto& k : keys_) grow(k);
  for (auto& v : values_) grow(v);
  torch::Tensor bias = torch::zeros({rows(), capacity}, key_bias_.options());
  bias.narrow(1, 0, old).copy_(key_bias_);
  key_bias_ = bias;
}

void KvCache::ReserveFor(int64_t n) {
  if (length_ + n <= capacity()) return;
  Reserve(std::max(length_ + n, capacity() + std::max<int64_t>(64, capacity() / 2)));
}

void KvCache::SelectRows(const torch::Tensor& rows) {
  // Sharing of the new rows: new row i comes from old row a = idx[i] in old group g (old
  // leader). Its new leader is the first new row from group g, from old row b; rows a and b
  // agree where both agree with the old leader, up to min(end(a), end(b)), where an old
  // leader agrees with itself up to length; a copy of the same old row agrees everywhere.
  const torch::Tensor host = rows.to(torch::kCPU).to(torch::kInt64).contiguous();
  const int64_t* idx = host.data_ptr<int64_t>();
  const int64_t n = host.numel();
  const torch::Tensor pad_cpu = pad_.to(torch::kCPU).contiguous();
  const int64_t* pad_host = pad_cpu.data_ptr<int64_t>();
  auto agree_end = [&](int64_t old) { return share_leader_[old] == old ? length_ : shared_end_[old]; };
  std::vector<int64_t> leader(n), end(n);
  std::vector<int64_t> first_of_group(share_leader_.size(), -1);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t a = idx[i];
    TORCH_CHECK(a >= 0 && a < static_cast<int64_t>(share_leader_.size()), "KvCache::SelectRows: row out of range");
    const int64_t group = share_leader_[a];
    int64_t& first = first_of_group[group];
    if (first < 0) {
      first = i;
      leader[i] = i;
      end[i] = pad_host[a];
    } else {
      const int64_t b = idx[first];
      leader[i] = first;
      end[i] = a == b ? length_ : std::min(agree_end(a), agree_end(b));
    }
  }
  std::vector<int64_t> old_leader = std::move(share_leader_), old_end = std::move(shared_end_);
  share_leader_ = std::move(leader);
  shared_end_ = std::move(end);
  const torch::Tensor index = rows.to(pad_.device());
  bool cpu = true;
  for (const auto* list : {&keys_, &values_}) {
    for (const torch::Tensor& t : *list) cpu = cpu && t.device().is_cpu() && t.is_contiguous();
  }
  if (cpu) {
    CopyRows(idx, n, old_leader, old_end);
  } else {
    for (auto& k : keys_) k = k.index_select(0, index);
    for (auto& v : values_) v = v.index_select(0, index);
    spans_.assign(n, {});  // spans exist only with borrowing, on the CPU
  }
  pad_ = pad_.index_select(0, index);
  key_bias_ = key_bias_.index_select(0, index);
}

void KvCache::CopyRows(const int64_t* idx, int64_t n, const std::vector<int64_t>& old_leader,
                       const std::vector<int64_t>& old_end) {
  // New row i comes from old row a = idx[i]. It must hold slots [need, length) and old row
  // a holds [held, length); slots [need, held) come from a's old leader, which held all of
  // its slots after its spans. Without borrowing every row holds [pad, length) (need = held
  // = pad; slots before pad are masked and only need to be finite). With borrowing need =
  // pad for a new leader and its shared_end for a follower, held = pad if a led and its old
  // shared_end if it followed; slots before span_end are read from the spans.
  const int64_t* pad = pad_.data_ptr<int64_t>();  // still the old rows' padding
  std::vector<int64_t> need(n), held(n), lend(n);
  std::vector<std::vector<Span>> spans(n);
  bool ascending = true;  // a compaction: keep rows idx[0] < idx[1] < ..., in order
  for (int64_t i = 0; i < n; ++i) {
    const int64_t a = idx[i];
    const int64_t own_from = span_end(a);  // the same for the whole group
    need[i] = std::max(own_from, !borrowing_ || share_leader_[i] == i ? pad[a] : shared_end_[i]);
    held[i] = std::max(own_from, !borrowing_ || old_leader[a] == a ? pad[a] : old_end[a]);
    lend[i] = old_leader[a];
    spans[i] = spans_[a];
    TORCH_CHECK(share_leader_[i] == i || !borrowing_ || shared_end_[i] >= own_from,
                "KvCache::SelectRows: sharing ends inside a span");
    ascending = ascending && a >= i && (i == 0 || a > idx[i - 1]);
  }
  spans_ = std::move(spans);
  for (auto* list : {&keys_, &values_}) {
    for (torch::Tensor& t : *list) {
      const int64_t heads = t.size(1), capacity = t.size(2);
      const int64_t slot_bytes = t.size(3) * static_cast<int64_t>(t.element_size());
      // Slots [first, last) of every head: row `src` of `src_base` to row `dst` of `dst_base`.
      auto copy_slots = [&](char* dst_base, int64_t dst, const char* src_base, int64_t src, int64_t first,
                            int64_t last) {
        if (last <= first || (dst_base == src_base && dst == src)) return;
        for (int64_t h = 0; h < heads; ++h) {
          std::memcpy(dst_base + ((dst * heads + h) * capacity + first) * slot_bytes,
                      src_base + ((src * heads + h) * capacity + first) * slot_bytes,
                      static_cast<size_t>((last - first) * slot_bytes));
        }
      };
      char* base = static_cast<char*>(t.data_ptr());
      if (ascending) {
        // In place. First every follower that must hold more than it did takes the missing
        // slots from its old leader (leaders are never written here, so every source is
        // intact); then rows move down in order (a later source is never an earlier target).
        for (int64_t i = 0; i < n; ++i) copy_slots(base, idx[i], base, lend[i], need[i], std::min(held[i], length_));
        for (int64_t i = 0; i < n; ++i) copy_slots(base, i, base, idx[i], need[i], length_);
        t = t.narrow(0, 0, n);
      } else {
        torch::Tensor out = NewStorage({n, heads, capacity, t.size(3)}, t.options());
        char* to = static_cast<char*>(out.data_ptr());
        for (int64_t i = 0; i < n; ++i) {
          copy_slots(to, i, base, lend[i], need[i], std::min(held[i], length_));
          copy_slots(to, i, base, idx[i], std::max(need[i], held[i]), length_);
        }
        t = out;
      }
    }
  }
}

const float* KvCache::Span::At(int64_t layer, int kind, int64_t head, int64_t slot) const {
  const int64_t heads = kv.size(2), tokens = kv.size(3), dim = kv.size(4);
  return kv.data_ptr<float>() + (((layer * 2 + kind) * heads + head) * tokens + offset + slot - begin) * dim;
}

void KvCache::AddSpan(int64_t row, Span span) {
  TORCH_CHECK(borrowing_, "KvCache::AddSpan: only a borrowing cache reads spans");
  TORCH_CHECK(span.kv.device().is_cpu() && span.kv.is_contiguous() && span.kv.dim() == 5 &&
                  span.kv.size(0) == n_layer() && span.kv.size(2) == keys_[0].size(1) &&
                  span.kv.size(4) == keys_[0].size(3),
              "KvCache::AddSpan: span must be contiguous CPU [n_layer, 2, n_head, tokens, head_dim]");
  TORCH_CHECK(span.begin == span_end(row) && span.end > span.begin && span.end <= capacity() && span.offset >= 0 &&
                  span.offset + span.end - span.begin <= span.kv.size(3),
              "KvCache::AddSpan: spans must follow one another from the row's pad");
  spans_[row].push_back(std::move(span));
}

int64_t KvCache::span_end(int64_t row) const {
  return spans_[row].empty() ? pad_.data_ptr<int64_t>()[row] : spans_[row].back().end;
}

const float* KvCache::Read(int64_t layer, int kind, int64_t row, int64_t head, int64_t slot) {
  if (borrowing_ && share_leader_[row] != row && slot < shared_end_[row]) row = share_leader_[row];
  for (const Span& span : spans_[row]) {
    if (slot >= span.begin && slot < span.end) return span.At(layer, kind, head, slot);
  }
  const torch::Tensor& t = kind == 0 ? keys_[layer] : values_[layer];
  return t.data_ptr<float>() + ((row * t.size(1) + head) * t.size(2) + slot) * t.size(3);
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

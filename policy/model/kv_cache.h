// Per-layer key/value cache for batched incremental decoding (torch; include only from
// torch translation units).
//
// Rows are left-padded: every row writes its next token into the same slot, `length()`,
// so a decode step is one slice write per layer for the whole batch. Row r's real tokens
// fill slots [pad[r], length) and the token in slot s has position s - pad[r], so each row
// sees RoPE/learned positions starting at 0 at its first real token, exactly as if it ran
// alone. Padding slots are excluded from attention by an additive bias (kPadBias).
//
// Invariants:
//   - keys(l), values(l): float [rows, n_head, capacity, head_dim]; slots >= length are
//     unused. Without borrowing every slot < capacity holds finite numbers (zero-initialised),
//     so a masked slot never turns a real row into NaN in torch's attention (0 * NaN = NaN);
//     with borrowing storage starts uninitialised (CachedAttention reads no slot before pad
//     and none at or after length).
//   - key_bias: float [rows, capacity]; kPadBias on slots < pad[r], 0 elsewhere.
//   - 0 <= pad[r] <= length <= capacity.
//   - Sharing: row r's slots [pad[r], shared_end(r)) stand for the same keys and values as
//     those of row share_leader(r) <= r, a leader being its own leader with shared_end == pad
//     (nothing borrowed). SelectRows records it when it copies rows (the K samples of one
//     search node), so decode attention can read a shared prefix once for all its rows.
//     share_leader(r) is always a leader itself.
//   - Borrowing (constructor flag; the built-in model, whose attention reads shared slots
//     from the leader: policy/model/attention.h CachedAttention): a follower's own slots
//     [pad[r], shared_end(r)) are never read and may hold anything; SelectRows then copies
//     only what each new row must hold itself (a leader [pad, length), a follower
//     [shared_end, length)), and every reader (CachedAttention, PrefixKvCache) takes the
//     shared slots from the leader. Without borrowing (torch attention, Hugging Face
//     models) every row holds all of its slots.
//   - Spans (borrowing caches only): a row may read slots [pad, span_end) from tensors
//     outside the cache (the edges of a prefix cache, policy/engine/prefix_cache.h), in slot order,
//     instead of holding copies; its own storage there is never read. Copies of a row carry
//     its spans (all rows of a sharing group have the same), and shared_end >= span_end.
//     So a leader holds [span_end, length) itself, a follower [shared_end, length).
#pragma once

#include <cstdint>
#include <vector>

#include <torch/torch.h>

namespace steptree {

// Additive attention bias of a padding key. Finite on purpose: a padding *query* whose keys
// are all padding then gets a uniform (ignored) softmax instead of NaN.
inline constexpr float kPadBias = -1e9f;

class KvCache {
 public:
  KvCache() = default;
  // An empty cache (length 0) with the given padding per row; capacity >= max(pad). Every
  // tensor lives on `device` (a Hugging Face model on CUDA; the built-in model is CPU-only).
  KvCache(int64_t n_layer, int64_t n_head, int64_t head_dim, int64_t capacity,
          const std::vector<int64_t>& pad, torch::Device device = torch::kCPU, bool borrowing = false);

  int64_t rows() const { return pad_.defined() ? pad_.size(0) : 0; }
  int64_t length() const { return length_; }
  int64_t capacity() const { return keys_.empty() ? 0 : keys_[0].size(2); }
  int64_t n_layer() const { return static_cast<int64_t>(keys_.size()); }

  torch::Tensor& keys(int64_t layer) { return keys_[layer]; }
  torch::Tensor& values(int64_t layer) { return values_[layer]; }
  const torch::Tensor& pad() const { return pad_; }  // int64 [rows]
  // Additive bias of the first `slots` key slots: [rows, slots].
  torch::Tensor KeyBias(int64_t slots) const { return key_bias_.narrow(1, 0, slots); }
  // Position of the token each row writes next: length - pad, int64 [rows].
  torch::Tensor NextPositions() const { return pad_.neg() + length_; }

  // Grows to at least `capacity` slots (copying what is there); never shrinks.
  void Reserve(int64_t capacity);
  // Room for `n` more slots: grows by max(n, 64, capacity / 2) slots when they do not fit.
  void ReserveFor(int64_t n);
  // Keeps rows `rows` (int64 indices on any device; may repeat to duplicate rows), in that order.
  void SelectRows(const torch::Tensor& rows);
  int64_t share_leader(int64_t row) const { return share_leader_[row]; }
  int64_t shared_end(int64_t row) const { return shared_end_[row]; }
  // Borrowing (see the invariants).
  bool borrowing() const { return borrowing_; }

  // Slots [begin, end) of a row read tokens [offset, offset + end - begin) of `kv`, a
  // contiguous CPU float tensor [n_layer, 2, n_head, tokens, head_dim] (keys then values),
  // which the span keeps alive.
  struct Span {
    torch::Tensor kv;
    int64_t begin = 0, end = 0, offset = 0;
    // Key (kind 0) or value (kind 1) of `slot` in [begin, end): head_dim floats.
    const float* At(int64_t layer, int kind, int64_t head, int64_t slot) const;
  };
  // Lends the next slots of row `row` from outside the cache: spans follow one another from
  // the row's pad (borrowing caches only, before the row is copied).
  void AddSpan(int64_t row, Span span);
  const std::vector<Span>& spans(int64_t row) const { return spans_[row]; }
  // First slot of the row's own storage after its spans (pad when it has none).
  int64_t span_end(int64_t row) const;
  // First slot the row reads from its own storage: a follower reads its leader's slots
  // before shared_end, a leader reads its spans before span_end.
  int64_t own_from(int64_t row) const { return share_leader_[row] == row ? span_end(row) : shared_end_[row]; }
  // Key (kind 0) or value (kind 1) of (layer, row, head, slot), read where the row reads it:
  // its leader for a shared slot, a span, or its own storage.
  const float* Read(int64_t layer, int kind, int64_t row, int64_t head, int64_t slot);
  // Marks `n` more slots as written (the model wrote them through keys()/values()).
  void Advance(int64_t n);
  // Bytes held by keys and values.
  int64_t Bytes() const;

 private:
  std::vector<torch::Tensor> keys_, values_;
  torch::Tensor pad_;
  torch::Tensor key_bias_;
  int64_t length_ = 0;
  std::vector<int64_t> share_leader_, shared_end_;  // host side, one per row (see Sharing)
  bool borrowing_ = false;
  std::vector<std::vector<Span>> spans_;  // one list per row (see Spans)

  // Key/value storage: uninitialised with borrowing, zeros without (see the invariants).
  torch::Tensor NewStorage(at::IntArrayRef sizes, const torch::TensorOptions& options) const;
  // SelectRows on the CPU: copies per row only the slots it must hold itself.
  void CopyRows(const int64_t* idx, int64_t n, const std::vector<int64_t>& old_leader,
                const std::vector<int64_t>& old_end);
};

}  // namespace steptree

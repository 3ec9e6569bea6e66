// The hash tables of the byte-pair encoder (bpe.h): open addressing over flat arrays, so a
// vocabulary of 262k tokens and 581k merges (Gemma) is built and probed with one or two
// cache misses a lookup instead of a node walk. No torch here.
//
// Both tables only grow (no erase) and keep at most half of their slots full.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace steptree {

// Strings -> dense ids 0, 1, 2, ... in the order they were first interned; the strings live
// in one buffer. Invariant: the buffer stays under 4 GiB (Intern throws std::length_error).
class StringIdTable {
 public:
  void Reserve(size_t count);
  // The id of `text`, or -1.
  int Find(std::string_view text) const;
  // The id of `text`, which gets the next id when it is new.
  int Intern(std::string_view text);
  size_t size() const { return hashes_.size(); }
  std::string_view text(int id) const {
    return {bytes_.data() + starts_[id], starts_[id + 1] - starts_[id]};
  }

 private:
  // The slot that holds `text` (hash `hash`), or the empty slot where it would go.
  size_t SlotOf(std::string_view text, uint64_t hash) const;
  void Rehash(size_t slot_count);

  std::string bytes_;
  std::vector<uint32_t> starts_{0};  // id -> offset in bytes_; one more than the ids
  std::vector<uint64_t> hashes_;     // id -> hash of its text
  std::vector<int32_t> slots_;       // id, or -1; a power of two in size
};

// A merge of two symbols: its rank and the symbol it makes.
struct BpeMerge {
  int rank;
  int merged;
};

// (left symbol, right symbol) -> BpeMerge, with the pair as a 64-bit key (left << 32 | right,
// both >= 0).
class MergeTable {
 public:
  void Reserve(size_t count);
  // Sets the merge of the pair (overwriting an earlier one).
  void Set(uint64_t key, BpeMerge merge);
  // The merge of the pair, or nullptr.
  const BpeMerge* Find(uint64_t key) const;

 private:
  struct Slot {
    uint64_t key;  // kEmpty when free
    BpeMerge merge;
  };
  static constexpr uint64_t kEmpty = ~uint64_t{0};
  size_t SlotOf(uint64_t key) const;
  void Rehash(size_t slot_count);

  std::vector<Slot> slots_;  // a power of two in size
  size_t count_ = 0;
};

}  // namespace steptree

// StringIdTable and MergeTable (bpe_tables.h): linear probing over power-of-two arrays.
#include "policy/text/bpe_tables.h"

#include <functional>
#include <stdexcept>

namespace steptree {
namespace {

// A well-mixed 64-bit hash of a merge key (SplitMix64's finaliser).
uint64_t MixMergeKey(uint64_t x) {
  x ^= x >> 30;
  x *= 0xBF58476D1CE4E5B9ull;
  x ^= x >> 27;
  x *= 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// The smallest power of two with room for `count` entries at most half full (at least 16).
size_t SlotCountFor(size_t count) {
  size_t slots = 16;
  while (slots < 2 * count) slots *= 2;
  return slots;
}

}  // namespace

void StringIdTable::Reserve(size_t count) {
  hashes_.reserve(count);
  starts_.reserve(count + 1);
  if (SlotCountFor(count) > slots_.size()) Rehash(SlotCountFor(count));
}

size_t StringIdTable::SlotOf(std::string_view text, uint64_t hash) const {
  const size_t mask = slots_.size() - 1;
  for (size_t slot = hash & mask;; slot = (slot + 1) & mask) {
    const int id = slots_[slot];
    if (id < 0 || (hashes_[id] == hash && this->text(id) == text)) return slot;
  }
}

int StringIdTable::Find(std::string_view text) const {
  if (slots_.empty()) return -1;
  return slots_[SlotOf(text, std::hash<std::string_view>{}(text))];
}

int StringIdTable::Intern(std::string_view text) {
  if (2 * (size() + 1) > slots_.size()) Rehash(SlotCountFor(size() + 1));
  const uint64_t hash = std::hash<std::string_view>{}(text);
  const size_t slot = SlotOf(text, hash);
  if (slots_[slot] >= 0) return slots_[slot];
  if (bytes_.size() + text.size() > UINT32_MAX) throw std::length_error("StringIdTable over 4 GiB");
  const int id = static_cast<int>(size());
  bytes_.append(text);
  starts_.push_back(static_cast<uint32_t>(bytes_.size()));
  hashes_.push_back(hash);
  slots_[slot] = id;
  return id;
}

void StringIdTable::Rehash(size_t slot_count) {
  slots_.assign(slot_count, -1);
  const size_t mask = slot_count - 1;
  for (size_t id = 0; id < hashes_.size(); ++id) {
    size_t slot = hashes_[id] & mask;
    while (slots_[slot] >= 0) slot = (slot + 1) & mask;
    slots_[slot] = static_cast<int32_t>(id);
  }
}

void MergeTable::Reserve(size_t count) {
  if (SlotCountFor(count) > slots_.size()) Rehash(SlotCountFor(count));
}

size_t MergeTable::SlotOf(uint64_t key) const {
  const size_t mask = slots_.size() - 1;
  size_t slot = MixMergeKey(key) & mask;
  while (slots_[slot].key != kEmpty && slots_[slot].key != key) slot = (slot + 1) & mask;
  return slot;
}

void MergeTable::Set(uint64_t key, BpeMerge merge) {
  if (2 * (count_ + 1) > slots_.size()) Rehash(SlotCountFor(count_ + 1));
  Slot& slot = slots_[SlotOf(key)];
  if (slot.key == kEmpty) ++count_;
  slot = {key, merge};
}

const BpeMerge* MergeTable::Find(uint64_t key) const {
  if (slots_.empty()) return nullptr;
  const Slot& slot = slots_[SlotOf(key)];
  return slot.key == kEmpty ? nullptr : &slot.merge;
}

void MergeTable::Rehash(size_t slot_count) {
  std::vector<Slot> old(slot_count, Slot{kEmpty, {0, 0}});
  old.swap(slots_);
  for (const Slot& slot : old) {
    if (slot.key != kEmpty) slots_[SlotOf(slot.key)] = slot;
  }
}

}  // namespace steptree

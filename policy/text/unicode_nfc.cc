#include "policy/text/unicode_nfc.h"

#include <algorithm>
#include <vector>

#include "policy/text/unicode_tables.h"
#include "policy/text/unicode_text.h"

namespace steptree::unicode {
namespace {

// Hangul syllable arithmetic (The Unicode Standard, section 3.12).
constexpr char32_t kSBase = 0xAC00, kLBase = 0x1100, kVBase = 0x1161, kTBase = 0x11A7;
constexpr char32_t kLCount = 19, kVCount = 21, kTCount = 28;
constexpr char32_t kNCount = kVCount * kTCount, kSCount = kLCount * kNCount;

bool IsHangulSyllable(char32_t c) { return c >= kSBase && c < kSBase + kSCount; }

uint8_t RankOf(char32_t c) {
  if (c < 0x300) return 0;
  const CombiningRank* end = kCombiningRanks + kCombiningRankCount;
  const CombiningRank* it = std::lower_bound(
      kCombiningRanks, end, c,
      [](const CombiningRank& r, char32_t value) { return r.code_point < value; });
  return (it != end && it->code_point == c) ? it->rank : 0;
}

void AppendDecomposition(char32_t c, std::vector<char32_t>* out) {
  if (IsHangulSyllable(c)) {
    const char32_t s = c - kSBase;
    out->push_back(kLBase + s / kNCount);
    out->push_back(kVBase + (s % kNCount) / kTCount);
    if (s % kTCount != 0) out->push_back(kTBase + s % kTCount);
    return;
  }
  if (c >= 0xC0 && c < kInvalidByteBase) {
    const Decomposition* end = kDecompositions + kDecompositionCount;
    const Decomposition* it = std::lower_bound(
        kDecompositions, end, c,
        [](const Decomposition& d, char32_t value) { return d.code_point < value; });
    if (it != end && it->code_point == c) {
      out->insert(out->end(), kDecompositionParts + it->offset,
                  kDecompositionParts + it->offset + it->length);
      return;
    }
  }
  out->push_back(c);
}

// The primary composite of (first, second), or 0 when there is none.
char32_t Compose(char32_t first, char32_t second) {
  if (first >= kLBase && first < kLBase + kLCount && second >= kVBase &&
      second < kVBase + kVCount) {
    return kSBase + ((first - kLBase) * kVCount + (second - kVBase)) * kTCount;
  }
  if (IsHangulSyllable(first) && (first - kSBase) % kTCount == 0 && second > kTBase &&
      second < kTBase + kTCount) {
    return first + (second - kTBase);
  }
  const Composition* end = kCompositions + kCompositionCount;
  const Composition* it = std::lower_bound(
      kCompositions, end, std::make_pair(first, second),
      [](const Composition& c, const std::pair<char32_t, char32_t>& value) {
        return c.first < value.first || (c.first == value.first && c.second < value.second);
      });
  return (it != end && it->first == first && it->second == second) ? it->composite : 0;
}

// Code points that may change under NFC or change a neighbour (NFC_Quick_Check != Yes):
// decomposable but not a primary composite, non-zero combining class, the second half of a
// composition, Hangul vowel and trailing jamo. Sorted.
const std::vector<char32_t>& MaybeChanging() {
  static const std::vector<char32_t> set = [] {
    std::vector<char32_t> composites, result;
    for (int i = 0; i < kCompositionCount; ++i) {
      composites.push_back(kCompositions[i].composite);
      result.push_back(kCompositions[i].second);
    }
    std::sort(composites.begin(), composites.end());
    for (int i = 0; i < kDecompositionCount; ++i) {
      const char32_t c = kDecompositions[i].code_point;
      if (!std::binary_search(composites.begin(), composites.end(), c)) result.push_back(c);
    }
    for (int i = 0; i < kCombiningRankCount; ++i) result.push_back(kCombiningRanks[i].code_point);
    for (char32_t c = kVBase; c < kVBase + kVCount; ++c) result.push_back(c);
    for (char32_t c = kTBase + 1; c < kTBase + kTCount; ++c) result.push_back(c);
    std::sort(result.begin(), result.end());
    result.erase(std::unique(result.begin(), result.end()), result.end());
    return result;
  }();
  return set;
}

bool IsNfcQuick(std::string_view text) {
  const std::vector<char32_t>& maybe = MaybeChanging();
  const char32_t smallest = maybe.front();
  size_t pos = 0;
  while (pos < text.size()) {
    if (static_cast<unsigned char>(text[pos]) < 0x80) {
      ++pos;  // ASCII never changes under NFC
      continue;
    }
    int length;
    const char32_t c = DecodeAt(text, pos, &length);
    pos += length;
    if (c >= smallest && std::binary_search(maybe.begin(), maybe.end(), c)) return false;
  }
  return true;
}

}  // namespace

std::string Nfc(std::string_view text) {
  if (IsNfcQuick(text)) return std::string(text);

  // 1. Full canonical decomposition.
  std::vector<char32_t> decomposed;
  decomposed.reserve(text.size() + 8);
  for (size_t pos = 0; pos < text.size();) {
    int length;
    AppendDecomposition(DecodeAt(text, pos, &length), &decomposed);
    pos += length;
  }
  std::vector<uint8_t> ranks(decomposed.size());
  for (size_t i = 0; i < decomposed.size(); ++i) ranks[i] = RankOf(decomposed[i]);

  // 2. Canonical ordering: insertion sort inside runs of non-starters (stable).
  for (size_t i = 1; i < decomposed.size(); ++i) {
    for (size_t j = i; j > 0 && ranks[j] != 0 && ranks[j - 1] > ranks[j]; --j) {
      std::swap(ranks[j - 1], ranks[j]);
      std::swap(decomposed[j - 1], decomposed[j]);
    }
  }

  // 3. Canonical composition. Invariant: composed[starter] is the last starter kept, and
  // last_rank is the rank of the last code point kept after it (0 when none is).
  std::vector<char32_t> composed;
  composed.reserve(decomposed.size());
  long starter = -1;
  uint8_t last_rank = 0;
  for (size_t i = 0; i < decomposed.size(); ++i) {
    const char32_t c = decomposed[i];
    const uint8_t rank = ranks[i];
    if (starter >= 0) {
      const bool adjacent = static_cast<long>(composed.size()) - 1 == starter;
      const bool blocked = !adjacent && (last_rank == 0 || last_rank >= rank);
      if (!blocked) {
        if (const char32_t composite = Compose(composed[starter], c)) {
          composed[starter] = composite;
          continue;
        }
      }
    }
    if (rank == 0) starter = static_cast<long>(composed.size());
    last_rank = rank;
    composed.push_back(c);
  }

  std::string out;
  out.reserve(text.size());
  for (char32_t c : composed) AppendUtf8(c, &out);
  return out;
}

}  // namespace steptree::unicode

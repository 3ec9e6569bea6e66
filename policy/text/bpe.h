// Byte-pair encoding over bytes, for byte-level BPE tokenizers (GPT-2, Llama-3, Qwen2).
// No torch here.
//
// Byte-level alphabet (GPT-2, Radford et al. 2019): tokenizer.json writes every byte as a
// printable code point: the bytes '!'..'~', 0xA1..0xAC and 0xAE..0xFF stand for
// themselves, the other 68 bytes, in increasing order, for U+0100, U+0101, ... (so a space
// is 'Ġ' U+0120 and '\n' is 'Ċ' U+010A). This module undoes that mapping once at load time
// and works on raw bytes.
//
// BPE (Sennrich et al. 2016, "Neural Machine Translation of Rare Words with Subword
// Units"): a word starts as its bytes; while some adjacent pair of symbols is listed in the
// merges, the pair with the lowest rank (its index in the merges list) is joined, the
// leftmost one among equal ranks. Implemented with a doubly linked list of symbols and a
// min-heap of candidate pairs keyed by (rank, position of the left symbol); a popped pair
// is stale when either symbol has changed since it was pushed (symbols only grow, so a
// changed symbol never equals its old value). O(n log n) per word of n bytes.
// With ignore_merges (Llama-3), a word that is itself a token is emitted whole.
//
// Thread safety: Encode is const and may be called from several threads; the per-word cache
// is guarded by a mutex.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace steptree {

// The code point that stands for `byte` in tokenizer.json.
char32_t ByteLevelCodePoint(uint8_t byte);
// Raw bytes of a byte-level token string, or nullopt when it holds a code point outside the
// alphabet.
std::optional<std::string> ByteLevelToBytes(std::string_view token);
// The byte-level form of raw bytes (inverse of ByteLevelToBytes).
std::string BytesToByteLevel(std::string_view bytes);
// `text` as a JSON string literal (invalid UTF-8 replaced by U+FFFD): tokens and names
// read from tokenizer files, quoted in error messages.
std::string JsonQuoted(const std::string& text);

class BytePairEncoder {
 public:
  // `token_ids`: raw bytes -> id for every token a word may become (the vocabulary, with
  // added tokens written over it as the reference does); `merges`: byte pairs in rank order
  // (a later duplicate overrides an earlier one, as in the reference). Throws InputError
  // naming `file` when a byte or a merge result has no id and `unk_id` < 0.
  BytePairEncoder(std::unordered_map<std::string, int> token_ids,
                  const std::vector<std::pair<std::string, std::string>>& merges,
                  bool ignore_merges, int unk_id, const std::string& file);

  // Appends the ids of `word` (raw bytes) to *ids.
  void Encode(std::string_view word, std::vector<int>* ids) const;

  // Id of a token given as raw bytes, or -1.
  int TokenId(std::string_view bytes) const;

 private:
  struct Merge {
    int rank;
    int merged;  // symbol id of left + right
  };
  int InternSymbol(const std::string& bytes);
  void EncodeWithMerges(std::string_view word, std::vector<int>* ids) const;

  static constexpr size_t kMaxCachedWordBytes = 256;
  static constexpr size_t kCacheCapacity = 1 << 16;

  std::unordered_map<std::string, int> token_ids_;
  bool ignore_merges_;
  // Symbols are interned byte strings; symbol b < 256 is the single byte b.
  std::unordered_map<std::string, int> symbol_ids_;
  std::vector<int> symbol_token_;  // symbol -> token id (unk when absent)
  std::unordered_map<uint64_t, Merge> merges_;  // (left symbol << 32 | right symbol) -> merge

  mutable std::mutex cache_mutex_;
  mutable std::unordered_map<std::string, std::vector<int>> cache_;  // guarded by cache_mutex_
};

}  // namespace steptree

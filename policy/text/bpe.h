// Byte-pair encoding for Hugging Face BPE models: byte-level (GPT-2, Llama-3, Qwen2,
// DeepSeek-V3) and SentencePiece-style (Llama-2, Mistral, Gemma, Gemma-3). No torch here.
//
// Byte-level alphabet (GPT-2, Radford et al. 2019): tokenizer.json writes every byte as a
// printable code point: the bytes '!'..'~', 0xA1..0xAC and 0xAE..0xFF stand for
// themselves, the other 68 bytes, in increasing order, for U+0100, U+0101, ... (so a space
// is 'Ġ' U+0120 and '\n' is 'Ċ' U+010A). For byte-level models the loader undoes that
// mapping once and the encoder works on raw bytes: a word starts as its bytes.
// SentencePiece-style models keep their tokens as written (a space is '▁' U+2581 after the
// normalizer or the Metaspace pre-tokenizer); a word starts as its code points (each
// invalid UTF-8 byte a symbol of its own).
//
// BPE (Sennrich et al. 2016, "Neural Machine Translation of Rare Words with Subword
// Units"): while some adjacent pair of symbols is listed in the merges, the pair with the
// lowest rank (its index in the merges list) is joined, the leftmost one among equal ranks,
// whether or not the joined symbol is a token (as @lenml/tokenizers 3.7.2 does).
// Implemented with a doubly linked list of symbols and a min-heap of candidate pairs keyed
// by (rank, position of the left symbol); a popped pair is stale when either symbol has
// changed since it was pushed (symbols only grow, so a changed symbol never equals its old
// value). O(n log n) per word of n symbols. With ignore_merges (Llama-3), a word that is
// itself a token is emitted whole.
// A final symbol that is no token becomes, with byte_fallback, the tokens <0x00>..<0xFF> of
// its UTF-8 bytes when all of them exist, else the unknown token (as the reference does).
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

#include "policy/text/bpe_tables.h"

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
// The byte-fallback token of a byte: "<0x0A>" for 10 (two upper-case hex digits).
std::string ByteFallbackToken(uint8_t byte);

// Pairs of strings in order, held in one buffer (the merges of a BPE model: 12 bytes a pair
// besides the text, where a vector of string pairs takes 64). Invariant: the buffer stays
// under 4 GiB (Add throws std::length_error past it).
class StringPairList {
 public:
  void Add(std::string_view first, std::string_view second);
  void Clear();
  size_t size() const { return pairs_.size(); }
  std::string_view first(size_t i) const { return {bytes_.data() + pairs_[i].offset, pairs_[i].first_size}; }
  std::string_view second(size_t i) const {
    return {bytes_.data() + pairs_[i].offset + pairs_[i].first_size, pairs_[i].second_size};
  }

 private:
  struct Pair {
    uint32_t offset, first_size, second_size;
  };
  std::string bytes_;
  std::vector<Pair> pairs_;
};

struct BpeSettings {
  bool code_points = false;    // a word starts as its code points, not its bytes
  bool ignore_merges = false;  // a word that is a token is emitted whole
  bool byte_fallback = false;  // a final symbol that is no token becomes <0xXX> tokens
  int unk_id = -1;             // the unknown token's id, or -1 when there is none
};

class BytePairEncoder {
 public:
  // `token_ids`: token -> id for every token a word may become (raw bytes for byte-level
  // models; the vocabulary with the added tokens written over it, as the reference does);
  // `merges`: pairs in rank order (a later duplicate overrides an earlier one, as in the
  // reference). Throws InputError naming `file` when a symbol could end up with no id: for
  // bytes, a byte or a merge result that is no token while unk_id < 0; for code points,
  // unk_id < 0 unless byte_fallback has all 256 byte tokens.
  BytePairEncoder(std::unordered_map<std::string, int> token_ids, const StringPairList& merges,
                  const BpeSettings& settings, const std::string& file);

  // Appends the ids of `word` (raw bytes) to *ids.
  void Encode(std::string_view word, std::vector<int>* ids) const;

  // Id of a token given as raw bytes, or -1.
  int TokenId(std::string_view bytes) const;

 private:
  static constexpr int kNoSymbol = -1;  // a code point no merge or token knows

  // The symbol of `text`, new ones with token `token`.
  int InternSymbol(std::string_view text, int token);
  void InternMerges(const StringPairList& merges, const std::string& file);
  void CheckCodePointFallback(const std::string& file);
  int CodePointSymbol(char32_t code_point) const;
  // The ids of a final symbol whose text is `text` (a slice of the word).
  void AppendSymbol(int symbol, std::string_view text, std::vector<int>* ids) const;
  void EncodeWithMerges(std::string_view word, std::vector<int>* ids) const;

  static constexpr size_t kMaxCachedWordBytes = 256;
  static constexpr size_t kCacheCapacity = 1 << 16;

  std::unordered_map<std::string, int> token_ids_;
  BpeSettings settings_;
  std::vector<int> byte_token_;  // byte -> id of its <0xXX> token, or -1 (byte_fallback)
  // Symbols are interned strings, every token among them; with bytes, symbol b < 256 is the
  // single byte b.
  StringIdTable symbols_;
  // symbol -> token id; -1 only for code points (its text then falls back, see above).
  std::vector<int> symbol_token_;
  std::vector<int> bmp_symbol_;                      // code points: U+0000..U+FFFF -> symbol or kNoSymbol
  std::unordered_map<char32_t, int> astral_symbol_;  // code points: the rest
  MergeTable merges_;  // (left symbol << 32 | right symbol) -> merge

  mutable std::mutex cache_mutex_;
  mutable std::unordered_map<std::string, std::vector<int>> cache_;  // guarded by cache_mutex_
};

}  // namespace steptree

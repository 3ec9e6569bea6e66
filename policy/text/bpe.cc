// Byte-pair encoding (bpe.h): the byte-level alphabet, the merge tables and the encoder.
#include "policy/text/bpe.h"

#include <array>
#include <queue>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "core/input_error.h"
#include "policy/text/unicode_text.h"

namespace steptree {
namespace {

bool StandsForItself(int byte) {
  return (byte >= '!' && byte <= '~') || (byte >= 0xA1 && byte <= 0xAC) || (byte >= 0xAE && byte <= 0xFF);
}

struct ByteLevelTables {
  std::array<char32_t, 256> code_point_of_byte{};
  std::array<int, 324> byte_of_code_point{};  // every alphabet code point is < 256 + 68
};

const ByteLevelTables& Tables() {
  static const ByteLevelTables tables = [] {
    ByteLevelTables t;
    t.byte_of_code_point.fill(-1);
    char32_t next_extra = 256;
    for (int byte = 0; byte < 256; ++byte) {
      const char32_t c = StandsForItself(byte) ? static_cast<char32_t>(byte) : next_extra++;
      t.code_point_of_byte[byte] = c;
      t.byte_of_code_point[c] = byte;
    }
    return t;
  }();
  return tables;
}

uint64_t PairKey(int left, int right) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) | static_cast<uint32_t>(right);
}

}  // namespace

std::string JsonQuoted(const std::string& text) {
  return nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string ByteFallbackToken(uint8_t byte) {
  static const char kHex[] = "0123456789ABCDEF";
  return std::string("<0x") + kHex[byte >> 4] + kHex[byte & 15] + ">";
}

void StringPairList::Add(std::string_view first, std::string_view second) {
  if (bytes_.size() + first.size() + second.size() > UINT32_MAX) throw std::length_error("StringPairList over 4 GiB");
  pairs_.push_back({static_cast<uint32_t>(bytes_.size()), static_cast<uint32_t>(first.size()),
                    static_cast<uint32_t>(second.size())});
  bytes_.append(first);
  bytes_.append(second);
}

void StringPairList::Clear() {
  bytes_.clear();
  pairs_.clear();
}

char32_t ByteLevelCodePoint(uint8_t byte) { return Tables().code_point_of_byte[byte]; }

std::optional<std::string> ByteLevelToBytes(std::string_view token) {
  const ByteLevelTables& tables = Tables();
  std::string bytes;
  bytes.reserve(token.size());
  for (size_t pos = 0; pos < token.size();) {
    int length;
    const char32_t c = unicode::DecodeAt(token, pos, &length);
    pos += length;
    if (c >= tables.byte_of_code_point.size() || tables.byte_of_code_point[c] < 0) return std::nullopt;
    bytes.push_back(static_cast<char>(tables.byte_of_code_point[c]));
  }
  return bytes;
}

std::string BytesToByteLevel(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char b : bytes) unicode::AppendUtf8(ByteLevelCodePoint(b), &out);
  return out;
}

BytePairEncoder::BytePairEncoder(std::unordered_map<std::string, int> token_ids, const StringPairList& merges,
                                 const BpeSettings& settings, const std::string& file)
    : token_ids_(std::move(token_ids)), settings_(settings) {
  symbols_.Reserve(token_ids_.size() + merges.size() / 8 + 512);
  symbol_token_.reserve(token_ids_.size() + merges.size() / 8 + 512);
  merges_.Reserve(merges.size());
  if (settings_.code_points) bmp_symbol_.assign(0x10000, kNoSymbol);
  for (int byte = 0; byte < 256 && !settings_.code_points; ++byte) {
    const std::string text(1, static_cast<char>(byte));
    InternSymbol(text, TokenId(text));
  }
  for (const auto& [text, id] : token_ids_) InternSymbol(text, id);
  InternMerges(merges, file);
  if (settings_.code_points) {
    CheckCodePointFallback(file);
    return;
  }
  // Bytes: every symbol a word can become (a byte or a merge result) needs an id.
  for (int byte = 0; byte < 256; ++byte) {
    if (symbol_token_[byte] >= 0) continue;
    if (settings_.unk_id < 0) {
      throw InputError(file, 0,
                       "byte token " + JsonQuoted(BytesToByteLevel(std::string(1, static_cast<char>(byte)))) +
                           " in \"model\".\"vocab\" (or an \"unk_token\")");
    }
    symbol_token_[byte] = settings_.unk_id;
  }
}

void BytePairEncoder::InternMerges(const StringPairList& merges, const std::string& file) {
  std::string merged_text;
  for (size_t rank = 0; rank < merges.size(); ++rank) {
    const int left = InternSymbol(merges.first(rank), -1);
    const int right = InternSymbol(merges.second(rank), -1);
    merged_text.assign(merges.first(rank));
    merged_text.append(merges.second(rank));
    const int merged = InternSymbol(merged_text, -1);
    if (!settings_.code_points && symbol_token_[merged] < 0) {
      if (settings_.unk_id < 0) {
        throw InputError(file, 0,
                         "the result of merge " + std::to_string(rank) + " " +
                             JsonQuoted(BytesToByteLevel(merged_text)) + " in \"model\".\"vocab\" (or an \"unk_token\")");
      }
      symbol_token_[merged] = settings_.unk_id;
    }
    merges_.Set(PairKey(left, right), BpeMerge{static_cast<int>(rank), merged});
  }
}

void BytePairEncoder::CheckCodePointFallback(const std::string& file) {
  bool all_bytes = settings_.byte_fallback;
  if (settings_.byte_fallback) {
    byte_token_.resize(256);
    for (int byte = 0; byte < 256; ++byte) {
      byte_token_[byte] = TokenId(ByteFallbackToken(static_cast<uint8_t>(byte)));
      all_bytes = all_bytes && byte_token_[byte] >= 0;
    }
  }
  if (settings_.unk_id < 0 && !all_bytes) {
    throw InputError(file, 0,
                     "an \"unk_token\", or \"byte_fallback\" with all 256 tokens <0x00>..<0xFF>: text may hold "
                     "characters outside the vocabulary");
  }
}

int BytePairEncoder::InternSymbol(std::string_view text, int token) {
  const int symbol = symbols_.Intern(text);
  if (symbol < static_cast<int>(symbol_token_.size())) return symbol;
  symbol_token_.push_back(token);
  int length = 0;
  if (settings_.code_points && !text.empty()) {
    const char32_t c = unicode::DecodeAt(text, 0, &length);
    if (c < unicode::kInvalidByteBase && static_cast<size_t>(length) == text.size()) {
      if (c < 0x10000) {
        bmp_symbol_[c] = symbol;
      } else {
        astral_symbol_[c] = symbol;
      }
    }
  }
  return symbol;
}

int BytePairEncoder::CodePointSymbol(char32_t c) const {
  if (c < 0x10000) return bmp_symbol_[c];
  const auto it = astral_symbol_.find(c);  // invalid bytes are never there
  return it == astral_symbol_.end() ? kNoSymbol : it->second;
}

int BytePairEncoder::TokenId(std::string_view bytes) const {
  const auto it = token_ids_.find(std::string(bytes));
  return it == token_ids_.end() ? -1 : it->second;
}

void BytePairEncoder::AppendSymbol(int symbol, std::string_view text, std::vector<int>* ids) const {
  if (symbol != kNoSymbol && symbol_token_[symbol] >= 0) {
    ids->push_back(symbol_token_[symbol]);
    return;
  }
  // Code points only: the symbol's UTF-8 bytes as byte tokens, or the unknown token.
  bool all_bytes = settings_.byte_fallback;
  for (size_t i = 0; all_bytes && i < text.size(); ++i) {
    all_bytes = byte_token_[static_cast<unsigned char>(text[i])] >= 0;
  }
  if (!all_bytes) {
    ids->push_back(settings_.unk_id);
    return;
  }
  for (unsigned char byte : text) ids->push_back(byte_token_[byte]);
}

void BytePairEncoder::Encode(std::string_view word, std::vector<int>* ids) const {
  if (word.empty()) return;
  if (settings_.ignore_merges) {
    const auto it = token_ids_.find(std::string(word));
    if (it != token_ids_.end()) {
      ids->push_back(it->second);
      return;
    }
  }
  if (word.size() == 1 && !settings_.code_points) {
    ids->push_back(symbol_token_[static_cast<unsigned char>(word[0])]);
    return;
  }
  const bool cacheable = word.size() <= kMaxCachedWordBytes;
  std::string key;
  if (cacheable) {
    key.assign(word);
    std::lock_guard<std::mutex> lock(cache_mutex_);
    const auto it = cache_.find(key);
    if (it != cache_.end()) {
      ids->insert(ids->end(), it->second.begin(), it->second.end());
      return;
    }
  }
  const size_t first = ids->size();
  EncodeWithMerges(word, ids);
  if (cacheable) {
    std::lock_guard<std::mutex> lock(cache_mutex_);
    if (cache_.size() >= kCacheCapacity) cache_.clear();
    cache_.emplace(std::move(key), std::vector<int>(ids->begin() + first, ids->end()));
  }
}

void BytePairEncoder::EncodeWithMerges(std::string_view word, std::vector<int>* ids) const {
  // The initial symbols (bytes or code points) with their byte offsets in the word; symbols
  // form a linked list over positions, and a merge keeps the left position.
  std::vector<int> symbol, offset;
  symbol.reserve(word.size());
  offset.reserve(word.size() + 1);
  for (size_t pos = 0; pos < word.size();) {
    int length = 1;
    offset.push_back(static_cast<int>(pos));
    if (settings_.code_points) {
      const char32_t c = unicode::DecodeAt(word, pos, &length);
      symbol.push_back(c < unicode::kInvalidByteBase ? CodePointSymbol(c) : kNoSymbol);
    } else {
      symbol.push_back(static_cast<unsigned char>(word[pos]));
    }
    pos += length;
  }
  const int n = static_cast<int>(symbol.size());
  offset.push_back(static_cast<int>(word.size()));
  std::vector<int> next(n), prev(n);
  std::vector<char> alive(n, 1);
  for (int i = 0; i < n; ++i) {
    next[i] = i + 1 < n ? i + 1 : -1;
    prev[i] = i - 1;
  }
  struct Candidate {
    int rank, position, left, right, merged;
    bool operator>(const Candidate& other) const {
      return rank != other.rank ? rank > other.rank : position > other.position;
    }
  };
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<Candidate>> heap;
  auto push_pair = [&](int position) {
    if (position < 0 || next[position] < 0) return;
    const int left = symbol[position], right = symbol[next[position]];
    if (left == kNoSymbol || right == kNoSymbol) return;
    if (const BpeMerge* merge = merges_.Find(PairKey(left, right))) {
      heap.push({merge->rank, position, left, right, merge->merged});
    }
  };
  for (int i = 0; i + 1 < n; ++i) push_pair(i);
  while (!heap.empty()) {
    const Candidate top = heap.top();
    heap.pop();
    const int left = top.position, right = next[left];
    if (!alive[left] || right < 0 || symbol[left] != top.left || symbol[right] != top.right) {
      continue;  // stale: a neighbour merged since this pair was pushed
    }
    symbol[left] = top.merged;
    alive[right] = 0;
    next[left] = next[right];
    if (next[left] >= 0) prev[next[left]] = left;
    push_pair(prev[left]);
    push_pair(left);
  }
  for (int i = 0; i >= 0; i = next[i]) {
    const int end = next[i] >= 0 ? offset[next[i]] : offset[n];
    AppendSymbol(symbol[i], word.substr(offset[i], end - offset[i]), ids);
  }
}

}  // namespace steptree

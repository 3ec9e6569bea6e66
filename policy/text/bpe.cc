#include "policy/text/bpe.h"

#include <array>
#include <queue>

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

BytePairEncoder::BytePairEncoder(std::unordered_map<std::string, int> token_ids,
                                 const std::vector<std::pair<std::string, std::string>>& merges,
                                 bool ignore_merges, int unk_id, const std::string& file)
    : token_ids_(std::move(token_ids)), ignore_merges_(ignore_merges) {
  // Every symbol a word can become (a byte or a merge result) needs an id.
  auto require_token = [&](int symbol, const std::string& bytes, const std::string& where) {
    if (symbol_token_[symbol] >= 0) return;
    if (unk_id < 0) {
      throw InputError(file, 0,
                       where + " " + JsonQuoted(BytesToByteLevel(bytes)) +
                           " in \"model\".\"vocab\" (or an \"unk_token\")");
    }
    symbol_token_[symbol] = unk_id;
  };
  symbol_ids_.reserve(token_ids_.size() + 512);
  symbol_token_.reserve(token_ids_.size() + 512);
  merges_.reserve(merges.size());
  for (int byte = 0; byte < 256; ++byte) {
    const std::string bytes(1, static_cast<char>(byte));
    require_token(InternSymbol(bytes), bytes, "byte token");
  }
  for (size_t rank = 0; rank < merges.size(); ++rank) {
    const auto& [left_bytes, right_bytes] = merges[rank];
    const int left = InternSymbol(left_bytes);
    const int right = InternSymbol(right_bytes);
    const std::string merged_bytes = left_bytes + right_bytes;
    const int merged = InternSymbol(merged_bytes);
    require_token(merged, merged_bytes, "the result of merge " + std::to_string(rank));
    merges_[PairKey(left, right)] = Merge{static_cast<int>(rank), merged};
  }
}

int BytePairEncoder::InternSymbol(const std::string& bytes) {
  auto [it, inserted] = symbol_ids_.try_emplace(bytes, static_cast<int>(symbol_token_.size()));
  if (inserted) {
    const auto token = token_ids_.find(bytes);
    symbol_token_.push_back(token == token_ids_.end() ? -1 : token->second);
  }
  return it->second;
}

int BytePairEncoder::TokenId(std::string_view bytes) const {
  const auto it = token_ids_.find(std::string(bytes));
  return it == token_ids_.end() ? -1 : it->second;
}

void BytePairEncoder::Encode(std::string_view word, std::vector<int>* ids) const {
  if (word.empty()) return;
  if (ignore_merges_) {
    const auto it = token_ids_.find(std::string(word));
    if (it != token_ids_.end()) {
      ids->push_back(it->second);
      return;
    }
  }
  if (word.size() == 1) {
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
  // Symbols of the word as a linked list over positions; a merge keeps the left position.
  const int n = static_cast<int>(word.size());
  std::vector<int> symbol(n), next(n), prev(n);
  std::vector<char> alive(n, 1);
  for (int i = 0; i < n; ++i) {
    symbol[i] = static_cast<unsigned char>(word[i]);
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
    const auto it = merges_.find(PairKey(symbol[position], symbol[next[position]]));
    if (it != merges_.end()) {
      heap.push({it->second.rank, position, symbol[position], symbol[next[position]], it->second.merged});
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
  for (int i = 0; i >= 0; i = next[i]) ids->push_back(symbol_token_[symbol[i]]);
}

}  // namespace steptree

// Reading the JSON files of a Hugging Face tokenizer with memory bounded by the documented
// limits. No torch here.
//
// A JSON tree costs nlohmann 50 to 100 bytes a value, so a 256 MiB tokenizer.json of tiny
// entries would take gigabytes before any count could be checked. Instead the text is read
// by nlohmann's SAX parser: "model"."vocab" (when an object) and "model"."merges" (when an
// array) go straight into compact lists, counted as they come, and only the rest becomes a
// tree, of at most kMaxTokenizerJsonValues values. So loading takes about the file size
// plus the tables built from it (docs/user-guide.md, "Limits and safety", has the figures).
//
// Limits (each an InputError naming the file, raised as soon as it is passed):
//   kMaxTokenizerFileBytes   size of tokenizer.json, tokenizer_config.json and the other
//                            JSON files of the tokenizer (Gemma-3's tokenizer.json, among
//                            the largest, is 33 MB), checked from the file size;
//   kMaxTokenizerVocab, kMaxTokenizerMerges (hf_tokenizer.h), kMaxTokenizerJsonValues.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "policy/text/bpe.h"

namespace steptree {

constexpr uint64_t kMaxTokenizerFileBytes = uint64_t{64} << 20;  // 64 MiB
constexpr size_t kMaxTokenizerJsonValues = size_t{1} << 20;      // values outside vocab and merges

// (token, id) pairs in file order, held in one buffer. Invariant: ids are in 0..2^31-1.
class TokenIdList {
 public:
  void Add(std::string_view token, int id);
  void Clear();
  size_t size() const { return entries_.size(); }
  std::string_view token(size_t i) const {
    return {bytes_.data() + entries_[i].offset, entries_[i].size};
  }
  int id(size_t i) const { return entries_[i].id; }

 private:
  struct Entry {
    uint32_t offset, size;
    int id;
  };
  std::string bytes_;
  std::vector<Entry> entries_;
};

struct TokenizerJson {
  // The document without "model"."vocab" when vocab_read, without "model"."merges" when
  // merges_read.
  nlohmann::json document;
  bool vocab_read = false, merges_read = false;
  TokenIdList vocab;  // "model"."vocab" entries, duplicates included (the later one counts)
  // "model"."merges": "a b" split at the first space (the part after it up to the next
  // space is the second), or ["a", "b"].
  StringPairList merges;
};

// Parses tokenizer.json's text (`path` names it in errors): the document must be an object.
// InputError for invalid JSON, nesting deeper than kMaxJsonDepth, more than
// kMaxTokenizerVocab vocabulary entries, kMaxTokenizerMerges merges or
// kMaxTokenizerJsonValues other values, a vocabulary id that is not an integer in
// 0..2^31-1, and a merge that is neither "a b" nor ["a", "b"].
TokenizerJson ParseTokenizerJson(std::string_view text, const std::string& path);

// Parses another JSON file of the tokenizer (tokenizer_config.json, generation_config.json,
// chat_template.json): an object of at most kMaxTokenizerJsonValues values.
nlohmann::json ParseTokenizerConfigJson(std::string_view text, const std::string& path);

// Reads and parses such a file (InputError naming it when it is missing, unreadable or over
// kMaxTokenizerFileBytes; `what` describes the file expected in that message).
std::string ReadTokenizerFile(const std::string& path, const std::string& what);

}  // namespace steptree

// ParseTokenizerJson (tokenizer_json.h): nlohmann's SAX parser feeding compact vocabulary
// and merge lists and a bounded tree for the rest.
#include "policy/text/tokenizer_json.h"

#include <filesystem>
#include <fstream>
#include <limits>

#include "core/input_error.h"
#include "core/json_file.h"
#include "policy/text/hf_tokenizer.h"  // kMaxTokenizerVocab, kMaxTokenizerMerges

namespace steptree {
namespace {

using nlohmann::json;

// Builds the tree of everything but the captured lists. Where a value goes: the top of
// `open_` (an array, or an object under `key_`); `keys_[i]` is the key `open_[i]` sits under.
class TokenizerJsonReader {
 public:
  TokenizerJsonReader(TokenizerJson* out, const std::string& path, bool capture_model_lists)
      : out_(out), path_(path), capture_(capture_model_lists) {}

  bool null() { return Value(json()); }
  bool boolean(bool value) { return Value(json(value)); }
  bool number_integer(json::number_integer_t value) { return Value(json(value)); }
  bool number_unsigned(json::number_unsigned_t value) { return Value(json(value)); }
  bool number_float(json::number_float_t value, const json::string_t&) {
    return Value(json(value));
  }
  bool string(json::string_t& value) { return Value(json(std::move(value))); }
  bool binary(json::binary_t&) { return Fail("no binary values"); }
  bool key(json::string_t& key) {
    if (mode_ == Mode::kVocab) {
      token_ = std::move(key);
    } else {
      key_ = std::move(key);
    }
    return true;
  }
  bool start_object(std::size_t) {
    if (mode_ != Mode::kTree) return List(ListEvent::kStartObject);
    if (InModel("vocab")) {
      mode_ = Mode::kVocab;
      out_->vocab.Clear();
      out_->vocab_read = true;
      return true;
    }
    return Open(json::object());
  }
  bool end_object() {
    if (mode_ == Mode::kVocab) {
      mode_ = Mode::kTree;
      return true;
    }
    return Close();
  }
  bool start_array(std::size_t) {
    if (mode_ != Mode::kTree) return List(ListEvent::kStartArray);
    if (InModel("merges")) {
      mode_ = Mode::kMerges;
      out_->merges.Clear();
      out_->merges_read = true;
      return true;
    }
    return Open(json::array());
  }
  bool end_array() {
    if (mode_ != Mode::kMerges) return Close();
    if (pair_open_) {
      if (pair_.size() != 2) return BadMerge();
      AddMerge(pair_[0], pair_[1]);
      pair_open_ = false;
      return true;
    }
    mode_ = Mode::kTree;
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) {
    throw InputError(path_, 0, std::string("valid JSON (") + e.what() + ")");
  }

 private:
  enum class Mode { kTree, kVocab, kMerges };
  enum class ListEvent { kStartObject, kStartArray, kScalar };

  [[noreturn]] bool Fail(const std::string& expected) const {
    throw InputError(path_, 0, expected);
  }

  // The next value is "model".`name` of the root object.
  bool InModel(const char* name) const {
    return capture_ && open_.size() == 2 && keys_[1] == "model" && open_[1]->is_object() &&
           key_ == name;
  }

  json* Insert(json value) {
    if (++values_ > kMaxTokenizerJsonValues) {
      Fail("at most " + std::to_string(kMaxTokenizerJsonValues) +
           " JSON values (besides \"model\".\"vocab\" and "
           "\"model\".\"merges\")");
    }
    if (open_.empty()) {
      if (!value.is_object()) Fail("a JSON object");
      out_->document = std::move(value);
      return &out_->document;
    }
    json& top = *open_.back();
    if (top.is_array()) {
      top.push_back(std::move(value));
      return &top.back();
    }
    if (open_.size() == 1 && key_ == "model") {  // a new "model" replaces the lists read
      out_->vocab_read = out_->merges_read = false;
    } else if (open_.size() == 2 && keys_[1] == "model" && (key_ == "vocab" || key_ == "merges")) {
      (key_ == "vocab" ? out_->vocab_read : out_->merges_read) = false;
    }
    json& slot = top[key_];
    slot = std::move(value);
    return &slot;
  }

  bool Value(json value) {
    if (mode_ == Mode::kTree) {
      Insert(std::move(value));
      return true;
    }
    if (mode_ == Mode::kVocab) return VocabId(value);
    if (!value.is_string()) return BadMerge();
    if (pair_open_) {
      if (pair_.size() == 2) return BadMerge();
      pair_.push_back(value.get<std::string>());
      return true;
    }
    const std::string& text = value.get_ref<const std::string&>();
    const size_t space = text.find(' ');
    if (space == std::string::npos) return BadMerge();
    const size_t end = text.find(' ', space + 1);
    AddMerge(std::string_view(text).substr(0, space),
             std::string_view(text).substr(space + 1, end == std::string::npos ? std::string::npos
                                                                               : end - space - 1));
    return true;
  }

  bool VocabId(const json& value) {
    if (!value.is_number_integer() || value.get<int64_t>() < 0 ||
        value.get<int64_t>() > std::numeric_limits<int>::max()) {
      Fail("vocabulary ids to be integers in 0.." +
           std::to_string(std::numeric_limits<int>::max()) + ", got " + value.dump() + " for " +
           JsonQuoted(token_));
    }
    if (out_->vocab.size() >= kMaxTokenizerVocab) {
      Fail("a vocabulary of at most " + std::to_string(kMaxTokenizerVocab) + " tokens");
    }
    out_->vocab.Add(token_, value.get<int>());
    return true;
  }

  // A container or scalar inside the vocabulary or the merges.
  bool List(ListEvent event) {
    if (mode_ == Mode::kVocab) {
      Fail("vocabulary ids to be integers, got an " +
           std::string(event == ListEvent::kStartObject ? "object" : "array") + " for " +
           JsonQuoted(token_));
    }
    if (event != ListEvent::kStartArray || pair_open_) return BadMerge();
    pair_open_ = true;
    pair_.clear();
    return true;
  }

  void AddMerge(std::string_view first, std::string_view second) {
    if (out_->merges.size() >= kMaxTokenizerMerges)
      Fail("at most " + std::to_string(kMaxTokenizerMerges) + " merges");
    out_->merges.Add(first, second);
  }

  bool BadMerge() const {
    Fail("merge " + std::to_string(out_->merges.size()) + " to be \"a b\" or [\"a\", \"b\"]");
  }

  bool Open(json container) {
    json* placed = Insert(std::move(container));
    keys_.push_back(open_.empty() || open_.back()->is_array() ? std::string() : key_);
    open_.push_back(placed);
    return true;
  }

  bool Close() {
    open_.pop_back();
    keys_.pop_back();
    return true;
  }

  TokenizerJson* out_;
  const std::string& path_;
  const bool capture_;
  Mode mode_ = Mode::kTree;
  std::vector<json*> open_;
  std::vector<std::string> keys_;
  std::string key_, token_;
  size_t values_ = 0;
  bool pair_open_ = false;  // inside a merge written as ["a", "b"]
  std::vector<std::string> pair_;
};

TokenizerJson ParseTokenizerDocument(std::string_view text, const std::string& path,
                                     bool capture_model_lists) {
  CheckJsonNesting(text, path);
  TokenizerJson result;
  TokenizerJsonReader reader(&result, path, capture_model_lists);
  json::sax_parse(text.data(), text.data() + text.size(), &reader);
  if (!result.document.is_object()) throw InputError(path, 0, "a JSON object");
  return result;
}

}  // namespace

void TokenIdList::Add(std::string_view token, int id) {
  if (bytes_.size() + token.size() > UINT32_MAX) throw std::length_error("TokenIdList over 4 GiB");
  entries_.push_back({static_cast<uint32_t>(bytes_.size()), static_cast<uint32_t>(token.size()),
                      id});
  bytes_.append(token);
}

void TokenIdList::Clear() {
  bytes_.clear();
  entries_.clear();
}

TokenizerJson ParseTokenizerJson(std::string_view text, const std::string& path) {
  return ParseTokenizerDocument(text, path, true);
}

nlohmann::json ParseTokenizerConfigJson(std::string_view text, const std::string& path) {
  return std::move(ParseTokenizerDocument(text, path, false).document);
}

std::string ReadTokenizerFile(const std::string& path, const std::string& what) {
  std::error_code ec;
  const uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec || size > kMaxTokenizerFileBytes || !std::filesystem::is_regular_file(path, ec)) {
    return ReadTextFile(path, kMaxTokenizerFileBytes,
                        what);  // its errors, or a FIFO read in chunks
  }
  // A regular file: read at once into a string of its size (no doubling while it grows).
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, 0, what);
  std::string text(static_cast<size_t>(size), '\0');
  in.read(text.data(), static_cast<std::streamsize>(size));
  if (static_cast<uintmax_t>(in.gcount()) != size || in.get() != std::char_traits<char>::eof()) {
    return ReadTextFile(path, kMaxTokenizerFileBytes, what);  // changed while read
  }
  return text;
}

}  // namespace steptree

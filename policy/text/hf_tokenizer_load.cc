// HfTokenizer::Load (hf_tokenizer.h): reads tokenizer.json, tokenizer_config.json and
// generation_config.json of a Hugging Face model directory into the parts HfTokenizer runs,
// as @lenml/tokenizers 3.7.2 builds them. Every feature that would change the ids and is
// not implemented is refused with an InputError naming the file.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/input_error.h"
#include "core/json_file.h"
#include "policy/text/bpe.h"  // JsonQuoted
#include "policy/text/hf_tokenizer.h"
#include "policy/text/tokenizer_json.h"

namespace steptree {
namespace {

using nlohmann::json;

// A JSON file of the tokenizer other than tokenizer.json, parsed with bounded memory.
json ParseJsonFile(const std::string& path) {
  return ParseTokenizerConfigJson(ReadTokenizerFile(path, "a readable file"), path);
}

// "ByteLevel", or a Sequence of exactly one ByteLevel.
bool IsByteLevelDecoder(const json& decoder) {
  if (!decoder.is_object()) return false;
  const auto type = decoder.find("type");
  if (type == decoder.end() || !type->is_string()) return false;
  if (*type == "ByteLevel") return true;
  const auto list = decoder.find("decoders");
  return *type == "Sequence" && list != decoder.end() && list->is_array() && list->size() == 1 &&
         IsByteLevelDecoder((*list)[0]);
}

// Any {"type": "ByteLevel"} inside a pre-tokenizer.
bool HasByteLevel(const json& value) {
  if (value.is_array()) return std::any_of(value.begin(), value.end(), HasByteLevel);
  if (!value.is_object()) return false;
  const auto type = value.find("type");
  if (type != value.end() && *type == "ByteLevel") return true;
  return std::any_of(value.begin(), value.end(), HasByteLevel);
}

// object[key], or null when absent; never copies.
const json& Field(const json& object, const char* key) {
  static const json null_value;
  const auto it = object.find(key);
  return it == object.end() ? null_value : *it;
}

bool Flag(const json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_boolean() && it->get<bool>();
}

std::string StringOr(const json& object, const char* key, const std::string& fallback) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : fallback;
}

// A token named in tokenizer_config.json: a string, or an object with "content"
// (the serialized AddedToken); nullopt for null or absent.
std::optional<std::string> ConfigToken(const json& config, const char* key, const std::string& file) {
  const auto it = config.find(key);
  if (it == config.end() || it->is_null()) return std::nullopt;
  if (it->is_string()) return it->get<std::string>();
  if (it->is_object() && it->contains("content") && (*it)["content"].is_string()) {
    return (*it)["content"].get<std::string>();
  }
  throw InputError(file, 0, std::string("\"") + key + "\" to be a string, null or {\"content\": ...}");
}

// generation_config.json's ids under `key`: an integer or a list of integers.
std::vector<int> ConfigIds(const json& config, const char* key, const std::string& file) {
  const auto it = config.find(key);
  if (it == config.end() || it->is_null()) return {};
  std::vector<int> ids;
  const json list = it->is_array() ? *it : json::array({*it});
  for (const json& id : list) {
    if (!id.is_number_integer() || id.get<long>() < 0 || id.get<long>() > (1L << 30)) {
      throw InputError(file, 0, std::string("\"") + key + "\" to be a token id or a list of them");
    }
    ids.push_back(id.get<int>());
  }
  return ids;
}

}  // namespace

// Builds an HfTokenizer step by step; a friend of HfTokenizer.
class HfTokenizerLoader {
 public:
  HfTokenizerLoader(const std::string& model_dir, const HfTokenizerOptions& options)
      : dir_(model_dir),
        tokenizer_json_path_((dir_ / "tokenizer.json").string()),
        config_path_((dir_ / "tokenizer_config.json").string()),
        options_(options) {}

  std::unique_ptr<HfTokenizer> Load() {
    const std::string what = "a readable file (a Hugging Face tokenizer needs tokenizer.json and tokenizer_config.json)";
    TokenizerJson tokenizer = ParseTokenizerJson(ReadTokenizerFile(tokenizer_json_path_, what), tokenizer_json_path_);
    const json config = ParseTokenizerConfigJson(ReadTokenizerFile(config_path_, what), config_path_);
    return Build(&tokenizer, config);
  }

  // From the files' texts; no other file of a model directory is read.
  std::unique_ptr<HfTokenizer> LoadText(const std::string& tokenizer_text, const std::string& config_text) {
    side_files_ = false;
    tokenizer_json_path_ = "tokenizer.json";
    config_path_ = "tokenizer_config.json";
    TokenizerJson tokenizer = ParseTokenizerJson(tokenizer_text, tokenizer_json_path_);
    const json config = ParseTokenizerConfigJson(config_text, config_path_);
    return Build(&tokenizer, config);
  }

 private:
  std::unique_ptr<HfTokenizer> Build(TokenizerJson* parts, const json& config) {
    if (options_.step_delimiter.empty()) throw std::invalid_argument("empty step delimiter");
    const json& tokenizer = parts->document;
    result_.reset(new HfTokenizer());
    result_->step_delimiter_ = options_.step_delimiter;
    LoadPipeline(tokenizer, CheckConfig(config));
    const json& added = Field(tokenizer, "added_tokens");
    LoadAddedTokens(added.is_null() ? json::array() : added, config);
    LoadModel(Field(tokenizer, "model"), parts);
    LoadPostProcessor(Field(tokenizer, "post_processor"));
    LoadSpecialIds(config);
    LoadChatTemplate(config);
    MarkStepEnds();
    return std::move(result_);
  }

  [[noreturn]] void Fail(const std::string& expected) const {
    throw InputError(tokenizer_json_path_, 0, expected);
  }

  // tokenizer_config.json settings under which the reference would not run the
  // tokenizer.json pipeline as it is. True for a LlamaTokenizer whose "legacy" is false
  // (or another JavaScript falsy value but null): the reference then replaces the
  // normalizer and the pre-tokenizer (hf_tokenizer.h, step 0).
  bool CheckConfig(const json& config) const {
    if (Flag(config, "remove_space")) {
      throw InputError(config_path_, 0, "no \"remove_space\": true (unsupported)");
    }
    if (Flag(config, "do_lowercase_and_remove_accent")) {
      throw InputError(config_path_, 0, "no \"do_lowercase_and_remove_accent\": true (unsupported)");
    }
    std::string tokenizer_class = StringOr(config, "tokenizer_class", "");
    if (tokenizer_class.size() > 4 && tokenizer_class.compare(tokenizer_class.size() - 4, 4, "Fast") == 0) {
      tokenizer_class.resize(tokenizer_class.size() - 4);
    }
    const auto legacy = config.find("legacy");
    const bool falsy = legacy != config.end() &&
                       ((legacy->is_boolean() && !legacy->get<bool>()) ||
                        (legacy->is_number() && legacy->get<double>() == 0) ||
                        (legacy->is_string() && legacy->get_ref<const std::string&>().empty()));
    return tokenizer_class == "LlamaTokenizer" && falsy;
  }

  // Normalizer, pre-tokenizer and decoder; byte-level or SentencePiece-style.
  void LoadPipeline(const json& tokenizer, bool legacy_free) {
    HfTokenizer& t = *result_;
    const json& pre_tokenizer = Field(tokenizer, "pre_tokenizer");
    if (legacy_free) {
      // The reference replaces both, so they are not read (nor refused).
      if (HasByteLevel(pre_tokenizer)) {
        throw InputError(config_path_, 0,
                         "no LlamaTokenizer with \"legacy\": false for a byte-level tokenizer.json (the reference "
                         "would replace its ByteLevel pre-tokenizer with Metaspace)");
      }
      t.legacy_free_ = true;
      t.pre_tokenizer_.emplace(PreTokenizer::LegacyFreeMetaspace());
    } else {
      t.normalizer_ = TextNormalizer::FromJson(Field(tokenizer, "normalizer"), tokenizer_json_path_);
      t.pre_tokenizer_.emplace(PreTokenizer::FromJson(pre_tokenizer, tokenizer_json_path_, t.normalizer_));
    }
    t.byte_level_ = t.pre_tokenizer_->byte_level();
    const json& decoder = Field(tokenizer, "decoder");
    if (!IsByteLevelDecoder(decoder)) t.decoder_.emplace(TokenDecoder::FromJson(decoder, tokenizer_json_path_));
    if (t.byte_level_ && t.decoder_) Fail("a ByteLevel decoder with the ByteLevel pre-tokenizer");
    if (!t.byte_level_ && !t.decoder_) {
      Fail("a ByteLevel pre-tokenizer with the ByteLevel decoder (or a SentencePiece-style decoder)");
    }
  }

  void LoadAddedTokens(const json& list, const json& config) {
    if (!list.is_array()) Fail("\"added_tokens\" to be an array");
    std::vector<std::string> extra_special;
    const auto additional = config.find("additional_special_tokens");
    if (additional != config.end() && additional->is_array()) {
      for (const json& item : *additional) {
        if (item.is_string()) extra_special.push_back(item.get<std::string>());
        if (item.is_object() && item.contains("content") && item["content"].is_string()) {
          extra_special.push_back(item["content"].get<std::string>());
        }
      }
    }
    if (list.size() > kMaxAddedTokens) {
      Fail("at most " + std::to_string(kMaxAddedTokens) + " \"added_tokens\", got " + std::to_string(list.size()));
    }
    for (const json& item : list) {
      const json& id = Field(item, "id");
      if (!item.is_object() || !id.is_number_integer() || id.get<long>() < 0 || id.get<long>() > (1L << 30) ||
          !Field(item, "content").is_string()) {
        Fail("each added token to have an integer \"id\" >= 0 and a string \"content\"");
      }
      HfTokenizer::AddedToken token;
      token.id = item["id"].get<int>();
      token.content = item["content"].get<std::string>();
      token.lstrip = Flag(item, "lstrip");
      token.rstrip = Flag(item, "rstrip");
      token.special = Flag(item, "special") || std::count(extra_special.begin(), extra_special.end(), token.content);
      result_->added_.push_back(std::move(token));
    }
    for (int i = 0; i < static_cast<int>(result_->added_.size()); ++i) {
      result_->added_by_content_[result_->added_[i].content] = i;  // a later duplicate wins, as in a JS Map
    }
    BuildAddedTrie();
  }

  // The trie MatchAddedToken walks (an empty content never matches).
  void BuildAddedTrie() {
    HfTokenizer& t = *result_;
    t.added_root_.assign(256, -1);
    for (int i = 0; i < static_cast<int>(t.added_.size()); ++i) {
      const std::string& content = t.added_[i].content;
      if (content.empty()) continue;
      int& root = t.added_root_[static_cast<unsigned char>(content[0])];
      if (root < 0) {
        root = static_cast<int>(t.added_trie_.size());
        t.added_trie_.emplace_back();
      }
      int node = root;
      for (size_t k = 1; k < content.size(); ++k) {
        const auto byte = static_cast<unsigned char>(content[k]);
        auto& children = t.added_trie_[node].children;
        auto child = std::lower_bound(children.begin(), children.end(), std::make_pair(byte, -1));
        if (child == children.end() || child->first != byte) {
          const int created = static_cast<int>(t.added_trie_.size());
          children.insert(child, {byte, created});
          t.added_trie_.emplace_back();  // invalidates `children`: not used after this
          node = created;
        } else {
          node = child->second;
        }
      }
      t.added_trie_[node].token = i;
    }
  }

  void LoadModel(const json& model, TokenizerJson* parts) {
    HfTokenizer& t = *result_;
    if (!model.is_object()) Fail("a \"model\" object");
    const std::string type = StringOr(model, "type", "BPE");
    if (type != "BPE") Fail("model type BPE, got " + JsonQuoted(type));
    BpeSettings settings;
    settings.code_points = !t.byte_level_;
    settings.ignore_merges = Flag(model, "ignore_merges");
    settings.byte_fallback = Flag(model, "byte_fallback");
    if (settings.byte_fallback && t.byte_level_) {
      Fail("no \"byte_fallback\": true with the ByteLevel pre-tokenizer (byte-level BPE needs none)");
    }
    for (const char* key : {"end_of_word_suffix", "continuing_subword_prefix"}) {
      if (!StringOr(model, key, "").empty()) Fail(std::string("an empty \"") + key + "\" (unsupported)");
    }
    if (!parts->vocab_read) Fail("\"model\".\"vocab\" to be an object of token -> id");
    if (!parts->merges_read) Fail("\"model\".\"merges\" to be an array");

    std::unordered_map<std::string, int> token_ids = LoadVocabulary(parts->vocab);
    parts->vocab = TokenIdList();  // free it before the encoder's tables are built
    const std::optional<std::string> unk = ConfigToken(model, "unk_token", tokenizer_json_path_);
    if (unk && Flag(model, "fuse_unk")) {
      // The reference fuses runs of the vocabulary's id for unk_token (added tokens aside).
      const std::optional<std::string> key = t.byte_level_ ? ByteLevelToBytes(*unk) : unk;
      const auto& map = key ? token_ids : t.other_vocab_;
      const auto it = map.find(key.value_or(*unk));
      t.fuse_unk_id_ = it == map.end() ? -1 : it->second;
    }
    AddAddedTokens(&token_ids);
    if (unk) settings.unk_id = UnknownId(*unk, token_ids);
    StringPairList converted;
    if (t.byte_level_) {
      for (size_t i = 0; i < parts->merges.size(); ++i) {
        // Parts outside the byte-level alphabet can never be formed: such a merge never fires.
        const std::optional<std::string> left = ByteLevelToBytes(parts->merges.first(i));
        const std::optional<std::string> right = ByteLevelToBytes(parts->merges.second(i));
        if (left && right) converted.Add(*left, *right);
      }
      parts->merges = StringPairList();
    }
    t.bpe_.emplace(std::move(token_ids), t.byte_level_ ? converted : parts->merges, settings, tokenizer_json_path_);
    if (t.legacy_free_) t.metaspace_id_ = t.TokenId("\xE2\x96\x81");
  }

  // The vocabulary-only token -> id map (byte-level: raw bytes -> id; the later of two
  // equal tokens counts); fills token_text_ and other_vocab_.
  std::unordered_map<std::string, int> LoadVocabulary(const TokenIdList& vocab) {
    HfTokenizer& t = *result_;
    // Ids index arrays: a file from a stranger must not make them huge.
    const long id_limit = static_cast<long>(vocab.size() + t.added_.size()) + 65536;
    for (const HfTokenizer::AddedToken& token : t.added_) {
      if (token.id >= id_limit) {
        Fail("added token ids below " + std::to_string(id_limit) + ", got " + std::to_string(token.id));
      }
    }
    std::unordered_map<std::string, int> token_ids;
    token_ids.reserve(vocab.size() + t.added_.size());
    std::vector<std::optional<std::string>> bytes(t.byte_level_ ? vocab.size() : 0);
    for (size_t i = 0; i < vocab.size(); ++i) {
      if (vocab.id(i) >= id_limit) {
        Fail("vocabulary ids to be integers in 0.." + std::to_string(id_limit - 1) + ", got " +
             std::to_string(vocab.id(i)) + " for " + JsonQuoted(std::string(vocab.token(i))));
      }
      if (!t.byte_level_) {
        token_ids.insert_or_assign(std::string(vocab.token(i)), vocab.id(i));
      } else if ((bytes[i] = ByteLevelToBytes(vocab.token(i)))) {
        token_ids.insert_or_assign(*bytes[i], vocab.id(i));
      } else {
        t.other_vocab_.insert_or_assign(std::string(vocab.token(i)), vocab.id(i));  // only TokenId reaches it
      }
    }
    // Per id its text, from the entries that count (as the reference's id -> token array).
    for (size_t i = 0; i < vocab.size(); ++i) {
      const int id = vocab.id(i);
      const bool in_alphabet = !t.byte_level_ || bytes[i].has_value();
      const std::string key = in_alphabet && t.byte_level_ ? *bytes[i] : std::string(vocab.token(i));
      const auto& map = in_alphabet ? token_ids : t.other_vocab_;
      if (map.at(key) != id) continue;
      if (static_cast<int>(t.token_text_.size()) <= id) t.token_text_.resize(id + 1);
      t.token_text_[id] = key;  // byte-level: the bytes; else the token as written
    }
    return token_ids;
  }

  // The added tokens written over the vocabulary (the reference's tokens_to_ids).
  void AddAddedTokens(std::unordered_map<std::string, int>* token_ids) {
    HfTokenizer& t = *result_;
    for (const HfTokenizer::AddedToken& token : t.added_) {
      if (static_cast<int>(t.token_text_.size()) <= token.id) t.token_text_.resize(token.id + 1);
      t.token_text_[token.id] = token.content;
      if (!t.byte_level_) {
        (*token_ids)[token.content] = token.id;
      } else if (std::optional<std::string> bytes = ByteLevelToBytes(token.content)) {
        (*token_ids)[*bytes] = token.id;
      }
    }
    t.special_.assign(t.token_text_.size(), 0);
    for (const HfTokenizer::AddedToken& token : t.added_) {
      if (token.special) t.special_[token.id] = 1;
    }
  }

  // The id the unknown token is written as: added tokens, then the vocabulary.
  int UnknownId(const std::string& unk, const std::unordered_map<std::string, int>& token_ids) const {
    const HfTokenizer& t = *result_;
    const auto added = t.added_by_content_.find(unk);
    if (added != t.added_by_content_.end()) return t.added_[added->second].id;
    const auto other = t.other_vocab_.find(unk);
    if (other != t.other_vocab_.end()) return other->second;
    const std::optional<std::string> key = t.byte_level_ ? ByteLevelToBytes(unk) : unk;
    if (key && token_ids.count(*key)) return token_ids.at(*key);
    Fail("\"unk_token\" " + JsonQuoted(unk) + " to be a token of tokenizer.json");
  }

  int TokenIdOrFail(const std::string& token, const std::string& file, const std::string& what) const {
    const int id = result_->TokenId(token);
    if (id < 0) throw InputError(file, 0, what + " " + JsonQuoted(token) + " to be a token of tokenizer.json");
    return id;
  }

  void LoadPostProcessor(const json& processor) {
    if (processor.is_null()) return;
    const std::string type = processor.is_object() ? StringOr(processor, "type", "") : "";
    if (type == "ByteLevel") return;  // adds nothing when encoding
    if (type == "Sequence" && processor.contains("processors") && processor["processors"].is_array()) {
      for (const json& item : processor["processors"]) LoadPostProcessor(item);
      return;
    }
    HfTokenizer::Template wrap;
    if (type == "TemplateProcessing") {
      const json& single = Field(processor, "single");
      if (!single.is_array()) Fail("TemplateProcessing with a \"single\" template");
      for (const json& item : single) {
        if (item.is_object() && item.contains("SpecialToken") && item["SpecialToken"].is_object()) {
          const std::string token = StringOr(item["SpecialToken"], "id", "");
          wrap.push_back(TokenIdOrFail(token, tokenizer_json_path_, "post-processor special token"));
        } else if (item.is_object() && item.contains("Sequence") && item["Sequence"].is_object()) {
          // Only sequence A exists when encoding one text.
          if (StringOr(item["Sequence"], "id", "") == "A") wrap.push_back(HfTokenizer::kSequenceA);
        } else {
          Fail("TemplateProcessing items {\"SpecialToken\": ...} or {\"Sequence\": ...}");
        }
      }
    } else if (type == "BertProcessing" || type == "RobertaProcessing") {
      auto token_of = [&](const char* key) {
        const json& pair = Field(processor, key);
        if (!pair.is_array() || pair.empty() || !pair[0].is_string()) Fail(type + " with \"" + key + "\"");
        return TokenIdOrFail(pair[0].get<std::string>(), tokenizer_json_path_, type + " " + key);
      };
      wrap = {token_of("cls"), HfTokenizer::kSequenceA, token_of("sep")};
    } else {
      Fail("post_processor null, ByteLevel, TemplateProcessing, BertProcessing, RobertaProcessing or "
           "Sequence, got " + JsonQuoted(type.empty() ? processor.dump() : type));
    }
    result_->post_processors_.push_back(std::move(wrap));
  }

  void LoadSpecialIds(const json& config) {
    json generation = json::object();
    const std::string generation_path = (dir_ / "generation_config.json").string();
    if (side_files_ && std::filesystem::exists(generation_path)) generation = ParseJsonFile(generation_path);
    auto resolve = [&](const char* token_key, const char* id_key) {
      if (const std::optional<std::string> token = ConfigToken(config, token_key, config_path_)) {
        return TokenIdOrFail(*token, config_path_, std::string("\"") + token_key + "\"");
      }
      const std::vector<int> ids = ConfigIds(generation, id_key, generation_path);
      if (!ids.empty() && ids[0] >= result_->vocab_size()) {
        throw InputError(generation_path, 0, std::string("\"") + id_key + "\" below the vocabulary size");
      }
      return ids.empty() ? -1 : ids[0];
    };
    result_->bos_id_ = resolve("bos_token", "bos_token_id");
    result_->eos_id_ = resolve("eos_token", "eos_token_id");
    result_->pad_id_ = resolve("pad_token", "pad_token_id");
    if (result_->pad_id_ < 0) result_->pad_id_ = result_->eos_id_;
    std::vector<int>& stops = result_->stop_ids_;
    if (result_->eos_id_ >= 0) stops.push_back(result_->eos_id_);
    for (int id : ConfigIds(generation, "eos_token_id", generation_path)) {
      if (id < result_->vocab_size() && std::find(stops.begin(), stops.end(), id) == stops.end()) {
        stops.push_back(id);
      }
    }
  }

  void LoadChatTemplate(const json& config) {
    const json& chat = Field(config, "chat_template");
    if (chat.is_string()) {
      result_->chat_template_ = chat.get<std::string>();
    } else if (chat.is_array()) {
      for (const json& item : chat) {
        if (item.is_object() && StringOr(item, "name", "") == "default") {
          result_->chat_template_ = StringOr(item, "template", "");
        }
      }
    } else if (chat.is_null() && side_files_) {
      // Newer transformers save the template beside the config.
      const std::string jinja = (dir_ / "chat_template.jinja").string();
      const std::string json_path = (dir_ / "chat_template.json").string();
      if (std::filesystem::exists(jinja)) {
        result_->chat_template_ = ReadTokenizerFile(jinja, "a readable file");
      } else if (std::filesystem::exists(json_path)) {
        result_->chat_template_ = StringOr(ParseJsonFile(json_path), "chat_template", "");
      }
    } else if (!chat.is_null()) {
      throw InputError(config_path_, 0, "\"chat_template\" to be a string or a list of {name, template}");
    }
  }

  // A token ends a step when its text, decoded alone, holds the delimiter.
  void MarkStepEnds() {
    HfTokenizer& t = *result_;
    t.ends_step_.assign(t.token_text_.size(), 0);
    for (size_t id = 0; id < t.token_text_.size(); ++id) {
      if (t.special_[id]) continue;
      const std::string& text = t.token_text_[id];
      t.ends_step_[id] = (t.decoder_ ? t.decoder_->Decode({text}) : text).find(t.step_delimiter_) != std::string::npos;
    }
  }

  std::filesystem::path dir_;
  std::string tokenizer_json_path_, config_path_;
  HfTokenizerOptions options_;
  bool side_files_ = true;  // read generation_config.json and chat template files of dir_
  std::unique_ptr<HfTokenizer> result_;
};

std::unique_ptr<HfTokenizer> HfTokenizer::Load(const std::string& model_dir,
                                               const HfTokenizerOptions& options) {
  return HfTokenizerLoader(model_dir, options).Load();
}

std::unique_ptr<HfTokenizer> HfTokenizer::FromText(const std::string& tokenizer_json,
                                                   const std::string& tokenizer_config_json,
                                                   const HfTokenizerOptions& options) {
  return HfTokenizerLoader("", options).LoadText(tokenizer_json, tokenizer_config_json);
}

}  // namespace steptree

// HfTokenizer::Load: reads tokenizer.json, tokenizer_config.json and generation_config.json
// of a Hugging Face model directory into the parts HfTokenizer runs. Every feature that
// would change the ids and is not implemented is refused with an InputError naming the file.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/input_error.h"
#include "core/json_file.h"
#include "policy/text/bpe.h"  // JsonQuoted
#include "policy/text/hf_tokenizer.h"

namespace steptree {
namespace {

using nlohmann::json;

// A JSON object from the text of `path`: nesting checked before parsing.
json ParseJsonObject(const std::string& content, const std::string& path) {
  CheckJsonNesting(content, path);
  try {
    json value = json::parse(content);
    if (!value.is_object()) throw InputError(path, 0, "a JSON object");
    return value;
  } catch (const json::exception& e) {
    throw InputError(path, 0, std::string("valid JSON (") + e.what() + ")");
  }
}

json ParseJsonFile(const std::string& path) {
  return ParseJsonObject(ReadTextFile(path, kMaxJsonFileBytes,
                                    "a readable file (a Hugging Face tokenizer needs tokenizer.json and "
                                    "tokenizer_config.json)"),
                       path);
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
    const json tokenizer = ParseJsonFile(tokenizer_json_path_);
    const json config = ParseJsonFile(config_path_);
    return Build(tokenizer, config);
  }

  // From the files' texts; no other file of a model directory is read.
  std::unique_ptr<HfTokenizer> LoadText(const std::string& tokenizer_text, const std::string& config_text) {
    side_files_ = false;
    tokenizer_json_path_ = "tokenizer.json";
    config_path_ = "tokenizer_config.json";
    const json tokenizer = ParseJsonObject(tokenizer_text, tokenizer_json_path_);
    const json config = ParseJsonObject(config_text, config_path_);
    return Build(tokenizer, config);
  }

 private:
  std::unique_ptr<HfTokenizer> Build(const json& tokenizer, const json& config) {
    if (options_.step_delimiter.empty()) throw std::invalid_argument("empty step delimiter");
    result_.reset(new HfTokenizer());
    result_->step_delimiter_ = options_.step_delimiter;
    CheckConfig(config);
    LoadNormalizer(Field(tokenizer, "normalizer"));
    result_->pre_tokenizer_.emplace(
        PreTokenizer::FromJson(Field(tokenizer, "pre_tokenizer"), tokenizer_json_path_));
    CheckDecoder(Field(tokenizer, "decoder"));
    const json& added = Field(tokenizer, "added_tokens");
    LoadAddedTokens(added.is_null() ? json::array() : added, config);
    LoadModel(Field(tokenizer, "model"));
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
  // tokenizer.json pipeline as it is.
  void CheckConfig(const json& config) const {
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
    if (tokenizer_class == "LlamaTokenizer" && legacy != config.end() && legacy->is_boolean() &&
        !legacy->get<bool>()) {
      throw InputError(config_path_, 0,
                       "no LlamaTokenizer with \"legacy\": false (SentencePiece-style pre-tokenization "
                       "is unsupported)");
    }
  }

  void LoadNormalizer(const json& normalizer) {
    if (normalizer.is_null()) return;
    const std::string type = normalizer.is_object() ? StringOr(normalizer, "type", "") : "";
    if (type == "NFC") {
      result_->nfc_ = true;
    } else if (type == "Sequence" && normalizer.contains("normalizers") &&
               normalizer["normalizers"].is_array()) {
      for (const json& item : normalizer["normalizers"]) LoadNormalizer(item);
    } else {
      Fail("normalizer null, NFC or a Sequence of them, got " +
           JsonQuoted(type.empty() ? normalizer.dump() : type));
    }
  }

  void CheckDecoder(const json& decoder) const {
    const std::string type = decoder.is_object() ? StringOr(decoder, "type", "") : "";
    if (type == "ByteLevel") return;
    if (type == "Sequence" && decoder.contains("decoders") && decoder["decoders"].is_array() &&
        decoder["decoders"].size() == 1) {
      return CheckDecoder(decoder["decoders"][0]);
    }
    Fail("a ByteLevel \"decoder\" (byte-level BPE), got " + JsonQuoted(type.empty() ? decoder.dump() : type));
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
    result_->added_by_first_byte_.assign(256, {});
    for (int i = 0; i < static_cast<int>(result_->added_.size()); ++i) {
      const HfTokenizer::AddedToken& token = result_->added_[i];
      result_->added_by_content_[token.content] = i;  // a later duplicate wins, as in a JS Map
      if (token.content.empty()) continue;           // never matches
      result_->added_by_first_byte_[static_cast<unsigned char>(token.content[0])].push_back(i);
    }
    for (std::vector<int>& bucket : result_->added_by_first_byte_) {
      std::stable_sort(bucket.begin(), bucket.end(), [&](int a, int b) {
        return result_->added_[a].content.size() > result_->added_[b].content.size();
      });
    }
  }

  void LoadModel(const json& model) {
    if (!model.is_object()) Fail("a \"model\" object");
    const std::string type = StringOr(model, "type", "BPE");
    if (type != "BPE") Fail("model type BPE, got " + JsonQuoted(type));
    if (Flag(model, "byte_fallback")) Fail("no \"byte_fallback\": true (byte-level BPE needs none)");
    for (const char* key : {"end_of_word_suffix", "continuing_subword_prefix"}) {
      if (!StringOr(model, key, "").empty()) Fail(std::string("an empty \"") + key + "\" (unsupported)");
    }
    const json& vocab = Field(model, "vocab");
    if (!vocab.is_object()) Fail("\"model\".\"vocab\" to be an object of token -> id");
    if (vocab.size() > kMaxTokenizerVocab) {
      Fail("a vocabulary of at most " + std::to_string(kMaxTokenizerVocab) + " tokens, got " +
           std::to_string(vocab.size()));
    }

    // Per id: its decoded bytes. The raw-bytes -> id map the encoder uses is the
    // reference's tokens_to_ids: the vocabulary, then the added tokens written over it.
    std::vector<std::string>& text = result_->token_text_;
    std::unordered_map<std::string, int> token_ids;
    token_ids.reserve(vocab.size() + result_->added_.size());
    // Ids index arrays: a file from a stranger must not make them huge.
    const long id_limit = static_cast<long>(vocab.size() + result_->added_.size()) + 65536;
    for (const HfTokenizer::AddedToken& token : result_->added_) {
      if (token.id >= id_limit) {
        Fail("added token ids below " + std::to_string(id_limit) + ", got " + std::to_string(token.id));
      }
    }
    for (const auto& [token, id_value] : vocab.items()) {
      if (!id_value.is_number_integer() || id_value.get<long>() < 0 || id_value.get<long>() >= id_limit) {
        Fail("vocabulary ids to be integers in 0.." + std::to_string(id_limit - 1) + ", got " + id_value.dump() +
             " for " + JsonQuoted(token));
      }
      const int id = id_value.get<int>();
      if (static_cast<int>(text.size()) <= id) text.resize(id + 1);
      if (std::optional<std::string> bytes = ByteLevelToBytes(token)) {
        text[id] = *bytes;
        token_ids[std::move(*bytes)] = id;
      } else {
        text[id] = token;  // not byte-level: decodes to itself, reachable only by TokenId
        result_->other_vocab_[token] = id;
      }
    }
    for (const HfTokenizer::AddedToken& token : result_->added_) {
      if (static_cast<int>(text.size()) <= token.id) text.resize(token.id + 1);
      text[token.id] = token.content;
      if (std::optional<std::string> bytes = ByteLevelToBytes(token.content)) token_ids[*bytes] = token.id;
    }
    result_->special_.assign(text.size(), 0);
    for (const HfTokenizer::AddedToken& token : result_->added_) {
      if (token.special) result_->special_[token.id] = 1;
    }

    std::vector<std::pair<std::string, std::string>> merges;
    const json& merge_list = Field(model, "merges");
    if (!merge_list.is_array()) Fail("\"model\".\"merges\" to be an array");
    if (merge_list.size() > kMaxTokenizerMerges) {
      Fail("at most " + std::to_string(kMaxTokenizerMerges) + " merges, got " + std::to_string(merge_list.size()));
    }
    merges.reserve(merge_list.size());
    for (size_t i = 0; i < merge_list.size(); ++i) {
      std::pair<std::string, std::string> pair;
      if (!ParseMerge(merge_list[i], &pair)) {
        Fail("merge " + std::to_string(i) + " to be \"a b\" or [\"a\", \"b\"], got " + merge_list[i].dump());
      }
      // Parts outside the byte-level alphabet can never be formed: such a merge never fires.
      std::optional<std::string> left = ByteLevelToBytes(pair.first), right = ByteLevelToBytes(pair.second);
      if (left && right) merges.emplace_back(std::move(*left), std::move(*right));
    }
    int unk_id = -1;
    if (const std::optional<std::string> unk = ConfigToken(model, "unk_token", tokenizer_json_path_)) {
      // As TokenId, before the encoder exists: added tokens, then the vocabulary.
      const auto added = result_->added_by_content_.find(*unk);
      const auto other = result_->other_vocab_.find(*unk);
      const std::optional<std::string> bytes = ByteLevelToBytes(*unk);
      if (added != result_->added_by_content_.end()) {
        unk_id = result_->added_[added->second].id;
      } else if (other != result_->other_vocab_.end()) {
        unk_id = other->second;
      } else if (bytes && token_ids.count(*bytes)) {
        unk_id = token_ids.at(*bytes);
      } else {
        Fail("\"unk_token\" " + JsonQuoted(*unk) + " to be a token of tokenizer.json");
      }
    }
    result_->bpe_.emplace(std::move(token_ids), merges, Flag(model, "ignore_merges"), unk_id,
                          tokenizer_json_path_);
  }

  // "a b" (the reference splits at the first space and keeps the next piece) or ["a", "b"].
  static bool ParseMerge(const json& merge, std::pair<std::string, std::string>* pair) {
    if (merge.is_string()) {
      const std::string& text = merge.get_ref<const std::string&>();
      const size_t space = text.find(' ');
      if (space == std::string::npos) return false;
      const size_t end = text.find(' ', space + 1);
      pair->first = text.substr(0, space);
      pair->second = text.substr(space + 1, end == std::string::npos ? std::string::npos : end - space - 1);
      return true;
    }
    if (merge.is_array() && merge.size() == 2 && merge[0].is_string() && merge[1].is_string()) {
      *pair = {merge[0].get<std::string>(), merge[1].get<std::string>()};
      return true;
    }
    return false;
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
        result_->chat_template_ = ReadTextFile(jinja);
      } else if (std::filesystem::exists(json_path)) {
        result_->chat_template_ = StringOr(ParseJsonFile(json_path), "chat_template", "");
      }
    } else if (!chat.is_null()) {
      throw InputError(config_path_, 0, "\"chat_template\" to be a string or a list of {name, template}");
    }
  }

  void MarkStepEnds() {
    HfTokenizer& t = *result_;
    t.ends_step_.assign(t.token_text_.size(), 0);
    for (size_t id = 0; id < t.token_text_.size(); ++id) {
      t.ends_step_[id] = !t.special_[id] && t.token_text_[id].find(t.step_delimiter_) != std::string::npos;
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

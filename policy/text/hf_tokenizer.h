// Hugging Face tokenizers (tokenizer.json + tokenizer_config.json) for BPE models:
// byte-level (GPT-2, Llama-3, Qwen2/Qwen2.5/Qwen3, DeepSeek-V3) and SentencePiece-style
// (Llama-2, Mistral, Gemma, Gemma-3). No torch here.
//
// Encode(text) returns exactly what @lenml/tokenizers 3.7.2 (a fork of transformers.js)
// returns for `tokenizer.encode(text)` with its defaults (add_special_tokens = true):
//   0. a LlamaTokenizer(Fast) whose tokenizer_config.json says "legacy": false encodes
//      "▁" + text (every "▁" of the text written as " ") with no normalizer and the
//      pre-tokenizer Metaspace("▁", prefix in the first section only), then drops a first
//      token "▁" that is followed by a special token;
//   1. added tokens (tokenizer.json "added_tokens", special or not) are cut out first:
//      leftmost, longest match, exact bytes; lstrip / rstrip trim JavaScript white space
//      off the neighbouring text; single_word and normalized are ignored, as the
//      reference ignores them;
//   2. each text section between them is normalized (text_normalizer.h: NFC, Prepend,
//      Replace), pre-tokenized (pretokenizer.h: Split, Metaspace, ByteLevel) and byte-pair
//      encoded (bpe.h: bytes for byte-level models, code points with byte fallback for
//      SentencePiece-style ones); with the model's fuse_unk, a run of unknown tokens in a
//      section becomes one;
//   3. the post-processor adds special tokens: TemplateProcessing's "single" template,
//      Bert/RobertaProcessing's cls and sep, ByteLevel adds nothing, Sequence applies each.
//      So BOS is added exactly when tokenizer.json's post-processor says so (Meta's Llama-3
//      and Llama-2 and Gemma files do, Qwen's do not); tokenizer_config.json's
//      add_bos_token is ignored, as the reference ignores it.
// Decode skips special tokens (added tokens marked "special") and runs the decoder: for
// byte-level models every token's bytes (added tokens as their text), for SentencePiece-style
// ones the decoder chain of token_decoder.h ("▁" -> " ", <0xHH> byte tokens, Strip ...).
// Unlike the reference it keeps bytes that are not valid UTF-8 (a token can end inside a
// character) instead of writing U+FFFD, and it never applies clean_up_tokenization_spaces,
// so Decode(Encode(x)) == x for any x without added tokens (with an NFC normalizer, for x
// already in NFC; for SentencePiece-style models, Llama-2's Prepend and Strip included, for
// x without "▁", which decodes to a space, when byte fallback covers every character).
//
// Thread safety: all const methods may be called concurrently.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "policy/text/bpe.h"
#include "policy/text/pretokenizer.h"
#include "policy/text/text_normalizer.h"
#include "policy/text/token_decoder.h"
#include "policy/text/tokenizer.h"

namespace steptree {

// Limits on tokenizer.json (InputError naming it, checked while it is read); the files
// themselves are read only up to kMaxTokenizerFileBytes, and besides the vocabulary and the
// merges hold at most kMaxTokenizerJsonValues JSON values (tokenizer_json.h). The largest
// real vocabularies hold about 262k tokens (Gemma-3) and 581k merges (Gemma).
constexpr size_t kMaxTokenizerVocab = size_t{1} << 21;   // "model"."vocab" entries (2,097,152)
constexpr size_t kMaxTokenizerMerges = size_t{1} << 22;  // "model"."merges" entries (4,194,304)
constexpr size_t kMaxAddedTokens = size_t{1} << 16;      // "added_tokens" entries (65,536)

struct HfTokenizerOptions {
  // A token ends a reasoning step when its decoded text contains this (non-empty) string.
  std::string step_delimiter = "\n\n";
};

class HfTokenizer final : public Tokenizer {
 public:
  // Reads model_dir/tokenizer.json, model_dir/tokenizer_config.json and, when present,
  // model_dir/generation_config.json (and chat_template.jinja / chat_template.json when
  // tokenizer_config.json has no chat template). Throws InputError naming the file for a
  // missing or unreadable file, invalid JSON, or a feature this implementation lacks.
  static std::unique_ptr<HfTokenizer> Load(const std::string& model_dir,
                                           const HfTokenizerOptions& options = {});
  // The same from the texts of tokenizer.json and tokenizer_config.json (no other file is
  // read: no generation_config.json, no chat template file). Errors name "tokenizer.json"
  // and "tokenizer_config.json". For tests and the fuzzer.
  static std::unique_ptr<HfTokenizer> FromText(const std::string& tokenizer_json,
                                               const std::string& tokenizer_config_json,
                                               const HfTokenizerOptions& options = {});

  std::vector<int> Encode(const std::string& text) const override;
  // The reference's encode(text, {add_special_tokens: false}): no post-processor, so no
  // BOS / template tokens (special tokens written in the text still become their ids).
  std::vector<int> EncodeWithoutSpecialTokens(const std::string& text) const;
  std::string Decode(const std::vector<int>& ids) const override;
  // Like Decode, but special tokens decode to their text too.
  std::string DecodeWithSpecialTokens(const std::vector<int>& ids) const;
  // One more than the largest token id (the model's embedding may be larger).
  int vocab_size() const override { return static_cast<int>(token_text_.size()); }
  // -1 when the model has no such token (Qwen has no BOS). BOS and EOS come from
  // tokenizer_config.json's bos_token / eos_token, else generation_config.json's
  // bos_token_id / eos_token_id (the first of a list); PAD from pad_token, else
  // generation_config.json's pad_token_id, else EOS.
  int bos_id() const override { return bos_id_; }
  int eos_id() const override { return eos_id_; }
  int pad_id() const override { return pad_id_; }
  bool EndsStep(int id) const override {
    return id >= 0 && id < static_cast<int>(ends_step_.size()) && ends_step_[id];
  }
  // Any stop id (below) ends a solution.
  bool EndsSolution(int id) const override;
  std::string kind() const override { return "hf-bpe"; }

  // Ids that end generation: eos_id() and every generation_config.json eos_token_id.
  const std::vector<int>& stop_ids() const { return stop_ids_; }
  // tokenizer_config.json's chat_template (for a list of named templates, the one named
  // "default"); empty when there is none.
  const std::string& chat_template() const { return chat_template_; }
  const std::string& step_delimiter() const { return step_delimiter_; }
  // The id of a token written as in tokenizer.json (an added token's content, or a
  // vocabulary entry, e.g. "Ġthe" in the byte-level alphabet or "▁the"), or -1.
  int TokenId(const std::string& token) const;
  bool IsSpecial(int id) const;

 private:
  struct AddedToken {
    std::string content;
    int id = -1;
    bool lstrip = false, rstrip = false, special = false;
  };
  // A post-processor step: the ids around the text; kSequenceA marks where the text goes.
  static constexpr int kSequenceA = -1;
  using Template = std::vector<int>;

  HfTokenizer() = default;
  friend class HfTokenizerLoader;

  // Added token (index into added_) that matches longest at text[pos], or -1.
  int MatchAddedToken(std::string_view text, size_t pos) const;
  std::vector<int> EncodeText(const std::string& text) const;  // without post-processing
  std::vector<int> EncodeSections(std::string_view text) const;  // steps 1 and 2
  void EncodeSection(std::string_view section, size_t section_index, std::vector<int>* ids) const;
  std::string DecodeIds(const std::vector<int>& ids, bool skip_special) const;

  std::optional<BytePairEncoder> bpe_;
  std::optional<PreTokenizer> pre_tokenizer_;
  TextNormalizer normalizer_;
  std::optional<TokenDecoder> decoder_;  // SentencePiece-style; unset for byte-level models
  bool byte_level_ = true;               // the vocabulary is in the byte-level alphabet
  bool legacy_free_ = false;             // step 0 above
  int metaspace_id_ = -1;                // the id of "▁" (step 0), or -1
  int fuse_unk_id_ = -1;                 // fuse_unk: the id whose runs become one, or -1
  std::vector<Template> post_processors_;  // applied in order
  std::vector<AddedToken> added_;
  std::unordered_map<std::string, int> added_by_content_;  // content -> index into added_
  // The added tokens' contents as a trie over bytes: added_root_[b] is the node after byte
  // b (or -1); a node's children are sorted by byte.
  struct AddedTrieNode {
    std::vector<std::pair<unsigned char, int>> children;
    int token = -1;  // index into added_ of the token that ends here, or -1
  };
  std::vector<int> added_root_;
  std::vector<AddedTrieNode> added_trie_;
  std::unordered_map<std::string, int> other_vocab_;       // byte-level: entries outside the alphabet
  // Per id: byte-level, the bytes it decodes to; SentencePiece-style, its tokenizer.json
  // string (the decoder's input). Special ids also in special_.
  std::vector<std::string> token_text_;
  std::vector<char> special_;
  std::vector<char> ends_step_;
  int bos_id_ = -1, eos_id_ = -1, pad_id_ = -1;
  std::vector<int> stop_ids_;
  std::string chat_template_;
  std::string step_delimiter_;
};

// The Hugging Face tokenizer of a model directory (see HfTokenizer::Load), with the default
// options (step delimiter "\n\n").
std::unique_ptr<Tokenizer> LoadHfTokenizer(const std::string& model_dir);
std::unique_ptr<Tokenizer> LoadHfTokenizer(const std::string& model_dir,
                                           const HfTokenizerOptions& options);

}  // namespace steptree

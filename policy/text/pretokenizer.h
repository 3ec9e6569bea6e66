// The pre-tokenizer of a Hugging Face tokenizer.json: splits normalized text into the
// pieces ("words") that byte-pair encoding then works on. No torch here.
//
// Supported, as @lenml/tokenizers 3.7.2 (a fork of transformers.js) runs them:
//   - null: the whole section is one piece (Llama-2, Gemma);
//   - Split {pattern: {Regex} or {String}, behavior, invert}: the regex must be one of the
//     patterns below, each matched by hand-written code over code points (std::regex has
//     no \p{L}); any other regex is an InputError. Behavior Isolated or Removed;
//     MergedWithPrevious, MergedWithNext and Contiguous only for a one-code-point String
//     that the normalizer has removed (Gemma-3: " " after Replace " " -> "▁"), where the
//     split never cuts: the reference treats them as Isolated, Hugging Face tokenizers does
//     not, so anywhere else the ids could differ from the model's;
//   - Metaspace {replacement, add_prefix_space, prepend_scheme, split: false}: spaces
//     become the replacement ("▁"); with add_prefix_space the replacement goes before a
//     piece that does not start with it, for prepend_scheme "always" (the default) every
//     piece, "first" only in the first section of the text, "never" none. The reference
//     never splits at the replacement and adds no prefix without add_prefix_space, where
//     Hugging Face tokenizers splits (split true, its default) and prefixes by
//     prepend_scheme: those files are refused;
//   - ByteLevel {add_prefix_space, use_regex}: add_prefix_space puts " " before every
//     piece that reaches it and does not start with one, then with use_regex the GPT-2
//     pattern splits the piece (keeping only the matches). It makes the model byte-level;
//   - Sequence of these, with ByteLevel last and not after Metaspace.
//
// The patterns (as written in tokenizer.json; JavaScript semantics: leftmost alternative
// first, greedy with backtracking, \s is JavaScript's white space, (?i:...) rewritten by the
// reference to ASCII-only [sS]-style classes, so 'ſ is no contraction):
//   GPT-2:   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
//   Llama-3: (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|
//            ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
//   Qwen2:   as Llama-3 with \p{N} (one digit) instead of \p{N}{1,3}.
//   DeepSeek-V3, three Splits in a row: \p{N}{1,3}; [一-龥぀-ゟ゠-ヿ]+ (CJK U+4E00..U+9FA5,
//            hiragana, katakana); [!"#...~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+|
//             ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+ (one ASCII punctuation mark
//            glues to the ASCII letters after it).
// How the backtracking resolves, for the matchers: \s*[\r\n]+ takes the white space up to
// and including the last \r or \n of the white-space run; \s+(?!\S) takes the whole run at
// the end of the text, else all of it but its last code point (needs two or more).
#pragma once

#include <forward_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "policy/text/text_normalizer.h"
#include "policy/text/unicode_text.h"

namespace steptree {

enum class SplitRegex { kGpt2, kLlama3, kQwen2, kDigits1To3, kCjkKana, kDeepSeek };

// The matcher for a tokenizer.json regex, or nullopt for any other pattern.
std::optional<SplitRegex> RecognizeSplitRegex(const std::string& pattern);

struct RegexMatch {
  size_t length = 0;         // in code points; 0 when the pattern does not match here
  bool contraction = false;  // the (?i:'s|...) alternative matched (a capture group in JS)
};
// The match of `regex` starting exactly at code point `pos` of `text` (pos < size).
RegexMatch MatchAt(SplitRegex regex, const unicode::DecodedText& text, size_t pos);

// Splits `text` with `regex` into its matches and the gaps between them, in order (what
// the reference's Split with behavior Isolated returns).
std::vector<std::string_view> SplitIsolated(SplitRegex regex, std::string_view text);

class PreTokenizer {
 public:
  // Reads the "pre_tokenizer" value of tokenizer.json (`file` names it in errors); null is
  // no pre-tokenizer. `normalizer` is the file's normalizer, which decides whether a Split
  // with a merging behavior can ever cut. Throws InputError for anything unsupported.
  static PreTokenizer FromJson(const nlohmann::json& config, const std::string& file,
                               const TextNormalizer& normalizer = TextNormalizer());
  // The reference's pre-tokenizer of a LlamaTokenizer with "legacy": false in
  // tokenizer_config.json: Metaspace "▁", add_prefix_space, prepend_scheme "first".
  static PreTokenizer LegacyFreeMetaspace();

  // True when the pipeline ends in ByteLevel (the vocabulary is in the byte-level alphabet).
  bool byte_level() const { return byte_level_; }

  // Appends the non-empty pieces of `text`, the section with index `section_index` of the
  // text being encoded (Metaspace's "first"), to *pieces (raw UTF-8: the byte-level
  // alphabet is the encoder's business).
  void Split(std::string_view text, size_t section_index, std::vector<std::string>* pieces) const;
  void Split(std::string_view text, std::vector<std::string>* pieces) const { Split(text, 0, pieces); }

 private:
  enum class Behavior { kIsolated, kRemoved, kMatchesOnly };
  enum class Prepend { kAlways, kFirst, kNever };
  struct Step {
    bool metaspace = false;
    // Split: the regex for {Regex}, else `literal` is the pattern.
    std::optional<SplitRegex> regex;
    std::string literal;
    Behavior behavior = Behavior::kIsolated;
    // Metaspace: spaces become `literal` (str_rep, else the replacement), which is put first
    // by `prepend` when the piece does not start with `replacement`.
    std::string replacement;
    Prepend prepend = Prepend::kNever;
  };
  void AddStep(const nlohmann::json& config, const std::string& file, const TextNormalizer& normalizer);
  void AddSplit(const nlohmann::json& config, const std::string& file, const TextNormalizer& normalizer);
  void AddMetaspace(const nlohmann::json& config, const std::string& file);
  void ApplyStep(const Step& step, std::string_view text, size_t section_index,
                 std::vector<std::string_view>* out, std::forward_list<std::string>* storage) const;

  std::vector<Step> steps_;        // Split and Metaspace steps, in order
  bool byte_level_ = false;        // a ByteLevel step ends the pipeline
  bool add_prefix_space_ = false;  // ByteLevel's, applied after steps_
  bool byte_level_regex_ = false;  // ByteLevel's use_regex, applied last
  bool replaces_spaces_ = false;   // a Metaspace step turned " " into something else
};

}  // namespace steptree

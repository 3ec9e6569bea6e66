// The pre-tokenizer of a Hugging Face tokenizer.json: splits normalized text into the
// pieces ("words") that byte-pair encoding then works on. No torch here.
//
// Supported, as @lenml/tokenizers (a fork of transformers.js) runs them:
//   - Split {pattern: {Regex} or {String}, behavior, invert}: the regex must be one of the
//     three byte-level BPE patterns below, each matched by hand-written code over code
//     points (std::regex has no \p{L}); any other regex is an InputError;
//   - ByteLevel {add_prefix_space, use_regex}: add_prefix_space puts " " before every
//     piece that reaches it and does not start with one, then with use_regex the GPT-2
//     pattern splits the piece (keeping only the matches);
//   - Sequence of these, with ByteLevel last.
//
// The patterns (as written in tokenizer.json; JavaScript semantics: leftmost alternative
// first, greedy with backtracking, \s is JavaScript's white space, (?i:...) rewritten by the
// reference to ASCII-only [sS]-style classes, so 'ſ is no contraction):
//   GPT-2:   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
//   Llama-3: (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|
//            ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
//   Qwen2:   as Llama-3 with \p{N} (one digit) instead of \p{N}{1,3}.
// How the backtracking resolves, for the matcher: \s*[\r\n]+ takes the white space up to
// and including the last \r or \n of the white-space run; \s+(?!\S) takes the whole run at
// the end of the text, else all of it but its last code point (needs two or more).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "policy/text/unicode_text.h"

namespace steptree {

enum class SplitRegex { kGpt2, kLlama3, kQwen2 };

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
  // Reads the "pre_tokenizer" value of tokenizer.json (`file` names it in errors). Throws
  // InputError for anything unsupported; null is refused too (byte-level BPE needs
  // ByteLevel).
  static PreTokenizer FromJson(const nlohmann::json& config, const std::string& file);

  // Appends the non-empty pieces of `text` to *pieces (raw UTF-8: the byte-level alphabet
  // is the encoder's business).
  void Split(std::string_view text, std::vector<std::string>* pieces) const;

 private:
  enum class Behavior { kIsolated, kRemoved, kMatchesOnly };
  struct SplitStep {
    std::optional<SplitRegex> regex;  // set for {Regex}, else `literal` is the pattern
    std::string literal;
    Behavior behavior = Behavior::kIsolated;
  };
  void AddStep(const nlohmann::json& config, const std::string& file, bool* saw_byte_level);
  void ApplyStep(const SplitStep& step, std::string_view text,
                 std::vector<std::string_view>* out) const;

  std::vector<SplitStep> steps_;   // the Split steps, in order
  bool add_prefix_space_ = false;  // ByteLevel's, applied after steps_
  bool byte_level_regex_ = false;  // ByteLevel's use_regex, applied last
};

}  // namespace steptree

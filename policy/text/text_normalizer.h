// The "normalizer" of a Hugging Face tokenizer.json, and JavaScript's replaceAll with a
// literal pattern, which the SentencePiece-style parts (normalizer, Metaspace, decoders)
// share. No torch here.
//
// Supported, as @lenml/tokenizers 3.7.2 (a fork of transformers.js) runs them on each text
// section between added tokens:
//   - NFC: String.prototype.normalize("NFC") (unicode_nfc.h);
//   - Prepend {prepend}: the string before the section (Llama-2, Mistral v0.1: "▁");
//   - Replace {pattern: {String}, content}: every occurrence, left to right, without
//     overlaps (Llama-2, Gemma: " " -> "▁"); a regex pattern is refused;
//   - Sequence {normalizers} of these, in order; null does nothing.
// Anything else (Lowercase, NFKC, Precompiled, Strip, ...) is an InputError naming the file.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace steptree {

// `text`.replaceAll(`pattern`, `replacement`) of JavaScript for a non-empty literal
// pattern (a string, or a regex of an escaped string, which has no groups): occurrences
// left to right without overlaps; in `replacement`, "$$" is "$", "$&" the occurrence, "$`"
// the text before it and "$'" the text after it; any other "$" stays as written.
std::string JsReplaceAll(std::string_view text, std::string_view pattern,
                         std::string_view replacement);

class TextNormalizer {
 public:
  // Reads the "normalizer" value of tokenizer.json (`file` names it in errors).
  static TextNormalizer FromJson(const nlohmann::json& config, const std::string& file);

  bool is_identity() const { return steps_.empty(); }
  // The normalized text.
  std::string Apply(std::string_view text) const;
  // True when code point `c` can never be in Apply's output: a Replace removed it and no
  // later step brings it back (Gemma-3: " " after Replace " " -> "▁"). Conservative: NFC
  // clears everything before it.
  bool Removes(char32_t c) const;

 private:
  enum class Kind { kNfc, kPrepend, kReplace };
  struct Step {
    Kind kind;
    std::string pattern;  // kReplace: the literal replaced
    std::string content;  // kPrepend: the string put first; kReplace: the replacement
  };
  void AddStep(const nlohmann::json& config, const std::string& file);

  std::vector<Step> steps_;
};

}  // namespace steptree

// The "decoder" of a SentencePiece-style tokenizer.json (Llama-2, Mistral, Gemma, Gemma-3):
// token strings back to text. No torch here. (Byte-level models have the ByteLevel
// decoder, which HfTokenizer runs itself: every token's bytes, concatenated.)
//
// As @lenml/tokenizers 3.7.2 runs them, each step maps the list of token strings:
//   - Replace {pattern: {String}, content}: in each token (JsReplaceAll); "▁" -> " ";
//   - ByteFallback: each run of tokens <0xHH> becomes one string of those bytes. Unlike the
//     reference, which decodes the bytes as UTF-8 and writes U+FFFD for invalid sequences,
//     the bytes are kept as they are (a text may be cut inside a character); a token is a
//     byte token exactly when the reference's test holds (6 UTF-16 code units, "<0x" ... ">",
//     parseInt of the two in the middle, base 16, not NaN; the byte is its value modulo 256);
//   - Fuse: all tokens joined into one;
//   - Strip {content, start, stop}: up to `start` leading and `stop` trailing code points
//     equal to `content` removed from each token (a content of one UTF-16 code unit; any
//     other never matches);
//   - Metaspace {replacement, add_prefix_space}: the replacement becomes " " in each token,
//     and with add_prefix_space the first token loses one leading space (the reference
//     ignores prepend_scheme here);
//   - Sequence {decoders} of these, in order.
// The result is the tokens joined. Anything else is an InputError naming the file.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace steptree {

// The byte of a byte-fallback token ("<0x0A>" -> 10), or -1 when the reference's
// ByteFallback decoder would not take `token` for one. Exposed for tests.
int ByteFallbackValue(const std::string& token);

class TokenDecoder {
 public:
  // Reads the "decoder" value of tokenizer.json (`file` names it in errors).
  static TokenDecoder FromJson(const nlohmann::json& config, const std::string& file);

  // The text of `tokens` (tokenizer.json strings, in order).
  std::string Decode(std::vector<std::string> tokens) const;

 private:
  enum class Kind { kReplace, kByteFallback, kFuse, kStrip, kMetaspace };
  struct Step {
    Kind kind;
    std::string pattern;  // kReplace: the literal replaced; kStrip: the content; kMetaspace: the
                          // replacement
    std::string content;  // kReplace: the replacement
    long start = 0, stop = 0;       // kStrip
    bool add_prefix_space = false;  // kMetaspace
  };
  void AddStep(const nlohmann::json& config, const std::string& file);
  static void ApplyStep(const Step& step, std::vector<std::string>* tokens);

  std::vector<Step> steps_;
};

}  // namespace steptree

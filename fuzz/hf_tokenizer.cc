// Fuzz target: Hugging Face tokenizer.json loading and the encoding of arbitrary bytes
// (policy/text/hf_tokenizer.h).
#include <memory>
#include <string>

#include "core/input_error.h"
#include "fuzz/fuzz_targets.h"
#include "policy/text/bpe.h"
#include "policy/text/hf_tokenizer.h"

namespace steptree::fuzz {
namespace {

void EncodeAndDecode(const HfTokenizer& tokenizer, const std::string& text) {
  const std::vector<int> ids = tokenizer.Encode(text);
  for (int id : ids) {
    if (id < 0 || id >= tokenizer.vocab_size()) throw std::logic_error("hf_tokenizer: an id outside the vocabulary");
  }
  tokenizer.Decode(ids);
  tokenizer.DecodeWithSpecialTokens(ids);
  tokenizer.EncodeWithoutSpecialTokens(text);
}

}  // namespace

const std::string& SmallTokenizerJson() {
  static const std::string json = [] {
    std::string vocab;
    for (int b = 0; b < 256; ++b) {
      const std::string token = BytesToByteLevel(std::string(1, static_cast<char>(b)));
      std::string escaped;
      for (char c : token) {
        if (c == '"' || c == '\\') escaped += '\\';
        escaped += c;
      }
      vocab += "\"" + escaped + "\": " + std::to_string(b) + ", ";
    }
    vocab += "\"Ġt\": 256, \"he\": 257, \"Ġthe\": 258, \"ĊĊ\": 259, \"12\": 260";
    return std::string("{\"version\": \"1.0\", \"added_tokens\": [") +
           "{\"id\": 261, \"content\": \"<|bos|>\", \"special\": true, \"lstrip\": false, \"rstrip\": false}, "
           "{\"id\": 262, \"content\": \"<|eos|>\", \"special\": true, \"lstrip\": true, \"rstrip\": true}], "
           "\"normalizer\": {\"type\": \"NFC\"}, "
           "\"pre_tokenizer\": {\"type\": \"ByteLevel\", \"add_prefix_space\": false, \"trim_offsets\": true, "
           "\"use_regex\": true}, "
           "\"post_processor\": {\"type\": \"TemplateProcessing\", \"single\": [{\"SpecialToken\": {\"id\": "
           "\"<|bos|>\", \"type_id\": 0}}, {\"Sequence\": {\"id\": \"A\", \"type_id\": 0}}], \"pair\": [], "
           "\"special_tokens\": {}}, "
           "\"decoder\": {\"type\": \"ByteLevel\"}, "
           "\"model\": {\"type\": \"BPE\", \"vocab\": {" +
           vocab + "}, \"merges\": [\"Ġ t\", \"h e\", \"Ġt he\", \"Ċ Ċ\", \"1 2\"]}}";
  }();
  return json;
}

int FuzzHfTokenizer(const uint8_t* data, size_t size) {
  static const std::unique_ptr<HfTokenizer> fixed =
      HfTokenizer::FromText(SmallTokenizerJson(), "{\"eos_token\": \"<|eos|>\"}");
  const std::string input(reinterpret_cast<const char*>(data), size);
  const size_t first = input.find('\0');
  const size_t second = first == std::string::npos ? std::string::npos : input.find('\0', first + 1);
  std::string text = input;
  if (first != std::string::npos) {
    const std::string tokenizer_json = input.substr(0, first);
    const std::string config = second == std::string::npos ? "{}" : input.substr(first + 1, second - first - 1);
    text = input.substr((second == std::string::npos ? first : second) + 1);
    try {
      const std::unique_ptr<HfTokenizer> tokenizer = HfTokenizer::FromText(tokenizer_json, config);
      EncodeAndDecode(*tokenizer, text);
    } catch (const InputError&) {
    }
  }
  EncodeAndDecode(*fixed, text);
  return 0;
}

}  // namespace steptree::fuzz

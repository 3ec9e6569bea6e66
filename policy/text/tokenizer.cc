#include "policy/text/tokenizer.h"

#include "core/input_error.h"

namespace steptree {

std::vector<int> ByteTokenizer::Encode(const std::string& text) const {
  std::vector<int> ids;
  ids.reserve(text.size());
  for (unsigned char c : text) ids.push_back(c);
  return ids;
}

std::string ByteTokenizer::Decode(const std::vector<int>& ids) const {
  std::string text;
  text.reserve(ids.size());
  for (int id : ids) {
    if (id >= 0 && id < 256) text.push_back(static_cast<char>(id));
  }
  return text;
}

std::unique_ptr<Tokenizer> MakeTokenizer(const std::string& kind, const std::string& config_path) {
  if (kind == "byte") return std::make_unique<ByteTokenizer>();
  throw InputError(config_path, 0, "tokenizer \"byte\", got \"" + kind + "\"");
}

}  // namespace steptree

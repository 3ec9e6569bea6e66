// TextNormalizer (text_normalizer.h): tokenizer.json's normalizers and JavaScript's
// replaceAll, as @lenml/tokenizers 3.7.2 runs them.
#include "policy/text/text_normalizer.h"

#include <nlohmann/json.hpp>

#include "core/input_error.h"
#include "policy/text/bpe.h"  // JsonQuoted
#include "policy/text/unicode_nfc.h"
#include "policy/text/unicode_text.h"

namespace steptree {
namespace {

// Appends `replacement` for the occurrence text[match, match + length), expanding "$"
// patterns as JavaScript's GetSubstitution does for a pattern without groups.
void AppendSubstitution(std::string_view text, size_t match, size_t length,
                        std::string_view replacement, std::string* out) {
  for (size_t i = 0; i < replacement.size(); ++i) {
    if (replacement[i] != '$' || i + 1 == replacement.size()) {
      out->push_back(replacement[i]);
      continue;
    }
    switch (replacement[i + 1]) {
      case '$': out->push_back('$'); break;
      case '&': out->append(text.substr(match, length)); break;
      case '`': out->append(text.substr(0, match)); break;
      case '\'': out->append(text.substr(match + length)); break;
      default:
        out->push_back('$');  // "$1", "$<": no groups, so kept as written
        continue;
    }
    ++i;
  }
}

bool NormalizerTextHas(std::string_view text, char32_t c) {
  for (char32_t d : unicode::CodePointsOf(text)) {
    if (d == c) return true;
  }
  return false;
}

}  // namespace

std::string JsReplaceAll(std::string_view text, std::string_view pattern,
                         std::string_view replacement) {
  std::string out;
  out.reserve(text.size());
  size_t start = 0;
  for (size_t found = text.find(pattern); found != std::string_view::npos;
       found = text.find(pattern, start)) {
    out.append(text.substr(start, found - start));
    AppendSubstitution(text, found, pattern.size(), replacement, &out);
    start = found + pattern.size();
  }
  out.append(text.substr(start));
  return out;
}

TextNormalizer TextNormalizer::FromJson(const nlohmann::json& config, const std::string& file) {
  TextNormalizer normalizer;
  if (!config.is_null()) normalizer.AddStep(config, file);
  return normalizer;
}

void TextNormalizer::AddStep(const nlohmann::json& config, const std::string& file) {
  const auto type_it = config.is_object() ? config.find("type") : config.end();
  const std::string type = config.is_object() && type_it != config.end() && type_it->is_string()
                               ? type_it->get<std::string>()
                               : "";
  auto string_field = [&](const nlohmann::json& object, const char* key, const std::string& what) {
    const auto it = object.find(key);
    if (it == object.end() || !it->is_string()) throw InputError(file, 0, what);
    return it->get<std::string>();
  };
  if (type == "NFC") {
    steps_.push_back({Kind::kNfc, "", ""});
  } else if (type == "Prepend") {
    steps_.push_back({Kind::kPrepend, "",
                      string_field(config, "prepend",
                                   "normalizer Prepend with a string \"prepend\"")});
  } else if (type == "Replace") {
    const auto pattern = config.find("pattern");
    const bool literal =
        pattern != config.end() && pattern->is_object() && pattern->contains("String");
    if (!literal) {
      throw InputError(file, 0,
                       "normalizer Replace with a {\"String\": ...} pattern (regex patterns are "
                       "unsupported), got " +
                           JsonQuoted(pattern == config.end() ? "null" : pattern->dump()));
    }
    Step step{Kind::kReplace,
              string_field(*pattern, "String", "normalizer Replace with a string pattern"),
              string_field(config, "content", "normalizer Replace with a string \"content\"")};
    if (step.pattern.empty())
      throw InputError(file, 0, "normalizer Replace with a non-empty pattern");
    steps_.push_back(std::move(step));
  } else if (type == "Sequence" && config.contains("normalizers") &&
             config["normalizers"].is_array()) {
    for (const nlohmann::json& item : config["normalizers"]) AddStep(item, file);
  } else {
    throw InputError(file, 0,
                     "normalizer null, NFC, Prepend, Replace or a Sequence of them, got " +
                         JsonQuoted(type.empty() ? config.dump() : type));
  }
}

std::string TextNormalizer::Apply(std::string_view text) const {
  std::string result(text);
  for (const Step& step : steps_) {
    switch (step.kind) {
      case Kind::kNfc: result = unicode::Nfc(result); break;
      case Kind::kPrepend: result.insert(0, step.content); break;
      case Kind::kReplace: result = JsReplaceAll(result, step.pattern, step.content); break;
    }
  }
  return result;
}

bool TextNormalizer::Removes(char32_t c) const {
  bool removed = false;
  for (const Step& step : steps_) {
    switch (step.kind) {
      case Kind::kNfc: removed = false; break;
      case Kind::kPrepend: removed = removed && !NormalizerTextHas(step.content, c); break;
      case Kind::kReplace: {
        const std::vector<char32_t> pattern = unicode::CodePointsOf(step.pattern);
        // "$&", "$`" and "$'" copy text back, so only a content without "$" counts.
        const bool plain = step.content.find('$') == std::string::npos;
        if (pattern.size() == 1 && pattern[0] == c) {
          removed = plain && !NormalizerTextHas(step.content, c);
        } else {
          removed = removed && plain && !NormalizerTextHas(step.content, c);
        }
        break;
      }
    }
  }
  return removed;
}

}  // namespace steptree

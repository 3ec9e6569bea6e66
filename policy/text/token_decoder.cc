// TokenDecoder (token_decoder.h): the SentencePiece-style decoders of tokenizer.json, as
// @lenml/tokenizers 3.7.2 runs them.
#include "policy/text/token_decoder.h"

#include <nlohmann/json.hpp>

#include "core/input_error.h"
#include "policy/text/bpe.h"  // JsonQuoted
#include "policy/text/text_normalizer.h"
#include "policy/text/unicode_text.h"

namespace steptree {
namespace {

// JavaScript's parseInt(s, 16) for the two UTF-16 code units `a` and `b` (BMP code
// points): leading white space, a sign, a "0x" prefix, then the longest run of hex digits;
// -1000 stands for NaN.
int ParseHexPair(char32_t a, char32_t b) {
  constexpr int kNaN = -1000;
  const char32_t units[2] = {a, b};
  size_t i = 0;
  while (i < 2 && unicode::IsSpace(units[i])) ++i;
  int sign = 1;
  if (i < 2 && (units[i] == '+' || units[i] == '-')) sign = units[i++] == '-' ? -1 : 1;
  if (i == 0 && a == '0' && (b == 'x' || b == 'X')) return kNaN;  // the prefix, then nothing
  auto digit = [](char32_t c) {
    if (c >= '0' && c <= '9') return static_cast<int>(c - '0');
    if (c >= 'a' && c <= 'f') return static_cast<int>(c - 'a' + 10);
    if (c >= 'A' && c <= 'F') return static_cast<int>(c - 'A' + 10);
    return -1;
  };
  int value = 0, digits = 0;
  for (; i < 2 && digit(units[i]) >= 0; ++i, ++digits) value = value * 16 + digit(units[i]);
  return digits == 0 ? kNaN : sign * value;
}

// Strip's test: `content` as one UTF-16 code unit, or 0 when it is anything else.
char32_t SingleUnit(const std::string& content) {
  const std::vector<char32_t> code_points = unicode::CodePointsOf(content);
  return code_points.size() == 1 && code_points[0] < 0x10000 ? code_points[0] : 0;
}

std::string StripToken(const std::string& token, const std::string& content, long start,
                       long stop) {
  const char32_t unit = SingleUnit(content);
  if (unit == 0) return token;
  unicode::DecodedText decoded;
  unicode::Decode(token, &decoded);
  const size_t n = decoded.code_points.size();
  size_t begin = 0, end = n;
  while (static_cast<long>(begin) < start && begin < n && decoded.code_points[begin] == unit)
    ++begin;
  for (long i = 0; i < stop && end > 0 && decoded.code_points[end - 1] == unit; ++i) --end;
  if (begin >= end) return "";  // JavaScript's slice(start, end) with start >= end
  return token.substr(decoded.offsets[begin], decoded.offsets[end] - decoded.offsets[begin]);
}

}  // namespace

int ByteFallbackValue(const std::string& token) {
  if (token.size() < 6 || token.compare(0, 3, "<0x") != 0 || token.back() != '>') return -1;
  const std::vector<char32_t> code_points = unicode::CodePointsOf(token.substr(3, token.size() - 4));
  // Two UTF-16 code units: two BMP code points (an astral one is two units, but no digit).
  if (code_points.size() != 2 || code_points[0] >= 0x10000 || code_points[1] >= 0x10000) return -1;
  const int value = ParseHexPair(code_points[0], code_points[1]);
  return value == -1000 ? -1 : (value % 256 + 256) % 256;
}

TokenDecoder TokenDecoder::FromJson(const nlohmann::json& config, const std::string& file) {
  TokenDecoder decoder;
  decoder.AddStep(config, file);
  return decoder;
}

void TokenDecoder::AddStep(const nlohmann::json& config, const std::string& file) {
  const auto type_it = config.is_object() ? config.find("type") : config.end();
  const std::string type = type_it != config.end() && type_it->is_string() ? type_it->get<std::string>() : "";
  auto string_field = [&](const nlohmann::json& object, const char* key) {
    const auto it = object.find(key);
    if (it == object.end() || !it->is_string()) {
      throw InputError(file, 0, "decoder " + type + " with a string \"" + key + "\"");
    }
    return it->get<std::string>();
  };
  auto count_field = [&](const char* key) {
    const auto it = config.find(key);
    if (it == config.end() || !it->is_number_integer() || it->get<long>() < 0 ||
        it->get<long>() > (1L << 30)) {
      throw InputError(file, 0, "decoder Strip with a count \"" + std::string(key) + "\" >= 0");
    }
    return it->get<long>();
  };
  Step step{Kind::kFuse, "", ""};
  if (type == "Replace") {
    const auto pattern = config.find("pattern");
    if (pattern == config.end() || !pattern->is_object() || !pattern->contains("String")) {
      throw InputError(
          file, 0,
          "decoder Replace with a {\"String\": ...} pattern (regex patterns are unsupported)");
    }
    step = {Kind::kReplace, string_field(*pattern, "String"), string_field(config, "content")};
    if (step.pattern.empty()) throw InputError(file, 0, "decoder Replace with a non-empty pattern");
  } else if (type == "ByteFallback") {
    step.kind = Kind::kByteFallback;
  } else if (type == "Fuse") {
    step.kind = Kind::kFuse;
  } else if (type == "Strip") {
    step = {Kind::kStrip, string_field(config, "content"), ""};
    step.start = count_field("start");
    step.stop = count_field("stop");
  } else if (type == "Metaspace") {
    step = {Kind::kMetaspace, string_field(config, "replacement"), ""};
    if (step.pattern.empty())
      throw InputError(file, 0, "decoder Metaspace with a non-empty \"replacement\"");
    const auto prefix = config.find("add_prefix_space");
    step.add_prefix_space = prefix != config.end() && prefix->is_boolean() && prefix->get<bool>();
  } else if (type == "Sequence" && config.contains("decoders") && config["decoders"].is_array()) {
    for (const nlohmann::json& item : config["decoders"]) AddStep(item, file);
    return;
  } else {
    throw InputError(file, 0,
                     "a decoder ByteLevel, or Replace, ByteFallback, Fuse, Strip, Metaspace or a "
                     "Sequence of them, "
                     "got " +
                         JsonQuoted(type.empty() ? config.dump() : type));
  }
  steps_.push_back(std::move(step));
}

void TokenDecoder::ApplyStep(const Step& step, std::vector<std::string>* tokens) {
  switch (step.kind) {
    case Kind::kReplace:
      for (std::string& token : *tokens) token = JsReplaceAll(token, step.pattern, step.content);
      break;
    case Kind::kByteFallback: {
      std::vector<std::string> out;
      bool in_run = false;  // out.back() collects the bytes of a run
      for (std::string& token : *tokens) {
        const int byte = ByteFallbackValue(token);
        if (byte < 0) {
          out.push_back(std::move(token));
          in_run = false;
          continue;
        }
        if (!in_run) out.emplace_back();
        out.back().push_back(static_cast<char>(byte));
        in_run = true;
      }
      tokens->swap(out);
      break;
    }
    case Kind::kFuse: {
      std::string joined;
      for (const std::string& token : *tokens) joined += token;
      tokens->assign(1, std::move(joined));
      break;
    }
    case Kind::kStrip:
      for (std::string& token : *tokens)
        token = StripToken(token, step.pattern, step.start, step.stop);
      break;
    case Kind::kMetaspace:
      for (size_t i = 0; i < tokens->size(); ++i) {
        std::string& token = (*tokens)[i];
        token = JsReplaceAll(token, step.pattern, " ");
        if (step.add_prefix_space && i == 0 && !token.empty() && token[0] == ' ') token.erase(0, 1);
      }
      break;
  }
}

std::string TokenDecoder::Decode(std::vector<std::string> tokens) const {
  for (const Step& step : steps_) ApplyStep(step, &tokens);
  std::string text;
  for (const std::string& token : tokens) text += token;
  return text;
}

}  // namespace steptree

// PreTokenizer (pretokenizer.h): the hand-written matchers of the split regexes, Split,
// Metaspace and ByteLevel, as @lenml/tokenizers 3.7.2 runs them.
#include "policy/text/pretokenizer.h"

#include <forward_list>

#include <nlohmann/json.hpp>

#include "core/input_error.h"
#include "policy/text/bpe.h"  // JsonQuoted

namespace steptree {
namespace {

using unicode::DecodedText;
using unicode::kLetterClass;
using unicode::kMarkClass;
using unicode::kNumberClass;
using unicode::kPunctuationClass;
using unicode::kSpaceClass;
using unicode::kSymbolClass;

const char kGpt2Pattern[] =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";
const char kLlama3Pattern[] =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
const char kQwen2Pattern[] =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
// DeepSeek-V3's three (its tokenizer.json writes \r and \n as the characters themselves).
const char kDigits1To3Pattern[] = R"(\p{N}{1,3})";
const char kCjkKanaPattern[] = "[\u4E00-\u9FA5\u3040-\u309F\u30A0-\u30FF]+";
const char kDeepSeekPattern[] =
    "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| "
    "?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+";

char32_t AsciiLower(char32_t c) { return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c; }

// Reads code points and their classes; every index past the end reads as "no code point".
struct Cursor {
  const DecodedText& text;
  size_t size() const { return text.code_points.size(); }
  char32_t at(size_t i) const { return i < size() ? text.code_points[i] : 0; }
  bool Has(size_t i, uint8_t cls) const { return i < size() && (text.classes[i] & cls); }
  bool IsOther(size_t i) const {  // [^\s\p{L}\p{N}]
    return i < size() && !(text.classes[i] & (kLetterClass | kNumberClass | kSpaceClass));
  }
  bool IsNewline(size_t i) const { return at(i) == '\r' || at(i) == '\n'; }
  // End of the run of code points of class `cls` starting at i.
  size_t RunEnd(size_t i, uint8_t cls) const {
    while (Has(i, cls)) ++i;
    return i;
  }
  size_t OtherRunEnd(size_t i) const {
    while (IsOther(i)) ++i;
    return i;
  }
};

// 's 't 're 've 'm 'll 'd at pos: the length (2 or 3), or 0. `fold` lowers ASCII letters.
size_t ContractionLength(const Cursor& s, size_t pos, bool fold) {
  if (s.at(pos) != '\'') return 0;
  auto letter = [&](size_t i) { return fold ? AsciiLower(s.at(i)) : s.at(i); };
  const char32_t a = letter(pos + 1);
  if (a == 's' || a == 't' || a == 'm' || a == 'd') return 2;
  const char32_t b = letter(pos + 2);
  if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return 3;
  return 0;
}

// \s+(?!\S) then \s+, at a white-space code point.
size_t TrailingSpaceLength(const Cursor& s, size_t pos) {
  const size_t end = s.RunEnd(pos, kSpaceClass);
  if (end == s.size() || end - pos < 2) return end - pos;
  return end - pos - 1;  // leave the last space to the word after it
}

RegexMatch MatchGpt2(const Cursor& s, size_t pos) {
  if (const size_t n = ContractionLength(s, pos, /*fold=*/false)) return {n, true};
  // " ?X+" for X = \p{L}, \p{N}, [^\s\p{L}\p{N}]: a leading space is never in X itself.
  const size_t start = s.at(pos) == ' ' ? pos + 1 : pos;
  if (s.Has(start, kLetterClass)) return {s.RunEnd(start, kLetterClass) - pos, false};
  if (s.Has(start, kNumberClass)) return {s.RunEnd(start, kNumberClass) - pos, false};
  if (s.IsOther(start)) return {s.OtherRunEnd(start) - pos, false};
  if (s.Has(pos, kSpaceClass)) return {TrailingSpaceLength(s, pos), false};
  return {};
}

// \s*[\r\n]+ then \s+(?!\S) then \s+, at a white-space code point.
RegexMatch MatchSpaceRun(const Cursor& s, size_t pos) {
  // \s*[\r\n]+ : up to and including the last newline of the white-space run.
  const size_t run_end = s.RunEnd(pos, kSpaceClass);
  for (size_t i = run_end; i > pos; --i) {
    if (s.IsNewline(i - 1)) return {i - pos, false};
  }
  return {TrailingSpaceLength(s, pos), false};
}

RegexMatch MatchLlamaFamily(const Cursor& s, size_t pos, size_t max_digits) {
  if (const size_t n = ContractionLength(s, pos, /*fold=*/true)) return {n, true};
  // [^\r\n\p{L}\p{N}]?\p{L}+
  if (s.Has(pos, kLetterClass)) return {s.RunEnd(pos, kLetterClass) - pos, false};
  if (!s.IsNewline(pos) && !s.Has(pos, kNumberClass) && s.Has(pos + 1, kLetterClass)) {
    return {s.RunEnd(pos + 1, kLetterClass) - pos, false};
  }
  // \p{N}{1,max_digits}
  if (s.Has(pos, kNumberClass)) {
    return {std::min(s.RunEnd(pos, kNumberClass) - pos, max_digits), false};
  }
  //  ?[^\s\p{L}\p{N}]+[\r\n]*
  const size_t start = s.at(pos) == ' ' ? pos + 1 : pos;
  if (s.IsOther(start)) {
    size_t end = s.OtherRunEnd(start);
    while (s.IsNewline(end)) ++end;
    return {end - pos, false};
  }
  if (!s.Has(pos, kSpaceClass)) return {};
  return MatchSpaceRun(s, pos);
}

bool IsDeepSeekAsciiLetter(char32_t c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
// [!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~]: the 32 printable ASCII characters that are
// neither letters, digits nor space.
bool IsDeepSeekAsciiPunctuation(char32_t c) { return c > ' ' && c < 127 && !IsDeepSeekAsciiLetter(c) && !(c >= '0' && c <= '9'); }

// DeepSeek-V3's third pattern (see pretokenizer.h).
RegexMatch MatchDeepSeek(const Cursor& s, size_t pos) {
  constexpr uint8_t kWord = kLetterClass | kMarkClass;              // [\p{L}\p{M}]
  constexpr uint8_t kMarkLike = kPunctuationClass | kSymbolClass;   // [\p{P}\p{S}]
  // [!"#...~][A-Za-z]+
  if (IsDeepSeekAsciiPunctuation(s.at(pos)) && IsDeepSeekAsciiLetter(s.at(pos + 1))) {
    size_t end = pos + 1;
    while (IsDeepSeekAsciiLetter(s.at(end))) ++end;
    return {end - pos, false};
  }
  // [^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+ : a mark may be the optional code point or start
  // the run, which ends in the same place.
  if (s.Has(pos, kWord)) return {s.RunEnd(pos, kWord) - pos, false};
  if (!s.IsNewline(pos) && !s.Has(pos, kLetterClass | kMarkLike) && s.Has(pos + 1, kWord)) {
    return {s.RunEnd(pos + 1, kWord) - pos, false};
  }
  //  ?[\p{P}\p{S}]+[\r\n]*
  const size_t start = s.at(pos) == ' ' ? pos + 1 : pos;
  if (s.Has(start, kMarkLike)) {
    size_t end = s.RunEnd(start, kMarkLike);
    while (s.IsNewline(end)) ++end;
    return {end - pos, false};
  }
  if (!s.Has(pos, kSpaceClass)) return {};
  return MatchSpaceRun(s, pos);
}

// [一-龥぀-ゟ゠-ヿ]
bool IsCjkOrKana(char32_t c) { return (c >= 0x4E00 && c <= 0x9FA5) || (c >= 0x3040 && c <= 0x30FF); }

RegexMatch MatchRun(const Cursor& s, size_t pos, bool (*member)(char32_t), size_t max_length) {
  size_t end = pos;
  while (end < s.size() && end - pos < max_length && member(s.at(end))) ++end;
  return {end - pos, false};
}

// Calls emit(begin, end, is_match) in text order for the matches of `regex` in `text`
// (code point indices) and the non-empty gaps between them.
template <typename Emit>
void ForEachMatch(SplitRegex regex, const DecodedText& text, Emit emit) {
  const size_t n = text.code_points.size();
  size_t gap_start = 0, pos = 0;
  while (pos < n) {
    const RegexMatch match = MatchAt(regex, text, pos);
    if (match.length == 0) {
      ++pos;
      continue;
    }
    if (gap_start < pos) emit(gap_start, pos, RegexMatch{});
    emit(pos, pos + match.length, match);
    pos += match.length;
    gap_start = pos;
  }
  if (gap_start < n) emit(gap_start, n, RegexMatch{});
}

// config[key] as a boolean: `fallback` when absent or null; InputError for another type.
bool PreTokenizerFlag(const nlohmann::json& config, const char* key, bool fallback, const std::string& file) {
  const auto it = config.find(key);
  if (it == config.end() || it->is_null()) return fallback;
  if (!it->is_boolean()) throw InputError(file, 0, std::string("pre-tokenizer \"") + key + "\" to be true or false");
  return it->get<bool>();
}

std::string_view Slice(std::string_view text, const DecodedText& decoded, size_t begin, size_t end) {
  return text.substr(decoded.offsets[begin], decoded.offsets[end] - decoded.offsets[begin]);
}

}  // namespace

std::optional<SplitRegex> RecognizeSplitRegex(const std::string& pattern) {
  if (pattern == kGpt2Pattern) return SplitRegex::kGpt2;
  if (pattern == kLlama3Pattern) return SplitRegex::kLlama3;
  if (pattern == kQwen2Pattern) return SplitRegex::kQwen2;
  if (pattern == kDigits1To3Pattern) return SplitRegex::kDigits1To3;
  if (pattern == kCjkKanaPattern) return SplitRegex::kCjkKana;
  if (pattern == kDeepSeekPattern) return SplitRegex::kDeepSeek;
  return std::nullopt;
}

RegexMatch MatchAt(SplitRegex regex, const DecodedText& text, size_t pos) {
  const Cursor cursor{text};
  switch (regex) {
    case SplitRegex::kGpt2:
      return MatchGpt2(cursor, pos);
    case SplitRegex::kLlama3:
      return MatchLlamaFamily(cursor, pos, 3);
    case SplitRegex::kQwen2:
      return MatchLlamaFamily(cursor, pos, 1);
    case SplitRegex::kDigits1To3:
      return MatchRun(cursor, pos, unicode::IsNumber, 3);
    case SplitRegex::kCjkKana:
      return MatchRun(cursor, pos, IsCjkOrKana, std::string::npos);
    case SplitRegex::kDeepSeek:
      return MatchDeepSeek(cursor, pos);
  }
  return {};
}

std::vector<std::string_view> SplitIsolated(SplitRegex regex, std::string_view text) {
  unicode::DecodedText decoded;
  unicode::Decode(text, &decoded);
  std::vector<std::string_view> pieces;
  ForEachMatch(regex, decoded, [&](size_t begin, size_t end, const RegexMatch&) {
    pieces.push_back(Slice(text, decoded, begin, end));
  });
  return pieces;
}

PreTokenizer PreTokenizer::FromJson(const nlohmann::json& config, const std::string& file,
                                    const TextNormalizer& normalizer) {
  PreTokenizer pre_tokenizer;
  if (!config.is_null()) pre_tokenizer.AddStep(config, file, normalizer);
  return pre_tokenizer;
}

PreTokenizer PreTokenizer::LegacyFreeMetaspace() {
  PreTokenizer pre_tokenizer;
  Step step;
  step.metaspace = true;
  step.replacement = step.literal = "\xE2\x96\x81";  // U+2581
  step.prepend = Prepend::kFirst;
  pre_tokenizer.steps_.push_back(std::move(step));
  pre_tokenizer.replaces_spaces_ = true;
  return pre_tokenizer;
}

void PreTokenizer::AddStep(const nlohmann::json& config, const std::string& file,
                           const TextNormalizer& normalizer) {
  if (!config.is_object() || !config.contains("type") || !config["type"].is_string()) {
    throw InputError(file, 0, "\"pre_tokenizer\" to be null or an object with a \"type\"");
  }
  const std::string type = config["type"];
  if (byte_level_) {
    throw InputError(file, 0, "ByteLevel to be the last pre-tokenizer, found " + type + " after it");
  }
  if (type == "Sequence") {
    const nlohmann::json& list = config.value("pretokenizers", nlohmann::json());
    if (!list.is_array()) throw InputError(file, 0, "pre-tokenizer Sequence with a \"pretokenizers\" array");
    for (const nlohmann::json& item : list) AddStep(item, file, normalizer);
  } else if (type == "ByteLevel") {
    if (replaces_spaces_) throw InputError(file, 0, "no ByteLevel pre-tokenizer after Metaspace");
    byte_level_ = true;
    add_prefix_space_ = PreTokenizerFlag(config, "add_prefix_space", false, file);
    byte_level_regex_ = PreTokenizerFlag(config, "use_regex", true, file);
  } else if (type == "Metaspace") {
    AddMetaspace(config, file);
  } else if (type == "Split") {
    AddSplit(config, file, normalizer);
  } else {
    throw InputError(file, 0, "pre-tokenizer null, Split, Metaspace, ByteLevel or a Sequence of them, got \"" +
                                  type + "\"");
  }
}

void PreTokenizer::AddMetaspace(const nlohmann::json& config, const std::string& file) {
  auto optional_field = [&](const char* key, nlohmann::json::value_t type) -> const nlohmann::json* {
    const auto it = config.find(key);
    if (it == config.end() || it->is_null()) return nullptr;
    if (it->type() != type) throw InputError(file, 0, std::string("Metaspace \"") + key + "\" of the right type");
    return &*it;
  };
  Step step;
  step.metaspace = true;
  const nlohmann::json* replacement = optional_field("replacement", nlohmann::json::value_t::string);
  if (replacement == nullptr || replacement->get_ref<const std::string&>().empty()) {
    throw InputError(file, 0, "Metaspace with a non-empty string \"replacement\"");
  }
  step.replacement = replacement->get<std::string>();
  const nlohmann::json* str_rep = optional_field("str_rep", nlohmann::json::value_t::string);
  step.literal = str_rep != nullptr && !str_rep->get_ref<const std::string&>().empty() ? str_rep->get<std::string>()
                                                                                       : step.replacement;
  const nlohmann::json* scheme = optional_field("prepend_scheme", nlohmann::json::value_t::string);
  const std::string scheme_name = scheme == nullptr ? "always" : scheme->get<std::string>();
  if (scheme_name != "always" && scheme_name != "first" && scheme_name != "never") {
    throw InputError(file, 0, "Metaspace \"prepend_scheme\" always, first or never, got " + JsonQuoted(scheme_name));
  }
  const nlohmann::json* split = optional_field("split", nlohmann::json::value_t::boolean);
  if (split == nullptr || split->get<bool>()) {
    throw InputError(file, 0,
                     "Metaspace with \"split\": false (the reference tokenizer never splits at the replacement, "
                     "Hugging Face tokenizers does when \"split\" is true or absent: the ids would differ)");
  }
  const nlohmann::json* add_prefix_space = optional_field("add_prefix_space", nlohmann::json::value_t::boolean);
  if (add_prefix_space == nullptr && scheme_name != "never") {
    throw InputError(file, 0,
                     "Metaspace with \"add_prefix_space\" (without it the reference tokenizer adds no \"" +
                         step.replacement + "\" first, Hugging Face tokenizers does for prepend_scheme " + scheme_name +
                         ": the ids would differ)");
  }
  const bool prefix = add_prefix_space != nullptr && add_prefix_space->get<bool>();
  step.prepend = !prefix ? Prepend::kNever : scheme_name == "first" ? Prepend::kFirst
                         : scheme_name == "always"                  ? Prepend::kAlways
                                                                    : Prepend::kNever;
  replaces_spaces_ = replaces_spaces_ || step.literal.find(' ') == std::string::npos;
  steps_.push_back(std::move(step));
}

void PreTokenizer::AddSplit(const nlohmann::json& config, const std::string& file, const TextNormalizer& normalizer) {
  Step step;
  const nlohmann::json& pattern = config.value("pattern", nlohmann::json());
  const bool invert = PreTokenizerFlag(config, "invert", false, file);
  const auto behavior_it = config.find("behavior");
  if (behavior_it != config.end() && !behavior_it->is_null() && !behavior_it->is_string()) {
    throw InputError(file, 0, "a Split \"behavior\" string");
  }
  const std::string behavior =
      behavior_it == config.end() || behavior_it->is_null() ? "Isolated" : behavior_it->get<std::string>();
  if (pattern.is_object() && pattern.contains("Regex") && pattern["Regex"].is_string()) {
    const std::string regex = pattern["Regex"];
    step.regex = RecognizeSplitRegex(regex);
    if (!step.regex) {
      throw InputError(file, 0,
                       "a Split regex of GPT-2, Llama-3, Qwen2 or DeepSeek-V3 (the hand-matched patterns), got " +
                           nlohmann::json(regex).dump());
    }
  } else if (pattern.is_object() && pattern.contains("String") && pattern["String"].is_string()) {
    step.literal = pattern["String"].get<std::string>();
    if (step.literal.empty()) throw InputError(file, 0, "a non-empty Split String pattern");
  } else {
    throw InputError(file, 0, "a Split \"pattern\" of the form {\"Regex\": ...} or {\"String\": ...}");
  }
  // The reference keeps only the matches when inverted, whatever the behavior; a String
  // pattern is wrapped in a capture group, so its separators survive "Removed" too.
  if (invert) {
    step.behavior = Behavior::kMatchesOnly;
  } else if (behavior == "Isolated" || (behavior == "Removed" && !step.regex)) {
    step.behavior = Behavior::kIsolated;
  } else if (behavior == "Removed") {
    step.behavior = Behavior::kRemoved;
  } else if ((behavior == "MergedWithPrevious" || behavior == "MergedWithNext" || behavior == "Contiguous") &&
             !step.regex) {
    // Accepted only where the pattern cannot occur: then the split never cuts (a no-op).
    unicode::DecodedText decoded;
    unicode::Decode(step.literal, &decoded);
    const bool one = decoded.code_points.size() == 1;
    if (one && (normalizer.Removes(decoded.code_points[0]) || (replaces_spaces_ && step.literal == " "))) return;
    throw InputError(file, 0,
                     "Split behavior " + behavior + " only for a one-character String pattern the normalizer "
                     "removes (the reference splits as Isolated, Hugging Face tokenizers merges: the ids would differ)");
  } else {
    throw InputError(file, 0, "Split behavior Isolated or Removed, got \"" + behavior + "\"");
  }
  steps_.push_back(std::move(step));
}

void PreTokenizer::ApplyStep(const Step& step, std::string_view text, size_t section_index,
                             std::vector<std::string_view>* out, std::forward_list<std::string>* storage) const {
  if (step.metaspace) {
    std::string replaced = JsReplaceAll(text, " ", step.literal);
    const bool prefix = step.prepend == Prepend::kAlways || (step.prepend == Prepend::kFirst && section_index == 0);
    if (prefix && replaced.compare(0, step.replacement.size(), step.replacement) != 0) replaced.insert(0, step.literal);
    storage->push_front(std::move(replaced));
    out->push_back(storage->front());
    return;
  }
  if (!step.regex) {
    // Literal pattern: matches are exact occurrences, left to right.
    size_t start = 0;
    while (start < text.size()) {
      const size_t found = text.find(step.literal, start);
      const size_t gap_end = found == std::string_view::npos ? text.size() : found;
      if (gap_end > start && step.behavior != Behavior::kMatchesOnly) {
        out->push_back(text.substr(start, gap_end - start));
      }
      if (found == std::string_view::npos) break;
      out->push_back(text.substr(found, step.literal.size()));
      start = found + step.literal.size();
    }
    return;
  }
  unicode::DecodedText decoded;
  unicode::Decode(text, &decoded);
  ForEachMatch(*step.regex, decoded, [&](size_t begin, size_t end, const RegexMatch& match) {
    const bool is_match = match.length > 0;
    switch (step.behavior) {
      case Behavior::kIsolated:
        out->push_back(Slice(text, decoded, begin, end));
        break;
      case Behavior::kMatchesOnly:
        if (is_match) out->push_back(Slice(text, decoded, begin, end));
        break;
      case Behavior::kRemoved:
        // JavaScript's split keeps capture groups: the letters of a contraction.
        if (!is_match) {
          out->push_back(Slice(text, decoded, begin, end));
        } else if (match.contraction && *step.regex != SplitRegex::kGpt2) {
          out->push_back(Slice(text, decoded, begin + 1, end));
        }
        break;
    }
  });
}

void PreTokenizer::Split(std::string_view text, size_t section_index, std::vector<std::string>* pieces) const {
  std::forward_list<std::string> storage;  // Metaspace's rewritten pieces
  std::vector<std::string_view> current{text}, next;
  for (const Step& step : steps_) {
    next.clear();
    for (std::string_view piece : current) ApplyStep(step, piece, section_index, &next, &storage);
    current.swap(next);
  }
  std::string prefixed;
  unicode::DecodedText decoded;
  for (std::string_view piece : current) {
    if (piece.empty()) continue;
    if (add_prefix_space_ && piece.front() != ' ') {
      prefixed = " ";
      prefixed += piece;
      piece = prefixed;
    }
    if (!byte_level_regex_) {
      pieces->emplace_back(piece);
      continue;
    }
    unicode::Decode(piece, &decoded);
    ForEachMatch(SplitRegex::kGpt2, decoded, [&](size_t begin, size_t end, const RegexMatch& match) {
      if (match.length > 0) pieces->emplace_back(Slice(piece, decoded, begin, end));
    });
  }
}

}  // namespace steptree

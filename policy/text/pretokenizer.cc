#include "policy/text/pretokenizer.h"

#include <nlohmann/json.hpp>

#include "core/input_error.h"

namespace steptree {
namespace {

using unicode::DecodedText;
using unicode::kLetterClass;
using unicode::kNumberClass;
using unicode::kSpaceClass;

const char kGpt2Pattern[] =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";
const char kLlama3Pattern[] =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
const char kQwen2Pattern[] =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

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
  // \s*[\r\n]+ : up to and including the last newline of the white-space run.
  const size_t run_end = s.RunEnd(pos, kSpaceClass);
  for (size_t i = run_end; i > pos; --i) {
    if (s.IsNewline(i - 1)) return {i - pos, false};
  }
  return {TrailingSpaceLength(s, pos), false};
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

std::string_view Slice(std::string_view text, const DecodedText& decoded, size_t begin, size_t end) {
  return text.substr(decoded.offsets[begin], decoded.offsets[end] - decoded.offsets[begin]);
}

}  // namespace

std::optional<SplitRegex> RecognizeSplitRegex(const std::string& pattern) {
  if (pattern == kGpt2Pattern) return SplitRegex::kGpt2;
  if (pattern == kLlama3Pattern) return SplitRegex::kLlama3;
  if (pattern == kQwen2Pattern) return SplitRegex::kQwen2;
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

PreTokenizer PreTokenizer::FromJson(const nlohmann::json& config, const std::string& file) {
  PreTokenizer pre_tokenizer;
  bool saw_byte_level = false;
  pre_tokenizer.AddStep(config, file, &saw_byte_level);
  if (!saw_byte_level) {
    throw InputError(file, 0,
                     "a ByteLevel pre-tokenizer (\"pre_tokenizer\"): only byte-level BPE is supported");
  }
  return pre_tokenizer;
}

void PreTokenizer::AddStep(const nlohmann::json& config, const std::string& file,
                           bool* saw_byte_level) {
  if (!config.is_object() || !config.contains("type") || !config["type"].is_string()) {
    throw InputError(file, 0, "\"pre_tokenizer\" to be an object with a \"type\"");
  }
  const std::string type = config["type"];
  if (*saw_byte_level) {
    throw InputError(file, 0, "ByteLevel to be the last pre-tokenizer, found " + type + " after it");
  }
  if (type == "Sequence") {
    const nlohmann::json& list = config.value("pretokenizers", nlohmann::json());
    if (!list.is_array()) throw InputError(file, 0, "pre-tokenizer Sequence with a \"pretokenizers\" array");
    for (const nlohmann::json& item : list) AddStep(item, file, saw_byte_level);
    return;
  }
  if (type == "ByteLevel") {
    *saw_byte_level = true;
    add_prefix_space_ = config.value("add_prefix_space", false);
    byte_level_regex_ = config.value("use_regex", true);
    return;
  }
  if (type != "Split") {
    throw InputError(file, 0,
                     "pre-tokenizer Split, ByteLevel or Sequence (byte-level BPE), got \"" + type + "\"");
  }
  SplitStep step;
  const nlohmann::json& pattern = config.value("pattern", nlohmann::json());
  const bool invert = config.value("invert", false);
  const std::string behavior = config.value("behavior", std::string("Isolated"));
  if (pattern.is_object() && pattern.contains("Regex") && pattern["Regex"].is_string()) {
    const std::string regex = pattern["Regex"];
    step.regex = RecognizeSplitRegex(regex);
    if (!step.regex) {
      throw InputError(file, 0,
                       "a Split regex of GPT-2, Llama-3 or Qwen2 (the hand-matched patterns), got " +
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
  } else {
    throw InputError(file, 0, "Split behavior Isolated or Removed, got \"" + behavior + "\"");
  }
  steps_.push_back(std::move(step));
}

void PreTokenizer::ApplyStep(const SplitStep& step, std::string_view text,
                             std::vector<std::string_view>* out) const {
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

void PreTokenizer::Split(std::string_view text, std::vector<std::string>* pieces) const {
  std::vector<std::string_view> current{text}, next;
  for (const SplitStep& step : steps_) {
    next.clear();
    for (std::string_view piece : current) ApplyStep(step, piece, &next);
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

// JavaScript string and number semantics on UTF-8 / WTF-8 text (policy/text/jinja_js.h).
#include "policy/text/jinja_js.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <utility>

#include "policy/text/jinja_case_tables.h"
#include "policy/text/unicode_text.h"

namespace steptree::jinja {
namespace {

constexpr char32_t kReplacementCharacter = 0xFFFD;

bool IsContinuationByte(unsigned char byte) { return (byte & 0xC0) == 0x80; }

// The length of the sequence `lead` starts and the range its second byte must fall in;
// 0 for a byte that starts nothing. With surrogates (WTF-8) or without (UTF-8).
int SequenceShape(unsigned char lead, bool allow_surrogates, unsigned char* low, unsigned char* high) {
  *low = 0x80;
  *high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) return 2;
  if (lead >= 0xE0 && lead <= 0xEF) {
    if (lead == 0xE0) *low = 0xA0;
    if (lead == 0xED && !allow_surrogates) *high = 0x9F;
    return 3;
  }
  if (lead >= 0xF0 && lead <= 0xF4) {
    if (lead == 0xF0) *low = 0x90;
    if (lead == 0xF4) *high = 0x8F;
    return 4;
  }
  return 0;
}

// Decodes one sequence at text[*pos]; invalid input is one U+FFFD for the maximal subpart
// of a sequence (the WHATWG decoder's rule).
char32_t DecodeSequence(std::string_view text, size_t* pos, bool allow_surrogates) {
  const unsigned char lead = static_cast<unsigned char>(text[*pos]);
  if (lead < 0x80) {
    ++*pos;
    return lead;
  }
  unsigned char low, high;
  const int length = SequenceShape(lead, allow_surrogates, &low, &high);
  if (length == 0) {
    ++*pos;
    return kReplacementCharacter;
  }
  char32_t code_point = lead & (0xFF >> (length + 1));
  size_t at = *pos + 1;
  for (int i = 1; i < length; ++i, ++at) {
    if (at >= text.size()) break;
    const unsigned char byte = static_cast<unsigned char>(text[at]);
    const bool fits = i == 1 ? byte >= low && byte <= high : IsContinuationByte(byte);
    if (!fits) break;
    code_point = (code_point << 6) | (byte & 0x3F);
    if (i + 1 == length) {
      *pos = at + 1;
      return code_point;
    }
  }
  *pos = at;
  return kReplacementCharacter;
}

bool IsSurrogate(char32_t c) { return c >= 0xD800 && c <= 0xDFFF; }

// One code point's case mapping under `runs` and `expansions`, appended to *out.
void AppendMapped(char32_t c, const std::vector<std::pair<uint32_t, int32_t>>& singles,
                  const CaseExpansion* expansions, size_t expansion_count, std::string* out) {
  const CaseExpansion* end = expansions + expansion_count;
  const CaseExpansion* found = std::lower_bound(
      expansions, end, c, [](const CaseExpansion& e, char32_t key) { return e.code_point < key; });
  if (found != end && found->code_point == c) {
    for (uint32_t mapped : found->mapped) {
      if (mapped != 0) AppendWtf8(mapped, out);
    }
    return;
  }
  const auto single = std::lower_bound(singles.begin(), singles.end(), std::make_pair(uint32_t(c), INT32_MIN));
  if (single != singles.end() && single->first == c) {
    AppendWtf8(static_cast<char32_t>(static_cast<int64_t>(c) + single->second), out);
    return;
  }
  AppendWtf8(c, out);
}

std::vector<std::pair<uint32_t, int32_t>> ExpandCaseRuns(const CaseRun* runs, size_t count) {
  std::vector<std::pair<uint32_t, int32_t>> singles;
  for (size_t i = 0; i < count; ++i) {
    for (uint32_t k = 0; k < runs[i].count; ++k) singles.emplace_back(runs[i].first + k * runs[i].stride, runs[i].delta);
  }
  std::sort(singles.begin(), singles.end());
  return singles;
}

const std::vector<std::pair<uint32_t, int32_t>>& UpperSingles() {
  static const auto singles = ExpandCaseRuns(kUpperRuns, kUpperRunCount);
  return singles;
}
const std::vector<std::pair<uint32_t, int32_t>>& LowerSingles() {
  static const auto singles = ExpandCaseRuns(kLowerRuns, kLowerRunCount);
  return singles;
}

bool HasCase(char32_t c) {
  auto has = [c](const std::vector<std::pair<uint32_t, int32_t>>& singles) {
    const auto it = std::lower_bound(singles.begin(), singles.end(), std::make_pair(uint32_t(c), INT32_MIN));
    return it != singles.end() && it->first == c;
  };
  return has(UpperSingles()) || has(LowerSingles());
}

bool IsCaseIgnorable(char32_t c) { return (c >= 0x300 && c <= 0x36F) || c == '\'' || c == 0xAD || c == 0x2019; }

// The Greek capital sigma at code point index i lowercases to the final form when a cased
// letter precedes it and none follows (ignoring case-ignorable marks), as V8 does.
bool IsFinalSigma(const std::vector<char32_t>& cps, size_t i) {
  size_t before = i;
  while (before > 0 && IsCaseIgnorable(cps[before - 1])) --before;
  if (before == 0 || !HasCase(cps[before - 1])) return false;
  size_t after = i + 1;
  while (after < cps.size() && IsCaseIgnorable(cps[after])) ++after;
  return after == cps.size() || !HasCase(cps[after]);
}

std::vector<char32_t> DecodeAll(std::string_view text) {
  std::vector<char32_t> cps;
  for (size_t pos = 0; pos < text.size();) cps.push_back(DecodeWtf8(text, &pos));
  return cps;
}

void AppendHexEscape(unsigned unit, std::string* out) {
  char buffer[8];
  std::snprintf(buffer, sizeof buffer, "\\u%04x", unit);
  *out += buffer;
}

// The UTF-16 code units of a code point.
int Utf16Units(char32_t c, char16_t units[2]) {
  if (c < 0x10000) {
    units[0] = static_cast<char16_t>(c);
    return 1;
  }
  c -= 0x10000;
  units[0] = static_cast<char16_t>(0xD800 + (c >> 10));
  units[1] = static_cast<char16_t>(0xDC00 + (c & 0x3FF));
  return 2;
}

bool IsDigitChar(char c) { return c >= '0' && c <= '9'; }

// Length of the decimal literal at the start of `text` (digits, fraction, exponent), the
// longest prefix parseFloat accepts after its sign; 0 when there is none.
size_t DecimalPrefixLength(std::string_view text) {
  size_t at = 0, digits = 0;
  while (at < text.size() && IsDigitChar(text[at])) ++at, ++digits;
  if (at < text.size() && text[at] == '.') {
    size_t fraction = at + 1;
    while (fraction < text.size() && IsDigitChar(text[fraction])) ++fraction, ++digits;
    if (digits > 0) at = fraction;
  }
  if (digits == 0) return 0;
  if (at < text.size() && (text[at] == 'e' || text[at] == 'E')) {
    size_t exponent = at + 1;
    if (exponent < text.size() && (text[exponent] == '+' || text[exponent] == '-')) ++exponent;
    const size_t first_digit = exponent;
    while (exponent < text.size() && IsDigitChar(text[exponent])) ++exponent;
    if (exponent > first_digit) at = exponent;
  }
  return at;
}

double ParseDecimal(std::string_view digits) { return std::strtod(std::string(digits).c_str(), nullptr); }

// Number("0x1F"), "0o17", "0b101": the value of a whole prefixed literal, NaN otherwise.
double ParseRadixLiteral(std::string_view text, int radix) {
  if (text.empty()) return NAN;
  double value = 0;
  for (char c : text) {
    int digit = IsDigitChar(c) ? c - '0' : (c >= 'a' && c <= 'z') ? c - 'a' + 10 : (c >= 'A' && c <= 'Z') ? c - 'A' + 10 : 99;
    if (digit >= radix) return NAN;
    value = value * radix + digit;
  }
  return value;
}

}  // namespace

char32_t DecodeWtf8(std::string_view text, size_t* pos) { return DecodeSequence(text, pos, true); }

// Generalized UTF-8: lone surrogates are encoded like any other code point below U+10000.
void AppendWtf8(char32_t c, std::string* out) { unicode::AppendUtf8(c, out); }

std::string SanitizeUtf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (size_t pos = 0; pos < bytes.size();) AppendWtf8(DecodeSequence(bytes, &pos, false), &out);
  return out;
}

std::string ToWellFormedUtf8(std::string_view wtf8) {
  std::string out;
  out.reserve(wtf8.size());
  for (size_t pos = 0; pos < wtf8.size();) {
    const size_t start = pos;
    const char32_t c = DecodeWtf8(wtf8, &pos);
    if (IsSurrogate(c)) {
      AppendWtf8(kReplacementCharacter, &out);
    } else {
      out.append(wtf8.substr(start, pos - start));
    }
  }
  return out;
}

void AppendJs(std::string* out, std::string_view piece) {
  // A lone high surrogate is ED A0..AF xx; a lone low one ED B0..BF xx.
  const size_t n = out->size();
  const bool high_at_end = n >= 3 && static_cast<unsigned char>((*out)[n - 3]) == 0xED &&
                           (static_cast<unsigned char>((*out)[n - 2]) & 0xF0) == 0xA0;
  const bool low_at_start = piece.size() >= 3 && static_cast<unsigned char>(piece[0]) == 0xED &&
                            (static_cast<unsigned char>(piece[1]) & 0xF0) == 0xB0;
  if (!high_at_end || !low_at_start) {
    out->append(piece);
    return;
  }
  size_t pos = n - 3;
  const char32_t high = DecodeWtf8(*out, &pos);
  pos = 0;
  const char32_t low = DecodeWtf8(piece, &pos);
  out->resize(n - 3);
  AppendWtf8(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00), out);
  out->append(piece.substr(3));
}

bool IsJsWhitespace(char32_t c) {
  if (c <= 32) return c == 32 || (c >= 9 && c <= 13);
  return c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
         c == 0x205F || c == 0x3000 || c == 0xFEFF;
}

std::string_view JsTrimStart(std::string_view text) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t next = pos;
    if (!IsJsWhitespace(DecodeWtf8(text, &next))) break;
    pos = next;
  }
  return text.substr(pos);
}

std::string_view JsTrimEnd(std::string_view text) {
  size_t keep = 0;  // end of the last non-whitespace code point
  for (size_t pos = 0; pos < text.size();) {
    if (!IsJsWhitespace(DecodeWtf8(text, &pos))) keep = pos;
  }
  return text.substr(0, keep);
}

std::string_view JsTrim(std::string_view text) { return JsTrimEnd(JsTrimStart(text)); }

size_t Utf16Length(std::string_view text) {
  size_t units = 0;
  for (size_t pos = 0; pos < text.size();) units += DecodeWtf8(text, &pos) >= 0x10000 ? 2 : 1;
  return units;
}

std::optional<std::string> Utf16At(std::string_view text, double index) {
  if (std::isnan(index)) index = 0;
  index = std::trunc(index);
  const double length = static_cast<double>(Utf16Length(text));
  if (index < 0) index += length;
  if (index < 0 || index >= length) return std::nullopt;
  const size_t wanted = static_cast<size_t>(index);
  size_t unit = 0;
  for (size_t pos = 0; pos < text.size();) {
    const size_t start = pos;
    const char32_t c = DecodeWtf8(text, &pos);
    char16_t units[2];
    const int count = Utf16Units(c, units);
    if (wanted < unit + count) {
      if (count == 1) return std::string(text.substr(start, pos - start));
      std::string surrogate;
      AppendWtf8(units[wanted - unit], &surrogate);
      return surrogate;
    }
    unit += count;
  }
  return std::nullopt;
}

std::vector<std::string> CodePointStrings(std::string_view text) {
  std::vector<std::string> out;
  for (size_t pos = 0; pos < text.size();) {
    const size_t start = pos;
    DecodeWtf8(text, &pos);
    out.emplace_back(text.substr(start, pos - start));
  }
  return out;
}

int CompareUtf16(std::string_view a, std::string_view b) {
  std::u16string ua, ub;
  char16_t units[2];
  for (size_t pos = 0; pos < a.size();) ua.append(units, Utf16Units(DecodeWtf8(a, &pos), units));
  for (size_t pos = 0; pos < b.size();) ub.append(units, Utf16Units(DecodeWtf8(b, &pos), units));
  return ua < ub ? -1 : ua > ub ? 1 : 0;
}

std::string JsToUpper(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t pos = 0; pos < text.size();) {
    AppendMapped(DecodeWtf8(text, &pos), UpperSingles(), kUpperExpansions, kUpperExpansionCount, &out);
  }
  return out;
}

std::string JsToLower(std::string_view text) {
  const std::vector<char32_t> cps = DecodeAll(text);
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < cps.size(); ++i) {
    if (cps[i] == 0x3A3) {
      AppendWtf8(IsFinalSigma(cps, i) ? 0x3C2 : 0x3C3, &out);
    } else {
      AppendMapped(cps[i], LowerSingles(), kLowerExpansions, kLowerExpansionCount, &out);
    }
  }
  return out;
}

std::string JsTitle(std::string_view text) {
  auto is_word = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || IsDigitChar(c) || c == '_';
  };
  std::string out(text);
  for (size_t i = 0; i < out.size(); ++i) {
    const bool starts_word = is_word(out[i]) && (i == 0 || !is_word(text[i - 1]));
    if (starts_word && out[i] >= 'a' && out[i] <= 'z') out[i] = static_cast<char>(out[i] - 'a' + 'A');
  }
  return out;
}

std::string JsCapitalize(std::string_view text) {
  if (text.empty()) return "";
  size_t pos = 0;
  const char32_t first = DecodeWtf8(text, &pos);
  if (first >= 0x10000) return std::string(text);  // charAt(0) is half a pair: unchanged
  return JsToUpper(text.substr(0, pos)) + std::string(text.substr(pos));
}

std::optional<std::string> JsReplace(std::string_view text, std::string_view from, std::string_view to, double count,
                                     size_t max_bytes) {
  if (count == 0) return std::string(text);
  double remaining = count < 0 || std::isnan(count) ? INFINITY : count;
  std::string out;
  size_t pos = 0;
  auto append = [&](std::string_view piece) {
    if (out.size() + piece.size() > max_bytes) return false;
    out.append(piece);
    return true;
  };
  while (pos <= text.size()) {
    if (from.empty()) {
      if (remaining > 0) {
        --remaining;
        if (!append(to)) return std::nullopt;
      }
      if (pos == text.size()) break;
      const size_t start = pos;
      DecodeWtf8(text, &pos);
      if (!append(text.substr(start, pos - start))) return std::nullopt;
      continue;
    }
    const size_t found = remaining > 0 ? text.find(from, pos) : std::string_view::npos;
    if (found == std::string_view::npos) {
      if (!append(text.substr(pos))) return std::nullopt;
      break;
    }
    --remaining;
    if (!append(text.substr(pos, found - pos)) || !append(to)) return std::nullopt;
    pos = found + from.size();
  }
  return out;
}

std::vector<std::string> SplitOnWhitespace(std::string_view text, double maxsplit) {
  text = JsTrimStart(text);
  std::vector<std::string> parts;
  size_t pos = 0;
  while (pos < text.size()) {
    // The next run of non-white space.
    size_t start = pos;
    while (start < text.size()) {
      size_t next = start;
      if (!IsJsWhitespace(DecodeWtf8(text, &next))) break;
      start = next;
    }
    if (start >= text.size()) break;
    size_t end = start;
    while (end < text.size()) {
      size_t next = end;
      if (IsJsWhitespace(DecodeWtf8(text, &next))) break;
      end = next;
    }
    if (maxsplit >= 0 && static_cast<double>(parts.size()) >= maxsplit) {
      parts.emplace_back(text.substr(start));
      break;
    }
    parts.emplace_back(text.substr(start, end - start));
    pos = end;
  }
  return parts;
}

std::vector<std::string> SplitOnSeparator(std::string_view text, std::string_view separator, double maxsplit) {
  std::vector<std::string> parts;
  size_t pos = 0;
  while (true) {
    const bool may_split = maxsplit < 0 || static_cast<double>(parts.size()) < maxsplit;
    const size_t found = may_split ? text.find(separator, pos) : std::string_view::npos;
    if (found == std::string_view::npos) {
      parts.emplace_back(text.substr(pos));
      return parts;
    }
    parts.emplace_back(text.substr(pos, found - pos));
    pos = found + separator.size();
  }
}

std::string JsonQuote(std::string_view text, bool ensure_ascii) {
  std::string out = "\"";
  for (size_t pos = 0; pos < text.size();) {
    const size_t start = pos;
    const char32_t c = DecodeWtf8(text, &pos);
    switch (c) {
      case '"': out += "\\\""; continue;
      case '\\': out += "\\\\"; continue;
      case '\b': out += "\\b"; continue;
      case '\f': out += "\\f"; continue;
      case '\n': out += "\\n"; continue;
      case '\r': out += "\\r"; continue;
      case '\t': out += "\\t"; continue;
      default: break;
    }
    if (c < 0x20 || IsSurrogate(c) || (ensure_ascii && c >= 0x7F)) {
      char16_t units[2];
      const int count = Utf16Units(c, units);
      for (int i = 0; i < count; ++i) AppendHexEscape(units[i], &out);
    } else {
      out.append(text.substr(start, pos - start));
    }
  }
  out += '"';
  return out;
}

std::string JsNumberToString(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  if (value == 0) return "0";
  const std::string sign = value < 0 ? "-" : "";
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, std::fabs(value), std::chars_format::scientific);
  const std::string_view scientific(buffer, result.ptr - buffer);  // "d.ddde+XX"
  const size_t e = scientific.find('e');
  std::string digits;
  for (char c : scientific.substr(0, e)) {
    if (c != '.') digits += c;
  }
  const int exponent = std::atoi(std::string(scientific.substr(e + 1)).c_str());
  const int k = static_cast<int>(digits.size());
  const int n = exponent + 1;  // the decimal point sits after n digits
  if (k <= n && n <= 21) return sign + digits + std::string(n - k, '0');
  if (0 < n && n <= 21) return sign + digits.substr(0, n) + "." + digits.substr(n);
  if (-6 < n && n <= 0) return sign + "0." + std::string(-n, '0') + digits;
  std::string text = sign + digits.substr(0, 1);
  if (k > 1) text += "." + digits.substr(1);
  return text + "e" + (n - 1 >= 0 ? "+" : "-") + std::to_string(std::abs(n - 1));
}

std::string JsFloatToString(double value) {
  if (value == 0 && std::signbit(value)) return "-0.0";
  if (std::isfinite(value) && value == std::trunc(value) && std::fabs(value) < 1e21) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.1f", value);
    return buffer;
  }
  return JsNumberToString(value);
}

std::string JsonNumber(double value) { return std::isfinite(value) ? JsNumberToString(value) : "null"; }

double JsParseInt(std::string_view text) {
  text = JsTrimStart(text);
  bool negative = false;
  if (!text.empty() && (text[0] == '+' || text[0] == '-')) {
    negative = text[0] == '-';
    text.remove_prefix(1);
  }
  size_t digits = 0;
  while (digits < text.size() && IsDigitChar(text[digits])) ++digits;
  if (digits == 0) return NAN;
  const double value = ParseDecimal(text.substr(0, digits));
  return negative ? -value : value;
}

double JsParseFloat(std::string_view text) {
  text = JsTrimStart(text);
  bool negative = false;
  if (!text.empty() && (text[0] == '+' || text[0] == '-')) {
    negative = text[0] == '-';
    text.remove_prefix(1);
  }
  double value;
  if (text.substr(0, 8) == "Infinity") {
    value = INFINITY;
  } else {
    const size_t length = DecimalPrefixLength(text);
    if (length == 0) return NAN;
    value = ParseDecimal(text.substr(0, length));
  }
  return negative ? -value : value;
}

double JsStringToNumber(std::string_view text) {
  text = JsTrim(text);
  if (text.empty()) return 0;
  if (text.size() > 2 && text[0] == '0') {
    const char prefix = static_cast<char>(text[1] | 0x20);
    if (prefix == 'x') return ParseRadixLiteral(text.substr(2), 16);
    if (prefix == 'o') return ParseRadixLiteral(text.substr(2), 8);
    if (prefix == 'b') return ParseRadixLiteral(text.substr(2), 2);
  }
  bool negative = false;
  std::string_view body = text;
  if (body[0] == '+' || body[0] == '-') {
    negative = body[0] == '-';
    body.remove_prefix(1);
  }
  if (body == "Infinity") return negative ? -INFINITY : INFINITY;
  if (body.empty() || DecimalPrefixLength(body) != body.size()) return NAN;
  const double value = ParseDecimal(body);
  return negative ? -value : value;
}

}  // namespace steptree::jinja

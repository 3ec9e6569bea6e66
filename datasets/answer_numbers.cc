// Number forms in answers: thousands separators, decimal commas, mixed numbers, canonical
// decimals and scientific notation. Plain scanners, no std::regex. The conventions where
// readings clash (a comma before exactly three digits is a thousands separator; a decimal
// comma only where a list is unlikely) are set out in answer_numbers.h and answer.cc.
#include "datasets/answer_numbers.h"

#include <algorithm>
#include <optional>
#include <string>

#include "datasets/answer_text.h"

namespace steptree::answer_numbers {
namespace {

using answer_text::IsAlpha;
using answer_text::IsDigit;
using answer_text::IsSpace;
using answer_text::Trim;

using answer_text::SkipSpaces;

size_t SkipDigits(const std::string& s, size_t i) {
  while (i < s.size() && IsDigit(s[i])) ++i;
  return i;
}

// True when exactly three digits start at s[i] and no fourth follows.
bool ThreeDigitsAt(const std::string& s, size_t i) {
  return i + 3 <= s.size() && SkipDigits(s, i) == i + 3;
}

}  // namespace

std::string JoinMarkedThousands(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size();) {
    const bool marked = s.compare(i, 3, ",\\!") == 0 || s.compare(i, 3, "{,}") == 0;
    if (marked && !out.empty() && IsDigit(out.back())) {
      const size_t j = SkipSpaces(s, i + 3);
      if (ThreeDigitsAt(s, j)) {
        i = j;
        continue;
      }
    }
    out += s[i++];
  }
  return out;
}

std::string RemoveThousands(const std::string& s) {
  std::string out;
  int depth = 0;
  for (size_t i = 0; i < s.size();) {
    const char c = s[i];
    if (c == '(' || c == '[' || c == '{') ++depth;
    if (c == ')' || c == ']' || c == '}') --depth;
    const bool run_start = IsDigit(c) && (i == 0 || (!IsDigit(s[i - 1]) && s[i - 1] != '.' &&
                                                     s[i - 1] != ','));
    if (!run_start || depth != 0) {
      out += s[i++];
      continue;
    }
    size_t j = SkipDigits(s, i);
    const size_t lead = j - i;
    std::string digits = s.substr(i, lead);
    int groups = 0;
    while (j < s.size() && s[j] == ',' && ThreeDigitsAt(s, j + 1)) {
      digits += s.substr(j + 1, 3);
      j += 4;
      ++groups;
    }
    const bool chain_continues = j + 1 < s.size() && s[j] == ',' && IsDigit(s[j + 1]);
    if (lead <= 3 && groups > 0 && !chain_continues) {
      out += digits;
      i = j;
    } else {
      out += s.substr(i, lead);
      i += lead;
    }
  }
  return out;
}

std::string SpacedMixedNumber(const std::string& s) {
  const std::string t = Trim(s);
  size_t i = t.size() > 0 && t[0] == '-' ? 1 : 0;
  const size_t whole_end = SkipDigits(t, i);
  if (whole_end == i || whole_end >= t.size() || !IsSpace(t[whole_end])) return s;
  const size_t numerator = SkipSpaces(t, whole_end);
  const size_t slash = SkipDigits(t, numerator);
  if (slash == numerator || slash >= t.size() || t[slash] != '/') return s;
  const size_t denominator_end = SkipDigits(t, slash + 1);
  if (denominator_end != t.size() || denominator_end == slash + 1) return s;
  if (slash - numerator > 9 || denominator_end - slash - 1 > 9) return s;
  const long long a = std::stoll(t.substr(numerator, slash - numerator));
  const long long b = std::stoll(t.substr(slash + 1));
  if (a >= b) return s;  // "2 3/2" is not a mixed number
  return t.substr(0, whole_end) + "\\frac{" + t.substr(numerator, slash - numerator) + "}{" +
         t.substr(slash + 1) + "}";
}


std::optional<std::string> DecimalCommaReading(const std::string& raw) {
  const std::string t = answer_text::StripMathDelimiters(raw);
  size_t i = 0;
  // Before the number: a sign, spaces, "$", "\$" or a currency sign (bytes >= 0x80).
  while (i < t.size() && !IsDigit(t[i])) {
    const char c = t[i];
    const bool currency = c == '$' || c == '\\' || static_cast<unsigned char>(c) >= 0x80;
    if (c != '-' && c != '+' && c != ' ' && !currency) {
      return std::nullopt;
    }
    ++i;
  }
  const size_t start = i;
  const size_t lead_end = SkipDigits(t, i);
  if (lead_end == start) return std::nullopt;
  std::string number = t.substr(start, lead_end - start);
  i = lead_end;
  // European thousands: "1.234.567,5"
  bool grouped = false;
  while (i < t.size() && t[i] == '.' && ThreeDigitsAt(t, i + 1) && lead_end - start <= 3) {
    number += t.substr(i + 1, 3);
    i += 4;
    grouped = true;
  }
  if (i >= t.size() || t[i] != ',') return std::nullopt;
  const size_t fraction_end = SkipDigits(t, i + 1);
  const size_t fraction_digits = fraction_end - i - 1;
  if (fraction_digits == 0 || (fraction_digits == 3 && !grouped)) return std::nullopt;
  number += "." + t.substr(i + 1, fraction_digits);
  // After it: a unit, a percent or currency sign; no other number, list or bracket.
  for (size_t k = fraction_end; k < t.size(); ++k) {
    if (IsDigit(t[k]) || std::string(",.()[]|=<>^_").find(t[k]) != std::string::npos) {
      return std::nullopt;
    }
  }
  // Only where a list is unlikely: European grouping, four or more decimals, or a
  // currency or unit written with the number ("3,50 \u20ac", "2,5 cm"). A bare "3,5" may
  // be the two solutions 3 and 5.
  const std::string prefix = Trim(t.substr(0, start)), suffix = Trim(t.substr(fraction_end));
  const bool marked = (!prefix.empty() && prefix != "-" && prefix != "+") || !suffix.empty();
  if (!grouped && fraction_digits < 4 && !marked) return std::nullopt;
  return t.substr(0, start) + number + t.substr(fraction_end);
}

namespace {

// Reads "-?digits" at s[*i]; false when there are no digits or more than `max_digits`.
bool ReadInteger(const std::string& s, size_t* i, size_t max_digits, long long* value) {
  const size_t end = SkipDigits(s, *i);
  if (end == *i || end - *i > max_digits) return false;
  *value = std::stoll(s.substr(*i, end - *i));
  *i = end;
  return true;
}

bool Consume(const std::string& s, size_t* i, const std::string& token) {
  if (s.compare(*i, token.size(), token) != 0) return false;
  *i += token.size();
  return true;
}

// "0.50" -> "0.5" and friends; returns s unchanged when it is not a plain decimal.
std::string CanonicalDecimal(const std::string& s) {
  size_t i = 0;
  std::string sign;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) sign = s[i++] == '-' ? "-" : "";
  const size_t whole_end = SkipDigits(s, i);
  std::string whole = s.substr(i, whole_end - i);
  std::string fraction;
  i = whole_end;
  if (i < s.size() && s[i] == '.') {
    const size_t fraction_end = SkipDigits(s, i + 1);
    fraction = s.substr(i + 1, fraction_end - i - 1);
    i = fraction_end;
  }
  // Scientific notation: "e" or "E", an optional sign, at most two exponent digits.
  int exponent = 0;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E') && !(whole.empty() && fraction.empty())) {
    size_t k = i + 1;
    const bool negative = k < s.size() && s[k] == '-';
    if (k < s.size() && (s[k] == '-' || s[k] == '+')) ++k;
    const size_t exponent_end = SkipDigits(s, k);
    if (exponent_end == k || exponent_end - k > 2 || exponent_end != s.size()) return s;
    exponent = std::stoi(s.substr(k, exponent_end - k));
    if (exponent > 20) return s;
    if (negative) exponent = -exponent;
    i = exponent_end;
  }
  if (i != s.size() || (whole.empty() && fraction.empty())) return s;
  // Move the decimal point `exponent` places.
  for (; exponent > 0; --exponent) {
    whole += fraction.empty() ? '0' : fraction[0];
    if (!fraction.empty()) fraction.erase(0, 1);
  }
  for (; exponent < 0; ++exponent) {
    fraction.insert(fraction.begin(), whole.empty() ? '0' : whole.back());
    if (!whole.empty()) whole.pop_back();
  }
  whole.erase(0, std::min(whole.find_first_not_of('0'), whole.size()));
  if (whole.empty()) whole = "0";
  while (!fraction.empty() && fraction.back() == '0') fraction.pop_back();
  const std::string out = whole + (fraction.empty() ? "" : "." + fraction);
  return out == "0" ? out : sign + out;
}

}  // namespace

std::string CanonicalNumber(const std::string& s) {
  size_t i = 0;
  const std::string sign = !s.empty() && s[0] == '-' ? "-" : "";
  i = sign.size();
  long long a, b, c;
  // "a/b"
  size_t j = i;
  if (ReadInteger(s, &j, 18, &a) && Consume(s, &j, "/") && ReadInteger(s, &j, 18, &b) &&
      j == s.size()) {
    return sign + "\\frac{" + s.substr(i, s.find('/') - i) + "}{" + s.substr(s.find('/') + 1) + "}";
  }
  // "a\frac{b}{c}": a mixed number
  j = i;
  if (ReadInteger(s, &j, 9, &a) && Consume(s, &j, "\\frac{") && ReadInteger(s, &j, 9, &b) &&
      Consume(s, &j, "}{") && ReadInteger(s, &j, 9, &c) && Consume(s, &j, "}") && j == s.size()) {
    return sign + "\\frac{" + std::to_string(a * c + b) + "}{" + std::to_string(c) + "}";
  }
  return CanonicalDecimal(s);
}

}  // namespace steptree::answer_numbers

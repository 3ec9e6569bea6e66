// Value-form normalisation rules (see answer_rules.h).
#include "datasets/answer_rules.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <vector>

#include "datasets/answer_text.h"
#include "datasets/math_expression.h"

namespace steptree::answer_rules {
namespace {

using answer_text::SplitTopLevel;
using answer_text::StartsWith;
using answer_text::ToLower;
using answer_text::Trim;

using answer_text::IsAlnum;
using answer_text::IsAlpha;
using answer_text::IsDigit;
using answer_text::IsSpace;

size_t SkipSpaces(const std::string& s, size_t i) {
  while (i < s.size() && IsSpace(s[i])) ++i;
  return i;
}

size_t SkipDigits(const std::string& s, size_t i) {
  while (i < s.size() && IsDigit(s[i])) ++i;
  return i;
}

// True when exactly three digits start at s[i] and no fourth follows.
bool ThreeDigitsAt(const std::string& s, size_t i) {
  return i + 3 <= s.size() && SkipDigits(s, i) == i + 3;
}

// True for "x", "a_1", "a_{12}", "x'", "\theta", "f(x)".
bool IsVariableName(const std::string& t) {
  if (t.size() >= 2 && t[0] == '\\') {
    for (size_t i = 1; i < t.size(); ++i) {
      if (!IsAlpha(t[i])) return false;
    }
    return t != "\\infty" && t != "\\pi";
  }
  if (t.empty() || !IsAlpha(t[0])) return false;
  if (t.size() == 4 && t[1] == '(' && IsAlpha(t[2]) && t[3] == ')') return true;
  size_t i = 1;
  if (i < t.size() && t[i] == '_') {
    ++i;
    const bool braced = i < t.size() && t[i] == '{';
    if (braced) ++i;
    const size_t start = i;
    while (i < t.size() && IsAlnum(t[i])) ++i;
    if (i == start) return false;
    if (braced) {
      if (i >= t.size() || t[i] != '}') return false;
      ++i;
    }
  }
  if (i < t.size() && t[i] == '\'') ++i;
  return i == t.size();
}

bool IsConstantValue(const std::string& text) {
  const std::optional<MathExpression> e = MathExpression::Parse(text);
  return e && e->IsConstant();
}

// A squared or cubed unit suffix at the end of `s` ("^2", "^{3}"); returns its start or npos.
size_t UnitPowerSuffix(const std::string& s) {
  size_t end = s.size();
  while (end > 0 && IsSpace(s[end - 1])) --end;
  if (end == 0) return std::string::npos;
  size_t i = end;
  bool braced = false;
  if (s[i - 1] == '}') {
    braced = true;
    --i;
  }
  if (i == 0 || (s[i - 1] != '2' && s[i - 1] != '3')) return std::string::npos;
  --i;
  if (braced) {
    if (i == 0 || s[i - 1] != '{') return std::string::npos;
    --i;
  }
  while (i > 0 && IsSpace(s[i - 1])) --i;
  if (i == 0 || s[i - 1] != '^') return std::string::npos;
  return i - 1;
}

// True for a word token: letters with an optional final period.
bool IsWord(const std::string& token) {
  size_t letters = token.size();
  if (letters > 0 && token.back() == '.') --letters;
  if (letters == 0) return false;
  for (size_t i = 0; i < letters; ++i) {
    if (!IsAlpha(token[i])) return false;
  }
  return true;
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

std::string StripVariablePrefix(const std::string& s) {
  // "x \in ..."
  size_t i = SkipSpaces(s, 0);
  if (i < s.size() && IsAlpha(s[i])) {
    size_t j = SkipSpaces(s, i + 1);
    if (s.compare(j, 3, "\\in") == 0 && (j + 3 == s.size() || !IsAlpha(s[j + 3]))) {
      const std::string rest = Trim(s.substr(j + 3));
      if (!rest.empty()) return rest;
    }
  }
  const std::vector<std::string> sides = SplitTopLevel(s, "=");
  if (sides.size() == 2 && !sides[1].empty() && IsVariableName(sides[0])) return sides[1];
  return s;
}

std::string ListConjunctions(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size();) {
    if (IsSpace(s[i]) && !out.empty()) {
      const size_t j = SkipSpaces(s, i);
      size_t length = 0;
      if (s.compare(j, 3, "and") == 0) length = 3;
      if (s.compare(j, 2, "or") == 0) length = 2;
      if (length > 0 && j + length < s.size() && IsSpace(s[j + length])) {
        const size_t next = SkipSpaces(s, j + length);
        if (next < s.size()) {
          out += ", ";
          i = next;
          continue;
        }
      }
    }
    out += s[i++];
  }
  return out;
}

std::string StripUnitWords(const std::string& s) {
  // A currency word before the value: "USD 5", "dollars 5", "Rs. 20".
  const std::string lower = ToLower(Trim(s));
  for (const char* prefix : {"usd", "us", "dollars", "dollar", "rs.", "rs"}) {
    const std::string p = prefix;
    if (!StartsWith(lower, p) || lower.size() == p.size()) continue;
    if (IsAlpha(lower[p.size()])) continue;
    const std::string rest = Trim(Trim(s).substr(p.size()));
    if (!rest.empty() && (IsDigit(rest[0]) || rest[0] == '.' || rest[0] == '-' || rest[0] == '+')) {
      return rest;
    }
  }
  // Words after the value: the longest run of whitespace-separated word tokens at the end,
  // with an optional "^2" / "^3" after the last one.
  std::string body = s;
  const size_t power = UnitPowerSuffix(body);
  if (power != std::string::npos) body = body.substr(0, power);
  size_t end = body.size();
  while (end > 0 && IsSpace(body[end - 1])) --end;
  size_t value_end = std::string::npos;
  std::string first_word;
  for (;;) {
    size_t start = end;
    while (start > 0 && !IsSpace(body[start - 1])) --start;
    if (start == 0 || start == end) break;  // a word must follow some value and a space
    const std::string token = body.substr(start, end - start);
    if (!IsWord(token)) break;
    first_word = token;
    value_end = start;
    end = start;
    while (end > 0 && IsSpace(body[end - 1])) --end;
  }
  if (value_end == std::string::npos) return s;
  if (first_word.back() == '.') first_word.pop_back();
  const std::string word = ToLower(first_word);
  if (word.size() < 2 || word == "pi" || word == "sqrt" || word == "inf" || word == "infinity") {
    return s;
  }
  const std::string value = Trim(body.substr(0, value_end));
  return !value.empty() && IsConstantValue(value) ? value : s;
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
  if (i != s.size() || (whole.empty() && fraction.empty())) return s;
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

}  // namespace steptree::answer_rules

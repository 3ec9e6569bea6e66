// Value-form normalisation rules (see answer_rules.h): plain scanners over the text.
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

using answer_text::SkipSpaces;

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
  if (sides.size() < 2 || sides.back().empty()) return s;
  if (sides.size() > 2 && SplitTopLevel(s, ",").size() > 1) return s;  // "x=1, x=2": a list
  // "k = 2 + 1 = 3": the last right-hand side.
  if (IsVariableName(sides[0])) return sides.back();
  if (sides.size() != 2) return s;
  // "(x, y) = (1, 2)": a tuple of names against a tuple of the same brackets.
  const std::string& names = sides[0];
  if (answer_text::WrappedInBrackets(names) && answer_text::WrappedInBrackets(sides[1]) &&
      names.front() == sides[1].front()) {
    const std::vector<std::string> items = SplitTopLevel(names.substr(1, names.size() - 2), ",");
    if (items.size() < 2) return s;
    for (const std::string& item : items) {
      if (!IsVariableName(item)) return s;
    }
    return sides[1];
  }
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
  // One letter is a variable ("2 x"), except metres squared or cubed ("5 m^2").
  const bool metres = word == "m" && power != std::string::npos;
  if ((word.size() < 2 && !metres) || word == "pi" || word == "sqrt" || word == "inf" ||
      word == "infinity") {
    return s;
  }
  const std::string value = Trim(body.substr(0, value_end));
  return !value.empty() && IsConstantValue(value) ? value : s;
}

std::string RelationOperators(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    const bool pair = i + 1 < s.size() && s[i + 1] == '=';
    if (pair && s[i] == '>') {
      out += "\\geq ";
    } else if (pair && s[i] == '<') {
      out += "\\leq ";
    } else if (pair && s[i] == '!') {
      out += "\\neq ";
    } else {
      out += s[i];
      continue;
    }
    ++i;
  }
  return out;
}

}  // namespace steptree::answer_rules

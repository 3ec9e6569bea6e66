// Answer normalisation: the canonical text form used for exact comparison and voting.
//
// The passes, in order (each one a function below):
//   unicode      U+2212 and other dashes -> '-', non-breaking spaces, ×, ·, ÷, π, ∞, √, °, ≤,
//                ² ³ -> ^2 ^3 ...
//   escapes      doubled backslashes of JSON-escaped output halved (latex_escapes.h)
//   delimiters   surrounding $...$, $$...$$, \(...\), \[...\], a whole \boxed{...}
//   commands     \left \right \big.. \displaystyle dropped; \! \, \; \: \quad ~ -> space;
//                \dfrac \tfrac \cfrac -> \frac; \le \leqslant <= -> \leq, \ge \geqslant >= ->
//                \geq, \ne != -> \neq, \lt \gt -> < >; degrees (^\circ, ^{\circ}, \degree),
//                percent (\%, %) and currency (\$, $, €, £) dropped; ",\!" and "{,}" digit
//                separators joined
//   text         \text{..} \mbox{..} \mathrm{..} ... unwrapped; a unit after a number
//                ("5\text{ cm}^2") dropped; "\text{ and }" / "\text{ or }" -> ","
//   arguments    \frac12 -> \frac{1}{2}, \frac{a}b -> \frac{a}{b}, \sqrt2 -> \sqrt{2}
//   prefixes     "x =", "k=", "f(x) =", "x \in"; "2 and 3", "2 or 3" -> "2, 3"
//   thousands    "1,234,567" -> 1234567 outside brackets ("(1,234)" stays a pair)
//   units        trailing words after a numeric value ("12 apples", "5 square feet", "USD")
//   mixed        "2 1/2" -> 2\frac{1}{2} (before spaces go)
//   spaces       removed, except between a command and a letter ("\cot x"); ", " after commas
//   final        trailing periods, a leading '+', one pair of wrapping "{}" or "()", mixed
//                numbers ("1\frac{4}{5}" -> \frac{9}{5}), "a/b" -> \frac{a}{b}, canonical
//                decimals ("0.50" -> 0.5, ".5" -> 0.5, "1e3" -> 1000), bmatrix -> pmatrix,
//                "_{5}" -> "_5",
//                "infinity" -> \infty, \mathbb{R} -> (-\infty, \infty), array -> pmatrix (and
//                brackets drawn around a matrix dropped),
//                \varnothing and \{\} -> \emptyset
// The whole pipeline is repeated until the text stops changing, so that
// NormalizeAnswer(NormalizeAnswer(x)) == NormalizeAnswer(x). The value-form rules live in
// answer_rules.cc, the number forms in answer_numbers.cc. Texts over 4096 bytes are only
// trimmed.
#include <cctype>
#include <map>
#include <string>
#include <utility>

#include "datasets/answer.h"
#include "datasets/answer_text.h"
#include "datasets/answer_numbers.h"
#include "datasets/answer_rules.h"
#include "datasets/latex_escapes.h"

namespace steptree {
namespace {

using answer_text::CommandNameLength;
using answer_text::EndsWith;
using answer_text::MatchGroup;
using answer_text::ReplaceAll;
using answer_text::SplitTopLevel;
using answer_text::StartsWith;
using answer_text::Trim;

using answer_text::IsAlpha;
using answer_text::IsDigit;

std::string ReplaceUnicode(std::string s) {
  static const std::pair<const char*, const char*> kReplacements[] = {
      {"\u2212", "-"}, {"\u2010", "-"}, {"\u2011", "-"}, {"\u2012", "-"}, {"\u2013", "-"},
      {"\u2014", "-"}, {"\u2015", "-"}, {"\ufe63", "-"}, {"\uff0d", "-"},
      {"\u00a0", " "}, {"\u2002", " "}, {"\u2003", " "}, {"\u2009", " "}, {"\u202f", " "},
      {"\u00d7", "\\times "}, {"\u22c5", "\\cdot "}, {"\u00b7", "\\cdot "},
      {"\u00f7", "\\div "}, {"\u03c0", "\\pi "}, {"\u221e", "\\infty "}, {"\u221a", "\\sqrt "},
      {"\u00b0", "^\\circ "}, {"\u2264", "\\leq "}, {"\u2265", "\\geq "}, {"\u2260", "\\neq "},
      {"\u222a", "\\cup "}, {"\u2208", "\\in "}, {"\u00b1", "\\pm "}, {"\u2019", "'"},
      {"\u20ac", ""}, {"\u00a3", ""}, {"\u00a5", ""}, {"\u00b2", "^2"}, {"\u00b3", "^3"},
      {"\u2a7e", "\\geq "}, {"\u2a7d", "\\leq "}, {"\u2213", "\\mp "}, {"\u2229", "\\cap "}};
  for (const auto& [from, to] : kReplacements) s = ReplaceAll(std::move(s), from, to);
  return s;
}

// Removes math delimiters and \boxed{} around the whole text, repeatedly.
std::string StripDelimiters(std::string s) {
  for (;;) {
    const std::string before = s;
    s = answer_text::StripMathDelimiters(s);
    for (const char* box : {"\\boxed", "\\fbox"}) {
      const std::string prefix = std::string(box) + "{";
      if (StartsWith(s, prefix) && MatchGroup(s, prefix.size() - 1) == s.size() - 1) {
        s = s.substr(prefix.size(), s.size() - prefix.size() - 1);
        break;
      }
    }
    if (s == before) return s;
  }
}

// Drops degree signs ("^\circ", "^{\circ}", "{}^\circ", "\degree"), percent signs and
// currency symbols.
std::string DropSymbols(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size();) {
    if (s[i] == '%' || s[i] == '$') {
      ++i;
      continue;
    }
    if (s[i] != '\\') {
      out += s[i++];
      continue;
    }
    const size_t length = CommandNameLength(s, i);
    const std::string name = s.substr(i + 1, length);
    i += length + 1;
    if (name == "%" || name == "$") continue;
    if (name != "circ" && name != "degree") {
      out += "\\" + name;
      continue;
    }
    // Take back the "^" or "^{" written before the sign (and a "{}" before that).
    std::string kept = Trim(out);
    bool braced = false;
    if (!kept.empty() && kept.back() == '{') {
      const std::string before_brace = Trim(kept.substr(0, kept.size() - 1));
      if (!before_brace.empty() && before_brace.back() == '^') {
        kept = before_brace;
        braced = true;
      }
    }
    if (!kept.empty() && kept.back() == '^') {
      kept = Trim(kept.substr(0, kept.size() - 1));
      if (EndsWith(kept, "{}")) kept.resize(kept.size() - 2);
      out = kept;
      if (braced) {
        size_t j = i;
        while (j < s.size() && s[j] == ' ') ++j;
        if (j < s.size() && s[j] == '}') i = j + 1;
      }
    }
  }
  return out;
}

// Rewrites commands: sizing dropped, spacing to spaces, synonyms to one spelling.
std::string RewriteCommands(const std::string& s) {
  static const std::map<std::string, std::string> kRewrites = {
      {"left", ""}, {"right", ""}, {"big", ""}, {"Big", ""}, {"bigg", ""}, {"Bigg", ""},
      {"bigl", ""}, {"bigr", ""}, {"Bigl", ""}, {"Bigr", ""}, {"biggl", ""}, {"biggr", ""},
      {"Biggl", ""}, {"Biggr", ""}, {"displaystyle", ""}, {"textstyle", ""},
      {"!", ""}, {",", " "}, {";", " "}, {":", " "}, {" ", " "}, {"quad", " "}, {"qquad", " "},
      {"dfrac", "\\frac"}, {"tfrac", "\\frac"}, {"cfrac", "\\frac"}, {"le", "\\leq"},
      {"ge", "\\geq"}, {"ne", "\\neq"}, {"lbrace", "\\{"}, {"rbrace", "\\}"},
      {"leqslant", "\\leq"}, {"geqslant", "\\geq"}, {"leqq", "\\leq"}, {"geqq", "\\geq"},
      {"lt", "<"}, {"gt", ">"}, {"langle", "("}, {"rangle", ")"},
      {"varnothing", "\\emptyset"},
      {"lbrack", "["}, {"rbrack", "]"}, {"lvert", "|"}, {"rvert", "|"}, {"vert", "|"}};
  std::string out;
  for (size_t i = 0; i < s.size();) {
    if (s[i] == '~') {
      out += ' ';
      ++i;
      continue;
    }
    if (s[i] != '\\') {
      out += s[i++];
      continue;
    }
    const size_t length = CommandNameLength(s, i);
    const std::string name = s.substr(i + 1, length);
    auto it = kRewrites.find(name);
    if (it == kRewrites.end()) {
      out += s.substr(i, length + 1);
      i += length + 1;
      continue;
    }
    out += it->second;
    i += length + 1;
    // "\left." and "\right." are invisible delimiters.
    if ((name == "left" || name == "right") && i < s.size() && s[i] == '.') ++i;
    // A rewritten command followed by a letter keeps a separating space.
    if (!it->second.empty() && it->second[0] == '\\' && i < s.size() && IsAlpha(s[i])) out += ' ';
  }
  return out;
}

bool IsTextCommand(const std::string& name) {
  static const char* kNames[] = {"text", "textbf", "textit", "textrm", "textsf", "texttt",
                                 "textnormal", "textup", "emph", "mathrm", "mathbf", "mathit",
                                 "mathsf", "mathtt", "mathnormal", "mbox", "hbox", "operatorname"};
  for (const char* n : kNames) {
    if (name == n) return true;
  }
  return false;
}

// True for unit-like text: letters, spaces, periods and "/" ("m/s"), starting with a letter.
bool LooksLikeUnit(const std::string& text) {
  if (text.empty() || !IsAlpha(text[0])) return false;
  for (char c : text) {
    if (!IsAlpha(c) && c != ' ' && c != '.' && c != '/') return false;
  }
  return true;
}

// Skips "^2", "^{2}", "^3", "^{3}" (a squared or cubed unit) at s[i], after spaces.
size_t SkipUnitPower(const std::string& s, size_t i) {
  auto skip_spaces = [&](size_t j) {
    while (j < s.size() && s[j] == ' ') ++j;
    return j;
  };
  size_t j = skip_spaces(i);
  if (j >= s.size() || s[j] != '^') return i;
  j = skip_spaces(j + 1);
  const bool braced = j < s.size() && s[j] == '{';
  if (braced) j = skip_spaces(j + 1);
  if (j >= s.size() || (s[j] != '2' && s[j] != '3')) return i;
  ++j;
  if (!braced) return j;
  j = skip_spaces(j);
  return j < s.size() && s[j] == '}' ? j + 1 : i;
}

std::string UnwrapText(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size();) {
    if (s[i] != '\\') {
      out += s[i++];
      continue;
    }
    const size_t length = CommandNameLength(s, i);
    const std::string name = s.substr(i + 1, length);
    size_t open = i + 1 + length;
    while (open < s.size() && s[open] == ' ') ++open;
    const size_t close = open < s.size() && s[open] == '{' ? MatchGroup(s, open) : std::string::npos;
    if (!IsTextCommand(name) || close == std::string::npos) {
      out += s.substr(i, length + 1);
      i += length + 1;
      continue;
    }
    const std::string content = UnwrapText(s.substr(open + 1, close - open - 1));
    const std::string word = Trim(content);
    const std::string before = Trim(out);
    const char last = before.empty() ? '\0' : before.back();
    i = close + 1;
    if (word == "and" || word == "or") {
      out += ", ";
    } else if (LooksLikeUnit(word) && (IsDigit(last) || last == '}' || last == ')')) {
      i = SkipUnitPower(s, i);  // a unit after a value: "5\text{ cm}^2"
      out += ' ';
    } else {
      out += ' ' + content + ' ';
    }
  }
  return out;
}

// Reads one TeX argument at s[*i] (after spaces): a {group}, a (group) for \sqrt(x+1), a
// command name, or one letter or digit. Returns false, consuming nothing, when there is
// no such argument (an unclosed group, the end of the text, punctuation).
bool ReadArgument(const std::string& s, size_t* i, bool allow_parentheses, std::string* arg) {
  size_t j = *i;
  while (j < s.size() && s[j] == ' ') ++j;
  if (j >= s.size()) return false;
  size_t end = std::string::npos;
  if (s[j] == '{') {
    const size_t close = MatchGroup(s, j);
    if (close == std::string::npos) return false;
    *arg = s.substr(j + 1, close - j - 1);
    end = close + 1;
  } else if (allow_parentheses && s[j] == '(') {
    int depth = 0;
    for (size_t k = j; k < s.size() && end == std::string::npos; ++k) {
      if (s[k] == '(') ++depth;
      if (s[k] == ')' && --depth == 0) {
        *arg = s.substr(j + 1, k - j - 1);
        end = k + 1;
      }
    }
    if (end == std::string::npos) return false;
  } else if (s[j] == '\\' && j + 1 < s.size() && IsAlpha(s[j + 1])) {
    const size_t length = CommandNameLength(s, j);
    *arg = s.substr(j, length + 1);
    end = j + length + 1;
  } else if (std::isalnum(static_cast<unsigned char>(s[j]))) {
    *arg = std::string(1, s[j]);
    end = j + 1;
  } else {
    return false;
  }
  *i = end;
  return true;
}

// Braces the arguments of \frac and \sqrt: \frac12 -> \frac{1}{2}, \sqrt2 -> \sqrt{2}.
// Commands without readable arguments are left as they are.
std::string BraceArguments(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size();) {
    if (s[i] != '\\') {
      out += s[i++];
      continue;
    }
    const size_t length = CommandNameLength(s, i);
    const std::string name = s.substr(i + 1, length);
    i += length + 1;
    out += "\\" + name;
    if (name == "frac") {
      size_t j = i;
      std::string numerator, denominator;
      if (ReadArgument(s, &j, false, &numerator) && ReadArgument(s, &j, false, &denominator)) {
        out += "{" + BraceArguments(numerator) + "}{" + BraceArguments(denominator) + "}";
        i = j;
      }
    } else if (name == "sqrt") {
      size_t j = i;
      while (j < s.size() && s[j] == ' ') ++j;
      std::string index, radicand;
      if (j < s.size() && s[j] == '[') {
        const size_t close = s.find(']', j);
        if (close == std::string::npos) continue;
        index = "[" + Trim(BraceArguments(s.substr(j + 1, close - j - 1))) + "]";
        j = close + 1;
      }
      if (ReadArgument(s, &j, true, &radicand)) {
        out += index + "{" + BraceArguments(radicand) + "}";
        i = j;
      }
    }
  }
  return out;
}

// Removes whitespace, keeping one space between a command and a following letter, and
// writes ", " after every comma.
std::string CollapseSpaces(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c))) continue;
    if (IsAlpha(c) && !out.empty() && IsAlpha(out.back())) {
      // Is out's trailing word a command name, and was there space between?
      size_t k = out.size();
      while (k > 0 && IsAlpha(out[k - 1])) --k;
      if (k > 0 && out[k - 1] == '\\' && i > 0 && std::isspace(static_cast<unsigned char>(s[i - 1]))) {
        out += ' ';
      }
    }
    out += c;
    if (c == ',') out += ' ';
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::string FinalTouches(std::string s) {
  while (!s.empty() && s.back() == '.') s.pop_back();
  if (!s.empty() && s[0] == '+') s.erase(0, 1);
  // "_{5}" -> "_5"
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '_' && i + 3 < s.size() && s[i + 1] == '{' &&
        std::isalnum(static_cast<unsigned char>(s[i + 2])) && s[i + 3] == '}') {
      out += std::string("_") + s[i + 2];
      i += 3;
    } else {
      out += s[i];
    }
  }
  s = std::move(out);
  for (const char* env : {"bmatrix", "Bmatrix", "matrix", "smallmatrix"}) {
    s = ReplaceAll(std::move(s), std::string("{") + env + "}", "{pmatrix}");
  }
  // Brackets drawn around a matrix environment: "\left[\begin{array}..\end{array}\right]".
  if (answer_text::WrappedInBrackets(s) && s.front() != '{') {
    const std::string inner = Trim(s.substr(1, s.size() - 2));
    if (StartsWith(inner, "\\begin{") && EndsWith(inner, "}") &&
        inner.find("\\begin{", 1) == std::string::npos &&
        inner.find("\\end{") == inner.rfind("\\end{")) {
      s = inner;
    }
  }
  // "\begin{array}{cc} ... \end{array}" (a matrix written as an array) -> pmatrix.
  if (StartsWith(s, "\\begin{array}{") && EndsWith(s, "\\end{array}")) {
    const size_t spec_close = MatchGroup(s, std::string("\\begin{array}").size());
    if (spec_close != std::string::npos) {
      s = "\\begin{pmatrix}" + s.substr(spec_close + 1, s.size() - spec_close - 1 - 11) +
          "\\end{pmatrix}";
    }
  }
  // One pair of wrapping braces, or parentheses around a single item: "(C)" -> "C".
  if (answer_text::WrappedInBrackets(s) &&
      ((s.front() == '{' && s.back() == '}') ||
       (s.front() == '(' && s.back() == ')' &&
        SplitTopLevel(s.substr(1, s.size() - 2), ",").size() == 1))) {
    s = Trim(s.substr(1, s.size() - 2));
  }
  const std::string lower = answer_text::ToLower(s);
  if (lower == "inf" || lower == "infinity") s = "\\infty";
  if (s == "\\mathbb{R}" || s == "\\mathbbR") s = "(-\\infty, \\infty)";  // all reals
  if (s == "\\{\\}") s = "\\emptyset";
  if (lower == "-inf" || lower == "-infinity") s = "-\\infty";
  return answer_numbers::CanonicalNumber(s);
}

std::string NormalizeOnce(const std::string& answer) {
  std::string s = StripDelimiters(HalveDoubledBackslashes(ReplaceUnicode(answer)));
  s = answer_numbers::JoinMarkedThousands(s);
  s = answer_rules::RelationOperators(DropSymbols(RewriteCommands(s)));
  s = Trim(BraceArguments(UnwrapText(s)));
  while (!s.empty() && s.back() == '.') s = Trim(s.substr(0, s.size() - 1));
  s = answer_rules::StripVariablePrefix(s);
  s = answer_rules::ListConjunctions(s);
  s = answer_numbers::RemoveThousands(s);
  s = answer_rules::StripUnitWords(s);
  s = answer_numbers::SpacedMixedNumber(s);
  return FinalTouches(CollapseSpaces(s));
}

}  // namespace

std::string NormalizeAnswer(const std::string& answer) {
  // Longer texts are not answers; they are only trimmed (and then compared exactly).
  constexpr size_t kMaxAnswerLength = 4096;
  if (answer.size() > kMaxAnswerLength) return Trim(answer);
  std::string s = answer;
  for (int round = 0; round < 4; ++round) {
    std::string next = NormalizeOnce(s);
    if (next == s) break;
    s = std::move(next);
  }
  return s;
}

}  // namespace steptree

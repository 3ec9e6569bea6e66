// Free-text extraction for `grade`: the answer of a text that may not use any of the
// engine's markers. Tiers, in priority order (the first tier that finds an answer wins):
//   1. markers      ExtractAnswer's markers (\boxed{} / \fbox{}, "The answer is", "The final
//                   answer is", "Final Answer:", "####") and "Answer:"; the marker that
//                   starts last wins; "$12$ and $13$" after a marker, and "\boxed{12} and
//                   \boxed{13}", give "12, 13"
//   2. math span    the last $...$, $$...$$, \(...\) or \[...\] (display math across lines),
//                   with the spans listed just before it ("$12$ and $13$" -> "12, 13"; "or"
//                   offers another form of the same answer and lists nothing); in
//                   a span "lhs = ... = rhs" gives rhs when lhs is a variable or a constant
//                   ("$x = 5$", "$2+3 = 5$" -> 5, but "$x^2+y^2 = 1$" stays whole); a `$`
//                   pair that holds dollar amounts ("paid $5 and then $6", "$400-$80 =
//                   $320") is not math and is skipped (IsCurrencyPair)
//   3. last number  only in prose (two or more words besides "and" / "or"): the last number
//                   ("1,000.99", "-3", "3/4", "2.5e3", "28%"), with its sign and percent
//                   sign; one comma not before exactly three digits is a decimal comma
//                   ("2,5 litres" -> 2.5); none when that number sits inside LaTeX
//                   ("\frac{1}{2}"), which is not a number of the prose
// A text that is not prose ("x^2+1", "12 apples", "2 and 3") states no answer by itself:
// it is a bare answer, and callers take the whole text. Doubled backslashes of JSON-escaped
// output are halved first (latex_escapes.h).
#include <optional>
#include <string>
#include <vector>

#include "datasets/answer.h"
#include "datasets/answer_markers.h"
#include "datasets/answer_text.h"
#include "datasets/latex_escapes.h"
#include "datasets/math_expression.h"

namespace steptree {
namespace {

using answer_text::IsAlpha;
using answer_text::IsDigit;
using answer_text::IsSpace;
using answer_text::Trim;

struct Span {
  size_t begin = 0, end = 0;  // the whole span with its delimiters
  std::string content;
};

// The number of plain words in `s`: runs of two or more letters that are not command names,
// environment names ("\begin{pmatrix}") or, unless `conjunctions`, "and" / "or".
int CountWords(const std::string& s, bool conjunctions = false) {
  int words = 0;
  for (size_t i = 0; i < s.size();) {
    if (s[i] == '\\') {
      const size_t length = answer_text::CommandNameLength(s, i);
      const std::string name = s.substr(i + 1, length);
      i += 1 + length;
      if ((name == "begin" || name == "end") && i < s.size() && s[i] == '{') {
        const size_t close = answer_text::MatchGroup(s, i);
        if (close != std::string::npos) i = close + 1;
      }
      continue;
    }
    if (!IsAlpha(s[i])) {
      ++i;
      continue;
    }
    size_t end = i;
    while (end < s.size() && IsAlpha(s[end])) ++end;
    const std::string word = answer_text::ToLower(s.substr(i, end - i));
    if (word.size() >= 2 && (conjunctions || (word != "and" && word != "or"))) ++words;
    i = end;
  }
  return words;
}

// True when `between` lists answers: commas, "and" (not "or": another form of the same).
bool IsConnector(const std::string& between) {
  std::string t = Trim(between);
  while (!t.empty() && t.front() == ',') t = Trim(t.substr(1));
  return t.empty() || t == "and";
}

// True for a "$" pair that holds a dollar amount rather than math: "$400-$80", "$9.00 +
// $4.00", "$5 and then $6": the "$" is followed by a digit, and the content ends in a space
// or an operator, or holds words or a "<<" calculator call.
bool IsCurrencyPair(const std::string& raw_content) {
  if (raw_content.empty() || !IsDigit(raw_content[0])) return false;
  const char last = raw_content.back();
  if (IsSpace(last) || std::string("+-*/=").find(last) != std::string::npos) return true;
  if (raw_content.find("<<") != std::string::npos) return true;
  return raw_content.find('\\') == std::string::npos && CountWords(raw_content, true) >= 1;
}

// Every math span, left to right. A backslash-escaped "\$" opens nothing.
std::vector<Span> MathSpans(const std::string& text) {
  static const std::pair<const char*, const char*> kSpans[] = {
      {"$$", "$$"}, {"\\[", "\\]"}, {"\\(", "\\)"}, {"$", "$"}};
  std::vector<Span> spans;
  // A closer that was searched for and is absent from some point on stays absent: each
  // kind of span is searched to the end at most once (linear time on any input).
  bool unclosed[4] = {false, false, false, false};
  for (size_t i = 0; i < text.size();) {
    bool found = false;
    for (size_t k = 0; k < 4; ++k) {
      const std::string o = kSpans[k].first, c = kSpans[k].second;
      if (text.compare(i, o.size(), o) != 0) continue;
      const size_t close_at = unclosed[k] ? std::string::npos
                                          : answer_text::FindUnescaped(text, c, i + o.size());
      if (close_at == std::string::npos) {
        unclosed[k] = true;
        break;
      }
      const std::string raw = text.substr(i + o.size(), close_at - i - o.size());
      const std::string content = Trim(raw);
      const bool prose =
          o == "$" && (IsCurrencyPair(raw) || (content.find('\\') == std::string::npos &&
                                               CountWords(content, true) >= 2));
      if (!content.empty() && !prose) spans.push_back({i, close_at + c.size(), content});
      i = prose ? i + 1 : close_at + c.size();
      found = true;
      break;
    }
    if (found) continue;
    i += text[i] == '\\' ? 2 : 1;  // skip "\$" and other escapes
  }
  return spans;
}

bool IsVariableName(const std::string& s) {
  if (s.size() == 1) return IsAlpha(s[0]);
  const std::optional<MathExpression> e = MathExpression::Parse(s);
  return e && e->variables().size() == 1 && *e->variables().begin() == s;
}

// "x = 5" -> "5", "2 + 3 = 5" -> "5"; other texts unchanged.
std::string LastRightHandSide(const std::string& content) {
  const std::vector<std::string> sides = answer_text::SplitTopLevel(content, "=");
  if (sides.size() < 2 || sides.back().empty()) return content;
  const std::string& first = sides.front();
  const std::optional<MathExpression> lhs = MathExpression::Parse(first);
  if (IsVariableName(first) || (lhs && lhs->IsConstant())) return sides.back();
  return content;
}

std::optional<std::string> LastMathSpans(const std::string& text) {
  const std::vector<Span> spans = MathSpans(text);
  if (spans.empty()) return std::nullopt;
  size_t first = spans.size() - 1;
  while (first > 0) {
    const size_t gap = spans[first - 1].end;
    if (!IsConnector(text.substr(gap, spans[first].begin - gap))) break;
    --first;
  }
  std::string answer;
  for (size_t k = first; k < spans.size(); ++k) {
    if (!answer.empty()) answer += ", ";
    answer += LastRightHandSide(spans[k].content);
  }
  return answer;
}

// True when a number ends or starts next to LaTeX syntax at this character.
bool IsLatexNeighbour(char c) {
  return c == '^' || c == '_' || c == '{' || c == '}' || c == '\\';
}

std::optional<std::string> LastNumber(const std::string& text) {
  std::optional<std::string> last;
  for (size_t i = 0; i < text.size();) {
    if (!IsDigit(text[i])) {
      ++i;
      continue;
    }
    size_t begin = i, end = i;
    // digits, with "," or "." between digit groups
    while (end < text.size()) {
      while (end < text.size() && IsDigit(text[end])) ++end;
      const bool separator = end + 1 < text.size() && (text[end] == ',' || text[end] == '.');
      if (separator && IsDigit(text[end + 1])) {
        ++end;
        continue;
      }
      break;
    }
    if (end + 1 < text.size() && text[end] == '/' && IsDigit(text[end + 1])) {  // "3/4"
      ++end;
      while (end < text.size() && IsDigit(text[end])) ++end;
    } else if (end + 1 < text.size() && (text[end] == 'e' || text[end] == 'E')) {  // "2.5e3"
      size_t k = end + 1;
      if (k < text.size() && (text[k] == '-' || text[k] == '+')) ++k;
      if (k < text.size() && IsDigit(text[k]) && (k + 1 >= text.size() || !IsAlpha(text[k + 1]))) {
        while (k < text.size() && IsDigit(text[k])) ++k;
        end = k;
      }
    }
    i = end;
    // A sign written just before the number, not a subtraction: "is -5", "(-5".
    if (begin > 0 && text[begin - 1] == '-') {
      const char before_sign = begin == 1 ? ' ' : text[begin - 2];
      if (IsSpace(before_sign) || before_sign == '(' || before_sign == ':') --begin;
    }
    std::string number = text.substr(begin, end - begin);
    // In prose one comma not followed by exactly three digits is a decimal comma.
    const size_t comma = number.find(',');
    if (comma != std::string::npos && number.find(',', comma + 1) == std::string::npos &&
        number.find('.') == std::string::npos) {
      size_t digits = comma + 1;
      while (digits < number.size() && IsDigit(number[digits])) ++digits;
      if (digits - comma - 1 != 3) number[comma] = '.';
    }
    if (end < text.size() && text[end] == '%') number += '%';
    const char before = begin > 0 ? text[begin - 1] : ' ';
    const char after = end < text.size() ? text[end] : ' ';
    const bool in_latex = IsLatexNeighbour(before) || IsLatexNeighbour(after) || IsAlpha(before) ||
                          before == '/' || after == '/';
    last = in_latex ? std::nullopt : std::optional<std::string>(number);
  }
  return last;
}

}  // namespace

std::optional<std::string> ExtractAnswerFromText(const std::string& raw_text) {
  const std::string text = HalveDoubledBackslashes(raw_text);
  answer_markers::MarkerOptions options;
  options.answer_colon = true;
  options.several_answers = true;
  if (std::optional<std::string> marked = answer_markers::LastMarkedAnswer(text, options)) {
    return marked;
  }
  if (std::optional<std::string> spans = LastMathSpans(text)) {
    if (!Trim(*spans).empty()) return spans;
  }
  if (CountWords(text) < 2) return std::nullopt;  // a bare answer, not prose
  return LastNumber(text);
}

}  // namespace steptree

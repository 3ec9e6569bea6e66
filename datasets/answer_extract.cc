// Final-answer extraction: finds every answer marker in a solution and keeps the one that
// starts last in the text.
//
// Markers: \boxed{...} and \fbox{...} (nested braces; "\boxed 5" too), "#### ...",
// "The answer is[:] ...", "The final answer is ..." and "Final Answer: ..." (any case;
// markdown emphasis allowed: "**Final Answer:** 5"). For the textual markers the answer
// is the rest of the line (or the next non-empty line when that is empty): a leading
// $...$, \(...\) or \[...\] span when there is one, otherwise the text up to the end of
// the sentence (". " or a final ".").
// Markers with nothing after them, and unclosed \boxed{, are ignored.
#include <algorithm>
#include <cctype>
#include <optional>
#include <string>
#include <vector>

#include "datasets/answer.h"
#include "datasets/answer_text.h"

namespace steptree {
namespace {

using answer_text::EndsWith;
using answer_text::MatchGroup;
using answer_text::StartsWith;
using answer_text::Trim;

struct Candidate {
  size_t position = 0;
  std::string answer;
};

// Removes surrounding math delimiters, markdown bold and trailing periods.
std::string StripDecorations(std::string s) {
  for (;;) {
    const std::string before = s;
    s = Trim(s);
    while (!s.empty() && s.back() == '.') s = Trim(s.substr(0, s.size() - 1));
    s = answer_text::StripMathDelimiters(s);
    if (s.size() >= 4 && StartsWith(s, "**") && EndsWith(s, "**")) s = s.substr(2, s.size() - 4);
    if (s == before) return s;
  }
}

// Every \boxed{...} / \fbox{...} in the text.
void FindBoxed(const std::string& text, const std::string& command, std::vector<Candidate>* out) {
  for (size_t pos = text.find(command); pos != std::string::npos;
       pos = text.find(command, pos + 1)) {
    size_t i = pos + command.size();
    if (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) continue;
    while (i < text.size() && text[i] == ' ') ++i;
    std::string content;
    if (i < text.size() && text[i] == '{') {
      const size_t close = MatchGroup(text, i);
      if (close == std::string::npos) continue;
      content = text.substr(i + 1, close - i - 1);
    } else {
      // "\boxed 5": one space-delimited token.
      const size_t end = text.find_first_of(" \t\n$", i);
      content = text.substr(i, end == std::string::npos ? std::string::npos : end - i);
    }
    content = StripDecorations(content);
    if (!content.empty()) out->push_back({pos, content});
  }
}

// The line from `start`, continued over newlines inside open TeX groups.
std::string LineFrom(const std::string& text, size_t start, size_t* end) {
  int depth = 0;
  size_t i = start;
  for (; i < text.size(); ++i) {
    if (text[i] == '\\') {
      ++i;
      continue;
    }
    if (text[i] == '{') ++depth;
    if (text[i] == '}') --depth;
    if (text[i] == '\n' && depth <= 0) break;
  }
  *end = std::min(i, text.size());
  return text.substr(start, *end - start);
}

// The rest of the line from `start` without leading markdown and colons ("**: "); when
// that is blank, the next non-blank line.
std::string RestOfLine(const std::string& text, size_t start) {
  size_t end;
  std::string line = LineFrom(text, start, &end);
  const size_t skip = line.find_first_not_of("*: \t\r");
  if (skip != std::string::npos) return Trim(line.substr(skip));
  while (end < text.size()) {
    line = Trim(LineFrom(text, end + 1, &end));
    if (!line.empty()) return line;
  }
  return {};
}

// The answer stated right after a textual marker: a leading math span, or the sentence.
std::string AnswerAfterMarker(const std::string& text, size_t start) {
  std::string rest = RestOfLine(text, start);
  static const std::pair<const char*, const char*> kSpans[] = {
      {"$$", "$$"}, {"$", "$"}, {"\\(", "\\)"}, {"\\[", "\\]"}};
  for (const auto& [open, close] : kSpans) {
    const std::string o = open;
    if (!StartsWith(rest, o)) continue;
    const size_t end = answer_text::FindUnescaped(rest, close, o.size());
    if (end == std::string::npos) break;
    return StripDecorations(rest.substr(o.size(), end - o.size()));
  }
  // The sentence ends at a period followed by a space (not inside a group).
  int depth = 0;
  for (size_t i = 0; i + 1 < rest.size(); ++i) {
    if (rest[i] == '{') ++depth;
    if (rest[i] == '}') --depth;
    if (rest[i] == '.' && depth <= 0 && std::isspace(static_cast<unsigned char>(rest[i + 1]))) {
      rest.resize(i);
      break;
    }
  }
  return StripDecorations(rest);
}

// Case-insensitive search for `marker`; calls add(position, end) for each occurrence that
// does not continue a word on its left.
template <typename Add>
void FindMarker(const std::string& lower_text, const std::string& marker, Add add) {
  for (size_t pos = lower_text.find(marker); pos != std::string::npos;
       pos = lower_text.find(marker, pos + 1)) {
    if (pos > 0 && std::isalpha(static_cast<unsigned char>(lower_text[pos - 1]))) continue;
    add(pos, pos + marker.size());
  }
}

const Candidate* LastCandidate(const std::vector<Candidate>& candidates) {
  const Candidate* last = nullptr;
  for (const Candidate& c : candidates) {
    if (!last || c.position > last->position) last = &c;
  }
  return last;
}

}  // namespace

std::optional<std::string> ExtractAnswer(const std::string& solution) {
  std::vector<Candidate> candidates;
  FindBoxed(solution, "\\boxed", &candidates);
  FindBoxed(solution, "\\fbox", &candidates);

  const std::string lower = answer_text::ToLower(solution);
  auto add_textual = [&](size_t position, size_t end) {
    std::string answer = AnswerAfterMarker(solution, end);
    if (!answer.empty()) candidates.push_back({position, answer});
  };
  FindMarker(lower, "the answer is", add_textual);
  FindMarker(lower, "the final answer is", add_textual);
  FindMarker(lower, "final answer", [&](size_t position, size_t end) {
    size_t colon = end;
    while (colon < lower.size() && (lower[colon] == '*' || lower[colon] == ' ')) ++colon;
    if (colon < lower.size() && lower[colon] == ':') add_textual(position, colon);
  });
  for (size_t pos = solution.find("####"); pos != std::string::npos;
       pos = solution.find("####", pos + 4)) {
    size_t end = pos + 4;
    if (end < solution.size() && solution[end] == '#') {  // a longer run of '#': a heading
      while (end < solution.size() && solution[end] == '#') ++end;
      pos = end - 4;
      continue;
    }
    std::string answer = StripDecorations(RestOfLine(solution, end));
    if (!answer.empty()) candidates.push_back({pos, answer});
  }

  const Candidate* last = LastCandidate(candidates);
  if (!last) return std::nullopt;
  return last->answer;
}

std::optional<std::string> LastBoxed(const std::string& text) {
  std::vector<Candidate> candidates;
  FindBoxed(text, "\\boxed", &candidates);
  FindBoxed(text, "\\fbox", &candidates);
  const Candidate* last = LastCandidate(candidates);
  if (!last) return std::nullopt;
  return last->answer;
}

}  // namespace steptree

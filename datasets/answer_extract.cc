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
//
// ExtractAnswer reads the steps the search engine scores, so its markers are fixed (the
// engine's rewards depend on them). The wider reading of free text (ExtractAnswerFromText,
// answer_free_text.cc) calls the same scan with two more options (answer_markers.h): the
// marker "Answer:" and several answers after a marker ("$12$ and $13$").
#include <algorithm>
#include <cctype>
#include <optional>
#include <string>
#include <vector>

#include "datasets/answer.h"
#include "datasets/answer_markers.h"
#include "datasets/answer_text.h"

namespace steptree {
namespace {

using answer_markers::MarkerOptions;

using answer_text::EndsWith;
using answer_text::MatchGroup;
using answer_text::StartsWith;
using answer_text::Trim;

struct Candidate {
  size_t position = 0;
  std::string answer;
  size_t box_end = 0;  // for \boxed{} / \fbox{}: just past the box; 0 for other markers
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
    const size_t box_end = text[i] == '{' ? MatchGroup(text, i) + 1 : i + content.size();
    if (!content.empty()) out->push_back({pos, content, box_end});
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

// The math span ($$..$$, $..$, \(..\), \[..\]) that starts `text`: its content, and the
// index just past it in *end. nullopt when `text` does not start with a closed span.
std::optional<std::string> LeadingSpan(const std::string& text, size_t* end) {
  static const std::pair<const char*, const char*> kSpans[] = {
      {"$$", "$$"}, {"$", "$"}, {"\\(", "\\)"}, {"\\[", "\\]"}};
  for (const auto& [open, close] : kSpans) {
    const std::string o = open, c = close;
    if (!StartsWith(text, o)) continue;
    const size_t close_at = answer_text::FindUnescaped(text, c, o.size());
    if (close_at == std::string::npos) return std::nullopt;
    *end = close_at + c.size();
    return text.substr(o.size(), close_at - o.size());
  }
  return std::nullopt;
}

// After a leading span: ", $13$", " and $13$" -> the next span's content.
std::optional<std::string> NextListedSpan(const std::string& rest, size_t* end) {
  size_t i = 0;
  while (i < rest.size() && (rest[i] == ' ' || rest[i] == ',')) ++i;
  if (rest.compare(i, 4, "and ") == 0) i += 4;
  while (i < rest.size() && rest[i] == ' ') ++i;
  if (i == 0) return std::nullopt;
  size_t span_end;
  std::optional<std::string> span = LeadingSpan(rest.substr(i), &span_end);
  if (span) *end = i + span_end;
  return span;
}

// The answer stated right after a textual marker: a leading math span (with
// options.several_answers, every span listed after it too: "$12$ and $13$" -> "12, 13"), or
// the sentence.
std::string AnswerAfterMarker(const std::string& text, size_t start, const MarkerOptions& options) {
  std::string rest = RestOfLine(text, start);
  size_t end;
  if (StartsWith(rest, "$") || StartsWith(rest, "\\(") || StartsWith(rest, "\\[")) {
    if (std::optional<std::string> span = LeadingSpan(rest, &end)) {
      std::string answer = StripDecorations(*span);
      while (options.several_answers) {
        rest = rest.substr(end);
        std::optional<std::string> next = NextListedSpan(rest, &end);
        if (!next) break;
        answer += ", " + StripDecorations(*next);
      }
      return answer;
    }
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

// True when `between` only lists: spaces, "$", commas, "and". ("or" offers another form
// of the same answer: "\boxed{1\frac{1}{2}} or \boxed{\frac{3}{2}}".)
bool IsListing(const std::string& between) {
  std::string rest;
  for (char c : between) {
    if (c != '$' && c != ',' && !std::isspace(static_cast<unsigned char>(c))) rest += c;
  }
  return rest.empty() || rest == "and";
}

// The boxes listed just before `last` ("\boxed{2}, \boxed{3} and \boxed{5}"), joined.
std::string ListedBoxes(const std::string& text, const std::vector<Candidate>& candidates,
                        const Candidate& last) {
  std::vector<const Candidate*> boxes;
  for (const Candidate& c : candidates) {
    if (c.box_end > 0) boxes.push_back(&c);
  }
  std::sort(boxes.begin(), boxes.end(),
            [](const Candidate* a, const Candidate* b) { return a->position < b->position; });
  std::string answer = last.answer;
  const Candidate* next = &last;
  auto it = std::find(boxes.rbegin(), boxes.rend(), &last);
  if (it == boxes.rend()) return answer;
  for (; it + 1 != boxes.rend(); ++it) {
    const Candidate* before = *(it + 1);
    if (before->box_end > next->position ||
        !IsListing(text.substr(before->box_end, next->position - before->box_end))) {
      break;
    }
    answer = before->answer + ", " + answer;
    next = before;
  }
  return answer;
}

const Candidate* LastCandidate(const std::vector<Candidate>& candidates) {
  const Candidate* last = nullptr;
  for (const Candidate& c : candidates) {
    if (!last || c.position > last->position) last = &c;
  }
  return last;
}

}  // namespace

std::optional<std::string> answer_markers::LastMarkedAnswer(const std::string& solution,
                                                            const MarkerOptions& options) {
  std::vector<Candidate> candidates;
  FindBoxed(solution, "\\boxed", &candidates);
  FindBoxed(solution, "\\fbox", &candidates);

  const std::string lower = answer_text::ToLower(solution);
  auto add_textual = [&](size_t position, size_t end) {
    std::string answer = AnswerAfterMarker(solution, end, options);
    if (!answer.empty()) candidates.push_back({position, answer});
  };
  FindMarker(lower, "the answer is", add_textual);
  FindMarker(lower, "the final answer is", add_textual);
  FindMarker(lower, "final answer", [&](size_t position, size_t end) {
    size_t colon = end;
    while (colon < lower.size() && (lower[colon] == '*' || lower[colon] == ' ')) ++colon;
    if (colon < lower.size() && lower[colon] == ':') add_textual(position, colon);
  });
  if (options.answer_colon) {
    // "Answer:" opening a line (after markdown "*", "#", ">" and spaces), not "our answer:".
    FindMarker(lower, "answer:", [&](size_t position, size_t end) {
      size_t k = position;
      while (k > 0 && std::string("*#> \t").find(lower[k - 1]) != std::string::npos) --k;
      if (k == 0 || lower[k - 1] == '\n') add_textual(position, end);
    });
  }
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
  if (options.several_answers && last->box_end > 0) return ListedBoxes(solution, candidates, *last);
  return last->answer;
}

std::optional<std::string> ExtractAnswer(const std::string& solution) {
  return answer_markers::LastMarkedAnswer(solution, MarkerOptions{});
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

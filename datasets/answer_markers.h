// The marker scan behind ExtractAnswer (answer_extract.cc), shared with the free-text
// extraction (answer_free_text.cc). Internal to the grader.
#pragma once

#include <optional>
#include <string>

namespace steptree::answer_markers {

struct MarkerOptions {
  // "Answer: ..." opening a line (any case; "**Answer:**" too) is a marker. ("Final
  // Answer:" is always one.)
  bool answer_colon = false;
  // Several answers: after a marker, a math span followed by ", " / " and " and more spans
  // gives all of them, joined by ", " ("The answer is $12$ and $13$" -> "12, 13"); so do
  // boxes listed the same way ("\boxed{12} and \boxed{13}"). "or" is not a list: it
  // offers another form of the same answer.
  bool several_answers = false;
};

// The answer of the marker that starts last in `text` (see answer_extract.cc), or nullopt.
// With default options this is ExtractAnswer.
std::optional<std::string> LastMarkedAnswer(const std::string& text, const MarkerOptions& options);

}  // namespace steptree::answer_markers

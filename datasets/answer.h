// The grader: final-answer extraction, normalisation and equivalence. Never executes code:
// expressions are read by a small parser of its own (math_expression.h) and evaluated.
//
// Extraction has two entry points:
//  - ExtractAnswer (answer_extract.cc), for the steps the search engine scores: only
//    explicit markers, the one that starts last in the text wins: \boxed{...} / \fbox{...}
//    with nested braces, "The answer is ...", "The final answer is ...", "#### ...",
//    "Final Answer: ..."; surrounding $...$ and trailing periods stripped. A step without
//    a marker states no answer (a terminal step without one stays unanswered).
//  - ExtractAnswerFromText (answer_free_text.cc), for `grade` and users grading free model
//    output: the same markers and "Answer:", then the last math span(s), then the last
//    number of prose.
// Normalisation (answer_normalize.cc, answer_rules.cc, answer_numbers.cc,
// latex_escapes.cc): thousands separators, currency and unit words, \text{}, \left
// \right, \dfrac \tfrac \frac12, degrees, percent, "x =" prefixes, relation operators,
// scientific notation, doubled backslashes, trailing periods, unicode minus and dashes,
// LaTeX spacing, a leading '+'.
// Equivalence (answer.cc, by the kinds of answer_shape.h): numbers to a relative 1e-6 or an
// absolute 1e-9; expressions at random points (fixed seed); tuples, vectors, matrices and
// intervals element by element, with interval brackets significant; bare lists ("1, 2"),
// sets and "a \pm b" as multisets; relations either way round; equations up to a constant
// factor; words case-insensitively. Every comparison runs under a step budget
// (answer_budget.h): a pathological input is "not equal", never a hang.
#pragma once

#include <optional>
#include <string>

namespace steptree {

// The final answer stated in a solution (a search step), or nullopt when it states none.
// Explicit markers only; the engine's rewards depend on this reading, which stays fixed.
std::optional<std::string> ExtractAnswer(const std::string& solution);

// The answer stated in free text (a model's whole output), by tiers: ExtractAnswer's
// markers and "Answer:"; else the last math span ($..$, $$..$$, \(..\), \[..\]) with the
// spans listed just before it; else, in prose only, the last number. nullopt when the text
// is a bare answer rather than prose ("x^2+1", "12 apples") or states nothing.
std::optional<std::string> ExtractAnswerFromText(const std::string& text);

// The content of the last complete \boxed{...} or \fbox{...} in `text` (math delimiters
// and trailing periods stripped), or nullopt when there is none.
std::optional<std::string> LastBoxed(const std::string& text);

// Canonical text form of an answer (used for exact comparison and majority voting).
std::string NormalizeAnswer(const std::string& answer);

// True when `predicted` and `gold` (both already-extracted answers) are equivalent.
bool AnswersEqual(const std::string& predicted, const std::string& gold);

}  // namespace steptree

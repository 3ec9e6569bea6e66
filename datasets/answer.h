// The grader: final-answer extraction, normalisation and equivalence. Never executes code:
// expressions are read by a small parser of its own (math_expression.h) and evaluated.
//
// Extraction (answer_extract.cc; the marker that starts last in the text wins):
// \boxed{...} / \fbox{...} with nested braces, "The answer is ...", "The final answer is
// ...", "#### ...", "Final Answer: ..."; surrounding $...$ and trailing periods stripped.
// Normalisation (answer_normalize.cc, answer_rules.cc): thousands separators, currency and
// unit words, \text{}, \left \right, \dfrac \tfrac \frac12, degrees, percent, "x ="
// prefixes, trailing periods, unicode minus and dashes, LaTeX spacing, a leading '+'.
// Equivalence (answer.cc): equal after normalisation; or numerically equal (relative
// tolerance 1e-6, absolute 1e-9 near zero) for numbers and fractions; or, for expressions,
// equal values at random points (fixed seed); tuples, vectors and intervals element by
// element, with interval brackets significant; bare lists ("1, 2") and sets as multisets;
// equations up to a constant factor; words case-insensitively.
#pragma once

#include <optional>
#include <string>

namespace steptree {

// The final answer stated in a solution, or nullopt when it states none.
std::optional<std::string> ExtractAnswer(const std::string& solution);

// The content of the last complete \boxed{...} or \fbox{...} in `text` (math delimiters
// and trailing periods stripped), or nullopt when there is none.
std::optional<std::string> LastBoxed(const std::string& text);

// Canonical text form of an answer (used for exact comparison and majority voting).
std::string NormalizeAnswer(const std::string& answer);

// True when `predicted` and `gold` (both already-extracted answers) are equivalent.
bool AnswersEqual(const std::string& predicted, const std::string& gold);

}  // namespace steptree

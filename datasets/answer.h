// The grader: final-answer extraction, normalisation and equivalence. Never executes code.
//
// Extraction (last match wins in the text): \boxed{...} / \fbox{...} with nested braces,
// "The answer is ...", "#### ...", "Final Answer: ...".
// Normalisation: thousands separators, currency and unit words, \text{}, \left \right,
// \dfrac \tfrac \frac12, degrees, percent, "x =" prefixes, trailing periods, unicode minus.
// Equivalence: equal after normalisation; or numerically equal (relative tolerance 1e-6)
// for numbers and fractions; or, for expressions, equal values at random points (sqrt,
// pi, powers, fractions, polynomials); tuples, vectors and intervals element by element,
// with interval brackets significant.
#pragma once

#include <optional>
#include <string>

namespace steptree {

// The final answer stated in a solution, or nullopt when it states none.
std::optional<std::string> ExtractAnswer(const std::string& solution);

// Canonical text form of an answer (used for exact comparison and majority voting).
std::string NormalizeAnswer(const std::string& answer);

// True when `predicted` and `gold` (both already-extracted answers) are equivalent.
bool AnswersEqual(const std::string& predicted, const std::string& gold);

}  // namespace steptree

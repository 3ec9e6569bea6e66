// Normalisation rules about the form of an answer's value, used by NormalizeAnswer after
// the LaTeX markup passes (answer_normalize.cc): thousands separators, "x =" prefixes,
// unit words, spelled-out lists, canonical numbers. Plain scanners, no std::regex (whose
// recursive matcher overflows the stack on long inputs).
#pragma once

#include <string>

namespace steptree::answer_rules {

// "10,\!080" -> "10080", "1{,}000" -> "1000": LaTeX-marked separators between digit groups.
std::string JoinMarkedThousands(const std::string& s);

// "1,234,567" -> "1234567" outside brackets; "(1,234)" and "1,23" stay as they are.
std::string RemoveThousands(const std::string& s);

// "x = 5" -> "5", "a_1=2" -> "2", "\theta = 3" -> "3", "f(x) = x^2" -> "x^2",
// "x \in [1,2]" -> "[1,2]". Only a single variable on the left of a single "=".
std::string StripVariablePrefix(const std::string& s);

// "2 and 3" / "2 or 3" -> "2, 3".
std::string ListConjunctions(const std::string& s);

// "12 apples" -> "12", "5 square feet" -> "5", "3 cm^2" -> "3", "USD 5" -> "5": words
// after (or a currency word before) a value without variables. "2 pi" stays.
std::string StripUnitWords(const std::string& s);

// Whole-answer number forms: "a/b" -> \frac{a}{b}; the mixed number "1\frac{4}{5}" ->
// \frac{9}{5}; decimals "0.50" -> 0.5, ".5" -> 0.5, "+3" -> 3, "007" -> 7, "-0" -> 0.
std::string CanonicalNumber(const std::string& s);

}  // namespace steptree::answer_rules

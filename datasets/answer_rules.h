// Normalisation rules about the form of an answer's value, used by NormalizeAnswer after
// the LaTeX markup passes (answer_normalize.cc): "x =" prefixes, unit words, spelled-out
// lists, relation operators; the number forms are in answer_numbers.h. Plain scanners, no
// std::regex (whose recursive matcher overflows the stack on long inputs).
#pragma once

#include <string>

namespace steptree::answer_rules {

// "x = 5" -> "5", "a_1=2" -> "2", "\theta = 3" -> "3", "f(x) = x^2" -> "x^2",
// "x \in [1,2]" -> "[1,2]", "(x, y) = (1, 2)" -> "(1, 2)", "k = 2+1 = 3" -> "3". Only a
// single variable on the left (then the last right-hand side), or a tuple of them on the
// left of a single "=".
std::string StripVariablePrefix(const std::string& s);

// "2 and 3" / "2 or 3" -> "2, 3".
std::string ListConjunctions(const std::string& s);

// "12 apples" -> "12", "5 square feet" -> "5", "3 cm^2" -> "3", "USD 5" -> "5": words
// after (or a currency word before) a value without variables. "2 pi" stays.
std::string StripUnitWords(const std::string& s);

// ">=" -> "\geq", "<=" -> "\leq", "!=" -> "\neq": relation operators in one spelling.
std::string RelationOperators(const std::string& s);

}  // namespace steptree::answer_rules

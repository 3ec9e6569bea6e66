// Number forms in answers, used by NormalizeAnswer (answer_normalize.cc) and by the
// decimal-comma convention of AnswersEqual (answer.cc). Plain scanners, no std::regex.
#pragma once

#include <optional>
#include <string>

namespace steptree::answer_numbers {

// "10,\!080" -> "10080", "1{,}000" -> "1000": LaTeX-marked separators between digit groups.
std::string JoinMarkedThousands(const std::string& s);

// "1,234,567" -> "1234567" outside brackets; "(1,234)" and "1,23" stay as they are.
std::string RemoveThousands(const std::string& s);

// "2 1/2" -> "2\frac{1}{2}": a whole number, spaces and a proper fraction read as a mixed
// number (before spaces are removed, which would make it 21/2).
std::string SpacedMixedNumber(const std::string& s);

// The decimal-comma reading of a raw answer that is a single number written with a comma
// that is not a thousands separator, where a list of two numbers is unlikely: European
// grouping "1.234,5" -> "1234.5", four or more decimals "3,1416" -> "3.1416", a currency
// or unit with it "0,25 m" -> "0.25 m", "\u20ac3,50" -> "\u20ac3.50". nullopt for anything
// else: "3,5" (perhaps the solutions 3 and 5), "1,234", "1, 5", "1,2,3", "x,5".
std::optional<std::string> DecimalCommaReading(const std::string& raw);

// Whole-answer number forms: "a/b" -> \frac{a}{b}; the mixed number "1\frac{4}{5}" ->
// \frac{9}{5}; decimals "0.50" -> 0.5, ".5" -> 0.5, "+3" -> 3, "007" -> 7, "-0" -> 0;
// scientific notation with an exponent up to 20 in size "1e3" -> 1000, "2.5E-2" -> 0.025.
std::string CanonicalNumber(const std::string& s);

}  // namespace steptree::answer_numbers

// Doubled backslashes: model output that was JSON-escaped twice writes "\\frac{1}{2}" for
// "\frac{1}{2}" and "\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}" for a column vector. The
// grader reads such text as the LaTeX it stands for.
//
// Detection (so that a real row break "1 \\ 2" is never touched): every run of backslashes
// in the text has even length, and at least one doubled backslash starts a command of two
// or more letters ("\\frac", "\\pi") or a delimiter pair ("\\( ... \\)", "\\[ ... \\]",
// "\\{ ... \\}"). Then every run is halved.
#pragma once

#include <string>

namespace steptree {

// The text with doubled backslashes halved when it reads as doubly escaped; else unchanged.
std::string HalveDoubledBackslashes(const std::string& text);

}  // namespace steptree

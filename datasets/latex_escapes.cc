// Doubled-backslash detection and repair (see latex_escapes.h).
#include "datasets/latex_escapes.h"

#include "datasets/answer_text.h"

namespace steptree {

std::string HalveDoubledBackslashes(const std::string& text) {
  if (text.find("\\\\") == std::string::npos) return text;
  bool command = false;
  bool opens[3] = {false, false, false}, closes[3] = {false, false, false};
  static const char kOpen[] = "([{", kClose[] = ")]}";
  for (size_t i = 0; i < text.size();) {
    if (text[i] != '\\') {
      ++i;
      continue;
    }
    size_t end = i;
    while (end < text.size() && text[end] == '\\') ++end;
    if ((end - i) % 2 != 0) return text;  // a single backslash somewhere: real LaTeX
    if (end - i == 2 && end < text.size()) {
      if (end + 1 < text.size() && answer_text::IsAlpha(text[end]) &&
          answer_text::IsAlpha(text[end + 1])) {
        command = true;
      }
      for (int k = 0; k < 3; ++k) {
        opens[k] = opens[k] || text[end] == kOpen[k];
        closes[k] = closes[k] || (opens[k] && text[end] == kClose[k]);
      }
    }
    i = end;
  }
  const bool delimiters = closes[0] || closes[1] || closes[2];
  if (!command && !delimiters) return text;
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    out += text[i];
    if (text[i] == '\\') ++i;  // runs are even: keep the first of each pair
  }
  return out;
}

}  // namespace steptree

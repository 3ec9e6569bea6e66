// Text helpers for LaTeX answers (see answer_text.h).
#include "datasets/answer_text.h"

#include <cctype>

namespace steptree::answer_text {

std::string Trim(const std::string& s) {
  const char* kSpace = " \t\r\n\f\v";
  const size_t begin = s.find_first_not_of(kSpace);
  if (begin == std::string::npos) return {};
  return s.substr(begin, s.find_last_not_of(kSpace) - begin + 1);
}

bool StartsWith(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string ReplaceAll(std::string s, const std::string& from, const std::string& to) {
  size_t pos = 0;
  while ((pos = s.find(from, pos)) != std::string::npos) {
    s.replace(pos, from.size(), to);
    pos += to.size();
  }
  return s;
}

std::string ToLower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

size_t MatchGroup(const std::string& s, size_t open) {
  int depth = 0;
  for (size_t i = open; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;  // "\{", "\}" and "\\" are not group delimiters
      continue;
    }
    if (s[i] == '{') ++depth;
    if (s[i] == '}' && --depth == 0) return i;
  }
  return std::string::npos;
}

size_t CommandNameLength(const std::string& s, size_t pos) {
  size_t end = pos + 1;
  while (end < s.size() && std::isalpha(static_cast<unsigned char>(s[end]))) ++end;
  if (end == pos + 1 && end < s.size()) return 1;
  return end - pos - 1;
}

size_t FindUnescaped(const std::string& s, const std::string& token, size_t from) {
  for (size_t i = from; i < s.size(); ++i) {
    if (s[i] == '\\' && token[0] != '\\') {
      ++i;
      continue;
    }
    if (s.compare(i, token.size(), token) == 0) return i;
  }
  return std::string::npos;
}

std::string StripMathDelimiters(std::string s) {
  static const std::pair<const char*, const char*> kDelimiters[] = {
      {"$$", "$$"}, {"$", "$"}, {"\\(", "\\)"}, {"\\[", "\\]"}};
  for (;;) {
    s = Trim(s);
    const std::string before = s;
    for (const auto& [open, close] : kDelimiters) {
      const std::string o = open, c = close;
      if (s.size() < o.size() + c.size() || !StartsWith(s, o)) continue;
      if (FindUnescaped(s, c, o.size()) == s.size() - c.size()) {
        s = Trim(s.substr(o.size(), s.size() - o.size() - c.size()));
        break;
      }
    }
    if (s == before) return s;
  }
}

namespace {

// +1 for an opener at s[i], -1 for a closer, 0 otherwise; *width is the token's length.
int BracketAt(const std::string& s, size_t i, size_t* width) {
  *width = 1;
  if (s[i] == '\\') {
    *width = 1 + CommandNameLength(s, i);
    if (i + 1 < s.size() && s[i + 1] == '{') return 1;
    if (i + 1 < s.size() && s[i + 1] == '}') return -1;
    return 0;
  }
  if (s[i] == '(' || s[i] == '[' || s[i] == '{') return 1;
  if (s[i] == ')' || s[i] == ']' || s[i] == '}') return -1;
  return 0;
}

}  // namespace

std::vector<std::string> SplitTopLevel(const std::string& s, const std::string& separator) {
  std::vector<std::string> pieces;
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i < s.size();) {
    if (depth == 0 && s.compare(i, separator.size(), separator) == 0) {
      pieces.push_back(Trim(s.substr(start, i - start)));
      i += separator.size();
      start = i;
      continue;
    }
    size_t width;
    depth += BracketAt(s, i, &width);
    i += width;
  }
  pieces.push_back(Trim(s.substr(start)));
  return pieces;
}

bool WrappedInBrackets(const std::string& s) {
  if (s.size() < 2 || (s[0] != '(' && s[0] != '[' && s[0] != '{')) return false;
  int depth = 0;
  for (size_t i = 0; i < s.size();) {
    size_t width;
    depth += BracketAt(s, i, &width);
    if (depth <= 0) return i + width == s.size();
    i += width;
  }
  return false;
}

}  // namespace steptree::answer_text
